//! `--events URL` and `--redis URL`: a command joins the replicas of a service through their
//! Redis (`bb_api_ext::replicas`), to hear the events they receive and share their budget.

use bb_api_ext::replicas::{Replica, ReplicaConfig};

use crate::output::Failure;

/// A Redis URL given on the command line. It may carry a password, so its `Debug` shows none of
/// it; errors show it with the password masked (`bb_api_ext::replicas::ReplicaError`).
#[derive(Clone)]
pub struct RedisUrl(String);

impl std::str::FromStr for RedisUrl {
    type Err = std::convert::Infallible;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        Ok(Self(url.to_owned()))
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisUrl([REDACTED])")
    }
}

/// The Redis key prefix, shared by every replica of one service.
#[derive(clap::Args, Debug)]
pub struct Prefix {
    /// The prefix of the replicas' Redis keys (their `ReplicaConfig::key_prefix`).
    #[arg(long, value_name = "PREFIX", default_value = "bb-api")]
    pub redis_prefix: String,
}

/// Connects to the replicas' Redis; an unreachable or malformed URL fails before anything is
/// sent, naming the URL with its password masked.
pub async fn connect(
    url: &RedisUrl,
    prefix: &Prefix,
    config: ReplicaConfig,
) -> Result<Replica, Failure> {
    Replica::connect(&url.0, config.key_prefix(prefix.redis_prefix.as_str()))
        .await
        .map_err(Failure::Redis)
}

#[cfg(test)]
mod tests {
    use super::RedisUrl;

    #[test]
    fn a_redis_url_shows_no_password_in_debug() {
        let url: RedisUrl = "redis://app:hunter2@127.0.0.1:6379/0"
            .parse()
            .unwrap_or_else(|e| match e {});
        assert_eq!(format!("{url:?}"), "RedisUrl([REDACTED])");
    }
}
