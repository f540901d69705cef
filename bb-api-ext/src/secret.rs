//! Secrets: the API key and proxy passwords. Redacted in `Debug`, never `Display`ed, zeroed on drop.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const REDACTED: &str = "[REDACTED]";

/// Text that may carry credentials before an `@` (`user:password@host`, a URL that did not
/// parse), shown without them: `[credentials removed]@host`. Without an `@`, as given.
pub(crate) fn without_credentials(raw: &str) -> std::borrow::Cow<'_, str> {
    match raw.rsplit_once('@') {
        Some((_, host)) => format!("[credentials removed]@{host}").into(),
        None => raw.into(),
    }
}

/// A Browserbase API key. Sent only in the `X-BB-API-Key` header; its `Debug` shows `[REDACTED]`.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key. An empty key is rejected when the client is built.
    pub fn new(key: impl Into<String>) -> Self {
        Self(SecretString::from(key.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({REDACTED})")
    }
}

impl From<&str> for ApiKey {
    fn from(key: &str) -> Self {
        Self::new(key)
    }
}

impl From<String> for ApiKey {
    fn from(key: String) -> Self {
        Self::new(key)
    }
}

/// An external proxy's password. Serialized into the request body (the API needs it), redacted in
/// `Debug`, and scrubbed from any error body the server echoes back.
#[derive(Clone)]
pub struct ProxyPassword(SecretString);

impl ProxyPassword {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(SecretString::from(password.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ProxyPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyPassword({REDACTED})")
    }
}

impl PartialEq for ProxyPassword {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for ProxyPassword {}

impl<S: Into<String>> From<S> for ProxyPassword {
    fn from(password: S) -> Self {
        Self::new(password)
    }
}

impl Serialize for ProxyPassword {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// A password that is not a string is an error that does not show it: `String`'s own error would
/// quote a number, and so would a format asked for a string. So a YAML password that reads as a
/// number (`12345`) must be quoted, which also keeps one such as `007` from becoming `7`.
impl<'de> Deserialize<'de> for ProxyPassword {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PasswordVisitor)
    }
}

struct PasswordVisitor;

impl PasswordVisitor {
    fn not_a_string<E: serde::de::Error>(what: &str) -> E {
        E::custom(format_args!(
            "invalid type: {what} (not shown), expected the proxy password as a string"
        ))
    }
}

impl serde::de::Visitor<'_> for PasswordVisitor {
    type Value = ProxyPassword;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the proxy password as a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProxyPassword, E> {
        Ok(ProxyPassword::new(v))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ProxyPassword, E> {
        Ok(ProxyPassword::new(v))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("boolean"))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("integer"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("integer"))
    }

    fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("integer"))
    }

    fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("integer"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("floating point number"))
    }

    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<ProxyPassword, E> {
        Err(Self::not_a_string("bytes"))
    }
}

/// Replaces every occurrence of each secret (raw and JSON-escaped) in `text` with `[REDACTED]`.
///
/// Used on response bodies kept in errors: a server may echo the request back in an error.
pub(crate) fn scrub(text: &mut String, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            *text = text.replace(secret, REDACTED);
        }
        if let Ok(quoted) = serde_json::to_string(secret) {
            let escaped = &quoted[1..quoted.len() - 1];
            if escaped != *secret && text.contains(escaped) {
                *text = text.replace(escaped, REDACTED);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = ApiKey::new("bb_live_supersecret");
        assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
        let pw = ProxyPassword::new("hunter2");
        assert_eq!(format!("{pw:?}"), "ProxyPassword([REDACTED])");
        assert_eq!(
            serde_json::to_string(&pw).ok().as_deref(),
            Some("\"hunter2\"")
        );
    }

    #[test]
    fn scrub_replaces_raw_and_escaped() {
        let mut text = String::from(r#"{"password":"a\"b","echo":"a"b and key"}"#);
        scrub(&mut text, &["a\"b", "key", ""]);
        assert_eq!(
            text,
            r#"{"password":"[REDACTED]","echo":"[REDACTED] and [REDACTED]"}"#
        );
    }
}
