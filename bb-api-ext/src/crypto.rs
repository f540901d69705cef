//! SHA-256 (downloads, evidence) and HMAC-SHA256 (webhook signatures) from the TLS backend's
//! crypto library, so that no second one is compiled: aws-lc-rs, which rustls (the default
//! `rustls` feature) already builds, or *ring* with `native-tls`. Both offer the same API
//! (`digest`, `hmac` with its constant-time `verify`, `rand`), so the rest of the crate names
//! this module only.

#[cfg(feature = "rustls")]
pub(crate) use aws_lc_rs::{digest, hmac};
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
pub(crate) use ring::{digest, hmac};

#[cfg(all(feature = "testing", feature = "rustls"))]
pub(crate) use aws_lc_rs::rand;
#[cfg(all(feature = "testing", feature = "native-tls", not(feature = "rustls")))]
pub(crate) use ring::rand;

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "bb-api-ext needs a TLS feature: `rustls` (the default) or `native-tls`; the Browserbase API \
     is HTTPS only, and its crypto (SHA-256, webhook HMAC) comes from the TLS backend's library"
);
