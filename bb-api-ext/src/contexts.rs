//! Persisted browser contexts: create one (with the key to encrypt a user-data directory you
//! upload to it), get, rotate its upload key, delete. A session uses one through
//! [`crate::BrowserSettings::context`].

use std::fmt;
use std::sync::Arc;

use bb_api::types::Context as ContextInfo;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::Error;
use crate::resource_ids::ContextId;
use crate::transport::Call;
use crate::transport::operation::{
    CONTEXTS_CREATE, CONTEXTS_DELETE, CONTEXTS_GET, CONTEXTS_UPDATE,
};

/// Contexts; from [`crate::Client::contexts`].
#[derive(Clone)]
pub struct Contexts {
    pub(crate) ctx: Arc<Context>,
}

impl fmt::Debug for Contexts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contexts").finish_non_exhaustive()
    }
}

/// A context's upload URL: where a custom user-data directory, encrypted with the context's
/// public key, is uploaded. It grants that upload to whoever holds it, so `Debug` hides it
/// (serializing shows it: a command's JSON output is where a user needs it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UploadUrl(String);

impl UploadUrl {
    /// The URL. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UploadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UploadUrl(<redacted>)")
    }
}

/// The cipher a context's user-data directory is encrypted with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CipherAlgorithm {
    /// `AES-256-CBC`, the only one the API documents.
    Aes256Cbc,
    /// A cipher newer than this client, as the API named it.
    Unknown(String),
}

impl Serialize for CipherAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Self::Aes256Cbc => "AES-256-CBC",
            Self::Unknown(name) => name,
        })
    }
}

impl<'de> Deserialize<'de> for CipherAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(if name.eq_ignore_ascii_case("AES-256-CBC") {
            Self::Aes256Cbc
        } else {
            Self::Unknown(name)
        })
    }
}

/// A context as created or updated: its id and what encrypting and uploading a user-data
/// directory to it takes. The public key is not a secret; the upload URL is ([`UploadUrl`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContextKeys {
    /// The context's id.
    pub id: ContextId,
    /// Where to upload the encrypted user-data directory.
    pub upload_url: UploadUrl,
    /// The public key to encrypt the user-data directory's key with (PEM, as sent).
    pub public_key: String,
    /// The cipher of the user-data directory.
    pub cipher_algorithm: CipherAlgorithm,
    /// The initialization vector size of the cipher, in bytes.
    pub initialization_vector_size: u8,
}

impl Contexts {
    /// Creates a context in the API key's project.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// use bb_api_ext::BrowserSettings;
    ///
    /// let context = client.contexts().create().await?;
    /// // Sessions that use it with persist = true save their cookies and storage back to it.
    /// let settings = BrowserSettings::new().context(&context.id, true);
    /// # let _ = settings; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The request's errors; a create is not repeated once it may have been sent.
    pub async fn create(&self) -> Result<ContextKeys, Error> {
        // The project is the API key's: `projectId` is optional and never sent.
        let body = Bytes::from_static(b"{}");
        let mut call = Call::new(&CONTEXTS_CREATE, &[]);
        call.body = Some(&body);
        self.ctx.transport.call(call).await
    }

    /// The context `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such context.
    pub async fn get(&self, id: impl Into<ContextId>) -> Result<ContextInfo, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&CONTEXTS_GET, &args))
            .await
    }

    /// Issues a fresh upload URL and key pair for the context `id`, to upload another user-data
    /// directory.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such context.
    pub async fn update(&self, id: impl Into<ContextId>) -> Result<ContextKeys, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&CONTEXTS_UPDATE, &args))
            .await
    }

    /// Deletes the context `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such context.
    pub async fn delete(&self, id: impl Into<ContextId>) -> Result<(), Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call_no_content(Call::new(&CONTEXTS_DELETE, &args))
            .await
    }
}
