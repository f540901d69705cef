//! `--events URL` and `--redis URL`: a command joins the replicas of a service through their
//! Redis (`bb_api_ext::replicas`), to hear the events they receive and share their budget.

use bb_api_ext::replicas::{Replica, ReplicaConfig};

use crate::output::Failure;

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
    url: &str,
    prefix: &Prefix,
    config: ReplicaConfig,
) -> Result<Replica, Failure> {
    Replica::connect(url, config.key_prefix(prefix.redis_prefix.as_str()))
        .await
        .map_err(Failure::Redis)
}
