//! `bb invoke`: invoke a Function, and by default wait for its result.

use std::time::Duration;

use bb_api_ext::{SessionCreateParamsBuilder, Value};

use crate::args;
use crate::output::{Ctx, Failure, invocation_line};
use crate::progress;

/// Invoke a Function and wait for its result (the invocation, with its results, is printed).
///
/// A failed invocation exits 1 and prints its error and last log lines.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Function: its id or its name.
    function: String,
    /// The params: a JSON object, or @FILE to read it from a file.
    #[arg(long, value_name = "JSON", value_parser = args::params)]
    params: Option<Value>,
    /// Session settings: sessionCreateParams as the API documents it (camelCase JSON), or @FILE.
    /// Only what is set is sent; the Function's own defaults fill the rest.
    #[arg(long, value_name = "JSON", value_parser = args::session)]
    session: Option<SessionCreateParamsBuilder>,
    /// Check the params against the schema the Function publishes before invoking: a typo fails
    /// here (exit 2) instead of in a billed session.
    #[arg(long)]
    check_params: bool,
    /// Print the invocation as accepted, without waiting for it to end.
    #[arg(long, conflicts_with = "max_wait")]
    no_wait: bool,
    /// The longest to wait for the result, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = args::seconds)]
    max_wait: Option<Duration>,
}

pub async fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let mut invoke = ctx
        .client
        .functions()
        .invoke(args.function.as_str())
        .check_params(args.check_params);
    if let Some(p) = args.params {
        invoke = invoke.params(p);
    }
    if let Some(s) = args.session {
        invoke = invoke.session(s);
    }
    if let Some(d) = args.max_wait {
        invoke = invoke.max_wait(d);
    }
    // Everything is checked before anything is sent.
    let prepared = invoke.prepare()?;
    let invocation = if args.no_wait {
        prepared.send().await?
    } else {
        let spinner = progress::spinner(ctx.out.progress, format!("invoking {}", args.function));
        let result = prepared.send_and_wait().await;
        spinner.finish_and_clear();
        result?
    };
    ctx.out.item(&invocation, || invocation_line(&invocation))
}
