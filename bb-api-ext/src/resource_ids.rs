//! Typed ids of the resources a session uses (contexts, extensions, certificates) and of
//! downloads and projects: an id of one kind cannot be passed where another is expected.
//! The API writes them as plain strings, so any text is accepted.

macro_rules! string_ids {
    ($( $(#[$doc:meta])* $name:ident; )+) => { $(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as the API writes it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    )+ };
}

string_ids! {
    /// A persisted browser context's id: [`crate::Contexts`], and
    /// [`crate::BrowserSettings::context`] to use it in a session.
    ContextId;
    /// An uploaded extension's id: [`crate::Extensions`], and
    /// [`crate::BrowserSettings::extension_id`] to load it in a session.
    ExtensionId;
    /// An uploaded CA certificate's id: [`crate::Certificates`], and
    /// [`crate::ProxySettings::ca_certificates`] to trust it in a session.
    CertificateId;
    /// A file a session downloaded: [`crate::Downloads`].
    DownloadId;
    /// A project's id: [`crate::Projects`].
    ProjectId;
}
