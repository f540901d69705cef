//! Where the session file upload and the recording MP4 fetch meet the streaming upload and
//! download modules (written in another branch; this crate keeps one of each). Until they are
//! connected, these are the exact seams: [`Streaming`] is what the two operations need, and
//! [`fetch_recording_page`] / [`upload_file`] are the calls `Sessions` will expose.
// Connected by the integrator to the streaming modules; exercised by the tests below until then.
#![cfg_attr(not(test), allow(dead_code))]

use std::future::Future;
use std::path::Path;

use bb_api::open::RecordingDownloadStatus;
use bb_api::types::RecordingDownload;
use serde_json::Value;
use url::Url;
use uuid::Uuid;

use crate::error::Error;
use crate::validate::{ValidationErrors, quoted};

/// What the two operations need from the streaming modules.
pub(crate) trait Streaming: Sync {
    /// `POST /v1/sessions/{id}/uploads` (`Sessions_uploadFile`) with `file` streamed as the
    /// multipart field `file`, with the API key (an API URL); the 200's JSON.
    fn upload_file(
        &self,
        session_id: Uuid,
        file: &Path,
    ) -> impl Future<Output = Result<Value, Error>> + Send;

    /// `GET url` **without** the API key (a presigned URL outside the base URL), streamed into
    /// `dest` through a temporary file and a rename; the bytes written.
    fn download_presigned(
        &self,
        url: &Url,
        dest: &Path,
    ) -> impl Future<Output = Result<u64, Error>> + Send;
}

/// Uploads `file` into a running session.
pub(crate) async fn upload_file<S: Streaming>(
    streaming: &S,
    session_id: Uuid,
    file: &Path,
) -> Result<Value, Error> {
    if !file.is_file() {
        return Err(ValidationErrors::single(
            "file",
            format!(
                "must be a readable file (got {})",
                quoted(&file.display().to_string())
            ),
        )
        .into());
    }
    streaming.upload_file(session_id, file).await
}

/// Fetches one completed page's MP4 into `dest`; the URL never gets the API key.
pub(crate) async fn fetch_recording_page<S: Streaming>(
    streaming: &S,
    page: &RecordingDownload,
    dest: &Path,
) -> Result<u64, Error> {
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
    let url = Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| rule(format!("must be an http(s) URL (got {})", quoted(text))))?;
    streaming.download_presigned(&url, dest).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Streaming for Recorder {
        async fn upload_file(&self, session_id: Uuid, file: &Path) -> Result<Value, Error> {
            let mut calls = self.0.lock().unwrap_or_else(|e| e.into_inner());
            calls.push(format!("upload {session_id} {}", file.display()));
            Ok(serde_json::json!({"message": "ok"}))
        }

        async fn download_presigned(&self, url: &Url, dest: &Path) -> Result<u64, Error> {
            let mut calls = self.0.lock().unwrap_or_else(|e| e.into_inner());
            calls.push(format!("download {url} {}", dest.display()));
            Ok(3)
        }
    }

    fn page(status: &str, url: Option<&str>) -> RecordingDownload {
        serde_json::from_value(serde_json::json!({
            "pageId": "0", "status": status, "downloadUrl": url,
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn only_a_completed_page_with_an_http_url_is_fetched() {
        let s = Recorder::default();
        let dest = Path::new("/tmp/x.mp4");
        let err = fetch_recording_page(&s, &page("PENDING", None), dest)
            .await
            .expect_err("pending");
        assert_eq!(
            err.to_string(),
            "invalid request, nothing was sent: 1 invalid field; downloadUrl: page 0 is PENDING, not COMPLETED: wait with recording_downloads first"
        );
        let err = fetch_recording_page(&s, &page("COMPLETED", Some("file:///etc/passwd")), dest)
            .await
            .expect_err("scheme");
        assert!(err.to_string().contains("must be an http(s) URL"), "{err}");
        let n = fetch_recording_page(
            &s,
            &page("COMPLETED", Some("https://cdn.example/0.mp4?sig=s")),
            dest,
        )
        .await
        .expect("fetched");
        assert_eq!(n, 3);
        assert_eq!(
            *s.0.lock().unwrap_or_else(|e| e.into_inner()),
            ["download https://cdn.example/0.mp4?sig=s /tmp/x.mp4"]
        );
        let err = upload_file(&s, Uuid::nil(), Path::new("/nonexistent/file.txt"))
            .await
            .expect_err("no file");
        assert!(
            err.to_string().contains("file: must be a readable file"),
            "{err}"
        );
    }
}
