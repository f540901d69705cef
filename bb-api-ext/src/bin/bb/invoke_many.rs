//! `bb invoke-many`: one invocation per line of a JSON Lines file, with bounded concurrency,
//! printed in input order.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use bb_api_ext::replicas::ReplicaConfig;
use bb_api_ext::{
    Client, DEFAULT_CONCURRENCY, Error, FanOutItem, Invocation, SessionCreateParamsBuilder,
    StreamExt, Value,
};
use serde::Serialize;

use crate::output::{Ctx, Failure, failed_invocation};
use crate::{args, global, progress, replicas};

/// The most bad lines listed before giving up on the input.
const SHOWN_BAD_LINES: usize = 20;

/// Invoke a Function once per line of a JSON Lines file (one params object per line; blank lines
/// are skipped).
///
/// Every line is checked before anything is sent: bad lines are listed with their line numbers
/// and the command exits 2. Then at most --concurrency invocations run at once, and one JSON line
/// per item is printed in input order (with or without --json):
/// {"index":0,"line":1,"status":"COMPLETED","invocation":{...}}, or with "error" when the item
/// failed. Exits 1 when any item failed.
///
/// With --redis, the process joins the replicas of your service on that Redis
/// (`bb_api_ext::replicas`): each invocation first takes a place in the project-wide budget
/// shared by every process (--budget, else the project's concurrency), 429 pauses are shared,
/// and each wait ends on the invocation's webhook event whichever replica received it (polling
/// every 30 s only as a fallback, so run it beside receivers that accept deliveries into the
/// same Redis).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Function: its id or its name (resolved once).
    function: String,
    /// The JSON Lines file of params objects, or - for stdin.
    #[arg(long, short, value_name = "FILE")]
    input: PathBuf,
    /// At most this many invocations in flight (waiting ones included).
    #[arg(long, short, value_name = "K", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    concurrency: usize,
    /// Session settings for every invocation: sessionCreateParams (camelCase JSON), or @FILE.
    #[arg(long, value_name = "JSON", value_parser = args::session)]
    session: Option<SessionCreateParamsBuilder>,
    /// Check every item's params against the Function's published schema (fetched once) before
    /// invoking it; an item that breaks it fails alone.
    #[arg(long)]
    check_params: bool,
    /// Print each invocation as accepted, without waiting for it to end.
    #[arg(long, conflicts_with = "max_wait")]
    no_wait: bool,
    /// The longest each item waits for its result, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = args::seconds)]
    max_wait: Option<Duration>,
    /// Share the project's concurrency budget, 429 pauses and webhook events with the other
    /// processes on this Redis, as redis://host:port (or redis://user:password@host:port/db).
    #[arg(long, value_name = "REDIS_URL", conflicts_with = "no_wait")]
    redis: Option<crate::replicas::RedisUrl>,
    /// With --redis: at most this many invocations running at once across every process
    /// (default: the project's concurrency, read from the Projects API).
    #[arg(long, value_name = "N", requires = "redis",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    budget: Option<usize>,
    #[command(flatten)]
    prefix: replicas::Prefix,
}

/// One input: its 1-based line number and its params.
struct Input {
    line: usize,
    params: Value,
}

/// The line printed for one item.
#[derive(Serialize)]
struct ItemLine<'a> {
    index: usize,
    line: usize,
    /// The invocation's status, or `ERROR` when there is no invocation to tell it.
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    invocation: Option<&'a Invocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn run(ctx: &Ctx, args: Args) -> Result<(), Failure> {
    let inputs = read_inputs(&args.input)?;
    check_inputs(ctx, &args, &inputs)?;
    let coordinated = match &args.redis {
        Some(url) => Some(join_budget(ctx, url, &args).await?),
        None => None,
    };
    let client = coordinated.as_ref().unwrap_or(&ctx.client);
    let total = inputs.len();
    let lines: Vec<usize> = inputs.iter().map(|i| i.line).collect();

    let bar = progress::bar(ctx.out.progress, total);
    let on_progress = {
        let bar = bar.clone();
        move |p: bb_api_ext::Progress| {
            bar.set_position(p.done as u64);
            bar.set_message(format!("{} failed", p.failed));
        }
    };
    let mut fan_out = client
        .functions()
        .invoke_many(args.function.as_str(), inputs.into_iter().map(|i| i.params))
        .concurrency(args.concurrency)
        .wait(!args.no_wait)
        .check_params(args.check_params)
        .on_progress(on_progress);
    if let Some(s) = args.session {
        fan_out = fan_out.session(s);
    }
    if let Some(d) = args.max_wait {
        fan_out = fan_out.max_wait(d);
    }
    let mut items = fan_out.stream().await?;

    // Items finish in any order; each is printed once every item before it has been.
    let mut pending: BTreeMap<usize, Result<Invocation, Error>> = BTreeMap::new();
    let (mut next, mut failed) = (0usize, 0usize);
    while let Some(FanOutItem { index, result, .. }) = items.next().await {
        pending.insert(index, result);
        while let Some(result) = pending.remove(&next) {
            failed += usize::from(result.is_err());
            let line = item_line(next, lines.get(next).copied().unwrap_or_default(), &result);
            bar.suspend(|| ctx.out.line(&line))?;
            next += 1;
        }
    }
    bar.finish_and_clear();
    if !ctx.out.json {
        eprintln!(
            "{} of {total} {}, {failed} failed",
            total - failed,
            if args.no_wait {
                "accepted"
            } else {
                "completed"
            }
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::ItemsFailed { failed, total })
    }
}

/// A client that takes its invocations' places in the budget shared through Redis at `url`.
async fn join_budget(
    ctx: &Ctx,
    url: &crate::replicas::RedisUrl,
    args: &Args,
) -> Result<Client, Failure> {
    if ctx.client.is_dev() {
        return Err(Failure::Usage(
            "--redis works with the Browserbase API, not with --dev".into(),
        ));
    }
    let budget = match args.budget {
        Some(n) => n,
        None => {
            let n = ctx.client.projects().concurrency().await?;
            usize::try_from(n).unwrap_or(usize::MAX).max(1)
        }
    };
    let replica =
        replicas::connect(url, &args.prefix, ReplicaConfig::new().concurrency(budget)).await?;
    Ok(global::coordinated_client(replica)?)
}

/// One item as a JSON line.
fn item_line(index: usize, line: usize, result: &Result<Invocation, Error>) -> String {
    let item = match result {
        Ok(inv) => ItemLine {
            index,
            line,
            status: inv.status.to_string(),
            invocation: Some(inv),
            error: None,
        },
        Err(e) => {
            let invocation = failed_invocation(e);
            ItemLine {
                index,
                line,
                status: invocation.map_or_else(|| "ERROR".to_owned(), |i| i.status.to_string()),
                invocation,
                error: Some(error_text(e)),
            }
        }
    };
    serde_json::to_string(&item).unwrap_or_default()
}

/// The error with its causes, on one line.
fn error_text(e: &Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Every non-blank line of the input as a params object; every bad line is listed (exit 2).
fn read_inputs(path: &std::path::Path) -> Result<Vec<Input>, Failure> {
    let name = path.display().to_string();
    let reader: Box<dyn BufRead> = if name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Failure::Usage(format!("--input {name}: cannot open it: {e}")))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut inputs = Vec::new();
    let mut bad = Vec::new();
    for (n, text) in reader.lines().enumerate() {
        let line = n + 1;
        let text = text.map_err(|e| {
            Failure::Usage(format!("--input {name}: line {line}: cannot read it: {e}"))
        })?;
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(params) if params.is_object() => inputs.push(Input { line, params }),
            Ok(_) => bad.push(format!("line {line}: params must be a JSON object")),
            Err(e) => bad.push(format!("line {line}: not JSON: {e}")),
        }
    }
    if !bad.is_empty() {
        return Err(bad_lines(&name, &bad));
    }
    if inputs.is_empty() {
        return Err(Failure::Usage(format!("--input {name}: no params lines")));
    }
    Ok(inputs)
}

/// Each input as the library would send it (size limit, session settings): every violation, by
/// line, before anything is sent.
fn check_inputs(ctx: &Ctx, args: &Args, inputs: &[Input]) -> Result<(), Failure> {
    let functions = ctx.client.functions();
    let mut bad = Vec::new();
    for input in inputs {
        let mut invoke = functions
            .invoke(args.function.as_str())
            .params(&input.params);
        if let Some(s) = &args.session {
            invoke = invoke.session(s.clone());
        }
        match invoke.prepare() {
            Ok(_) => {}
            Err(Error::Validation(errors))
                if errors.paths().all(|path| path.starts_with("params")) =>
            {
                for v in errors.violations() {
                    bad.push(format!("line {}: {v}", input.line));
                }
            }
            // A bad session or Function name is the same on every line: said once.
            Err(e) => return Err(Failure::Api(e)),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad_lines(&args.input.display().to_string(), &bad))
    }
}

fn bad_lines(name: &str, bad: &[String]) -> Failure {
    let mut text = format!("--input {name}: {} bad line(s):", bad.len());
    for b in bad.iter().take(SHOWN_BAD_LINES) {
        text.push_str("\n  ");
        text.push_str(b);
    }
    if bad.len() > SHOWN_BAD_LINES {
        text.push_str(&format!("\n  … and {} more", bad.len() - SHOWN_BAD_LINES));
    }
    Failure::Usage(text)
}
