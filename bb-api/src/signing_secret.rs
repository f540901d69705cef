//! The webhook signing secret of the create and rotate responses, a schema the generator replaces
//! (see `codegen.rs`): a `String` there would print the secret in the responses' derived `Debug`.

use std::fmt;

/// A webhook's signing secret (`whsec_…`), as `types::WebhooksCreateResponse` and
/// `types::WebhooksRotateSecretResponse` carry it.
///
/// `Debug` shows `WebhookSigningSecret([REDACTED])` and there is no `Display`; the text is
/// (de)serialized as it is (a JSON string) and read with [`expose_secret`](Self::expose_secret).
/// `bb-api-ext` parses it into a `WebhookSecret` that keeps only the key.
///
/// ```
/// use bb_api::signing_secret::WebhookSigningSecret;
///
/// let secret = WebhookSigningSecret::from("whsec_c2VjcmV0");
/// assert_eq!(format!("{secret:?}"), "WebhookSigningSecret([REDACTED])");
/// assert_eq!(secret.expose_secret(), "whsec_c2VjcmV0");
/// ```
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct WebhookSigningSecret(String);

impl WebhookSigningSecret {
    /// The secret as the API sent it, to store where the webhook receiver reads it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSigningSecret([REDACTED])")
    }
}

impl From<String> for WebhookSigningSecret {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for WebhookSigningSecret {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}
