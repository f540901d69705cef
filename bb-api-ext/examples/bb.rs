//! `bb`: a scriptable command-line tool over the ext client, and a tour of every wrapped operation.
//!
//! ```sh
//! cargo run --example bb -- functions list
//! cargo run --example bb -- invoke scrape-title --params '{"url":"https://example.com"}'
//! cargo run --example bb -- invoke scrape-title --params '{"ulr":"https://example.com"}' --check-params
//! cargo run --example bb -- --json versions list scrape-title
//! ```
//!
//! Without `BROWSERBASE_API_KEY` it runs against the fake Browserbase of `bb_api_ext::testing`
//! (demo Functions, versions, builds with logs, a Function that fails) on 127.0.0.1; with the key
//! it talks to `BROWSERBASE_BASE_URL` or the real API. `--check-params` checks the params against
//! the schema the Function publishes before invoking (a typo is caught before a billed session
//! starts, instead of failing in the Function).
//!
//! Output: human-readable by default; with `--json`, one JSON object per line for lists and one
//! object otherwise. Exit status: 0 success, 1 API or invocation failure, 2 invalid input (nothing
//! was sent).

use std::process::ExitCode;
use std::time::Duration;

use bb_api_ext::{
    Client, Error, FunctionBuildStatus, InvocationStatus, ListStream, SessionCreateParams,
    StreamExt,
};
use serde::Serialize;
use serde_json::Value;

const USAGE: &str = "usage: bb [--json] <command>
  functions list | functions get ID_OR_NAME
  invoke ID_OR_NAME [--params JSON] [--session JSON] [--check-params] [--no-wait] [--max-wait SECONDS]
  invocations get ID | invocations logs ID | invocations wait ID [--max-wait SECONDS]
  versions list FUNCTION | versions get ID | versions invocations VERSION [--status S]
  builds list [--status S] | builds get ID | builds logs ID | builds wait ID [--max-wait SECONDS]
  secrets list FUNCTION | secrets attach FUNCTION SECRET | secrets detach FUNCTION SECRET";

/// A command-line problem: printed with the usage, exit 2, nothing sent.
struct Usage(String);

struct Out {
    json: bool,
}

impl Out {
    /// One item: a JSON object per line, or the human line.
    fn item<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            println!("{}", serde_json::to_string(value).unwrap_or_default());
        } else {
            println!("{}", human());
        }
    }

    async fn list<T: Serialize>(
        &self,
        mut items: ListStream<T>,
        human: impl Fn(&T) -> String,
    ) -> Result<(), Error> {
        let mut n = 0usize;
        while let Some(item) = items.next().await {
            let item = item?;
            self.item(&item, || human(&item));
            n += 1;
        }
        if !self.json {
            eprintln!("({n} in all)");
        }
        Ok(())
    }
}

#[path = "support/connect.rs"]
mod connect;

#[path = "support/logs.rs"]
mod logs;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = take_flag(&mut args, "--json");
    let out = Out { json };
    let (client, fake) = match connect::connect().await {
        Ok(c) => c,
        Err(e) => return connect::connect_failed(&e),
    };
    if fake.is_some() && !json {
        eprintln!("(no BROWSERBASE_API_KEY: using the local fake Browserbase with demo data)");
    }
    match run(&client, &out, args).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => fail(&client, &e).await,
        Err(Usage(why)) => {
            eprintln!("error: {why}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

fn take_value(args: &mut Vec<String>, flag: &str) -> Result<Option<String>, Usage> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) if i + 1 < args.len() => {
            let value = args.remove(i + 1);
            args.remove(i);
            Ok(Some(value))
        }
        Some(_) => Err(Usage(format!("{flag} needs a value"))),
    }
}

fn max_wait(args: &mut Vec<String>) -> Result<Option<Duration>, Usage> {
    take_value(args, "--max-wait")?
        .map(|s| {
            s.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    Usage(format!(
                        "--max-wait must be a positive number of seconds (got {s:?})"
                    ))
                })
        })
        .transpose()
}

fn json_arg(value: Option<String>, flag: &str) -> Result<Option<Value>, Usage> {
    value
        .map(|v| serde_json::from_str(&v).map_err(|e| Usage(format!("{flag} is not JSON: {e}"))))
        .transpose()
}

async fn run(
    client: &Client,
    out: &Out,
    mut args: Vec<String>,
) -> Result<Result<(), Error>, Usage> {
    let status = take_value(&mut args, "--status")?;
    let params = json_arg(take_value(&mut args, "--params")?, "--params")?;
    let session = json_arg(take_value(&mut args, "--session")?, "--session")?;
    let no_wait = take_flag(&mut args, "--no-wait");
    let check_params = take_flag(&mut args, "--check-params");
    let max_wait = max_wait(&mut args)?;
    if let Some(flag) = args.iter().find(|a| a.starts_with("--")) {
        return Err(Usage(format!("unknown option {flag}")));
    }
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["functions", "list"] => {
            let all = client.functions().list().stream();
            out.list(all, |f| {
                format!("{}  {}  updated {}", f.id, f.name, f.updated_at)
            })
            .await
        }
        ["functions", "get", f] => client.functions().get(*f).await.map(|f| {
            out.item(&f, || {
                format!("{}  {}  created {}", f.id, f.name, f.created_at)
            })
        }),
        ["invoke", f] => {
            let mut invoke = client.functions().invoke(*f).check_params(check_params);
            if let Some(p) = params {
                invoke = invoke.params(p);
            }
            if let Some(s) = session {
                match serde_json::from_value::<SessionCreateParams>(s) {
                    Ok(s) => invoke = invoke.session(s),
                    Err(e) => return Err(Usage(format!("--session: {e}"))),
                }
            }
            if let Some(d) = max_wait {
                invoke = invoke.max_wait(d);
            }
            let result = if no_wait {
                invoke.send().await
            } else {
                invoke.send_and_wait().await
            };
            result.map(|i| out.item(&i, || invocation_line(&i)))
        }
        ["invocations", "get", id] => client
            .invocations()
            .get(*id)
            .await
            .map(|i| out.item(&i, || invocation_line(&i))),
        ["invocations", "logs", id] => client.invocations().logs(*id).await.map(|logs| {
            for line in &logs.logs {
                out.item(line, || {
                    format!("{}  {}", logs::time(line.time()), line.message)
                });
            }
        }),
        ["invocations", "wait", id] => {
            let mut wait = client.invocations().wait(*id);
            if let Some(d) = max_wait {
                wait = wait.max_wait(d);
            }
            wait.await.map(|i| out.item(&i, || invocation_line(&i)))
        }
        ["versions", "list", f] => match client.functions().versions(*f).stream().await {
            Ok(all) => {
                out.list(all, |v| {
                    format!(
                        "{}  build {}  created {}",
                        v.id, v.function_build_id, v.created_at
                    )
                })
                .await
            }
            Err(e) => Err(e),
        },
        ["versions", "get", id] => client.versions().get(*id).await.map(|v| {
            out.item(&v, || {
                format!(
                    "{}  Function {}  build {}\nparams schema: {}",
                    v.id,
                    v.function_id,
                    v.function_build_id,
                    serde_json::to_string(&v.user_params_schema).unwrap_or_default()
                )
            })
        }),
        ["versions", "invocations", version] => match client.versions().invocations(*version) {
            Ok(mut list) => {
                if let Some(s) = &status {
                    list = list.status(InvocationStatus::from(s.as_str()));
                }
                out.list(list.stream(), invocation_line).await
            }
            Err(e) => Err(e),
        },
        ["builds", "list"] => {
            let mut list = client.builds().list();
            if let Some(s) = &status {
                list = list.status(FunctionBuildStatus::from(s.as_str()));
            }
            out.list(list.stream(), |b| {
                format!("{}  {}  created {}", b.id, b.status, b.created_at)
            })
            .await
        }
        ["builds", "get", id] => client.builds().get(*id).await.map(|b| {
            out.item(&b, || {
                format!("{}  {}  created {}", b.id, b.status, b.created_at)
            })
        }),
        ["builds", "logs", id] => client.builds().logs(*id).await.map(|logs| {
            for line in &logs.logs {
                out.item(line, || {
                    format!("{}  {}", logs::time(line.time()), line.message)
                });
            }
        }),
        ["builds", "wait", id] => {
            let mut wait = client.builds().wait(*id);
            if let Some(d) = max_wait {
                wait = wait.max_wait(d);
            }
            wait.await
                .map(|b| out.item(&b, || format!("{}  {}", b.id, b.status)))
        }
        ["secrets", "list", f] => match client.functions().secrets(*f).list().stream().await {
            Ok(all) => {
                out.list(all, |s| format!("{}  {}", s.id, s.secret_key))
                    .await
            }
            Err(e) => Err(e),
        },
        ["secrets", "attach", f, secret] => client
            .functions()
            .secrets(*f)
            .attach(*secret)
            .await
            .map(|()| {
                out.item(&serde_json::json!({"attached": secret}), || {
                    format!("attached {secret}")
                })
            }),
        ["secrets", "detach", f, secret] => client
            .functions()
            .secrets(*f)
            .detach(*secret)
            .await
            .map(|()| {
                out.item(&serde_json::json!({"detached": secret}), || {
                    format!("detached {secret}")
                })
            }),
        [] => return Err(Usage("no command".to_owned())),
        _ => return Err(Usage(format!("unknown command: {}", args.join(" ")))),
    };
    Ok(result)
}

fn invocation_line(i: &bb_api_ext::Invocation) -> String {
    let mut line = format!("{}  {}  Function {}", i.id, i.status, i.function_id);
    if let Some(results) = &i.results {
        line.push_str(&format!("\nresults: {results}"));
    }
    if let Some(cause) = &i.cause {
        line.push_str(&format!(
            "\ncause: {} {}",
            cause.code.as_ref().map_or("", |c| c.as_str()),
            cause.message.as_deref().unwrap_or("")
        ));
    }
    line
}

/// Prints the error with its causes; a failed invocation also gets its last log lines.
async fn fail(client: &Client, e: &Error) -> ExitCode {
    connect::print_error(e);
    if let Error::InvocationFailed(inv) = e {
        logs::print_last(client, inv.id).await;
    }
    match e {
        Error::Validation(_) => ExitCode::from(2),
        _ => ExitCode::FAILURE,
    }
}
