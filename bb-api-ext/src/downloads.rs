//! Files a session downloaded: list them (a stream over offset pages), get one's metadata or
//! content (streamed to a path or any writer, its SHA-256 verified), delete, and fetch all of a
//! session's into a folder once they have synced.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;
use tokio::time::Instant;

use crate::context::Context;
use crate::error::Error;
use crate::files::download::{self, Expected, Written};
use crate::paginate::{self, HasId, ListRequest, ListStream, MAX_OFFSET_LIMIT, Page};
use crate::resource_ids::DownloadId;
use crate::transport::Call;
use crate::transport::operation::{DOWNLOADS_DELETE, DOWNLOADS_GET, DOWNLOADS_LIST};
use crate::validate::ValidationErrors;

/// The longest a filter text (file name, MIME type) may be.
const MAX_FILTER_LEN: usize = 255;
const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

/// A file a session downloaded, as the API describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Download {
    /// Its id.
    pub id: DownloadId,
    /// The session that downloaded it.
    pub session_id: String,
    /// Its file name.
    pub filename: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its size in bytes (the API writes a number).
    pub size: f64,
    /// Its SHA-256, hex as the API wrote it.
    pub checksum: String,
    /// When it was downloaded.
    pub created_at: DateTime<Utc>,
}

impl Download {
    /// The size as a byte count, when it is one.
    pub fn size_bytes(&self) -> Option<u64> {
        (self.size.is_finite() && self.size >= 0.0 && self.size.fract() == 0.0)
            .then_some(self.size as u64)
    }

    fn expected(&self) -> Expected<'_> {
        Expected {
            id: self.id.as_str(),
            size: self.size_bytes(),
            checksum: Some(&self.checksum),
        }
    }
}

impl HasId for Download {
    type Id = DownloadId;
    fn id(&self) -> DownloadId {
        self.id.clone()
    }
}

/// Downloads; from [`crate::Client::downloads`].
#[derive(Clone)]
pub struct Downloads {
    pub(crate) ctx: Arc<Context>,
}

impl fmt::Debug for Downloads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Downloads").finish_non_exhaustive()
    }
}

impl Downloads {
    /// The downloads of session `session_id`; narrow them with the [`DownloadList`] filters, then
    /// `.stream()` or `.page(offset)`.
    pub fn list(&self, session_id: impl fmt::Display) -> DownloadList {
        DownloadList {
            ctx: self.ctx.clone(),
            session_id: session_id.to_string(),
            filename: None,
            mime_type: None,
            min_size: None,
            max_size: None,
            created_after: None,
            created_before: None,
            page_size: MAX_OFFSET_LIMIT,
        }
    }

    /// The metadata of download `id` (`Accept: application/json`).
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such download.
    pub async fn get(&self, id: impl Into<DownloadId>) -> Result<Download, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&DOWNLOADS_GET, &args))
            .await
    }

    /// Writes the content of download `id` to `path`, verifying its size and SHA-256 while it
    /// streams (memory stays bounded whatever the size). It is written to a temporary file in the
    /// same folder and renamed to `path` only when complete and verified: a mismatch or a body
    /// cut short leaves nothing at `path`. Returns the download's metadata.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// let download = client.downloads().save("8f0c…", "report.pdf").await?;
    /// println!("{} bytes, SHA-256 {}", download.size, download.checksum);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::CorruptDownload`] on a size or checksum mismatch; [`Error::File`] when the
    /// folder cannot be written; the requests' errors.
    pub async fn save(
        &self,
        id: impl Into<DownloadId>,
        path: impl AsRef<Path>,
    ) -> Result<Download, Error> {
        let (meta, _) = self.save_hashed(id, path.as_ref()).await?;
        Ok(meta)
    }

    /// [`save`](Self::save), with what was written (size and SHA-256 as streamed).
    pub(crate) async fn save_hashed(
        &self,
        id: impl Into<DownloadId>,
        path: &Path,
    ) -> Result<(Download, Written), Error> {
        let meta = self.get(id).await?;
        let opened = self.open(&meta.id).await?;
        let written = download::to_path(opened, path, &meta.expected()).await?;
        Ok((meta, written))
    }

    /// Writes the content of download `id` to `writer` (flushed at the end), verifying its size
    /// and SHA-256. The writer has received the bytes when a mismatch is found: prefer
    /// [`Self::save`] for files. Returns the download's metadata.
    ///
    /// # Errors
    /// As [`Self::save`].
    pub async fn write_to<W: AsyncWrite + Unpin>(
        &self,
        id: impl Into<DownloadId>,
        writer: &mut W,
    ) -> Result<Download, Error> {
        let meta = self.get(id).await?;
        let opened = self.open(&meta.id).await?;
        download::to_writer(opened, writer, &meta.expected()).await?;
        Ok(meta)
    }

    async fn open(&self, id: &DownloadId) -> Result<crate::transport::Opened, Error> {
        let args = [id.as_str()];
        self.ctx
            .transport
            .open(&Call::new(&DOWNLOADS_GET, &args), OCTET_STREAM, None)
            .await
    }

    /// Deletes download `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such download.
    pub async fn delete(&self, id: impl Into<DownloadId>) -> Result<(), Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call_no_content(Call::new(&DOWNLOADS_DELETE, &args))
            .await
    }

    /// Fetches every download of session `session_id` into `folder` (created if missing), each
    /// as its file name, verified. Downloads sync after a session ends, so the list is read
    /// again, `settle` apart, until it stops growing or `deadline` passes; each file is fetched
    /// once. Returns the downloads and where each was written.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, invocation: bb_api_ext::Invocation) -> Result<(), bb_api_ext::Error> {
    /// use std::time::Duration;
    ///
    /// let files = client
    ///     .downloads()
    ///     .of_session(invocation.session_id, "evidence/", Duration::from_secs(30))
    ///     .await?;
    /// for (download, path) in files {
    ///     println!("{} -> {}", download.filename, path.display());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::File`] when the folder cannot be made; the first download that fails.
    pub async fn of_session(
        &self,
        session_id: impl fmt::Display,
        folder: impl AsRef<Path>,
        deadline: Duration,
    ) -> Result<Vec<(Download, PathBuf)>, Error> {
        const SETTLE: Duration = Duration::from_secs(2);
        let session_id = session_id.to_string();
        let folder = folder.as_ref();
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|source| Error::File {
                action: "create the folder",
                path: Some(folder.to_path_buf()),
                source,
            })?;
        let ends = crate::transport::later(Instant::now(), deadline);
        let mut fetched: Vec<(Download, PathBuf)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // Bounded by the deadline: a round that finds nothing new after one that did ends it.
        loop {
            let list = self.list(&session_id).stream().try_collect().await?;
            let mut fresh = 0;
            for item in list {
                if !seen.insert(item.id.clone()) {
                    continue;
                }
                fresh += 1;
                let path = folder.join(safe_name(&item, &fetched));
                let opened = self.open(&item.id).await?;
                download::to_path(opened, &path, &item.expected()).await?;
                fetched.push((item, path));
            }
            let now = Instant::now();
            if (fresh == 0 && !fetched.is_empty()) || now + SETTLE > ends {
                return Ok(fetched);
            }
            tokio::time::sleep(SETTLE).await;
        }
    }
}

/// The download's file name without any folder part, made unique among those fetched.
fn safe_name(item: &Download, fetched: &[(Download, PathBuf)]) -> String {
    let base = Path::new(&item.filename)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| item.id.to_string());
    if fetched.iter().any(|(d, _)| d.filename == item.filename) {
        format!("{}-{base}", item.id)
    } else {
        base
    }
}

/// A session's downloads, page by page with offsets; every filter of the API.
#[must_use = "a list does nothing until streamed or paged"]
pub struct DownloadList {
    ctx: Arc<Context>,
    session_id: String,
    filename: Option<String>,
    mime_type: Option<String>,
    min_size: Option<u64>,
    max_size: Option<u64>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    page_size: u32,
}

impl fmt::Debug for DownloadList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadList")
            .field("session_id", &self.session_id)
            .field("filename", &self.filename)
            .field("mime_type", &self.mime_type)
            .field("min_size", &self.min_size)
            .field("max_size", &self.max_size)
            .field("created_after", &self.created_after)
            .field("created_before", &self.created_before)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl DownloadList {
    /// Only files of exactly this name (at most 255 characters).
    pub fn filename(mut self, name: impl Into<String>) -> Self {
        self.filename = Some(name.into());
        self
    }

    /// Only files of this MIME type (at most 255 characters).
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Only files of at least this many bytes.
    pub fn min_size(mut self, bytes: u64) -> Self {
        self.min_size = Some(bytes);
        self
    }

    /// Only files of at most this many bytes.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Only files downloaded in this range (both ends inclusive; either may be open).
    pub fn created_between(
        mut self,
        after: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
    ) -> Self {
        self.created_after = after;
        self.created_before = before;
        self
    }

    /// Items per request, 1 to 100 (default 100, the most the API allows).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_OFFSET_LIMIT);
        self
    }

    fn request(&self) -> Result<ListRequest, Error> {
        for (field, value) in [("filename", &self.filename), ("mimeType", &self.mime_type)] {
            if let Some(v) = value
                && v.chars().count() > MAX_FILTER_LEN
            {
                return Err(Error::Validation(ValidationErrors::single(
                    field,
                    format!("must be at most {MAX_FILTER_LEN} characters"),
                )));
            }
        }
        if self.session_id.trim().is_empty() {
            return Err(Error::Validation(ValidationErrors::single(
                "sessionId",
                "must not be empty".to_owned(),
            )));
        }
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut query = vec![("sessionId", self.session_id.clone())];
        query.extend(self.filename.clone().map(|v| ("filename", v)));
        query.extend(self.mime_type.clone().map(|v| ("mimeType", v)));
        query.extend(self.min_size.map(|v| ("minSize", v.to_string())));
        query.extend(self.max_size.map(|v| ("maxSize", v.to_string())));
        query.extend(
            self.created_after
                .as_ref()
                .map(|t| ("createdAfter", time(t))),
        );
        query.extend(
            self.created_before
                .as_ref()
                .map(|t| ("createdBefore", time(t))),
        );
        Ok(ListRequest {
            op: &DOWNLOADS_LIST,
            args: Vec::new(),
            query,
        })
    }

    /// Every matching download. A filter that breaks the API's rules is the stream's first item.
    pub fn stream(self) -> ListStream<Download> {
        match self.request() {
            Ok(request) => paginate::offset_stream(self.ctx.clone(), request, self.page_size),
            Err(e) => ListStream::failed(e),
        }
    }

    /// One page from `offset`.
    ///
    /// # Errors
    /// A filter that breaks the API's rules (nothing sent); the request's errors.
    pub async fn page(&self, offset: u64) -> Result<Page<Download>, Error> {
        self.request()?
            .offset_page(&self.ctx, offset, self.page_size)
            .await
    }
}
