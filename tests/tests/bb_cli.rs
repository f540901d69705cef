//! The `bb` example as a user runs it: `invoke … --check-params` with a typo in the params exits 2
//! naming `params` and invokes nothing (the fake's recorded requests say so); without the flag
//! the same params start an invocation that fails in the Function.
//!
//! The example is built once per test binary with the `cargo` that runs the tests.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use bb_api_ext::testing::{FakeBrowserbase, demo};

/// Builds the `bb` example and returns its path.
fn bb() -> &'static PathBuf {
    static BB: OnceLock<PathBuf> = OnceLock::new();
    BB.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "bb-api-ext",
                "--example",
                "bb",
                "--message-format=json",
            ])
            .current_dir(root)
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "bb")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the bb executable")
    })
}

/// Runs `bb ARGS` against `fake` (or, without one, with no key: its own embedded fake).
async fn run(fake: Option<&FakeBrowserbase>, args: &[&str]) -> Output {
    let mut command = Command::new(bb());
    command
        .args(args)
        .env_remove("BROWSERBASE_API_KEY")
        .env_remove("BROWSERBASE_BASE_URL");
    if let Some(fake) = fake {
        command
            .env("BROWSERBASE_API_KEY", fake.api_key())
            .env("BROWSERBASE_BASE_URL", fake.url());
    }
    tokio::task::spawn_blocking(move || command.output().expect("bb runs"))
        .await
        .expect("not cancelled")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const TYPO: &str = r#"{"ulr":"https://example.com"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_params_exits_2_naming_params_and_invokes_nothing() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(
        Some(&fake),
        &["invoke", "scrape-title", "--params", TYPO, "--check-params"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "params.ulr: is not a parameter of this schema (did you mean url?); params.url: required property missing"
        ),
        "{}",
        stderr(&out)
    );
    let invokes: Vec<String> = fake
        .requests_to("POST", "/v1/functions/")
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(invokes.is_empty(), "{invokes:?}");
    let versions = format!("/v1/functions/{}/versions", demo::SCRAPE_TITLE);
    assert_eq!(fake.requests_to("GET", &versions).len(), 1);

    // Without the flag the same params are invoked, and the Function fails on them.
    let out = run(
        Some(&fake),
        &[
            "invoke",
            "scrape-title",
            "--params",
            TYPO,
            "--max-wait",
            "30",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("WORKLOAD_ERROR"), "{}", stderr(&out));
    assert_eq!(fake.requests_to("POST", "/v1/functions/").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_key_it_checks_against_its_own_fake() {
    let out = run(
        None,
        &["invoke", "scrape-title", "--params", TYPO, "--check-params"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("params.url: required property missing"),
        "{}",
        stderr(&out)
    );
}
