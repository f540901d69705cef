//! `bb functions`: list and inspect Functions.

use crate::output::{Ctx, Failure};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List every Function of the project.
    List,
    /// Show one Function.
    Get {
        /// The Function: its id or its name.
        function: String,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let functions = ctx.client.functions();
    match command {
        Command::List => {
            let all = functions.list().stream();
            ctx.out
                .list(all, |f| {
                    format!("{}  {}  updated {}", f.id, f.name, f.updated_at)
                })
                .await
        }
        Command::Get { function } => {
            let f = functions.get(function).await?;
            ctx.out.item(&f, || {
                format!("{}  {}  created {}", f.id, f.name, f.created_at)
            })
        }
    }
}
