//! Recording downloads: one MP4 per recorded page, assembled after the session ends. Request them,
//! then wait on the client's wait machine until every page is ready; the MP4s themselves are at
//! short-lived presigned URLs on another host, which never receive the API key.

use std::time::Duration;

use bb_api::open::RecordingDownloadStatus;
use bb_api::types::RecordingDownload;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Sessions;
use crate::error::Error;
use crate::ids::{IdInput, id_text};
use crate::transport::Call;
use crate::transport::operation::{
    Operation, SESSIONS_CREATE_RECORDING_DOWNLOADS, SESSIONS_LIST_RECORDING_DOWNLOADS,
};
use crate::wait::{Pollable, Wait};

/// The default deadline of [`Sessions::recording_downloads`]: MP4 assembly takes seconds to
/// minutes per page.
pub const DEFAULT_RECORDING_WAIT: Duration = Duration::from_secs(5 * 60);

/// The recording downloads of a session: one entry per recorded page, with its status and, once
/// `COMPLETED` on a standard project, its short-lived `downloadUrl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordingDownloads {
    /// One per recorded page.
    pub downloads: Vec<RecordingDownload>,
}

impl RecordingDownloads {
    /// Whether no page is still to be assembled (each is `COMPLETED` or `FAILED`).
    pub fn is_settled(&self) -> bool {
        self.downloads.iter().all(|d| {
            matches!(
                d.status,
                RecordingDownloadStatus::Completed | RecordingDownloadStatus::Failed
            )
        })
    }

    /// The pages whose assembly failed (request the downloads again to retry them).
    pub fn failed(&self) -> impl Iterator<Item = &RecordingDownload> {
        self.downloads
            .iter()
            .filter(|d| d.status == RecordingDownloadStatus::Failed)
    }
}

impl Wait<RecordingDownloads> {
    pub(crate) fn recording_downloads(
        ctx: std::sync::Arc<crate::context::Context>,
        id: IdInput,
        max_wait: Duration,
    ) -> Self {
        Self::new(ctx, &SESSIONS_LIST_RECORDING_DOWNLOADS, id, max_wait)
    }
}

impl Pollable for RecordingDownloads {
    /// Not in the body, and only events use it: these have none.
    fn id(&self) -> Uuid {
        Uuid::nil()
    }

    fn is_about(_: &crate::webhooks::EventType) -> bool {
        false
    }

    fn is_terminal(&self) -> bool {
        self.is_settled()
    }

    fn status(&self) -> &str {
        if self.is_settled() {
            "settled"
        } else {
            "PENDING"
        }
    }

    fn finish(self) -> Result<Self, Error> {
        Ok(self)
    }

    fn timeout(id: Uuid, waited: Duration, last: Option<Self>) -> Error {
        let status = last.map_or_else(
            || "not seen".to_owned(),
            |l| {
                let pending = l.downloads.iter().filter(|d| !l.is_settled_page(d)).count();
                format!(
                    "assembling ({pending} of {} pages pending)",
                    l.downloads.len()
                )
            },
        );
        Error::SessionWaitTimeout {
            id,
            what: "recording downloads",
            status,
            waited,
        }
    }
}

impl RecordingDownloads {
    fn is_settled_page(&self, d: &RecordingDownload) -> bool {
        matches!(
            d.status,
            RecordingDownloadStatus::Completed | RecordingDownloadStatus::Failed
        )
    }
}

impl Sessions {
    /// Asks for the session's recording as MP4s, one per page (202: every page `PENDING`).
    /// Asking again re-enqueues every page and retries failed ones.
    ///
    /// # Errors
    /// [`Error::RecordingUnavailable`] when the session has not ended (409), its recording is past
    /// retention (410) or recording was off (422); [`Error::NotFound`]; the request's errors.
    pub async fn request_recording_downloads(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<RecordingDownloads, Error> {
        self.recording_call(&SESSIONS_CREATE_RECORDING_DOWNLOADS, id.into())
            .await
    }

    /// The per-page status of the session's recording downloads, as they are now.
    ///
    /// # Errors
    /// As [`request_recording_downloads`](Self::request_recording_downloads).
    pub async fn list_recording_downloads(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<RecordingDownloads, Error> {
        self.recording_call(&SESSIONS_LIST_RECORDING_DOWNLOADS, id.into())
            .await
    }

    /// One call of the recording downloads: 409, 410 and 422 say why there is no recording, so
    /// they are final and become [`Error::RecordingUnavailable`].
    async fn recording_call(
        &self,
        op: &'static Operation,
        id: IdInput,
    ) -> Result<RecordingDownloads, Error> {
        let id = id.parse("id")?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&id, &mut buf)];
        let mut call = Call::new(op, &args);
        call.final_statuses = &[409, 410, 422];
        self.ctx
            .transport
            .call(call)
            .await
            .map_err(|e| unavailable(id, e))
    }

    /// Requests the session's recording downloads, then waits on the client's wait machine until
    /// every page is `COMPLETED` or `FAILED`, within [`DEFAULT_RECORDING_WAIT`]. Each completed
    /// page's `downloadUrl` is presigned, on another host: fetch it without the API key (see
    /// [`is_under_base_url`](crate::is_under_base_url)).
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// let ready = client.sessions().recording_downloads(id).await?;
    /// for page in &ready.downloads {
    ///     println!("page {}: {} {:?}", page.page_id, page.status, page.download_url);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`request_recording_downloads`](Self::request_recording_downloads);
    /// [`Error::SessionWaitTimeout`] when pages are still assembling at the deadline.
    pub async fn recording_downloads(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<RecordingDownloads, Error> {
        self.recording_downloads_within(id, DEFAULT_RECORDING_WAIT)
            .await
    }

    /// [`recording_downloads`](Self::recording_downloads) with another deadline.
    ///
    /// # Errors
    /// As `recording_downloads`.
    pub async fn recording_downloads_within(
        &self,
        id: impl Into<IdInput>,
        max_wait: Duration,
    ) -> Result<RecordingDownloads, Error> {
        let id = id.into().parse("id")?;
        let requested = self.request_recording_downloads(id).await?;
        if requested.is_settled() && !requested.downloads.is_empty() {
            return Ok(requested);
        }
        Wait::recording_downloads(self.ctx.clone(), id.into(), max_wait)
            .await
            .map_err(|e| unavailable(id, e))
    }
}

/// 409, 410 and 422 of the recording download operations, as errors that say why.
fn unavailable(session_id: Uuid, e: Error) -> Error {
    let reason = match e.status() {
        Some(409) => {
            "the session has not ended (HTTP 409): release it (release_and_wait) and ask again"
        }
        Some(410) => {
            "the recording is past its retention window (HTTP 410) and can no longer be assembled"
        }
        Some(422) => {
            "recording was disabled for this session (HTTP 422, recordSession: false): there is nothing to assemble"
        }
        _ => return e,
    };
    match e {
        Error::Api(error) => Error::RecordingUnavailable {
            session_id,
            reason,
            error: Box::new(error),
        },
        other => other,
    }
}
