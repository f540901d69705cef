//! Why a replica could not start. Once started, a replica does not fail: each part falls back
//! (see [`Replica`](super::Replica)).

use std::time::Duration;

/// A replica could not connect to Redis. The URL shown has its password replaced by `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The URL is not one the Redis client accepts.
    #[error(
        "`{url}` is not a Redis URL (expected redis://[user:password@]host:port[/db] or rediss://…)"
    )]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What the Redis client said.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer.
    #[error(
        "could not reach Redis at {url}; is it running? (`redis-server --port PORT`, or check the URL)"
    )]
    Unreachable {
        /// The URL, password redacted.
        url: String,
        /// What the Redis client said.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer in time.
    #[error("Redis at {url} did not answer within {}ms; is it running and reachable?", .after.as_millis())]
    Timeout {
        /// The URL, password redacted.
        url: String,
        /// How long it waited.
        after: Duration,
    },
}

/// `url` with any password replaced by `***`, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail on a URL that already has a password (it has a host).
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Not parseable: show no part that could be a secret.
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => url.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("redis://:hunter2@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        assert_eq!(
            redact("redis://app:hunter2@cache:6380"),
            "redis://app:***@cache:6380"
        );
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redact("not a url:pw@host"), "***@host");
    }
}
