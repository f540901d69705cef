//! `bb invocations`: an invocation's state, logs, and waiting for it to end.

use std::path::PathBuf;
use std::time::Duration;

use bb_api_ext::replicas::ReplicaConfig;

use crate::args;
use crate::output::{Ctx, Failure, invocation_line, log_time};
use crate::progress;
use crate::replicas;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Show an invocation.
    Get {
        /// The invocation id.
        id: String,
    },
    /// Print an invocation's log lines.
    Logs {
        /// The invocation id.
        id: String,
    },
    /// Wait for an invocation to end and print it; a failed invocation exits 1.
    ///
    /// With --events, the wait ends when any replica of your service (sharing the Redis at that
    /// URL through `bb_api_ext::replicas`) receives the invocation's terminal webhook event, with
    /// no request when the event carries the invocation; it only listens (it neither accepts nor
    /// deduplicates deliveries) and polls as a fallback for a lost event (the first time 0 to 15
    /// s in, then every 30 s).
    Wait {
        /// The invocation id.
        id: String,
        /// The longest to wait, in seconds.
        #[arg(long, value_name = "SECONDS", value_parser = args::seconds)]
        max_wait: Option<Duration>,
        /// Listen for the invocation's event on the replicas' Redis, as redis://host:port (or
        /// redis://user:password@host:port/db).
        #[arg(long, value_name = "REDIS_URL")]
        events: Option<replicas::RedisUrl>,
        #[command(flatten)]
        prefix: replicas::Prefix,
    },
    /// Gather an invocation's evidence (the invocation, its logs, its session and its logs, the
    /// recording as JSON lines, replays, recording MP4s and the session's downloads, verified)
    /// into a folder with a manifest.json of sizes and SHA-256s, each file written as it is
    /// fetched; exits 1 when a part is missing (listed in the manifest with the reason).
    Evidence {
        /// The invocation id.
        id: String,
        /// The folder to write (created if needed).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The longest the gathering may take, the wait for the recording MP4s included, in
        /// seconds (default 120); a part not fetched by then is listed as missing.
        #[arg(long, value_name = "SECONDS", value_parser = args::seconds)]
        max_wait: Option<Duration>,
    },
}

/// How long `evidence` waits for the recording downloads by default.
const EVIDENCE_WAIT: Duration = bb_api_ext::DEFAULT_EVIDENCE_WAIT;

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let invocations = ctx.client.invocations();
    match command {
        Command::Get { id } => {
            let i = invocations.get(id).await?;
            ctx.out.item(&i, || invocation_line(&i))
        }
        Command::Logs { id } => {
            let logs = invocations.logs(id).await?;
            for line in &logs.logs {
                ctx.out.item(line, || {
                    format!("{}  {}", log_time(line.time()), line.message)
                })?;
            }
            Ok(())
        }
        Command::Wait {
            id,
            max_wait,
            events,
            prefix,
        } => {
            // Connected first: an unreachable Redis fails before anything is sent. Kept until the
            // wait ends: its reader feeds the hub.
            let replica = match &events {
                Some(url) => Some(replicas::connect(url, &prefix, ReplicaConfig::new()).await?),
                None => None,
            };
            let spinner =
                progress::spinner(ctx.out.progress, format!("waiting for invocation {id}"));
            let mut wait = invocations.wait(id);
            if let Some(d) = max_wait {
                wait = wait.max_wait(d);
            }
            if let Some(replica) = &replica {
                wait = wait.via(&replica.hub());
            }
            let result = wait.await;
            spinner.finish_and_clear();
            let i = result?;
            ctx.out.item(&i, || invocation_line(&i))
        }
        Command::Evidence { id, dir, max_wait } => {
            let spinner =
                progress::spinner(ctx.out.progress, format!("gathering evidence of {id}"));
            let result = invocations
                .evidence(id)
                .max_wait(max_wait.unwrap_or(EVIDENCE_WAIT))
                .write_to(&dir)
                .await;
            spinner.finish_and_clear();
            let manifest = result?;
            ctx.out.item(&manifest, || {
                format!("wrote {}: {}", dir.display(), manifest.summary())
            })?;
            if manifest.is_complete() {
                Ok(())
            } else {
                Err(Failure::Incomplete(manifest.summary()))
            }
        }
    }
}
