//! `bb versions`: a Function's versions, one version, and the invocations of a version.

use bb_api_ext::InvocationStatus;

use crate::output::{Ctx, Failure, invocation_line};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the versions of a Function, newest first.
    List {
        /// The Function: its id or its name.
        function: String,
    },
    /// Show a version, with the params schema it publishes.
    Get {
        /// The version id.
        id: String,
    },
    /// List the invocations of a version.
    Invocations {
        /// The version id.
        version: String,
        /// Only invocations in this status (PENDING, RUNNING, COMPLETED, FAILED, ...).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::List { function } => {
            let all = ctx.client.functions().versions(function).stream().await?;
            ctx.out
                .list(all, |v| {
                    format!(
                        "{}  build {}  created {}",
                        v.id, v.function_build_id, v.created_at
                    )
                })
                .await
        }
        Command::Get { id } => {
            let v = ctx.client.versions().get(id).await?;
            ctx.out.item(&v, || {
                format!(
                    "{}  Function {}  build {}\nparams schema: {}",
                    v.id,
                    v.function_id,
                    v.function_build_id,
                    serde_json::to_string(&v.user_params_schema).unwrap_or_default()
                )
            })
        }
        Command::Invocations { version, status } => {
            let mut list = ctx.client.versions().invocations(version)?;
            if let Some(s) = &status {
                list = list.status(InvocationStatus::from(s.as_str()));
            }
            ctx.out.list(list.stream(), invocation_line).await
        }
    }
}
