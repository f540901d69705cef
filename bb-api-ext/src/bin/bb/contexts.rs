//! `bb contexts`: browser contexts (persisted cookies and storage) of the project.

use crate::output::{Ctx, Failure, pretty};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a context; prints its id, upload URL and public key.
    Create,
    /// Show a context.
    Get {
        /// The context id.
        id: String,
    },
    /// Issue a fresh upload URL and key pair for a context.
    Update {
        /// The context id.
        id: String,
    },
    /// Delete a context.
    Delete {
        /// The context id.
        id: String,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let contexts = ctx.client.contexts();
    match command {
        Command::Create => {
            let c = contexts.create().await?;
            ctx.out.item(&c, || pretty(&c))
        }
        Command::Get { id } => {
            let c = contexts.get(id).await?;
            ctx.out.item(&c, || {
                format!(
                    "{}  created {}  updated {}",
                    c.id, c.created_at, c.updated_at
                )
            })
        }
        Command::Update { id } => {
            let c = contexts.update(id).await?;
            ctx.out.item(&c, || pretty(&c))
        }
        Command::Delete { id } => {
            contexts.delete(id.as_str()).await?;
            ctx.out.item(&serde_json::json!({"deleted": id}), || {
                format!("deleted {id}")
            })
        }
    }
}
