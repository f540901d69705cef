//! The main job: invoke a Browserbase Function, wait for its result, print what was sent and got.
//!
//! ```text
//! cargo run --example invoke -- [FUNCTION_ID] [--params JSON] [--session JSON] [--check-params] [--no-wait]
//! ```
//!
//! Without `BROWSERBASE_API_KEY` it starts the crate's fake Browserbase server
//! (`bb_api_ext::testing`, with its demo data) on 127.0.0.1 and talks to that; with the key it talks
//! to `BROWSERBASE_BASE_URL` or the real API. `--session` takes
//! `sessionCreateParams` exactly as the API documents it (camelCase JSON). `--check-params` also
//! checks the params against the schema the Function publishes, before invoking. Invalid input
//! prints every violation, invokes nothing and exits with status 2.

use std::process::ExitCode;

use bb_api_ext::testing::demo;
use bb_api_ext::{
    BrowserSettings, Error, Geolocation, Proxy, SessionCreateParams, SessionCreateParamsBuilder,
};
use serde_json::Value;

struct Args {
    function_id: Option<String>,
    params: Option<String>,
    session: Option<String>,
    wait: bool,
    check_params: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        function_id: None,
        params: None,
        session: None,
        wait: true,
        check_params: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--params" => args.params = Some(it.next().ok_or("--params needs a JSON value")?),
            "--session" => args.session = Some(it.next().ok_or("--session needs a JSON value")?),
            "--no-wait" => args.wait = false,
            "--check-params" => args.check_params = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            id if args.function_id.is_none() => args.function_id = Some(id.to_owned()),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    Ok(args)
}

const USAGE: &str = "usage: cargo run --example invoke -- [FUNCTION_ID] [--params JSON] [--session JSON] [--check-params] [--no-wait]";

#[path = "support/connect.rs"]
mod connect;

#[path = "support/logs.rs"]
mod logs;

#[path = "support/usage.rs"]
mod usage;

#[tokio::main]
async fn main() -> ExitCode {
    let args = match usage::or_usage(parse_args(), USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };

    // Keep the fake alive for the whole run.
    let (client, fake) = match connect::connect().await {
        Ok(c) => c,
        Err(e) => return connect::connect_failed(&e),
    };
    let real = fake.is_none();
    if let Some(fake) = &fake {
        println!(
            "No {} set: using the embedded FAKE Browserbase server (bb_api_ext::testing, demo data)",
            bb_api_ext::API_KEY_ENV
        );
        println!(
            "at {} (not the real service; set the key to use it).",
            fake.url()
        );
        println!(
            "Demo Functions: scrape-title {}, flaky-checkout {} (fails), and more.",
            demo::SCRAPE_TITLE,
            demo::FLAKY_CHECKOUT
        );
    } else {
        println!("Using the Browserbase API at {}", client.base_url());
    }

    let Some(function_id) = args
        .function_id
        .clone()
        .or_else(|| (!real).then(|| demo::SCRAPE_TITLE.to_string()))
    else {
        eprintln!("error: FUNCTION_ID is required when talking to the real API\n{USAGE}");
        return ExitCode::from(2);
    };

    let mut invoke = client
        .functions()
        .invoke(function_id)
        .check_params(args.check_params);
    match args.params.as_deref().map(serde_json::from_str::<Value>) {
        Some(Ok(p)) => invoke = invoke.params(p),
        Some(Err(e)) => return usage_error(&format!("--params is not JSON: {e}")),
        None if !real => {
            invoke =
                invoke.params(serde_json::json!({"url": "https://example.com", "selector": "h1"}))
        }
        None => {}
    }
    match args
        .session
        .as_deref()
        .map(serde_json::from_str::<SessionCreateParamsBuilder>)
    {
        Some(Ok(s)) => invoke = invoke.session(s),
        Some(Err(e)) => {
            return usage_error(&format!("--session is not valid sessionCreateParams: {e}"));
        }
        None if !real => invoke = invoke.session(demo_session()),
        None => {}
    }

    let prepared = match invoke.prepare() {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    println!("\nRequest:\n  POST {}", prepared.url().unwrap_or_default());
    println!("  X-BB-API-Key: [REDACTED]\n  Content-Type: application/json");
    println!("  {}", prepared.redacted_body());

    let result = if args.wait {
        if args.check_params {
            println!(
                "\nChecking the params against the Function's schema, then invoking and waiting…"
            );
        } else {
            println!("\nInvoking and waiting for the result…");
        }
        prepared.send_and_wait().await
    } else {
        prepared.send().await
    };
    if let Some(fake) = &fake {
        let requests = fake.requests();
        println!("\nThe fake received {} request(s):", requests.len());
        for r in requests {
            println!("  {} {}", r.method, r.path);
        }
    }
    match result {
        Ok(invocation) => {
            println!("\nInvocation {} is {}:", invocation.id, invocation.status);
            println!(
                "{}",
                serde_json::to_string_pretty(&invocation).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = fail(&e);
            if let Error::InvocationFailed(inv) = &e {
                logs::print_last(&client, inv.id).await;
            }
            code
        }
    }
}

fn demo_session() -> SessionCreateParamsBuilder {
    SessionCreateParams::builder()
        .timeout_secs(120)
        .browser_settings(BrowserSettings::new().block_ads(true).viewport(1280, 720))
        .proxies([Proxy::browserbase()
            .geolocation(Geolocation::country("us").state("ny").city("New York"))])
        .user_metadata(serde_json::json!({"source": "bb-api example"}))
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\nnothing was sent");
    ExitCode::from(2)
}

fn fail(e: &Error) -> ExitCode {
    if let Error::Validation(errors) = e {
        eprintln!("error: invalid request, nothing was sent:");
        for v in errors.violations() {
            eprintln!("  - {v}");
        }
        return ExitCode::from(2);
    }
    connect::print_error(e);
    let shown = match e {
        Error::InvocationFailed(inv) => Some(inv),
        Error::WaitTimeout { last, .. } => last.as_ref(),
        _ => None,
    };
    if let Some(inv) = shown {
        eprintln!("{}", serde_json::to_string_pretty(inv).unwrap_or_default());
    }
    ExitCode::FAILURE
}
