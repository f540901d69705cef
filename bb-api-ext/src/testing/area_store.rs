//! The data of the fake's contexts, extensions, certificates, downloads and project: one field of
//! its shared state, served by `areas.rs`.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::store::Store;

/// The project concurrency the fake reports until a test sets one (the default limit of
/// `invoke_many` before this existed).
pub(crate) const DEFAULT_CONCURRENCY: u64 = 10;

/// How a download's content is served wrong, to test that a client notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadCorruption {
    /// One byte differs: the SHA-256 does not match the `checksum`.
    FlipByte,
    /// The last half is missing: fewer bytes than the `size`.
    CutShort,
}

pub(crate) struct Download {
    pub(crate) session_id: String,
    pub(crate) filename: String,
    pub(crate) mime_type: String,
    /// What the metadata describes.
    pub(crate) content: Bytes,
    pub(crate) checksum: String,
    /// What is served: `content`, unless a test corrupted it.
    pub(crate) served: Bytes,
}

/// The areas' data, one field of the fake's [`State`].
pub(crate) struct Areas {
    pub(crate) contexts: Store<()>,
    pub(crate) extensions: Store<String>,
    pub(crate) certificates: Store<()>,
    pub(crate) downloads: Store<Download>,
    /// The concurrency reported, and enforced on invokes when a test set it.
    pub(crate) concurrency: u64,
    pub(crate) enforced: bool,
    /// The most invocations seen pending or running at once while the limit was enforced.
    pub(crate) peak: usize,
    /// Invokes answered 429 for the limit.
    pub(crate) rejected: u64,
}

impl Default for Areas {
    fn default() -> Self {
        Self {
            contexts: Store::new("Context"),
            extensions: Store::new("Extension"),
            certificates: Store::new("Certificate"),
            downloads: Store::new("Download"),
            concurrency: DEFAULT_CONCURRENCY,
            enforced: false,
            peak: 0,
            rejected: 0,
        }
    }
}

impl Areas {
    /// Stores a file that session `session_id` downloaded, synced at `at`; returns its id.
    pub(crate) fn add_download(
        &mut self,
        at: DateTime<Utc>,
        session_id: &str,
        filename: &str,
        content: Bytes,
    ) -> String {
        let checksum = crate::files::download::hex(
            crate::crypto::digest::digest(&crate::crypto::digest::SHA256, &content).as_ref(),
        );
        let mime_type = match filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
        {
            Some(e) if e == "pdf" => "application/pdf",
            Some(e) if e == "csv" => "text/csv",
            Some(e) if e == "txt" => "text/plain",
            Some(e) if e == "zip" => "application/zip",
            _ => "application/octet-stream",
        };
        let download = Download {
            session_id: session_id.to_owned(),
            filename: filename.to_owned(),
            mime_type: mime_type.to_owned(),
            served: content.clone(),
            content,
            checksum,
        };
        self.downloads.insert(at, download).id.clone()
    }

    /// Serves download `id` wrong from now on; `false` when there is no such download.
    pub(crate) fn corrupt(&mut self, id: &str, how: DownloadCorruption) -> bool {
        let Ok(item) = self.downloads.get_mut(id) else {
            return false;
        };
        let d = &mut item.data;
        d.served = match how {
            DownloadCorruption::FlipByte => {
                let mut bytes = d.content.to_vec();
                if let Some(b) = bytes.first_mut() {
                    *b ^= 0xff;
                }
                Bytes::from(bytes)
            }
            DownloadCorruption::CutShort => d.content.slice(..d.content.len() / 2),
        };
        true
    }

    /// Sets the project's concurrency and refuses invokes beyond it.
    pub(crate) fn set_concurrency(&mut self, limit: u64) {
        self.concurrency = limit;
        self.enforced = true;
    }
}
