//! `bb extensions`: Chrome extensions uploaded to the project.

use std::path::PathBuf;

use bb_api_ext::FileSource;

use crate::output::{Ctx, Failure};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Upload an extension (a .zip file); prints its id.
    Upload {
        /// The .zip file.
        file: PathBuf,
    },
    /// Show an extension.
    Get {
        /// The extension id.
        id: String,
    },
    /// Delete an extension.
    Delete {
        /// The extension id.
        id: String,
    },
}

fn line(e: &bb_api_ext::UploadedExtension) -> String {
    format!("{}  {}  created {}", e.id, &*e.file_name, e.created_at)
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let extensions = ctx.client.extensions();
    match command {
        Command::Upload { file } => {
            let e = extensions.upload(FileSource::path(file)).await?;
            ctx.out.item(&e, || line(&e))
        }
        Command::Get { id } => {
            let e = extensions.get(id).await?;
            ctx.out.item(&e, || line(&e))
        }
        Command::Delete { id } => {
            extensions.delete(id.as_str()).await?;
            ctx.out.item(&serde_json::json!({"deleted": id}), || {
                format!("deleted {id}")
            })
        }
    }
}
