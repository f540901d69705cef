//! A session's signing key and the connect URL that embeds it, schemas the generator replaces
//! (see `codegen.rs`): as `String`s they would print in the responses' derived `Debug`.

use std::fmt;

macro_rules! secret_text {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The text as the API sent it, to hand to the code that connects to the session.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }
    };
}

secret_text! {
    /// The key that signs HTTP connections to a session (`signingKey`).
    ///
    /// `Debug` shows `SessionSigningKey([REDACTED])` and there is no `Display`; read it with
    /// [`expose_secret`](Self::expose_secret).
    ///
    /// ```
    /// use bb_api::session_secret::SessionSigningKey;
    ///
    /// let key = SessionSigningKey::from("sk_123");
    /// assert_eq!(format!("{key:?}"), "SessionSigningKey([REDACTED])");
    /// assert_eq!(key.expose_secret(), "sk_123");
    /// ```
    SessionSigningKey
}

secret_text! {
    /// The WebSocket URL to connect to a session (`connectUrl`): it embeds the signing key.
    ///
    /// `Debug` shows `SessionConnectUrl([REDACTED])` and there is no `Display`; read it with
    /// [`expose_secret`](Self::expose_secret) where a CDP client connects.
    ///
    /// ```
    /// use bb_api::session_secret::SessionConnectUrl;
    ///
    /// let url = SessionConnectUrl::from("wss://connect.example/?signingKey=sk_123");
    /// assert_eq!(format!("{url:?}"), "SessionConnectUrl([REDACTED])");
    /// ```
    SessionConnectUrl
}
