//! The calls of `roundtrip_ab` (`benches/invoke.rs`), N times one side, for instruction counts:
//! the same fakes (fixed mode for `seq`, `c16` and `get`; a stateful one with 30 Functions in
//! pages of 10 for `list`), clients and requests, on one current-thread runtime shared with the
//! fake, as in the benchmark. Under callgrind the per-call figure is the difference of two runs
//! over the difference of their N, which cancels the setup:
//!
//! ```text
//! cargo build --release -p bb-api-tests --example call_counts
//! valgrind --tool=callgrind --callgrind-out-file=cg.%p target/release/examples/call_counts seq ext 2000
//! valgrind --tool=callgrind --callgrind-out-file=cg.%p target/release/examples/call_counts seq ext 200
//! ```
//!
//! Rows: `seq` (one invoke), `c16` (16 invokes at once), `get` (an invocation get), `list` (30
//! Functions, three pages); sides: `ext`, `plain`. `.ci/call-counts` runs every row and side and
//! prints the table. Everything talks only to 127.0.0.1.

use std::process::ExitCode;

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript};
use bb_api_ext::{Client, SessionCreateParams};
use bb_api_tests::plain::{self, FUNCTION_ID, Plain, TIMEOUT_SECS};
use serde_json::Value;
use tokio::task::JoinSet;

const INVOCATION_ID: &str = "00000000-0000-4000-8000-00000000000a";
const MAX_N: usize = 1_000_000;

#[derive(Clone, Copy, PartialEq)]
enum Row {
    Seq,
    C16,
    Get,
    List,
}

fn parse() -> Result<(Row, bool, usize), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [row, side, n] = args.as_slice() else {
        return Err("usage: call_counts seq|c16|get|list ext|plain N".into());
    };
    let row = match row.as_str() {
        "seq" => Row::Seq,
        "c16" => Row::C16,
        "get" => Row::Get,
        "list" => Row::List,
        other => return Err(format!("unknown row {other:?}")),
    };
    let plain = match side.as_str() {
        "ext" => false,
        "plain" => true,
        other => return Err(format!("unknown side {other:?}")),
    };
    let n: usize = n.parse().map_err(|_| format!("N is not a number: {n:?}"))?;
    if !(1..=MAX_N).contains(&n) {
        return Err(format!("N must be in 1..={MAX_N}"));
    }
    Ok((row, plain, n))
}

fn ext_client(url: &str, key: &str) -> Result<Client, String> {
    Client::builder()
        .api_key(key)
        .base_url(url)
        .build()
        .map_err(|e| e.to_string())
}

async fn ext_invoke(client: &Client, params: &Value) -> Result<(), String> {
    client
        .functions()
        .invoke(FUNCTION_ID)
        .params(params)
        .session(SessionCreateParams::builder().timeout_secs(TIMEOUT_SECS))
        .send()
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn one(
    row: Row,
    ext: Option<&Client>,
    plain: Option<&Plain>,
    params: &Value,
) -> Result<(), String> {
    match (row, ext, plain) {
        (Row::Seq, Some(c), _) => ext_invoke(c, params).await,
        (Row::Seq, _, Some(p)) => p.invoke(params).await.map(drop),
        (Row::Get, Some(c), _) => c
            .invocations()
            .get(INVOCATION_ID)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        (Row::Get, _, Some(p)) => p.get(INVOCATION_ID).await.map(drop),
        (Row::List, Some(c), _) => {
            let all: Vec<_> = c
                .functions()
                .list()
                .stream()
                .try_collect()
                .await
                .map_err(|e| e.to_string())?;
            (all.len() == 30).then_some(()).ok_or("short list".into())
        }
        (Row::List, _, Some(p)) => {
            let all = p.list_functions().await?;
            (all.len() == 30).then_some(()).ok_or("short list".into())
        }
        (Row::C16, Some(c), _) => {
            let mut set = JoinSet::new();
            for _ in 0..16 {
                let (c, params) = (c.clone(), params.clone());
                set.spawn(async move { ext_invoke(&c, &params).await });
            }
            while let Some(r) = set.join_next().await {
                r.map_err(|e| e.to_string())??;
            }
            Ok(())
        }
        (Row::C16, _, Some(p)) => {
            let mut set = JoinSet::new();
            for _ in 0..16 {
                let (p, params) = (p.clone(), params.clone());
                set.spawn(async move { p.invoke(&params).await.map(drop) });
            }
            while let Some(r) = set.join_next().await {
                r.map_err(|e| e.to_string())??;
            }
            Ok(())
        }
        _ => Err("no client".into()),
    }
}

async fn run(row: Row, plain_side: bool, n: usize) -> Result<(), String> {
    let fake = if row == Row::List {
        let fake = FakeBrowserbase::start_with(FakeConfig::empty().with_max_page_size(10))
            .await
            .map_err(|e| e.to_string())?;
        for i in 0..30 {
            fake.add_function(FunctionScript::new(format!("list-{i:02}")));
        }
        fake
    } else {
        FakeBrowserbase::fixed().await.map_err(|e| e.to_string())?
    };
    let key = FakeBrowserbase::API_KEY;
    let params = plain::params();
    let (ext, plain) = if plain_side {
        (None, Some(Plain::new(fake.url(), FUNCTION_ID, key)?))
    } else {
        (Some(ext_client(fake.url(), key)?), None)
    };
    // One warm-up call opens the connection(s).
    one(row, ext.as_ref(), plain.as_ref(), &params).await?;
    for _ in 0..n {
        one(row, ext.as_ref(), plain.as_ref(), &params).await?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let (row, plain, n) = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(row, plain, n)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
