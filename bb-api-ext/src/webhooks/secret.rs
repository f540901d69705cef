//! The webhook signing secret: `whsec_` followed by the base64 HMAC key. Redacted, zeroed on drop.

use std::fmt;
use std::str::FromStr;

use crate::crypto::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretSlice};

/// The prefix every Browserbase (Standard Webhooks) signing secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// A webhook's signing secret, as returned when the webhook is created or its secret rotated.
///
/// Holds only the decoded HMAC key, zeroed on drop; `Debug` shows `WebhookSecret([REDACTED])` and
/// there is no `Display`. Parse it from the `whsec_…` text:
///
/// ```
/// use bb_api_ext::webhooks::WebhookSecret;
///
/// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
/// assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
/// # Ok::<(), bb_api_ext::webhooks::SecretError>(())
/// ```
#[derive(Clone)]
pub struct WebhookSecret(SecretSlice<u8>);

impl WebhookSecret {
    /// Parses `whsec_<base64 key>`. Surrounding whitespace (a pasted newline) is ignored; padding
    /// on the base64 is optional, as in the Standard Webhooks reference libraries.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        // Decoded into a buffer zeroed on drop, then copied once into an exact-size box: no
        // un-zeroed copy of the key is left behind (a growing or shrinking Vec would leave one).
        let mut buffer = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(encoded.len())]);
        let len = STANDARD_PAD_INDIFFERENT
            .decode_slice(encoded, &mut buffer[..])
            .map_err(|_| SecretError::InvalidBase64)?;
        if len == 0 {
            return Err(SecretError::EmptyKey);
        }
        Ok(Self(SecretSlice::from(Box::<[u8]>::from(&buffer[..len]))))
    }

    /// The secret as `whsec_…` text, for storing it where your receiver reads it (a secret manager,
    /// `BROWSERBASE_WEBHOOK_SECRET`): the one way to see it, since the API shows a secret only
    /// when it is created or rotated. The key is written back in canonical (padded) base64, so it
    /// parses to the same key as the text it came from.
    ///
    /// ```
    /// use bb_api_ext::webhooks::WebhookSecret;
    ///
    /// let secret: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse()?;
    /// assert_eq!(secret.expose_secret(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    /// # Ok::<(), bb_api_ext::webhooks::SecretError>(())
    /// ```
    pub fn expose_secret(&self) -> String {
        let key = self.0.expose_secret();
        // Sized up front and encoded in place: no intermediate copy of the encoded key.
        let len = base64::encoded_len(key.len(), true).unwrap_or(0);
        let mut text = String::with_capacity(SECRET_PREFIX.len() + len);
        text.push_str(SECRET_PREFIX);
        STANDARD.encode_string(key, &mut text);
        text
    }

    /// A secret with this HMAC key (the fake server's new secrets).
    #[cfg(feature = "testing")]
    pub(crate) fn from_key(key: &[u8]) -> Self {
        Self(SecretSlice::from(Box::<[u8]>::from(key)))
    }

    /// The HMAC-SHA256 key.
    pub(crate) fn hmac_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, self.0.expose_secret())
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

impl FromStr for WebhookSecret {
    type Err = SecretError;

    fn from_str(text: &str) -> Result<Self, SecretError> {
        Self::parse(text)
    }
}

impl TryFrom<&str> for WebhookSecret {
    type Error = SecretError;

    fn try_from(text: &str) -> Result<Self, SecretError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for WebhookSecret {
    type Error = SecretError;

    /// Parses, then zeroes the text (it held the secret too).
    fn try_from(mut text: String) -> Result<Self, SecretError> {
        let parsed = Self::parse(&text);
        text.zeroize();
        parsed
    }
}

/// Why a webhook signing secret was rejected. Never contains the secret or any part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The text does not start with `whsec_`.
    #[error(
        "the webhook secret does not start with `whsec_`: copy the whole secret returned when the \
         webhook was created or its secret rotated"
    )]
    MissingPrefix,
    /// What follows `whsec_` is not base64.
    #[error(
        "the webhook secret is not `whsec_` followed by base64: copy it again, without quotes or \
         extra characters"
    )]
    InvalidBase64,
    /// Nothing follows `whsec_`.
    #[error("the webhook secret has no key after `whsec_`: copy the whole secret")]
    EmptyKey,
    /// An empty list of secrets was given.
    #[error("no webhook secret given: a verifier needs at least one")]
    NoSecrets,
    /// The environment variable is unset or holds only whitespace.
    #[error(
        "environment variable {name} is not set or empty: set it to the webhook's signing secret \
         (`whsec_…`), or to several separated by spaces while a rotation is in its grace window"
    )]
    MissingEnv {
        /// The variable.
        name: &'static str,
    },
    /// One of the space-separated secrets in the environment variable is invalid.
    #[error("secret #{position} (counting from 1) in environment variable {name} is invalid")]
    InvalidInEnv {
        /// The variable.
        name: &'static str,
        /// Which secret, counting from 1.
        position: usize,
        /// What is wrong with it.
        #[source]
        source: Box<SecretError>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_padded_unpadded_and_trimmed() {
        let key = |s: &str| {
            WebhookSecret::parse(s)
                .map(|w| w.0.expose_secret().to_vec())
                .map_err(|e| e.to_string())
        };
        assert_eq!(key("whsec_AAEC"), Ok(vec![0, 1, 2]));
        assert_eq!(key("whsec_AAE="), Ok(vec![0, 1]));
        assert_eq!(key("whsec_AAE"), Ok(vec![0, 1]));
        assert_eq!(key(" whsec_AAEC\n"), Ok(vec![0, 1, 2]));
        assert!(WebhookSecret::try_from(String::from("whsec_AAEC")).is_ok());
        assert!("whsec_AAEC".parse::<WebhookSecret>().is_ok());
    }

    #[test]
    fn exposes_canonical_padded_text_sized_up_front() {
        let text = |s: &str| WebhookSecret::parse(s).map(|w| w.expose_secret()).ok();
        assert_eq!(text("whsec_AAE").as_deref(), Some("whsec_AAE="));
        assert_eq!(text(" whsec_AAEC\n").as_deref(), Some("whsec_AAEC"));
        let exposed = text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_or_default();
        assert_eq!(exposed, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        // Never grown, so no reallocation left a copy behind.
        assert_eq!(exposed.capacity(), exposed.len());
    }

    #[test]
    fn rejects_with_the_exact_reason() {
        let err = |s: &str| WebhookSecret::parse(s).err();
        assert_eq!(
            err("MfKQ9r8GKYqrTwjUPD8I"),
            Some(SecretError::MissingPrefix)
        );
        assert_eq!(err("WHSEC_AAEC"), Some(SecretError::MissingPrefix));
        assert_eq!(err(""), Some(SecretError::MissingPrefix));
        assert_eq!(err("whsec_"), Some(SecretError::EmptyKey));
        assert_eq!(err("whsec_not base64!"), Some(SecretError::InvalidBase64));
        assert_eq!(err("whsec_AA-_"), Some(SecretError::InvalidBase64)); // URL-safe alphabet
        assert_eq!(err("whsec_A"), Some(SecretError::InvalidBase64));
    }

    #[test]
    fn errors_and_debug_never_show_the_secret() {
        let fragment = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";
        for text in [
            format!("whsec_{fragment}"),
            format!("whsec_{fragment}!"),
            format!("wh_{fragment}"),
        ] {
            let shown = match WebhookSecret::parse(&text) {
                Ok(s) => format!("{s:?}"),
                Err(e) => format!("{e} {e:?}"),
            };
            assert!(!shown.contains(fragment), "{shown}");
            assert!(!shown.contains("c2Vj"), "{shown}");
        }
        let secret = WebhookSecret::parse(&format!("whsec_{fragment}"));
        assert_eq!(
            secret.map(|s| format!("{s:?}")).ok().as_deref(),
            Some("WebhookSecret([REDACTED])")
        );
    }
}
