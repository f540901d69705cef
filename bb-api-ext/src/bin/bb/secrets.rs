//! `bb secrets`: the secrets attached to a Function.

use crate::output::{Ctx, Failure};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the secrets attached to a Function (their keys, never their values).
    List {
        /// The Function: its id or its name.
        function: String,
    },
    /// Attach a project secret to a Function.
    Attach {
        /// The Function: its id or its name.
        function: String,
        /// The secret id.
        secret: String,
    },
    /// Detach a secret from a Function.
    Detach {
        /// The Function: its id or its name.
        function: String,
        /// The secret id.
        secret: String,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let functions = ctx.client.functions();
    match command {
        Command::List { function } => {
            let all = functions.secrets(function).list().stream().await?;
            ctx.out
                .list(all, |s| format!("{}  {}", s.id, s.secret_key))
                .await
        }
        Command::Attach { function, secret } => {
            functions.secrets(function).attach(secret.as_str()).await?;
            ctx.out.item(&serde_json::json!({"attached": secret}), || {
                format!("attached {secret}")
            })
        }
        Command::Detach { function, secret } => {
            functions.secrets(function).detach(secret.as_str()).await?;
            ctx.out.item(&serde_json::json!({"detached": secret}), || {
                format!("detached {secret}")
            })
        }
    }
}
