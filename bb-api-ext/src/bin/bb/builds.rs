//! `bb builds`: the project's builds, one build, its logs, and waiting for it to end.

use std::time::Duration;

use bb_api_ext::FunctionBuildStatus;

use crate::args;
use crate::output::{Ctx, Failure, log_time};
use crate::progress;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the project's builds.
    List {
        /// Only builds in this status (RUNNING, COMPLETED, FAILED, ...).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
    },
    /// Show a build.
    Get {
        /// The build id.
        id: String,
    },
    /// Print a build's log lines.
    Logs {
        /// The build id.
        id: String,
    },
    /// Wait for a build to end and print it; a failed build exits 1.
    Wait {
        /// The build id.
        id: String,
        /// The longest to wait, in seconds.
        #[arg(long, value_name = "SECONDS", value_parser = args::seconds)]
        max_wait: Option<Duration>,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let builds = ctx.client.builds();
    match command {
        Command::List { status } => {
            let mut list = builds.list();
            if let Some(s) = &status {
                list = list.status(FunctionBuildStatus::from(s.as_str()));
            }
            ctx.out
                .list(list.stream(), |b| {
                    format!("{}  {}  created {}", b.id, b.status, b.created_at)
                })
                .await
        }
        Command::Get { id } => {
            let b = builds.get(id).await?;
            ctx.out.item(&b, || {
                format!("{}  {}  created {}", b.id, b.status, b.created_at)
            })
        }
        Command::Logs { id } => {
            let logs = builds.logs(id).await?;
            for line in &logs.logs {
                ctx.out.item(line, || {
                    format!("{}  {}", log_time(line.time()), line.message)
                })?;
            }
            Ok(())
        }
        Command::Wait { id, max_wait } => {
            let spinner = progress::spinner(ctx.out.progress, format!("waiting for build {id}"));
            let mut wait = builds.wait(id);
            if let Some(d) = max_wait {
                wait = wait.max_wait(d);
            }
            let result = wait.await;
            spinner.finish_and_clear();
            let b = result?;
            ctx.out.item(&b, || format!("{}  {}", b.id, b.status))
        }
    }
}
