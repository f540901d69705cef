//! A failed invocation's evidence in one call: the invocation, its logs, its session and the
//! session's CDP logs, the rrweb recording as JSON lines, the replay list, the recording MP4s and
//! the files the session downloaded, each written into a folder as it is fetched (files stream
//! through a temporary file and a rename, so memory stays bounded whatever their size), then a
//! `manifest.json` of sizes and SHA-256s. A part that cannot be fetched is listed with the reason
//! and never stops the others.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use uuid::Uuid;

use crate::context::Context;
use crate::downloads::{Download, Downloads};
use crate::error::Error;
use crate::files::download::{self, Written};
use crate::files::safe_component;
use crate::ids::IdInput;
use crate::sessions::Sessions;

/// The default of [`EvidenceRequest::max_wait`]: MP4 assembly takes seconds to minutes.
pub const DEFAULT_EVIDENCE_WAIT: Duration = Duration::from_secs(120);

/// What [`EvidenceRequest::write_to`] wrote: `manifest.json`'s content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The invocation.
    #[serde(rename = "invocationId")]
    pub invocation_id: Uuid,
    /// The files written, with size and SHA-256 (hex), in a stable order.
    pub files: Vec<ManifestFile>,
    /// The parts that could not be fetched, with the reason.
    pub missing: Vec<MissingPart>,
}

/// A file of the evidence folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestFile {
    /// Its name in the folder (`downloads/report.pdf`).
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// A part that could not be fetched; nothing is at its name in the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingPart {
    /// The file it would have been.
    pub name: String,
    /// Why it is missing (one line).
    pub reason: String,
}

impl Manifest {
    /// Whether every part came.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// A one-line summary: `9 files` or `8 files, 1 missing: downloads/report.pdf`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} files", self.files.len());
        if !self.missing.is_empty() {
            let names: Vec<&str> = self.missing.iter().map(|m| m.name.as_str()).collect();
            s.push_str(&format!(
                ", {} missing: {}",
                self.missing.len(),
                names.join(", ")
            ));
        }
        s
    }
}

/// One invocation's evidence, to be written into a folder; from [`crate::Invocations::evidence`].
#[must_use = "nothing is fetched until `write_to` is awaited"]
pub struct EvidenceRequest {
    ctx: Arc<Context>,
    id: IdInput,
    max_wait: Duration,
}

impl std::fmt::Debug for EvidenceRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceRequest")
            .field("id", &self.id)
            .field("max_wait", &self.max_wait)
            .finish_non_exhaustive()
    }
}

impl crate::Invocations {
    /// One invocation's evidence: the invocation, its logs, its session (without its signing key
    /// and connect URL), the session's CDP logs, the recording (as JSON lines), the replay list, each recording page's MP4 (from its
    /// presigned URL, without the API key, once the recording downloads are ready) and the files
    /// the session downloaded (as `downloads/<name>`, each verified against its size and
    /// SHA-256). [`EvidenceRequest::write_to`] fetches and writes them.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), bb_api_ext::Error> {
    /// use std::time::Duration;
    ///
    /// let manifest = client
    ///     .invocations()
    ///     .evidence(id)
    ///     .max_wait(Duration::from_secs(300))
    ///     .write_to("evidence")
    ///     .await?;
    /// if !manifest.is_complete() {
    ///     eprintln!("{}", manifest.summary());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn evidence(&self, id: impl Into<IdInput>) -> EvidenceRequest {
        EvidenceRequest {
            ctx: self.ctx.clone(),
            id: id.into(),
            max_wait: DEFAULT_EVIDENCE_WAIT,
        }
    }
}

impl EvidenceRequest {
    /// The longest the whole gathering may take, the recording downloads' wait included; a part
    /// not fetched by then is listed as missing. [`DEFAULT_EVIDENCE_WAIT`] unless set.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Fetches every part and writes it into `dir` (created if needed) as it comes: each file
    /// through a temporary file beside it and a rename, so memory stays bounded whatever a
    /// file's size and a part that fails leaves nothing at its name (a file left there by an
    /// earlier run is removed, so the folder agrees with the manifest). Then writes
    /// `manifest.json`, which lists each file with its size and SHA-256 and each missing part
    /// with the reason; a part that fails never stops the others.
    ///
    /// # Errors
    /// The invocation's own get (without it there is no session to look at), before anything is
    /// written; [`Error::File`] when `dir` or `manifest.json` cannot be written.
    pub async fn write_to(self, dir: impl AsRef<Path>) -> Result<Manifest, Error> {
        let dir = dir.as_ref();
        let ends = crate::transport::later(Instant::now(), self.max_wait);
        let invocations = crate::Invocations {
            ctx: self.ctx.clone(),
        };
        let invocation = invocations.get(self.id).await?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| Error::File {
                action: "create the folder",
                path: Some(dir.to_path_buf()),
                source,
            })?;
        let sessions = Sessions {
            ctx: self.ctx.clone(),
        };
        let sid = invocation.session_id;
        let mut folder = Folder {
            dir,
            used: HashSet::new(),
            manifest: Manifest {
                invocation_id: invocation.id,
                files: Vec::new(),
                missing: Vec::new(),
            },
        };
        folder.json("invocation.json", Ok(&invocation)).await;
        folder
            .json(
                "invocation-logs.json",
                invocations.logs(invocation.id).await,
            )
            .await;
        // Without its signing key and the connect URL that embeds it: an archive of evidence is
        // shared and kept, and a session still running could be taken over with them.
        let session = sessions.get(sid).await.map(|mut session| {
            session.signing_key = None;
            session.connect_url = None;
            session
        });
        folder.json("session.json", session).await;
        folder
            .json("session-logs.json", sessions.logs(sid).await)
            .await;
        let recording = recording_lines(&sessions, sid).await;
        folder.small("recording.jsonl", recording).await;
        folder
            .json("replays.json", sessions.replays(sid).await)
            .await;
        let left = ends.saturating_duration_since(Instant::now());
        let downloads = sessions.recording_downloads_within(sid, left).await;
        let pages = match &downloads {
            Ok(d) => Ok(d.downloads.clone()),
            Err(e) => Err(format!("no recording downloads: {}", one_line(e))),
        };
        folder.json("recording-downloads.json", downloads).await;
        match pages {
            Err(reason) => folder.missing("recording-page-*.mp4", reason).await,
            Ok(pages) => {
                for page in pages {
                    let name = folder.fresh_name(&crate::recording_page_file_name(&page));
                    let path = dir.join(&name);
                    let saved =
                        within(ends, sessions.save_recording_page_hashed(&page, &path)).await;
                    folder.written(name, saved).await;
                }
            }
        }
        session_downloads(&mut folder, &self.ctx, sid, ends).await;
        let text = serde_json::to_vec_pretty(&folder.manifest).map_err(|e| Error::File {
            action: "encode",
            path: Some(dir.join("manifest.json")),
            source: std::io::Error::other(e),
        })?;
        download::bytes_to_path(text.into(), &dir.join("manifest.json")).await?;
        Ok(folder.manifest)
    }
}

/// The folder being written, and the manifest so far.
struct Folder<'a> {
    dir: &'a Path,
    /// Every name given out, so two parts never share one.
    used: HashSet<String>,
    manifest: Manifest,
}

impl Folder<'_> {
    /// `name`, or `<n>-name` when a part already has it.
    fn fresh_name(&mut self, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while !self.used.insert(candidate.clone()) {
            candidate = match name.rsplit_once('/') {
                Some((folder, base)) => format!("{folder}/{n}-{base}"),
                None => format!("{n}-{name}"),
            };
            n += 1;
        }
        candidate
    }

    /// A JSON part, pretty-printed.
    async fn json<T: Serialize>(&mut self, name: &str, value: Result<T, Error>) {
        let bytes = value.map_err(|e| one_line(&e)).and_then(|v| {
            serde_json::to_vec_pretty(&v).map_err(|e| format!("could not encode: {e}"))
        });
        self.small(name, bytes).await;
    }

    /// A part already in memory (bounded: a JSON answer of the API), written whole or not at all.
    async fn small(&mut self, name: &str, bytes: Result<Vec<u8>, String>) {
        let name = self.fresh_name(name);
        let written = match bytes {
            Ok(bytes) => download::bytes_to_path(bytes.into(), &self.dir.join(&name))
                .await
                .map_err(|e| one_line(&e)),
            Err(reason) => Err(reason),
        };
        self.written(name, written).await;
    }

    /// A part written to its name (`Ok`, with its size and SHA-256 as it streamed), or why not.
    async fn written(&mut self, name: String, written: Result<Written, String>) {
        match written {
            Ok(Written { bytes, sha256 }) => self.manifest.files.push(ManifestFile {
                name,
                bytes,
                sha256,
            }),
            Err(reason) => self.missing(&name, reason).await,
        }
    }

    /// A part that could not be fetched: listed, and nothing left at its name.
    async fn missing(&mut self, name: &str, reason: String) {
        if !name.contains('*') && !name.ends_with('/') {
            let _ = tokio::fs::remove_file(self.dir.join(name)).await;
        }
        self.manifest.missing.push(MissingPart {
            name: name.to_owned(),
            reason,
        });
    }
}

/// The recording as JSON lines (one rrweb event each). The API answers it in one response,
/// bounded by the client's `max_response_bytes`.
async fn recording_lines(sessions: &Sessions, sid: Uuid) -> Result<Vec<u8>, String> {
    use futures_util::StreamExt;

    let mut events = sessions.recording(sid).await.map_err(|e| one_line(&e))?;
    let mut lines = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| one_line(&e))?;
        serde_json::to_writer(&mut lines, &event).map_err(|e| format!("could not encode: {e}"))?;
        lines.push(b'\n');
    }
    Ok(lines)
}

/// The files session `sid` downloaded, as `downloads/<name>`, each streamed to disk and verified
/// against its size and SHA-256 (a mismatch is a missing part, and nothing is at its name).
async fn session_downloads(folder: &mut Folder<'_>, ctx: &Arc<Context>, sid: Uuid, ends: Instant) {
    let downloads = Downloads { ctx: ctx.clone() };
    let list = within(ends, downloads.list(sid).stream().try_collect()).await;
    let list: Vec<Download> = match list {
        Ok(list) => list,
        Err(reason) => {
            let reason = format!("could not list the session's downloads: {reason}");
            return folder.missing("downloads/", reason).await;
        }
    };
    if let Err(e) = tokio::fs::create_dir_all(folder.dir.join("downloads")).await {
        let reason = format!("could not create the folder: {e}");
        return folder.missing("downloads/", reason).await;
    }
    for item in list {
        let base = Path::new(&item.filename)
            .file_name()
            .map(|n| safe_component(&n.to_string_lossy()))
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .unwrap_or_else(|| safe_component(item.id.as_ref()));
        let name = folder.fresh_name(&format!("downloads/{base}"));
        let path = folder.dir.join(&name);
        let saved = within(ends, downloads.save_hashed(item.id.clone(), &path))
            .await
            .map(|(_, written)| written);
        folder.written(name, saved).await;
    }
}

/// `fetch` within the evidence's deadline: its error, or that the deadline passed, on one line.
async fn within<T>(
    ends: Instant,
    fetch: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, String> {
    match tokio::time::timeout_at(ends, fetch).await {
        Ok(result) => result.map_err(|e| one_line(&e)),
        Err(_) => Err("not fetched within the evidence's max_wait".to_owned()),
    }
}

/// The error and its causes on one line.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_what_is_missing() {
        let manifest = Manifest {
            invocation_id: Uuid::nil(),
            files: vec![],
            missing: vec![MissingPart {
                name: "downloads/a.pdf".to_owned(),
                reason: "corrupt".to_owned(),
            }],
        };
        assert_eq!(manifest.summary(), "0 files, 1 missing: downloads/a.pdf");
        assert!(!manifest.is_complete());
    }
}
