//! `bb projects`: the account's projects and their usage.

use bb_api_ext::{Project, ProjectUsage};

use crate::output::{Ctx, Failure};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the account's projects.
    List,
    /// Show a project (default: the API key's).
    Get {
        /// The project id; the API key's project when left out.
        id: Option<String>,
    },
    /// Show a project's usage: browser minutes and proxy bytes (default: the API key's project).
    Usage {
        /// The project id; the API key's project when left out.
        id: Option<String>,
    },
}

fn line(p: &Project) -> String {
    format!(
        "{}  {}  concurrency {}  default timeout {} s",
        p.id, &*p.name, p.concurrency, p.default_timeout
    )
}

fn usage_line(u: &ProjectUsage) -> String {
    format!(
        "browser minutes {}  proxy bytes {}",
        u.browser_minutes, u.proxy_bytes
    )
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let projects = ctx.client.projects();
    match command {
        Command::List => {
            let all = projects.list().await?;
            for p in &all {
                ctx.out.item(p, || line(p))?;
            }
            if !ctx.out.json {
                eprintln!("({} in all)", all.len());
            }
            Ok(())
        }
        Command::Get { id } => {
            let p = match id {
                Some(id) => projects.get(id).await?,
                None => projects.current().await?,
            };
            ctx.out.item(&p, || line(&p))
        }
        Command::Usage { id } => {
            let u = match id {
                Some(id) => projects.usage(id).await?,
                None => projects.current_usage().await?,
            };
            ctx.out.item(&u, || usage_line(&u))
        }
    }
}
