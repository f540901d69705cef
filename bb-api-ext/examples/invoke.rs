//! The main job: invoke a Browserbase Function, wait for its result, print what was sent and got.
//!
//! ```text
//! cargo run --example invoke                                  # the demo, against the embedded fake
//! cargo run --example invoke -- FUNCTION ['{"url":"…"}']      # with BROWSERBASE_API_KEY: your Function
//! ```
//!
//! Without `BROWSERBASE_API_KEY` it starts the crate's fake Browserbase server
//! (`bb_api_ext::testing`, with its demo data) on 127.0.0.1 and invokes its `scrape-title` with
//! params and session settings; with the key it talks to `BROWSERBASE_BASE_URL` or the real API
//! and invokes FUNCTION (a name or an id) with the params given (default none). Invalid input
//! prints every violation, invokes nothing and exits with status 2. For every option (session
//! settings, `--check-params`, `--no-wait`), install the `bb` tool: `bb invoke --help`.

use std::process::ExitCode;

use bb_api_ext::testing::demo;
use bb_api_ext::{BrowserSettings, Error, Geolocation, Proxy, SessionCreateParams};
use serde_json::Value;

#[path = "support/connect.rs"]
mod connect;

#[path = "support/logs.rs"]
mod logs;

#[tokio::main]
async fn main() -> ExitCode {
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

    let invoke = if real {
        // The Function and its params: positional, as given (no flags: that is `bb invoke`).
        let Some(function) = std::env::args().nth(1) else {
            eprintln!(
                "error: name the Function: cargo run --example invoke -- FUNCTION [PARAMS_JSON]"
            );
            return ExitCode::from(2);
        };
        let mut invoke = client.functions().invoke(function);
        match std::env::args()
            .nth(2)
            .as_deref()
            .map(serde_json::from_str::<Value>)
        {
            Some(Ok(params)) => invoke = invoke.params(params),
            Some(Err(e)) => return usage_error(&format!("the params are not JSON: {e}")),
            None => {}
        }
        invoke
    } else {
        client
            .functions()
            .invoke(demo::SCRAPE_TITLE)
            .params(serde_json::json!({"url": "https://example.com", "selector": "h1"}))
            .session(demo_session())
    };
    let prepared = match invoke.prepare() {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    println!("\nRequest:\n  POST {}", prepared.url().unwrap_or_default());
    println!("  X-BB-API-Key: [REDACTED]\n  Content-Type: application/json");
    println!("  {}", prepared.redacted_body());

    println!("\nInvoking and waiting for the result…");
    let result = prepared.send_and_wait().await;
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

fn demo_session() -> bb_api_ext::SessionCreateParamsBuilder {
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
