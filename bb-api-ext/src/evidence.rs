//! A failed invocation's evidence in one call: the invocation, its logs, its session and the
//! session's CDP logs, the rrweb recording as JSON lines, the replay list and the recording
//! downloads, gathered part by part (a part that cannot be fetched is listed with the reason and
//! never stops the others), then written to a folder with a `manifest.json` of sizes and SHA-256s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bb_api::types::Invocation;
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::time::Instant;
use uuid::Uuid;

use crate::client::Client;
use crate::downloads::Download;
use crate::error::Error;
use crate::ids::IdInput;

/// One part of the evidence: a file's name and its bytes, or why it could not be fetched.
#[derive(Debug, Clone)]
pub struct EvidencePart {
    /// The file name it is written as (`session-logs.json`).
    pub name: String,
    /// The bytes, or the reason it is missing (one line).
    pub content: Result<Bytes, String>,
}

/// Everything gathered about one invocation; from [`crate::Invocations::evidence`]. Write it with
/// [`write_to`](Self::write_to).
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The invocation.
    pub invocation: Invocation,
    /// Every part, fetched or not, in a stable order.
    pub parts: Vec<EvidencePart>,
}

/// What [`Evidence::write_to`] wrote: `manifest.json`'s content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The invocation.
    #[serde(rename = "invocationId")]
    pub invocation_id: uuid::Uuid,
    /// The files written, with size and SHA-256 (hex).
    pub files: Vec<ManifestFile>,
    /// The parts that could not be fetched, with the reason.
    pub missing: Vec<MissingPart>,
}

/// A file of the evidence folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestFile {
    /// Its name in the folder.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// A part that could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingPart {
    /// The file it would have been.
    pub name: String,
    /// Why it is missing.
    pub reason: String,
}

impl Manifest {
    /// Whether every part came.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// A one-line summary: `7 files, 2 missing: recording.mp4 (…); …`.
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

fn json_part<T: Serialize>(name: &str, value: Result<T, Error>) -> EvidencePart {
    EvidencePart {
        name: name.to_owned(),
        content: value.map_err(|e| one_line(&e)).and_then(|v| {
            serde_json::to_vec_pretty(&v)
                .map(Bytes::from)
                .map_err(|e| format!("could not encode: {e}"))
        }),
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

impl crate::Invocations {
    /// Gathers one invocation's evidence: the invocation, its logs, its session, the session's
    /// CDP logs, the recording (as JSON lines), the replay list and the recording downloads
    /// (waited for once the session has ended), each recording page's MP4 (from its presigned
    /// URL, without the API key) and the files the session downloaded (as `downloads/<name>`,
    /// each verified against its size and SHA-256), all within `max_wait`. Each part that cannot
    /// be fetched, or whose content does not match its checksum, is kept with its reason and
    /// never written; the others are still fetched.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client, id: uuid::Uuid) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    ///
    /// let evidence = client.invocations().evidence(&client, id, Duration::from_secs(120)).await?;
    /// let manifest = evidence.write_to("evidence".as_ref())?;
    /// if !manifest.is_complete() {
    ///     eprintln!("{}", manifest.summary());
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Only the invocation's own get: without it there is no session to look at.
    pub async fn evidence(
        &self,
        client: &Client,
        id: impl Into<IdInput>,
        max_wait: Duration,
    ) -> Result<Evidence, Error> {
        let ends = crate::transport::later(Instant::now(), max_wait);
        let invocation = self.get(id).await?;
        let sessions = client.sessions();
        let sid = invocation.session_id;
        let mut parts = vec![json_part("invocation.json", Ok(&invocation))];
        parts.push(json_part(
            "invocation-logs.json",
            self.logs(invocation.id).await,
        ));
        parts.push(json_part("session.json", sessions.get(sid).await));
        parts.push(json_part("session-logs.json", sessions.logs(sid).await));
        let recording = match sessions.recording(sid).await {
            Err(e) => Err(one_line(&e)),
            Ok(mut events) => {
                let mut lines = Vec::new();
                let mut failed = None;
                while let Some(event) = events.next().await {
                    match event {
                        Ok(event) => {
                            if let Err(e) = serde_json::to_writer(&mut lines, &event) {
                                failed = Some(format!("could not encode: {e}"));
                                break;
                            }
                            lines.push(b'\n');
                        }
                        Err(e) => {
                            failed = Some(one_line(&e));
                            break;
                        }
                    }
                }
                failed.map_or(Ok(Bytes::from(lines)), Err)
            }
        };
        parts.push(EvidencePart {
            name: "recording.jsonl".to_owned(),
            content: recording,
        });
        parts.push(json_part("replays.json", sessions.replays(sid).await));
        let downloads = sessions.recording_downloads_within(sid, max_wait).await;
        let pages = match &downloads {
            Ok(d) => Ok(d.downloads.clone()),
            Err(e) => Err(format!("no recording downloads: {}", one_line(e))),
        };
        parts.push(json_part("recording-downloads.json", downloads));
        match pages {
            Err(reason) => parts.push(EvidencePart {
                name: "recording-page-*.mp4".to_owned(),
                content: Err(reason),
            }),
            Ok(pages) => {
                for page in pages {
                    let mut mp4 = Vec::new();
                    let fetched = within(ends, sessions.write_recording_page(&page, &mut mp4));
                    parts.push(EvidencePart {
                        name: format!("recording-page-{}.mp4", page.page_id),
                        content: fetched.await.map(|_| Bytes::from(mp4)),
                    });
                }
            }
        }
        parts.extend(session_downloads(client, sid, ends).await);
        Ok(Evidence { invocation, parts })
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

/// The files session `sid` downloaded, as `downloads/<name>`, each verified against its size and
/// SHA-256 (a mismatch is a missing part, its bytes dropped).
async fn session_downloads(client: &Client, sid: Uuid, ends: Instant) -> Vec<EvidencePart> {
    let downloads = client.downloads();
    let list = within(ends, downloads.list(sid).stream().try_collect()).await;
    let list: Vec<Download> = match list {
        Ok(list) => list,
        Err(reason) => {
            return vec![EvidencePart {
                name: "downloads/".to_owned(),
                content: Err(format!("could not list the session's downloads: {reason}")),
            }];
        }
    };
    let mut parts: Vec<EvidencePart> = Vec::with_capacity(list.len());
    for item in list {
        let base = Path::new(&item.filename)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .unwrap_or_else(|| item.id.to_string());
        let mut name = format!("downloads/{base}");
        if parts.iter().any(|p| p.name == name) {
            name = format!("downloads/{}-{base}", item.id);
        }
        let mut bytes = Vec::new();
        let fetched = within(ends, downloads.write_to(item.id.clone(), &mut bytes)).await;
        parts.push(EvidencePart {
            name,
            // A mismatch is an error here: the bytes already received are dropped.
            content: fetched.map(|_| Bytes::from(bytes)),
        });
    }
    parts
}

impl Evidence {
    /// Writes every fetched part into `dir` (created if needed) and `manifest.json`, which lists
    /// each file with its size and SHA-256 and each missing part with the reason. Each file is
    /// written to a temporary name and renamed, so a failed write leaves no partial file.
    ///
    /// # Errors
    /// The first file that could not be written (with its path).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<Manifest> {
        std::fs::create_dir_all(dir)?;
        let mut manifest = Manifest {
            invocation_id: self.invocation.id,
            files: Vec::new(),
            missing: Vec::new(),
        };
        for part in &self.parts {
            match &part.content {
                Ok(bytes) => {
                    write_atomic(&dir.join(&part.name), bytes)?;
                    manifest.files.push(ManifestFile {
                        name: part.name.clone(),
                        bytes: bytes.len() as u64,
                        sha256: sha256_hex(bytes),
                    });
                }
                Err(reason) => manifest.missing.push(MissingPart {
                    name: part.name.clone(),
                    reason: reason.clone(),
                }),
            }
        }
        let text = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        write_atomic(&dir.join("manifest.json"), &text)?;
        Ok(manifest)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` written whole or not at all: a temporary file beside it, then a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = PathBuf::from(path);
    let name = format!(
        ".{}.part",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    tmp.set_file_name(name);
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(std::io::Error::new(
            e.kind(),
            format!("could not write {}: {e}", path.display()),
        ));
    }
    Ok(())
}
