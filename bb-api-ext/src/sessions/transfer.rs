//! Files in and out of a session: a file uploaded into a running session (streamed as the
//! multipart part `file`), and a recording page's MP4 fetched from its presigned URL (streamed to
//! a path without the API key).

use std::path::Path;

use bb_api::open::RecordingDownloadStatus;
use bb_api::types::{RecordingDownload, SessionsUploadFileResponse};
use tokio::io::AsyncWrite;
use url::Url;
use uuid::Uuid;

use super::Sessions;
use crate::error::Error;
use crate::files::FileSource;
use crate::files::download::{self, Expected, Written};
use crate::files::upload::Rules;
use crate::ids::{IdInput, id_text};
use crate::transport::Opened;
use crate::transport::operation::{SESSIONS_LIST_RECORDING_DOWNLOADS, SESSIONS_UPLOAD_FILE};
use crate::transport::retry;
use crate::validate::{ValidationErrors, quoted};

/// Browserbase documents no limit on a session upload, and the file is streamed: any size the
/// file system reports is sent.
const RULES: Rules = Rules {
    suffix: None,
    max_bytes: u64::MAX,
    content_type: "application/octet-stream",
};

impl Sessions {
    /// Uploads a file into the running session `id` (`POST /v1/sessions/{id}/uploads`), streamed
    /// (never read whole into memory) as the multipart part `file` with its file name; the page
    /// can then pick it with a file input.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// client.sessions().upload(id, "invoice.pdf").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Before any request, a validation error at `id` or at `file` (missing, not a file, empty,
    /// no file name). An upload is repeated only when it failed before its body could be sent
    /// and its source is a path or bytes. [`Error::NotFound`] when there is no such session.
    pub async fn upload(
        &self,
        id: impl Into<IdInput>,
        file: impl Into<FileSource>,
    ) -> Result<SessionsUploadFileResponse, Error> {
        let id = id.into().parse("id")?;
        let checked = file.into().check(&RULES)?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        checked.send(&self.ctx, &SESSIONS_UPLOAD_FILE, &args).await
    }

    /// Fetches one `COMPLETED` recording page's MP4 from its presigned `downloadUrl` into `path`,
    /// streamed through a temporary file in the same folder and renamed into place only once
    /// whole (the API publishes no size or checksum for an MP4). The URL is outside the base URL:
    /// neither the API key nor any client header is sent there. What the client retries on a GET
    /// (a connection failure, a timeout, a 429, a 408, 500, 502, 503 or 504) is retried from the
    /// start of the file within its retry policy; a 403 (an expired signature) is not. Returns the
    /// bytes written.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// let sessions = client.sessions();
    /// for page in &sessions.recording_downloads(id).await?.downloads {
    ///     sessions
    ///         .save_recording_page(page, format!("page-{}.mp4", page.page_id))
    ///         .await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Before any request, a validation error at `downloadUrl` when the page is not `COMPLETED`,
    /// has no URL (a BYOS project) or its URL is not http(s); [`Error::File`]; the request's errors (which never carry the URL).
    pub async fn save_recording_page(
        &self,
        page: &RecordingDownload,
        path: impl AsRef<Path>,
    ) -> Result<u64, Error> {
        let written = self.save_recording_page_hashed(page, path.as_ref()).await?;
        Ok(written.bytes)
    }

    /// [`save_recording_page`](Self::save_recording_page), with what was written (size and
    /// SHA-256 as streamed).
    pub(crate) async fn save_recording_page_hashed(
        &self,
        page: &RecordingDownload,
        path: &Path,
    ) -> Result<Written, Error> {
        let url = presigned_url(page)?;
        let retry = &self.ctx.transport.retry;
        let mut backoff: retry::Backoff = None;
        loop {
            // Each attempt starts the file from zero in a fresh temporary file: a failed one
            // leaves nothing behind, at the target or beside it.
            let attempt = async {
                let opened = self.open_presigned(&url, page).await?;
                download::to_path(opened, path, &expected(page)).await
            };
            let err = match attempt.await {
                Ok(n) => return Ok(n),
                Err(e) => e,
            };
            // A GET of the file, safe to repeat as the operation that listed its URL is. A 403
            // (an expired signature) is final: ask for the recording downloads again.
            if !retry::is_retryable(retry, &SESSIONS_LIST_RECORDING_DOWNLOADS, &err) {
                return Err(err);
            }
            let Some(delay) = retry::next_delay(retry, &mut backoff, &err) else {
                return Err(err);
            };
            tracing::warn!(
                page = %page.page_id,
                delay_ms = delay.as_millis() as u64,
                error = &err as &dyn std::error::Error,
                "retrying the recording page's MP4 from the start"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// [`save_recording_page`](Self::save_recording_page) into any writer (flushed at the end),
    /// in one attempt: the writer may have had part of the file when it fails, so it is not
    /// retried.
    ///
    /// # Errors
    /// As `save_recording_page`.
    pub async fn write_recording_page<W: AsyncWrite + Unpin>(
        &self,
        page: &RecordingDownload,
        writer: &mut W,
    ) -> Result<u64, Error> {
        let opened = self.open_recording_page(page).await?;
        download::to_writer(opened, writer, &expected(page)).await
    }

    async fn open_recording_page(&self, page: &RecordingDownload) -> Result<Opened, Error> {
        let url = presigned_url(page)?;
        self.open_presigned(&url, page).await
    }

    async fn open_presigned(&self, url: &Url, page: &RecordingDownload) -> Result<Opened, Error> {
        self.ctx
            .transport
            .open_presigned(url, &SESSIONS_LIST_RECORDING_DOWNLOADS, &page.page_id)
            .await
    }
}

/// The file name of a recording page's MP4, as `bb sessions recording --mp4` and
/// [`Invocations::evidence`](crate::Invocations::evidence) save it: `recording-page-<page>.mp4`,
/// the page id made safe as one path component.
///
/// ```
/// # fn demo(page: &bb_api_ext::RecordingDownload) {
/// let path = std::path::Path::new("out").join(bb_api_ext::recording_page_file_name(page));
/// # }
/// ```
pub fn recording_page_file_name(page: &RecordingDownload) -> String {
    format!(
        "recording-page-{}.mp4",
        crate::files::safe_component(&page.page_id)
    )
}

/// No checksum or size is published for an MP4: nothing to verify but a whole body.
fn expected(page: &RecordingDownload) -> Expected<'_> {
    Expected {
        id: &page.page_id,
        size: None,
        checksum: None,
    }
}

/// The page's presigned URL, once it is `COMPLETED`.
fn presigned_url(page: &RecordingDownload) -> Result<Url, Error> {
    let rule = |rule: String| -> Error { ValidationErrors::single("downloadUrl", rule).into() };
    if page.status != RecordingDownloadStatus::Completed {
        return Err(rule(format!(
            "page {} is {}, not COMPLETED: wait with recording_downloads first",
            page.page_id, page.status
        )));
    }
    let Some(text) = &page.download_url else {
        return Err(rule(format!(
            "page {} has no downloadUrl (a BYOS project keeps its MP4s in its own storage)",
            page.page_id
        )));
    };
    Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| rule(format!("must be an http(s) URL (got {})", quoted(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: &str, url: Option<&str>) -> RecordingDownload {
        serde_json::from_value(serde_json::json!({
            "pageId": "0", "status": status, "downloadUrl": url,
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn only_a_completed_page_with_an_http_url_is_fetched() {
        let err = presigned_url(&page("PENDING", None)).expect_err("pending");
        assert_eq!(
            err.to_string(),
            "invalid request, nothing was sent: 1 invalid field; downloadUrl: page 0 is PENDING, not COMPLETED: wait with recording_downloads first"
        );
        let err = presigned_url(&page("COMPLETED", None)).expect_err("byos");
        assert!(err.to_string().contains("has no downloadUrl"), "{err}");
        let err =
            presigned_url(&page("COMPLETED", Some("file:///etc/passwd"))).expect_err("scheme");
        assert!(err.to_string().contains("must be an http(s) URL"), "{err}");
        let url = presigned_url(&page("COMPLETED", Some("https://cdn.example/0.mp4?sig=s")))
            .expect("fetched");
        assert_eq!(url.as_str(), "https://cdn.example/0.mp4?sig=s");
    }
}
