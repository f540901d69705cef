//! `bb downloads`: the files sessions downloaded: list, metadata, save (verified), delete.

use std::path::PathBuf;

use bb_api_ext::Download;

use crate::output::{Ctx, Failure};
use crate::progress;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the files a session downloaded.
    List {
        /// The session id.
        #[arg(long, value_name = "ID")]
        session: String,
    },
    /// Show a download; with --output, save its content there, its size and SHA-256 verified
    /// (on a mismatch nothing is left at PATH and it exits 1).
    Get {
        /// The download id.
        id: String,
        /// Where to write the content.
        #[arg(long, short, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Delete a download.
    Delete {
        /// The download id.
        id: String,
    },
}

fn line(d: &Download) -> String {
    format!(
        "{}  {}  {}  {} bytes  sha256 {}  created {}",
        d.id, d.filename, d.mime_type, d.size, d.checksum, d.created_at
    )
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let downloads = ctx.client.downloads();
    match command {
        Command::List { session } => ctx.out.list(downloads.list(session).stream(), line).await,
        Command::Get { id, output: None } => {
            let d = downloads.get(id).await?;
            ctx.out.item(&d, || line(&d))
        }
        Command::Get {
            id,
            output: Some(path),
        } => {
            let spinner = progress::spinner(
                ctx.out.progress,
                format!("saving download {id} to {}", path.display()),
            );
            let result = downloads.save(id, &path).await;
            spinner.finish_and_clear();
            let d = result?;
            ctx.out.item(&d, || {
                format!(
                    "saved {} ({} bytes) to {}",
                    d.filename,
                    d.size,
                    path.display()
                )
            })
        }
        Command::Delete { id } => {
            downloads.delete(id.as_str()).await?;
            ctx.out.item(&serde_json::json!({"deleted": id}), || {
                format!("deleted {id}")
            })
        }
    }
}
