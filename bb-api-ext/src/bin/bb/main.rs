//! `bb`: the Browserbase Functions command line, over the `bb_api_ext` client.
//!
//! Install it with `cargo install bb-api-ext --features cli`. It reads `BROWSERBASE_API_KEY`
//! (required) and `BROWSERBASE_BASE_URL` (optional). Output is human-readable by default; with
//! `--json`, one JSON object per line. Exit status: 0 success, 1 API, network or invocation
//! failure, 2 invalid input (nothing was sent).
//!
//! One file per command group; each calls the library and nothing else. Adding a group is a new
//! file with its clap `Subcommand` enum and `run` function, one variant of [`Command`] and its
//! arm in [`run`].

mod args;
mod builds;
mod certificates;
mod completions;
mod contexts;
mod downloads;
mod extensions;
mod functions;
mod global;
mod invocations;
mod invoke;
mod invoke_many;
mod output;
mod progress;
mod projects;
mod replicas;
mod secrets;
mod sessions;
mod versions;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::global::GlobalArgs;
use crate::output::{Ctx, Failure};

/// Browserbase from the command line: Functions (list, invoke, wait, read logs), sessions,
/// contexts, extensions, certificates, downloads and projects.
///
/// Reads BROWSERBASE_API_KEY (required) and BROWSERBASE_BASE_URL (optional). Exit status: 0
/// success, 1 API, network or invocation failure, 2 invalid input (nothing was sent).
#[derive(Parser)]
#[command(name = "bb", version)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List and inspect Functions.
    #[command(subcommand)]
    Functions(functions::Command),
    /// Invoke a Function and wait for its result.
    Invoke(invoke::Args),
    /// Invoke a Function once per line of a JSON Lines file; print one JSON line per item.
    InvokeMany(invoke_many::Args),
    /// Inspect invocations: get, logs, wait.
    #[command(subcommand)]
    Invocations(invocations::Command),
    /// Inspect a Function's versions and their invocations.
    #[command(subcommand)]
    Versions(versions::Command),
    /// Inspect builds: list, get, logs, wait.
    #[command(subcommand)]
    Builds(builds::Command),
    /// List, attach and detach a Function's secrets.
    #[command(subcommand)]
    Secrets(secrets::Command),
    /// Create, list and release browser sessions; read their logs, recording and replays.
    #[command(subcommand)]
    Sessions(sessions::Command),
    /// Create, show, update and delete browser contexts.
    #[command(subcommand)]
    Contexts(contexts::Command),
    /// Upload, show and delete Chrome extensions.
    #[command(subcommand)]
    Extensions(extensions::Command),
    /// Upload, list, show and delete CA certificates.
    #[command(subcommand)]
    Certificates(certificates::Command),
    /// List, save (verified) and delete the files sessions downloaded.
    #[command(subcommand)]
    Downloads(downloads::Command),
    /// List projects; show one and its usage.
    #[command(subcommand)]
    Projects(projects::Command),
    /// Print a shell completion script (bash, zsh or fish) to stdout.
    Completions(completions::Args),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version print to stdout and exit 0; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    if let Command::Completions(args) = &cli.command {
        return completions::run::<Cli>(args);
    }
    let ctx = match Ctx::new(&cli.global) {
        Ok(ctx) => ctx,
        Err(failure) => return output::report(None, &cli.global, failure).await,
    };
    match run(&ctx, cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => output::report(Some(&ctx.client), &cli.global, failure).await,
    }
}

/// Runs one command.
async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::Functions(c) => functions::run(ctx, c).await,
        Command::Invoke(a) => invoke::run(ctx, a).await,
        Command::InvokeMany(a) => invoke_many::run(ctx, a).await,
        Command::Invocations(c) => invocations::run(ctx, c).await,
        Command::Versions(c) => versions::run(ctx, c).await,
        Command::Builds(c) => builds::run(ctx, c).await,
        Command::Secrets(c) => secrets::run(ctx, c).await,
        Command::Sessions(c) => sessions::run(ctx, c).await,
        Command::Contexts(c) => contexts::run(ctx, c).await,
        Command::Extensions(c) => extensions::run(ctx, c).await,
        Command::Certificates(c) => certificates::run(ctx, c).await,
        Command::Downloads(c) => downloads::run(ctx, c).await,
        Command::Projects(c) => projects::run(ctx, c).await,
        // Handled before a client is built: completions need none.
        Command::Completions(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks over every command (unique names, valid defaults), which
    /// otherwise only run when a command is parsed.
    #[test]
    fn the_command_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
