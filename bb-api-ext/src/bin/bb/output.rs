//! What every command shares: the client, how results are printed (human lines or JSON lines),
//! and how a failure becomes a message and an exit status.

use std::io::Write;
use std::process::ExitCode;

use bb_api_ext::{Client, Error, ListStream, StreamExt, Uuid};
use serde::Serialize;

use crate::global::{self, GlobalArgs};
use crate::progress;

/// A command's client and output settings.
pub struct Ctx {
    pub client: Client,
    pub out: Out,
}

impl Ctx {
    /// The client from the global flags and the environment.
    pub fn new(global: &GlobalArgs) -> Result<Self, Failure> {
        let client = global::client(global).map_err(Failure::Api)?;
        Ok(Self {
            client,
            out: Out {
                json: global.json,
                progress: progress::wanted(global.json),
            },
        })
    }
}

/// Where results go: stdout, one JSON object per line with `--json`, else human lines.
pub struct Out {
    pub json: bool,
    /// Whether progress bars are drawn (stderr is a terminal and no `--json`).
    pub progress: bool,
}

impl Out {
    /// One result: its JSON line, or the human text.
    pub fn item<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        if self.json {
            let line = serde_json::to_string(value)
                .map_err(|e| Failure::Output(std::io::Error::other(e)))?;
            self.line(&line)
        } else {
            self.line(&human())
        }
    }

    /// One line on stdout; a closed pipe (`bb … | head`) ends the command quietly.
    pub fn line(&self, line: &str) -> Result<(), Failure> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .map_err(Failure::Output)
    }

    /// Every item of a list, page after page, and how many there were (on stderr, human mode).
    pub async fn list<T: Serialize>(
        &self,
        mut items: ListStream<T>,
        human: impl Fn(&T) -> String,
    ) -> Result<(), Failure> {
        let mut n = 0usize;
        while let Some(item) = items.next().await {
            let item = item.map_err(Failure::Api)?;
            self.item(&item, || human(&item))?;
            n += 1;
        }
        if !self.json {
            eprintln!("({n} in all)");
        }
        Ok(())
    }
}

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// Invalid input found before anything was sent (exit 2).
    Usage(String),
    /// The library's error: a validation error is exit 2 (nothing sent), the rest exit 1.
    Api(Error),
    /// Some items of a fan-out failed; each was already printed (exit 1).
    ItemsFailed { failed: usize, total: usize },
    /// Writing to stdout (or a file the command writes) failed.
    Output(std::io::Error),
    /// The command did part of its work, printed, and says what is missing (exit 1).
    Incomplete(String),
    /// The replicas' Redis could not be reached (`--events`, `--redis`); nothing was sent
    /// (exit 1).
    Redis(bb_api_ext::replicas::ReplicaError),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Api(e)
    }
}

/// Prints the failure on stderr and returns its exit status. A failed or timed-out invocation is
/// also printed as the command's result (a JSON line with `--json`), and a failed invocation's
/// last log lines follow its error.
pub async fn report(client: Option<&Client>, global: &GlobalArgs, failure: Failure) -> ExitCode {
    match failure {
        Failure::Usage(why) => {
            eprintln!("error: {why}\nnothing was sent");
            ExitCode::from(2)
        }
        Failure::ItemsFailed { failed, total } => {
            eprintln!("error: {failed} of {total} items failed");
            ExitCode::FAILURE
        }
        Failure::Incomplete(what) => {
            eprintln!("error: incomplete: {what}");
            ExitCode::FAILURE
        }
        Failure::Redis(e) => {
            eprintln!("error: {e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                eprintln!("  caused by: {c}");
                cause = c.source();
            }
            eprintln!("nothing was sent");
            ExitCode::FAILURE
        }
        Failure::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        Failure::Output(e) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::FAILURE
        }
        Failure::Api(e) => {
            if global.json
                && let Some(inv) = failed_invocation(&e)
                && let Ok(line) = serde_json::to_string(inv)
            {
                println!("{line}");
            }
            print_error(&e);
            // `bb dev` keeps no logs: the handler's message and stack are in the error.
            if let (Error::InvocationFailed(inv), Some(client)) = (&e, client)
                && !client.is_dev()
            {
                print_last_logs(client, inv.id).await;
            }
            match e {
                Error::Validation(_) | Error::Config(_) => ExitCode::from(2),
                // Refused before sending: the dev server does not do this.
                Error::DevMode {
                    problem:
                        bb_api_ext::DevModeError::Unsupported { .. }
                        | bb_api_ext::DevModeError::InvokeById { .. },
                    ..
                } => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

/// The invocation an error carries: the failed one, or the last state seen before a wait gave up.
pub fn failed_invocation(e: &Error) -> Option<&bb_api_ext::Invocation> {
    match e {
        Error::InvocationFailed(inv) => Some(inv),
        Error::WaitTimeout { last, .. } => last.as_deref(),
        _ => None,
    }
}

/// The error, then each cause on its own line: a cause is a `source()`, not part of the message
/// above it.
pub fn print_error(e: &Error) {
    eprintln!("error: {e}");
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        eprintln!("  caused by: {c}");
        cause = c.source();
    }
}

/// The last log lines of a failed invocation: usually where its Function said what went wrong.
async fn print_last_logs(client: &Client, id: Uuid) {
    match client.invocations().logs(id).await {
        Ok(logs) => {
            eprintln!("\nLast log lines of invocation {id}:");
            let skip = logs.logs.len().saturating_sub(10);
            for line in logs.logs.iter().skip(skip) {
                eprintln!("  {}  {}", log_time(line.time()), line.message);
            }
        }
        Err(e) => eprintln!("(could not read its logs: {e})"),
    }
}

/// A log line's time as `HH:MM:SS.mmm`, or `-` when it has none.
pub fn log_time(t: Option<bb_api_ext::DateTime<bb_api_ext::Utc>>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.format("%H:%M:%S%.3f").to_string())
}

/// An invocation in one or a few human lines.
pub fn invocation_line(i: &bb_api_ext::Invocation) -> String {
    let mut line = format!("{}  {}  Function {}", i.id, i.status, i.function_id);
    if let Some(results) = &i.results {
        line.push_str(&format!("\nresults: {results}"));
    }
    if let Some(cause) = &i.cause {
        line.push_str(&format!(
            "\ncause: {} {}",
            cause.code.as_ref().map_or("", |c| c.as_str()),
            cause.message.as_deref().unwrap_or("")
        ));
    }
    line
}

/// A value as indented JSON: the human form of a record with many fields.
pub fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(cannot show it: {e})"))
}
