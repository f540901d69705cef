//! Specs read from git revisions (`REV:PATH`), the default comparison (committed spec against the
//! working tree), and the spec's own history (seed-only spec, then the spec with Invocations_get).

mod common;

use common::{diff_json, fixtures, git, read, stderr, write, xtask};

const SPEC: &str = "openapi/browserbase.yaml";

/// A temporary git repository whose history holds `versions` of the spec, one commit each.
fn repo_with_history(versions: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q"]);
    for (i, text) in versions.iter().enumerate() {
        write(dir.path(), SPEC, text);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-q", "-m", &format!("spec v{i}")]);
    }
    dir
}

fn pair(case: &str) -> (String, String) {
    let dir = fixtures().join("spec-diff").join(case);
    (read(&dir.join("old.yaml")), read(&dir.join("new.yaml")))
}

fn rules(report: &serde_json::Value) -> Vec<String> {
    report["spec_changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    format!(
                        "{} | {} | {} | {}",
                        c["scope"].as_str().unwrap_or_default(),
                        c["at"].as_str().unwrap_or_default(),
                        c["rule"].as_str().unwrap_or_default(),
                        c["verdict"].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn revisions_are_read_with_git_show() {
    let (old, new) = pair("response-enum-value-added");
    let repo = repo_with_history(&[old, new]);
    let (report, code) = diff_json(
        repo.path(),
        "HEAD~1:openapi/browserbase.yaml",
        "HEAD:openapi/browserbase.yaml",
        &["--fail-on", "breaking"],
    );
    assert_eq!(code, 1);
    assert_eq!(report["old"], "HEAD~1:openapi/browserbase.yaml");
    assert_eq!(
        rules(&report),
        [
            "GET /things/{id} | response 200: status | response-enum-value-added | breaking",
            "POST /things/{id} | response 200: status | response-enum-value-added | breaking",
        ]
    );
}

#[test]
fn default_compares_the_committed_spec_with_the_working_tree() {
    let (old, new) = pair("request-property-removed");
    let repo = repo_with_history(&[old]);
    write(repo.path(), SPEC, &new);
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let root = repo.path().to_string_lossy().into_owned();
    let out = xtask(
        &["diff", "--root", &root, "--format", "json"],
        elsewhere.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(report["old"], "HEAD:openapi/browserbase.yaml");
    assert_eq!(report["new"], "openapi/browserbase.yaml (working tree)");
    assert_eq!(
        rules(&report),
        ["POST /things/{id} | request body: note | request-property-removed | breaking"]
    );
}

#[test]
fn an_unknown_revision_is_an_input_error() {
    let (old, _) = pair("operation-added");
    let repo = repo_with_history(&[old]);
    let out = xtask(
        &["diff", "HEAD~5:openapi/browserbase.yaml", SPEC],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("git show HEAD~5:openapi/browserbase.yaml failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_specs_own_history_reports_the_added_operation_and_its_types() {
    // v0: the seed docs page's spec as imported into an empty workspace; v1: the spec as of
    // commit 6dbae7d, which added Invocations_get (later imports have their own reports).
    let seed_ws = tempfile::tempdir().expect("tempdir");
    let page = fixtures().join("invoke-a-function.md");
    let root = seed_ws.path().to_string_lossy().into_owned();
    let out = xtask(
        &["regen", "--root", &root, "--from", &page.to_string_lossy()],
        seed_ws.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let seed_spec = read(&seed_ws.path().join(SPEC));
    let current = read(&fixtures().join("spec-history/6dbae7d.yaml"));
    let repo = repo_with_history(&[seed_spec, current]);

    let (report, code) = diff_json(
        repo.path(),
        "HEAD~1:openapi/browserbase.yaml",
        "HEAD:openapi/browserbase.yaml",
        &["--fail-on", "breaking"],
    );
    assert_eq!(
        rules(&report),
        [
            "GET /v1/functions/invocations/{id} |  | operation-added | non-breaking",
            "POST /v1/functions/{id}/invoke | request body: sessionCreateParams.browserSettings.size | request-default-changed | review",
            "POST /v1/functions/{id}/invoke | request body: sessionCreateParams.timeout | request-default-changed | review",
            "schema InvocationCause |  | schema-added | non-breaking",
        ]
    );
    let added: Vec<String> = report["api_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["change"] == "added" && matches!(c["kind"].as_str(), Some("struct" | "enum" | "fn"))
        })
        .filter_map(|c| c["path"].as_str().map(str::to_string))
        .filter(|p| p.starts_with("Client::") || p.starts_with("types::Invocation"))
        .collect();
    assert_eq!(
        added,
        [
            "Client::invocations_get",
            "types::InvocationCause",
            "types::InvocationCause::builder",
            "types::InvocationCauseCode",
            "types::InvocationsGetResponse",
            "types::InvocationsGetResponse::builder",
            "types::InvocationsGetResponseRegion",
            "types::InvocationsGetResponseStatus",
        ]
    );
    // Dropping the defaults turned two required fields into options: breaking for the Rust API.
    assert_eq!(report["verdict"], "breaking");
    assert_eq!(code, 1);
}
