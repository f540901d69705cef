//! The installed `bb` binary (bb-api-ext feature `cli`) as a user runs it, against a fake
//! Browserbase started by each test and named by `BROWSERBASE_BASE_URL`: `--help` of every
//! command, completions, exit statuses 0/1/2, `--json` output, `--check-params`, and
//! `invoke-many` (input order, per-line errors before anything is sent, stdin).
//!
//! The binary lives in bb-api-ext, not in this package, so `CARGO_BIN_EXE_bb` is not set here: it
//! is built once per test binary with the `cargo` that runs the tests.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use bb_api_ext::MAX_PARAMS_BYTES;
use bb_api_ext::testing::{DownloadCorruption, FakeBrowserbase, FunctionScript, Operation, demo};
use serde_json::{Value, json};

/// Builds `bb` (`-p bb-api-ext --features cli --bin bb`) and returns its path.
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
                "--features",
                "cli",
                "--bin",
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
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "bb")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the bb executable")
    })
}

/// `bb ARGS` with the key and base URL of `fake` (none: neither variable is set), and `stdin`.
async fn run_with(fake: Option<&FakeBrowserbase>, args: &[&str], stdin: Option<String>) -> Output {
    let mut command = Command::new(bb());
    command
        .args(args)
        .env_remove("BROWSERBASE_API_KEY")
        .env_remove("BROWSERBASE_BASE_URL")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    if let Some(fake) = fake {
        command
            .env("BROWSERBASE_API_KEY", fake.api_key())
            .env("BROWSERBASE_BASE_URL", fake.url());
    }
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bb starts");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())
                .expect("stdin takes the input");
        }
        child.wait_with_output().expect("bb runs")
    })
    .await
    .expect("not cancelled")
}

async fn run(fake: Option<&FakeBrowserbase>, args: &[&str]) -> Output {
    run_with(fake, args, None).await
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every stdout line as JSON.
fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// A JSON Lines file under the temp dir, removed on drop.
struct InputFile(PathBuf);

impl InputFile {
    fn new(name: &str, lines: &[String]) -> Self {
        let path = std::env::temp_dir().join(format!("bb-cli-{}-{name}.jsonl", std::process::id()));
        std::fs::write(&path, lines.join("\n") + "\n").expect("temp file written");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }
}

impl Drop for InputFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const TYPO: &str = r#"{"ulr":"https://example.com"}"#;
const GOOD: &str = r#"{"url":"https://example.com"}"#;

/// The subcommand names of a `--help` text: the first word of each line under `Commands:`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_has_help_and_exits_0() {
    let mut seen = BTreeSet::new();
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    // Commands nest two deep; the bound keeps a help text that lists itself from looping.
    while let Some(path) = queue.pop() {
        assert!(seen.len() < 100, "too many commands: {seen:?}");
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run(None, &args).await;
        assert_status(&out, 0);
        let usage = format!("Usage: bb {}", path.join(" "));
        assert!(stdout(&out).contains(usage.trim_end()), "{}", stdout(&out));
        for name in subcommands(&stdout(&out)) {
            let mut sub = path.clone();
            sub.push(name);
            if path.len() < 3 {
                queue.push(sub);
            }
        }
        seen.insert(path.join(" "));
    }
    let expected = [
        "",
        "functions",
        "functions list",
        "functions get",
        "invoke",
        "invoke-many",
        "invocations",
        "invocations get",
        "invocations logs",
        "invocations wait",
        "versions",
        "versions list",
        "versions get",
        "versions invocations",
        "builds",
        "builds list",
        "builds get",
        "builds logs",
        "builds wait",
        "secrets",
        "secrets list",
        "secrets attach",
        "secrets detach",
        "invocations evidence",
        "sessions",
        "sessions create",
        "sessions get",
        "sessions list",
        "sessions release",
        "sessions debug",
        "sessions logs",
        "sessions recording",
        "sessions replays",
        "sessions uploads",
        "contexts",
        "contexts create",
        "contexts get",
        "contexts update",
        "contexts delete",
        "extensions",
        "extensions upload",
        "extensions get",
        "extensions delete",
        "certificates",
        "certificates upload",
        "certificates list",
        "certificates get",
        "certificates delete",
        "downloads",
        "downloads list",
        "downloads get",
        "downloads delete",
        "projects",
        "projects list",
        "projects get",
        "projects usage",
        "completions",
    ];
    for command in expected {
        assert!(
            seen.contains(command),
            "no help for `bb {command}`: {seen:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(None, &["completions", shell]).await;
        assert_status(&out, 0);
        // fish writes options as `-l check-params`.
        for word in ["invoke-many", "check-params", "concurrency"] {
            assert!(stdout(&out).contains(word), "{shell}: no {word}");
        }
    }
    let out = run(None, &["completions", "tcsh"]).await;
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_exits_2_and_sends_nothing() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let cases: [(&[&str], &str); 6] = [
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (&["invoke"], "required arguments were not provided"),
        (
            &["invoke", "scrape-title", "--params", "[1]"],
            "must be a JSON object",
        ),
        (&["invoke", "scrape-title", "--params", "{url"], "not JSON"),
        (
            &["invoke", "scrape-title", "--no-wait", "--max-wait", "5"],
            "cannot be used with",
        ),
        (
            &["invocations", "wait", "x", "--max-wait", "0"],
            "positive number of seconds",
        ),
    ];
    for (args, message) in cases {
        let out = run(Some(&fake), args).await;
        assert_status(&out, 2);
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    // Checked by the library before sending: a session timeout out of range.
    let out = run(
        Some(&fake),
        &["invoke", "scrape-title", "--session", r#"{"timeout":1}"#],
    )
    .await;
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("sessionCreateParams.timeout"),
        "{}",
        stderr(&out)
    );
    assert!(fake.requests().is_empty(), "nothing may be sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_api_key_exits_2_naming_the_variable() {
    let out = run(None, &["functions", "list"]).await;
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("environment variable BROWSERBASE_API_KEY is not set or empty"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_print_one_json_line_per_item() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(Some(&fake), &["--json", "functions", "list"]).await;
    assert_status(&out, 0);
    let names: BTreeSet<String> = json_lines(&out)
        .iter()
        .map(|f| f["name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.contains("scrape-title") && names.contains("warm-cache"));
    assert_eq!(stderr(&out), "", "no count or progress with --json");

    // Human: one line per Function, the count on stderr.
    let out = run(Some(&fake), &["functions", "list"]).await;
    assert_status(&out, 0);
    assert_eq!(stdout(&out).lines().count(), 10);
    assert!(stdout(&out).contains(&format!("{}  scrape-title", demo::SCRAPE_TITLE)));
    assert_eq!(stderr(&out), "(10 in all)\n");

    // `--json` after the subcommand works too; a secret list shows keys.
    let out = run(
        Some(&fake),
        &["secrets", "list", "flaky-checkout", "--json"],
    )
    .await;
    assert_status(&out, 0);
    let secrets = json_lines(&out);
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0]["secretKey"], "CHECKOUT_PASSWORD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_exits_0_with_the_result_and_1_when_the_function_fails() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(
        Some(&fake),
        &[
            "--json",
            "invoke",
            "scrape-title",
            "--params",
            GOOD,
            "--max-wait",
            "30",
        ],
    )
    .await;
    assert_status(&out, 0);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "COMPLETED");
    assert_eq!(lines[0]["functionId"], demo::SCRAPE_TITLE.to_string());
    assert_eq!(lines[0]["results"]["url"], "https://example.com");
    let invokes = fake.requests_to(
        "POST",
        &format!("/v1/functions/{}/invoke", demo::SCRAPE_TITLE),
    );
    assert_eq!(invokes.len(), 1);
    let body: Value = serde_json::from_slice(&invokes[0].body).expect("a JSON body");
    assert_eq!(body, json!({"params": {"url": "https://example.com"}}));

    // A failed invocation: exit 1, the invocation on stdout, the error and its logs on stderr.
    let out = run(
        Some(&fake),
        &[
            "--json",
            "invoke",
            "flaky-checkout",
            "--params",
            r#"{"cartId":"c-1"}"#,
        ],
    )
    .await;
    assert_status(&out, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "FAILED");
    assert!(stderr(&out).contains("WORKLOAD_ERROR"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Last log lines of invocation"),
        "{}",
        stderr(&out)
    );

    // An unknown name: exit 1, named.
    let out = run(Some(&fake), &["invoke", "no-such-function"]).await;
    assert_status(&out, 1);
    assert!(
        stderr(&out).contains("no-such-function"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_params_exits_2_naming_params_and_invokes_nothing() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(
        Some(&fake),
        &["invoke", "scrape-title", "--params", TYPO, "--check-params"],
    )
    .await;
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains(
            "params.ulr: is not a parameter of this schema (did you mean url?); params.url: required property missing"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 0);
    assert_eq!(fake.request_count(Operation::FunctionsListVersions), 1);

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
    assert_status(&out, 1);
    assert!(stderr(&out).contains("WORKLOAD_ERROR"), "{}", stderr(&out));
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_many_prints_in_input_order_whatever_the_finishing_order() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    // With --check-params the typos fail at once, before the good items (1.5 s each) end: the
    // output must still follow the input.
    let input = InputFile::new(
        "order",
        &[
            GOOD.to_owned(),
            TYPO.to_owned(),
            String::new(),
            r#"{"url":"https://example.org"}"#.to_owned(),
            TYPO.to_owned(),
            r#"{"url":"https://example.net"}"#.to_owned(),
        ],
    );
    let out = run(
        Some(&fake),
        &[
            "invoke-many",
            "scrape-title",
            "--input",
            input.path(),
            "--concurrency",
            "2",
            "--check-params",
            "--max-wait",
            "60",
        ],
    )
    .await;
    assert_status(&out, 1);
    let items = json_lines(&out);
    let summary: Vec<(u64, u64, &str)> = items
        .iter()
        .map(|i| {
            (
                i["index"].as_u64().expect("an index"),
                i["line"].as_u64().expect("a line"),
                i["status"].as_str().expect("a status"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, 1, "COMPLETED"),
            (1, 2, "ERROR"),
            (2, 4, "COMPLETED"),
            (3, 5, "ERROR"),
            (4, 6, "COMPLETED"),
        ]
    );
    assert_eq!(
        items[2]["invocation"]["results"]["url"],
        "https://example.org"
    );
    assert!(
        items[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("params.url: required property missing")),
        "{}",
        items[1]
    );
    assert_eq!(fake.request_count(Operation::FunctionsInvoke), 3);
    assert!(
        stderr(&out).contains("3 of 5 completed, 2 failed"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("error: 2 of 5 items failed"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_many_lists_bad_lines_with_their_numbers_and_sends_nothing() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let huge = json!({"url": "x".repeat(MAX_PARAMS_BYTES)}).to_string();
    let input = InputFile::new(
        "bad",
        &[
            GOOD.to_owned(),
            "{url".to_owned(),
            String::new(),
            "[1]".to_owned(),
            huge,
            GOOD.to_owned(),
        ],
    );
    let out = run(
        Some(&fake),
        &["invoke-many", "scrape-title", "--input", input.path()],
    )
    .await;
    assert_status(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("2 bad line(s):\n  line 2: not JSON"), "{err}");
    assert!(
        err.contains("\n  line 4: params must be a JSON object"),
        "{err}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    // The size limit is the library's, checked once the lines parse.
    let input = InputFile::new(
        "huge",
        &[
            GOOD.to_owned(),
            json!({"url": "x".repeat(MAX_PARAMS_BYTES)}).to_string(),
        ],
    );
    let out = run(
        Some(&fake),
        &["invoke-many", "scrape-title", "--input", input.path()],
    )
    .await;
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains(&format!(
            "1 bad line(s):\n  line 2: params: must serialize to at most {MAX_PARAMS_BYTES} bytes"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    assert!(fake.requests().is_empty(), "nothing may be sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_many_reads_stdin() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let urls = [
        "https://a.example",
        "https://b.example",
        "https://c.example",
    ];
    let stdin: String = urls
        .iter()
        .map(|u| format!("{}\n", json!({"url": u})))
        .collect();
    let out = run_with(
        Some(&fake),
        &[
            "--json",
            "invoke-many",
            "extract-links",
            "--input",
            "-",
            "--no-wait",
            "-c",
            "3",
        ],
        Some(stdin),
    )
    .await;
    assert_status(&out, 0);
    let items = json_lines(&out);
    assert_eq!(items.len(), 3);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["index"], i);
        assert_eq!(item["line"], i + 1);
        assert!(item["invocation"]["id"].is_string(), "{item}");
        assert!(item.get("error").is_none(), "{item}");
    }
    assert_eq!(stderr(&out), "", "no summary or progress with --json");
    let mut sent: Vec<String> = fake
        .requests_to(
            "POST",
            &format!("/v1/functions/{}/invoke", demo::EXTRACT_LINKS),
        )
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("a JSON body");
            body["params"]["url"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    sent.sort();
    assert_eq!(sent, urls);
}

/// `bb --dev ARGS` against `dev` (named by `BROWSERBASE_BASE_URL`, no key set).
async fn run_dev(dev: &bb_api_ext::testing::FakeDevServer, args: &[&str]) -> Output {
    let mut command = Command::new(bb());
    command
        .arg("--dev")
        .args(args)
        .env_remove("BROWSERBASE_API_KEY")
        .env("BROWSERBASE_BASE_URL", dev.url())
        .stdin(Stdio::null());
    tokio::task::spawn_blocking(move || command.output().expect("bb runs"))
        .await
        .expect("not cancelled")
}

#[tokio::test]
async fn dev_mode_invokes_by_name_without_a_key_and_reports_handler_errors_and_unknown_names() {
    use bb_api_ext::testing::{DevHandler, FakeDevServer};
    let dev = FakeDevServer::start().await.expect("starts");
    dev.define(
        "scrape-title",
        DevHandler::returns(json!({"title": "Example Domain"})).taking(Duration::from_millis(400)),
    );
    dev.define(
        "flaky",
        DevHandler::throws(
            "TypeError",
            "cannot read properties of undefined",
            ["at handler (index.ts:12:7)"],
        ),
    );
    let params = r#"{"url":"https://example.com"}"#;

    // Two at once: bb dev runs one invocation at a time and answers the other 503; it waits.
    let args = ["--json", "invoke", "scrape-title", "--params", params];
    let (first, second) = tokio::join!(run_dev(&dev, &args), run_dev(&dev, &args));
    for out in [&first, &second] {
        assert_status(out, 0);
        let line = &json_lines(out)[0];
        assert_eq!(line["status"], "COMPLETED", "{line}");
        assert_eq!(line["results"], json!({"title": "Example Domain"}));
    }
    let requests = dev.requests();
    assert!(
        requests.len() >= 3,
        "one of the two was answered 503 first: {requests:?}"
    );
    assert!(requests.iter().all(
        |r| r.path == "/v1/functions/scrape-title/invoke" && r.header("x-bb-api-key").is_none()
    ));

    let failed = run_dev(&dev, &["invoke", "flaky", "--params", "{}"]).await;
    assert_status(&failed, 1);
    let text = format!("{}{}", stdout(&failed), stderr(&failed));
    assert!(
        text.contains("cannot read properties of undefined"),
        "{text}"
    );

    let unknown = run_dev(&dev, &["invoke", "no-such-fn", "--params", "{}"]).await;
    assert_status(&unknown, 1);
    assert!(
        stderr(&unknown).contains("\"no-such-fn\" not found"),
        "{}",
        stderr(&unknown)
    );

    // Only invoke by name is served there: a list is refused with nothing sent (exit 2).
    let before = dev.requests().len();
    let list = run_dev(&dev, &["functions", "list"]).await;
    assert_status(&list, 2);
    assert!(
        stderr(&list).contains("not served by `bb dev`"),
        "{}",
        stderr(&list)
    );
    assert_eq!(dev.requests().len(), before);
}

/// A path under the temp dir for one test, removed (file or folder) on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("bb-cli-{}-{name}", std::process::id())))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_create_then_get_round_trips_with_json() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(Some(&fake), &["--json", "contexts", "create"]).await;
    assert_status(&out, 0);
    let created = json_lines(&out);
    assert_eq!(created.len(), 1);
    let id = created[0]["id"].as_str().expect("an id").to_owned();
    assert!(created[0]["publicKey"].is_string(), "{}", created[0]);

    let out = run(Some(&fake), &["contexts", "get", &id, "--json"]).await;
    assert_status(&out, 0);
    let got = json_lines(&out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], id.as_str());

    let out = run(Some(&fake), &["contexts", "delete", &id, "--json"]).await;
    assert_status(&out, 0);
    assert_eq!(json_lines(&out), [json!({"deleted": id})]);
    let out = run(Some(&fake), &["contexts", "get", &id]).await;
    assert_status(&out, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_get_output_writes_the_verified_file_and_a_corrupt_one_leaves_nothing() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let session = uuid::Uuid::new_v4();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let id = fake.add_download(session, "report.pdf", content.clone());

    let out = run(
        Some(&fake),
        &[
            "downloads",
            "list",
            "--session",
            &session.to_string(),
            "--json",
        ],
    )
    .await;
    assert_status(&out, 0);
    let listed = json_lines(&out);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["filename"], "report.pdf");

    let file = TempPath::new("report.pdf");
    let out = run(
        Some(&fake),
        &["--json", "downloads", "get", &id, "--output", file.path()],
    )
    .await;
    assert_status(&out, 0);
    assert_eq!(json_lines(&out)[0]["id"], id.as_str());
    assert_eq!(std::fs::read(&file.0).expect("file written"), content);
    assert_eq!(stderr(&out), "", "no progress with --json");

    assert!(fake.corrupt_download(&id, DownloadCorruption::FlipByte));
    let bad = TempPath::new("corrupt.pdf");
    let out = run(
        Some(&fake),
        &["downloads", "get", &id, "--output", bad.path()],
    )
    .await;
    assert_status(&out, 1);
    assert!(!bad.0.exists(), "a corrupt download leaves no file");
    let dir = std::fs::read_dir(std::env::temp_dir()).expect("temp dir");
    let prefix = format!("bb-cli-{}-corrupt", std::process::id());
    assert!(
        dir.filter_map(Result::ok)
            .all(|e| !e.file_name().to_string_lossy().starts_with(&prefix)),
        "no partial file either"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_all_running_prints_without_yes_and_releases_with_it() {
    let fake = FakeBrowserbase::demo().await.expect("fake starts");
    let out = run(Some(&fake), &["--json", "sessions", "create"]).await;
    assert_status(&out, 0);
    let id = json_lines(&out)[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    // The demo's older sessions have ended. The new one is too young for an hour, old enough
    // for a second once a second has passed.
    let out = run(
        Some(&fake),
        &["--json", "sessions", "list", "--older-than", "1h"],
    )
    .await;
    assert_status(&out, 0);
    let old = json_lines(&out);
    assert!(
        !old.is_empty()
            && old
                .iter()
                .all(|s| s["status"] != "RUNNING" && s["id"] != id.as_str()),
        "{}",
        stdout(&out)
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let out = run(
        Some(&fake),
        &[
            "--json",
            "sessions",
            "list",
            "--status",
            "RUNNING",
            "--older-than",
            "1s",
        ],
    )
    .await;
    assert_status(&out, 0);
    let listed = json_lines(&out);
    assert_eq!(listed.len(), 1, "{}", stdout(&out));
    assert_eq!(listed[0]["id"], id.as_str());

    // A release is `POST /v1/sessions/{id}` (a create posts to `/v1/sessions`).
    let releases = |fake: &FakeBrowserbase| fake.requests_to("POST", "/v1/sessions/").len();
    let out = run(
        Some(&fake),
        &["sessions", "release", "--all-running", "--older-than", "1s"],
    )
    .await;
    assert_status(&out, 0);
    assert!(
        stdout(&out).contains(&format!("would release {id}")),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("pass --yes"), "{}", stderr(&out));
    assert_eq!(releases(&fake), 0, "nothing released without --yes");

    let out = run(
        Some(&fake),
        &[
            "--json",
            "sessions",
            "release",
            "--all-running",
            "--older-than",
            "1s",
            "--yes",
        ],
    )
    .await;
    assert_status(&out, 0);
    assert_eq!(json_lines(&out).len(), 1, "{}", stdout(&out));
    assert_eq!(releases(&fake), 1);

    // --yes alone, an age that is not one and bad session settings are usage errors: exit 2, nothing sent.
    fake.clear_requests();
    for args in [
        &["sessions", "release", "--yes"][..],
        &["sessions", "release", "--all-running"],
        &["sessions", "list", "--older-than", "30"],
        &["sessions", "create", "--settings", r#"{"timeout":1}"#],
        &["sessions", "create", "--settings", "{timeout"],
    ] {
        let out = run(Some(&fake), args).await;
        assert_status(&out, 2);
    }
    assert!(fake.requests().is_empty());
}

/// A failed invocation (on an empty fake) whose session downloaded `report.pdf`: its id and the
/// download's.
async fn failed_invocation_with_a_download(fake: &FakeBrowserbase) -> (String, String) {
    let client = fake.client();
    let f = fake.add_function(
        FunctionScript::new("fails")
            .with_failure(bb_api_ext::InvocationCauseCode::WorkloadError, "boom"),
    );
    let inv = client
        .functions()
        .invoke(f.function_id)
        .send()
        .await
        .expect("accepted");
    let _ = client.invocations().wait(inv.id).await;
    let got = client.invocations().get(inv.id).await.expect("invocation");
    let download = fake.add_download(got.session_id, "report.pdf", &b"%PDF-1.7 fake report"[..]);
    (inv.id.to_string(), download)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_evidence_writes_a_complete_folder_and_manifest() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let (id, _) = failed_invocation_with_a_download(&fake).await;
    let dir = TempPath::new("evidence");
    let out = run(
        Some(&fake),
        &[
            "--json",
            "invocations",
            "evidence",
            &id,
            "--dir",
            dir.path(),
            "--max-wait",
            "30",
        ],
    )
    .await;
    assert_status(&out, 0);
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.0.join("manifest.json")).expect("manifest.json written"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["invocationId"], id.as_str());
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "invocation.json",
            "invocation-logs.json",
            "session.json",
            "session-logs.json",
            "recording.jsonl",
            "replays.json",
            "recording-downloads.json",
            "recording-page-0.mp4",
            "downloads/report.pdf",
        ]
    );
    for f in manifest["files"].as_array().expect("files") {
        let name = f["name"].as_str().expect("a name");
        let len = std::fs::metadata(dir.0.join(name))
            .expect("listed file exists")
            .len();
        assert_eq!(f["bytes"], len, "{name}");
    }
    assert_eq!(manifest["missing"], json!([]));
    // The printed line is the manifest.
    assert_eq!(json_lines(&out), std::slice::from_ref(&manifest));
    let presigned = fake.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 1);
    assert_eq!(presigned[0].header("x-bb-api-key"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_evidence_reports_a_corrupt_download_missing_and_exits_1() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let (id, download) = failed_invocation_with_a_download(&fake).await;
    assert!(fake.corrupt_download(&download, DownloadCorruption::CutShort));
    let dir = TempPath::new("evidence-corrupt");
    let out = run(
        Some(&fake),
        &["invocations", "evidence", &id, "--dir", dir.path()],
    )
    .await;
    assert_status(&out, 1);
    assert_eq!(
        stdout(&out),
        format!(
            "wrote {}: 8 files, 1 missing: downloads/report.pdf\n",
            dir.path()
        )
    );
    assert_eq!(
        stderr(&out),
        "error: incomplete: 8 files, 1 missing: downloads/report.pdf\n"
    );
    assert!(!dir.0.join("downloads/report.pdf").exists());
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(dir.0.join("manifest.json")).expect("manifest.json written"),
    )
    .expect("manifest is JSON");
    assert_eq!(manifest["missing"][0]["name"], "downloads/report.pdf");
    assert_eq!(
        manifest["missing"][0]["reason"],
        format!(
            "download {download} is corrupt: 10 bytes arrived, its size is 20; nothing was kept, download it again"
        )
    );
    // Nothing but what the manifest lists (and no temporary file) is in the folder.
    let downloads: Vec<_> = std::fs::read_dir(dir.0.join("downloads"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(downloads.is_empty(), "{downloads:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_uploads_streams_the_file_as_the_multipart_part_file() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let out = run(Some(&fake), &["--json", "sessions", "create"]).await;
    assert_status(&out, 0);
    let id = json_lines(&out)[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let file = TempPath::new("invoice.pdf");
    std::fs::write(&file.0, b"%PDF-1.7 invoice").expect("file");
    let out = run(Some(&fake), &["sessions", "uploads", &id, file.path()]).await;
    assert_status(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("uploaded {} into session {id}\n", file.path())
    );
    let sent = fake.requests_to("POST", &format!("/v1/sessions/{id}/uploads"));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, format!("/v1/sessions/{id}/uploads"));
    assert!(sent[0].header("x-bb-api-key").is_some());
    let content_type = sent[0].header("content-type").expect("content type");
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&sent[0].body);
    let name = file.0.file_name().expect("name").to_string_lossy();
    assert!(
        body.contains(&format!(
            "Content-Disposition: form-data; name=\"file\"; filename=\"{name}\""
        )),
        "{body}"
    );
    assert!(body.contains("\r\n\r\n%PDF-1.7 invoice\r\n--"), "{body}");
    assert_eq!(body.matches("Content-Disposition").count(), 1);

    // A missing file is refused before anything is sent (exit 2).
    fake.clear_requests();
    let out = run(
        Some(&fake),
        &["sessions", "uploads", &id, "/nonexistent/bb-upload.pdf"],
    )
    .await;
    assert_status(&out, 2);
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_recording_mp4_saves_each_page_from_its_presigned_url() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let client = fake.client();
    let s = client
        .sessions()
        .create(bb_api_ext::SessionCreateParams::builder())
        .await
        .expect("created");
    let id = s.id.to_string();

    // Not ended yet: the 409 says why, exit 1, nothing written.
    let dir = TempPath::new("mp4");
    let out = run(
        Some(&fake),
        &[
            "sessions",
            "recording",
            &id,
            "--mp4",
            "--output",
            dir.path(),
        ],
    )
    .await;
    assert_status(&out, 1);
    assert!(
        stderr(&out).contains("the session has not ended (HTTP 409)"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.0.exists());

    client
        .sessions()
        .release_and_wait(s.id)
        .await
        .expect("ended");
    fake.clear_requests();
    let out = run(
        Some(&fake),
        &[
            "--json",
            "sessions",
            "recording",
            &id,
            "--mp4",
            "--output",
            dir.path(),
            "--max-wait",
            "30",
        ],
    )
    .await;
    assert_status(&out, 0);
    let path = dir.0.join("recording-page-0.mp4");
    let mp4 = std::fs::read(&path).expect("mp4 written");
    assert_eq!(&mp4[4..8], b"ftyp");
    assert_eq!(
        json_lines(&out),
        [json!({"pageId": "0", "path": path, "bytes": mp4.len()})]
    );
    let downloads = format!("/v1/sessions/{id}/recording/downloads");
    assert_eq!(fake.requests_to("POST", &downloads).len(), 1);
    assert!(fake.requests_to("GET", &downloads).len() >= 2, "waited");
    let presigned = fake.requests_to("GET", "/presigned/");
    assert_eq!(presigned.len(), 1);
    assert_eq!(presigned[0].header("x-bb-api-key"), None, "no API key");

    // Without --mp4: the rrweb events as JSON lines.
    let out = run(Some(&fake), &["sessions", "recording", &id]).await;
    assert_status(&out, 0);
    let events = json_lines(&out);
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e["sessionId"] == id.as_str()));

    // --output without --mp4, and --mp4 without --output, are usage errors.
    fake.clear_requests();
    for args in [
        &["sessions", "recording", &id, "--output", dir.path()][..],
        &["sessions", "recording", &id, "--mp4"],
        &["sessions", "recording", &id, "--max-wait", "5"],
    ] {
        let out = run(Some(&fake), args).await;
        assert_status(&out, 2);
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_create_reads_a_preset_file() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    let preset = TempPath::new("preset.json");
    std::fs::write(
        &preset.0,
        r#"{"timeout": 600, "region": "eu-central-1", "userMetadata": {"team": "qa"}}"#,
    )
    .expect("preset");
    let out = run(
        Some(&fake),
        &["--json", "sessions", "create", "--preset", preset.path()],
    )
    .await;
    assert_status(&out, 0);
    let sent = fake.requests_to("POST", "/v1/sessions");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body_json(),
        Some(json!({"timeout": 600, "region": "eu-central-1", "userMetadata": {"team": "qa"}}))
    );
    assert_eq!(json_lines(&out)[0]["region"], "eu-central-1");

    // The session rules apply; --preset and --settings together are refused; nothing sent.
    std::fs::write(&preset.0, r#"{"timeout": 30}"#).expect("preset");
    fake.clear_requests();
    for args in [
        &["sessions", "create", "--preset", preset.path()][..],
        &[
            "sessions",
            "create",
            "--preset",
            preset.path(),
            "--settings",
            "{}",
        ],
        &["sessions", "create", "--preset", "/nonexistent/preset.json"],
    ] {
        let out = run(Some(&fake), args).await;
        assert_status(&out, 2);
    }
    assert!(fake.requests().is_empty());
}
