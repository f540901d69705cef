//! Browser extensions: upload a `.zip`, get, delete. A session loads one through
//! [`crate::BrowserSettings::extension_id`].

use std::fmt;
use std::sync::Arc;

use bb_api::types::Extension as UploadedExtension;

use crate::context::Context;
use crate::error::Error;
use crate::files::FileSource;
use crate::files::upload::Rules;
use crate::resource_ids::ExtensionId;
use crate::transport::Call;
use crate::transport::operation::{EXTENSIONS_DELETE, EXTENSIONS_GET, EXTENSIONS_UPLOAD};

/// The largest extension [`Extensions::upload`] sends: 256 MiB. Browserbase documents no limit;
/// this one refuses a wrong file before a long upload rather than after.
pub const MAX_EXTENSION_BYTES: u64 = 256 * 1024 * 1024;

const RULES: Rules = Rules {
    suffix: Some(".zip"),
    max_bytes: MAX_EXTENSION_BYTES,
    content_type: "application/zip",
};

/// Extensions; from [`crate::Client::extensions`].
#[derive(Clone)]
pub struct Extensions {
    pub(crate) ctx: Arc<Context>,
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions").finish_non_exhaustive()
    }
}

impl Extensions {
    /// Uploads an extension: a `.zip` file, streamed (never read whole into memory) as the
    /// multipart part `file`.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// let extension = client.extensions().upload("my-extension.zip").await?;
    /// println!("{}", extension.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Before any request, a validation error at `file` for a missing or empty file, a name not
    /// ending `.zip`, or a file over [`MAX_EXTENSION_BYTES`]. An upload is repeated only when it
    /// failed before its body could be sent and its source is a path or bytes.
    pub async fn upload(&self, file: impl Into<FileSource>) -> Result<UploadedExtension, Error> {
        file.into()
            .check(&RULES)?
            .send(&self.ctx, &EXTENSIONS_UPLOAD, &[])
            .await
    }

    /// The extension `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such extension.
    pub async fn get(&self, id: impl Into<ExtensionId>) -> Result<UploadedExtension, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&EXTENSIONS_GET, &args))
            .await
    }

    /// Deletes the extension `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such extension.
    pub async fn delete(&self, id: impl Into<ExtensionId>) -> Result<(), Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call_no_content(Call::new(&EXTENSIONS_DELETE, &args))
            .await
    }
}
