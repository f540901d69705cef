//! `regen` (idempotence, importing the seed docs page, merging, replacing, validation) and
//! `check` (up to date, stale listing, missing local edits).

mod common;

use std::path::Path;

use common::{fixtures, read, repo_root, stderr, stdout, write, xtask};

const SPEC: &str = "openapi/browserbase.yaml";
const EDITS: &str = "openapi/local-edits.yaml";
const LISTING: &str = "bb-api/public-api.txt";

/// A temporary workspace holding copies of this repository's files `files`.
fn workspace(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in files {
        write(dir.path(), file, &read(&repo_root().join(file)));
    }
    dir
}

fn run(ws: &Path, args: &[&str]) -> std::process::Output {
    let root = ws.to_string_lossy().into_owned();
    let mut all = args.to_vec();
    all.extend(["--root", &root]);
    xtask(&all, ws)
}

fn page() -> String {
    fixtures()
        .join("invoke-a-function.md")
        .to_string_lossy()
        .into_owned()
}

/// The parsed YAML at `ws/rel`.
fn yaml(ws: &Path, rel: &str) -> serde_norway::Value {
    serde_norway::from_str(&read(&ws.join(rel))).unwrap_or_default()
}

fn invoke(doc: &serde_norway::Value) -> serde_norway::Value {
    doc["paths"]["/v1/functions/{id}/invoke"]["post"].clone()
}

#[test]
fn regen_twice_changes_nothing_the_second_time() {
    let ws = workspace(&[SPEC, EDITS]);
    let first = run(ws.path(), &["regen"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stderr(&first).contains("bb-api/public-api.txt: written"));
    let (spec, listing) = (read(&ws.path().join(SPEC)), read(&ws.path().join(LISTING)));
    let second = run(ws.path(), &["regen"]);
    assert_eq!(
        stderr(&second),
        "applied openapi/local-edits.yaml\nopenapi/browserbase.yaml: unchanged\nbb-api/public-api.txt: unchanged\n"
    );
    assert_eq!(
        stdout(&second),
        "Changes from spec before regen to spec after regen\n\nNo changes.\n"
    );
    assert_eq!(read(&ws.path().join(SPEC)), spec);
    assert_eq!(read(&ws.path().join(LISTING)), listing);
    // The checked-in listing is what regen writes for the checked-in spec.
    assert_eq!(listing, read(&repo_root().join(LISTING)));
}

#[test]
fn importing_the_seed_page_reproduces_the_current_spec() {
    let ws = workspace(&[SPEC, EDITS, LISTING]);
    let out = run(ws.path(), &["regen", "--from", &page()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read(&ws.path().join(SPEC)), read(&repo_root().join(SPEC)));
    assert!(stdout(&out).ends_with("No changes.\n"), "{}", stdout(&out));
}

#[test]
fn without_local_edits_the_seed_page_brings_its_invoke_operation_and_keeps_the_rest() {
    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["regen", "--from", &page(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = yaml(ws.path(), SPEC);
    let page_text = read(&fixtures().join("invoke-a-function.md"));
    let block = page_text
        .split("````yaml post /v1/functions/{id}/invoke\n")
        .nth(1)
        .and_then(|rest| rest.split("\n````").next())
        .unwrap_or_default();
    let seed: serde_norway::Value = serde_norway::from_str(block).unwrap_or_default();
    assert_eq!(invoke(&merged), invoke(&seed));
    assert!(merged["paths"]["/v1/functions/invocations/{id}"]["get"].is_mapping());
    assert!(merged["components"]["schemas"]["InvocationCause"].is_mapping());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let rules: Vec<(&str, &str)> = report["spec_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["at"].as_str().unwrap_or_default(),
                c["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (
                "request body: sessionCreateParams.browserSettings.size",
                "request-default-changed"
            ),
            (
                "request body: sessionCreateParams.timeout",
                "request-default-changed"
            ),
        ]
    );
}

#[test]
fn a_whole_spec_file_replaces_and_merge_is_opt_in() {
    let new = fixtures()
        .join("spec-diff/operation-added/new.yaml")
        .to_string_lossy()
        .into_owned();
    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["regen", "--from", &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let paths: Vec<String> = yaml(ws.path(), SPEC)["paths"]
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(paths, ["/things/{id}"]);

    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["regen", "--from", &new, "--merge"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let paths: Vec<String> = yaml(ws.path(), SPEC)["paths"]
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        paths,
        [
            "/v1/functions/{id}/invoke",
            "/v1/functions/invocations/{id}",
            "/things/{id}"
        ]
    );
}

#[test]
fn an_invalid_spec_is_rejected_and_nothing_is_written() {
    let ws = workspace(&[SPEC]);
    let before = read(&ws.path().join(SPEC));
    let bad = tempfile::tempdir().expect("tempdir");
    write(
        bad.path(),
        "bad.yaml",
        "openapi: 3.0.0\ninfo: {title: t, version: v}\npaths:\n  /x:\n    get:\n      responses: {'200': {description: ok}}\n",
    );
    let from = bad.path().join("bad.yaml").to_string_lossy().into_owned();
    let out = run(ws.path(), &["regen", "--from", &from]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing on: GET /x"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&ws.path().join(SPEC)), before);
    assert!(!ws.path().join(LISTING).exists());
}

#[test]
fn check_passes_on_this_repository() {
    let out = xtask(&["check"], &repo_root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn check_prints_the_diff_of_a_stale_listing() {
    let ws = workspace(&[SPEC, EDITS, LISTING]);
    let listing = read(&ws.path().join(LISTING));
    write(
        ws.path(),
        LISTING,
        &listing.replace(
            "fn Client::invocations_get(&self) -> builder::InvocationsGet<'_>\n",
            "",
        ),
    );
    let out = run(ws.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("bb-api/public-api.txt is out of date; run `cargo xtask regen` and review:\n--- bb-api/public-api.txt (checked in)\n+++ bb-api/public-api.txt (generated from the spec)\n"), "{text}");
    assert!(
        text.contains("\n+fn Client::invocations_get(&self) -> builder::InvocationsGet<'_>\n"),
        "{text}"
    );
}

#[test]
fn check_fails_when_the_spec_lacks_the_local_edits() {
    let ws = workspace(&[SPEC, EDITS, LISTING]);
    let spec = read(&ws.path().join(SPEC));
    write(
        ws.path(),
        SPEC,
        &spec.replace(
            "minimum: 60\n",
            "minimum: 60\n                      default: 900\n",
        ),
    );
    let out = run(ws.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("lacks edits from openapi/local-edits.yaml"));
}
