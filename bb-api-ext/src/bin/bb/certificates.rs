//! `bb certificates`: the project's CA certificates (PEM).

use std::path::PathBuf;

use bb_api_ext::FileSource;

use crate::output::{Ctx, Failure};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Upload a PEM certificate; prints its id.
    Upload {
        /// The PEM file (at least one CERTIFICATE block).
        file: PathBuf,
    },
    /// List the project's certificates.
    List,
    /// Show a certificate.
    Get {
        /// The certificate id.
        id: String,
    },
    /// Delete a certificate.
    Delete {
        /// The certificate id.
        id: String,
    },
}

fn line(c: &bb_api_ext::Certificate) -> String {
    format!("{}  created {}", c.id, c.created_at)
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let certificates = ctx.client.certificates();
    match command {
        Command::Upload { file } => {
            let c = certificates.upload(FileSource::path(file)).await?;
            ctx.out.item(&c, || line(&c))
        }
        Command::List => {
            let all = certificates.list().await?;
            for c in &all {
                ctx.out.item(c, || line(c))?;
            }
            if !ctx.out.json {
                eprintln!("({} in all)", all.len());
            }
            Ok(())
        }
        Command::Get { id } => {
            let c = certificates.get(id).await?;
            ctx.out.item(&c, || line(&c))
        }
        Command::Delete { id } => {
            certificates.delete(id.as_str()).await?;
            ctx.out.item(&serde_json::json!({"deleted": id}), || {
                format!("deleted {id}")
            })
        }
    }
}
