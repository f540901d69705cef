//! `bb sessions`: create, inspect, list and release browser sessions, upload a file into one,
//! and read what a session left behind (live URLs, CDP logs, rrweb recording or its MP4s,
//! replays).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bb_api_ext::{
    FileSource, RecordingDownloadStatus, Session, SessionCreateParamsBuilder, SessionStatus,
    StreamExt,
};

use crate::args;
use crate::output::{Ctx, Failure, pretty};
use crate::progress;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a session; prints it with its connect URL. Release it when done.
    Create {
        /// The session settings: sessionCreateParams as the API documents them (camelCase JSON),
        /// inline or @FILE; checked before anything is sent.
        #[arg(long, value_name = "JSON|@FILE", value_parser = boxed_settings)]
        settings: Option<Box<SessionCreateParamsBuilder>>,
        /// The session settings from a preset file (sessionCreateParams as JSON); the same as
        /// `--settings @FILE`.
        #[arg(long, value_name = "FILE", value_parser = preset, conflicts_with = "settings")]
        preset: Option<Box<SessionCreateParamsBuilder>>,
    },
    /// Show a session.
    Get {
        /// The session id.
        id: String,
    },
    /// List the project's sessions.
    List {
        /// Only sessions in this status (RUNNING, COMPLETED, ERROR, TIMED_OUT, ...).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// Only sessions whose user metadata matches this query.
        #[arg(long, value_name = "QUERY")]
        q: Option<String>,
        /// Only sessions that started longer ago than this (45s, 30m, 2h, 1d).
        #[arg(long, value_name = "AGE", value_parser = args::age)]
        older_than: Option<Duration>,
    },
    /// Release a session, or with --all-running every running session older than --older-than
    /// (printed only, unless --yes).
    Release {
        /// The session id.
        #[arg(
            required_unless_present = "all_running",
            conflicts_with = "all_running"
        )]
        id: Option<String>,
        /// Wait until the session has ended.
        #[arg(long, conflicts_with = "all_running")]
        wait: bool,
        /// Release every RUNNING session older than --older-than.
        #[arg(long, requires = "older_than")]
        all_running: bool,
        /// With --all-running: the least age of a session to release (45s, 30m, 2h, 1d).
        #[arg(long, value_name = "AGE", value_parser = args::age, requires = "all_running")]
        older_than: Option<Duration>,
        /// With --all-running: release them; without it they are only printed.
        #[arg(long, requires = "all_running")]
        yes: bool,
    },
    /// Print a running session's live URLs (debugger, per page).
    Debug {
        /// The session id.
        id: String,
    },
    /// Print a session's CDP log, one entry per line.
    Logs {
        /// The session id.
        id: String,
    },
    /// Print a session's rrweb recording, one JSON line per event; or with --mp4 save its MP4s
    /// (one per page, assembled once the session has ended) into --output.
    Recording {
        /// The session id.
        id: String,
        /// Save the recording as MP4s (the session must have ended) instead of printing events.
        #[arg(long, requires = "output")]
        mp4: bool,
        /// With --mp4: the folder the MP4s are written to (created if needed), one
        /// `recording-page-<page>.mp4` per page.
        #[arg(long, value_name = "DIR", requires = "mp4")]
        output: Option<PathBuf>,
        /// With --mp4: the longest to wait for the MP4s to be assembled, in seconds (default
        /// 300).
        #[arg(long, value_name = "SECONDS", value_parser = args::seconds, requires = "mp4")]
        max_wait: Option<Duration>,
    },
    /// List a session's replay pages.
    Replays {
        /// The session id.
        id: String,
    },
    /// Upload a file into a running session (streamed), for the page's file inputs.
    Uploads {
        /// The session id.
        id: String,
        /// The file to upload.
        file: PathBuf,
    },
}

/// `--settings`, boxed: the builder is large, the other commands' arguments small.
fn boxed_settings(arg: &str) -> Result<Box<SessionCreateParamsBuilder>, String> {
    args::session(arg).map(Box::new)
}

/// `--preset FILE`: the file read as `--settings @FILE` reads it.
fn preset(path: &str) -> Result<Box<SessionCreateParamsBuilder>, String> {
    args::session(&format!("@{path}")).map(Box::new)
}

fn line(s: &Session) -> String {
    let started = s
        .started_at
        .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
    format!("{}  {}  started {started}", s.id, s.status)
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let sessions = ctx.client.sessions();
    match command {
        Command::Create { settings, preset } => {
            let s = sessions
                .create(settings.or(preset).map(|s| *s).unwrap_or_default())
                .await?;
            ctx.out.item(&s, || pretty(&s))
        }
        Command::Get { id } => {
            let s = sessions.get(id).await?;
            ctx.out.item(&s, || pretty(&s))
        }
        Command::List {
            status,
            q,
            older_than,
        } => {
            let mut list = sessions.list();
            if let Some(s) = &status {
                list = list.status(SessionStatus::from(s.as_str()));
            }
            if let Some(q) = q {
                list = list.query(q);
            }
            if let Some(age) = older_than {
                list = list.older_than(age);
            }
            ctx.out.list(list.stream(), line).await
        }
        Command::Release {
            id: Some(id), wait, ..
        } => {
            if wait {
                let spinner =
                    progress::spinner(ctx.out.progress, format!("waiting for session {id} to end"));
                let result = sessions.release_and_wait(id).await;
                spinner.finish_and_clear();
                let s = result?;
                ctx.out.item(&s, || format!("{}  {}", s.id, s.status))
            } else {
                let s = sessions.release(id).await?;
                ctx.out
                    .item(&s, || format!("release requested: {}  {}", s.id, s.status))
            }
        }
        Command::Release {
            id: None,
            older_than,
            yes,
            ..
        } => {
            let age = older_than
                .ok_or_else(|| Failure::Usage("--all-running needs --older-than".to_owned()))?;
            let mut orphans = sessions.orphans(age);
            let mut found = Vec::new();
            while let Some(s) = orphans.next().await {
                found.push(s?);
            }
            for s in &found {
                if yes {
                    let released = sessions.release(s.id).await?;
                    ctx.out.item(&released, || format!("released {}", s.id))?;
                } else {
                    ctx.out.item(s, || format!("would release {}", line(s)))?;
                }
            }
            if !ctx.out.json {
                if yes {
                    eprintln!("({} released)", found.len());
                } else {
                    eprintln!(
                        "({} running sessions older than that; pass --yes to release them)",
                        found.len()
                    );
                }
            }
            Ok(())
        }
        Command::Debug { id } => {
            let urls = sessions.debug(id).await?;
            ctx.out.item(&urls, || {
                let mut text = format!("debugger: {}", urls.debugger_fullscreen_url);
                for page in &urls.pages {
                    text.push_str(&format!(
                        "\npage {}  {}  {}",
                        page.id, page.url, page.debugger_fullscreen_url
                    ));
                }
                text
            })
        }
        Command::Logs { id } => {
            let logs = sessions.logs(id).await?;
            for entry in &logs {
                ctx.out.item(entry, || {
                    serde_json::to_string(entry)
                        .unwrap_or_else(|e| format!("(cannot show it: {e})"))
                })?;
            }
            Ok(())
        }
        Command::Recording {
            id,
            mp4: true,
            output,
            max_wait,
        } => {
            let dir = output.ok_or_else(|| Failure::Usage("--mp4 needs --output".to_owned()))?;
            save_mp4s(ctx, &id, &dir, max_wait.unwrap_or(DEFAULT_RECORDING_WAIT)).await
        }
        Command::Recording { id, .. } => {
            let mut events = sessions.recording(id).await?;
            while let Some(event) = events.next().await {
                let event = event?;
                // JSON lines in both modes: what an rrweb player or jq reads.
                ctx.out.item(&event, || event.to_string())?;
            }
            Ok(())
        }
        Command::Replays { id } => {
            let r = sessions.replays(id).await?;
            ctx.out.item(&r, || pretty(&r))
        }
        Command::Uploads { id, file } => {
            let answer = sessions
                .upload(id.as_str(), FileSource::path(&file))
                .await?;
            ctx.out.item(&answer, || {
                format!("uploaded {} into session {id}", file.display())
            })
        }
    }
}

/// The default of `recording --mp4 --max-wait`: the library's wait for MP4 assembly.
const DEFAULT_RECORDING_WAIT: Duration = bb_api_ext::DEFAULT_RECORDING_WAIT;

/// `recording --mp4`: asks for the MP4s, waits until every page is assembled, then saves each
/// page's MP4 into `dir` (streamed, without the API key). A page that failed or could not be
/// saved is reported; the others are still saved (exit 1 then).
async fn save_mp4s(ctx: &Ctx, id: &str, dir: &Path, max_wait: Duration) -> Result<(), Failure> {
    let sessions = ctx.client.sessions();
    let spinner = progress::spinner(
        ctx.out.progress,
        format!("waiting for the recording MP4s of session {id}"),
    );
    let ready = sessions.recording_downloads_within(id, max_wait).await;
    spinner.finish_and_clear();
    let ready = ready?;
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::Output(std::io::Error::new(
            e.kind(),
            format!("could not create {}: {e}", dir.display()),
        ))
    })?;
    let mut missing = Vec::new();
    for page in &ready.downloads {
        let path = dir.join(bb_api_ext::recording_page_file_name(page));
        if page.status == RecordingDownloadStatus::Failed {
            eprintln!("page {}: its MP4 could not be assembled", page.page_id);
            missing.push(page.page_id.clone());
            continue;
        }
        match sessions.save_recording_page(page, &path).await {
            Ok(bytes) => {
                let saved = serde_json::json!({
                    "pageId": page.page_id,
                    "path": path,
                    "bytes": bytes,
                });
                ctx.out.item(&saved, || {
                    format!("wrote {} ({bytes} bytes)", path.display())
                })?;
            }
            Err(e) => {
                eprintln!("page {}:", page.page_id);
                crate::output::print_error(&e);
                missing.push(page.page_id.clone());
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::Incomplete(format!(
            "{} of {} pages not saved: {}",
            missing.len(),
            ready.downloads.len(),
            missing.join(", ")
        )))
    }
}
