//! `regen` (idempotence, importing the seed docs page, merging, replacing, `--only` selections,
//! validation) and `check` (up to date, stale listing, missing local edits).

mod common;

use std::path::Path;

use common::{fixtures, read, repo_root, run, stderr, stdout, workspace, write, xtask};

const SPEC: &str = "openapi/browserbase.yaml";
const EDITS: &str = "openapi/local-edits.yaml";
const LISTING: &str = "bb-api/public-api.txt";
const COPY: &str = "bb-api/spec/browserbase.yaml";

fn page() -> String {
    fixtures()
        .join("invoke-a-function.md")
        .to_string_lossy()
        .into_owned()
}

/// The OpenAPI document in the seed page's YAML block.
fn seed_page_doc() -> serde_norway::Value {
    let page_text = read(&fixtures().join("invoke-a-function.md"));
    let block = page_text
        .split("````yaml post /v1/functions/{id}/invoke\n")
        .nth(1)
        .and_then(|rest| rest.split("\n````").next())
        .unwrap_or_default();
    let doc: serde_norway::Value = serde_norway::from_str(block).unwrap_or_default();
    assert!(doc["paths"].is_mapping(), "the page's block parses");
    doc
}

/// The parsed YAML at `ws/rel`.
fn yaml(ws: &Path, rel: &str) -> serde_norway::Value {
    serde_norway::from_str(&read(&ws.join(rel))).unwrap_or_default()
}

/// The keys of a YAML mapping, in order.
fn keys(value: &serde_norway::Value) -> Vec<String> {
    value
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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
        "applied openapi/local-edits.yaml\nopenapi/browserbase.yaml: unchanged\nbb-api/spec/browserbase.yaml (the packaged copy): unchanged\nbb-api/public-api.txt: unchanged\n"
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
fn importing_the_seed_page_replaces_only_what_the_page_holds() {
    let ws = workspace(&[SPEC, EDITS, LISTING]);
    let before = yaml(ws.path(), SPEC);
    let out = run(ws.path(), &["regen", "--from", &page()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = yaml(ws.path(), SPEC);
    let page_doc = seed_page_doc();
    // Same operations and components, in the same order; the page's operation and components
    // replaced in place, every other one untouched.
    assert_eq!(keys(&after["paths"]), keys(&before["paths"]));
    for path in keys(&before["paths"]) {
        if page_doc["paths"].get(path.as_str()).is_none() {
            assert_eq!(
                after["paths"][path.as_str()],
                before["paths"][path.as_str()],
                "{path}"
            );
        }
    }
    for section in keys(&before["components"]) {
        let (b, a) = (
            &before["components"][section.as_str()],
            &after["components"][section.as_str()],
        );
        assert_eq!(keys(a), keys(b), "{section}");
        for name in keys(b) {
            if page_doc["components"][section.as_str()]
                .get(name.as_str())
                .is_none()
            {
                assert_eq!(a[name.as_str()], b[name.as_str()], "{section}/{name}");
            }
        }
    }
    // The local edits survive the import: no `default: 900` comes back.
    assert!(!read(&ws.path().join(SPEC)).contains("default: 900"));
    // A second import of the same page changes nothing.
    let spec = read(&ws.path().join(SPEC));
    let again = run(ws.path(), &["regen", "--from", &page()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(read(&ws.path().join(SPEC)), spec);
    assert!(
        stdout(&again).ends_with("No changes.\n"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn without_local_edits_the_seed_page_brings_its_invoke_operation_and_keeps_the_rest() {
    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["regen", "--from", &page(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = yaml(ws.path(), SPEC);
    let seed = seed_page_doc();
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
    // Without the local edits the page's defaults come back (and the page's older Invocation
    // replaces the tolerant one, which the report lists too).
    for expected in [
        (
            "request body: sessionCreateParams.browserSettings.size",
            "request-default-changed",
        ),
        (
            "request body: sessionCreateParams.timeout",
            "request-default-changed",
        ),
    ] {
        assert!(rules.contains(&expected), "{expected:?} not in {rules:#?}");
    }
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
    let paths = keys(&yaml(ws.path(), SPEC)["paths"]);
    assert_eq!(paths, ["/things/{id}"]);

    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["regen", "--from", &new, "--merge"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let paths = keys(&yaml(ws.path(), SPEC)["paths"]);
    let mut expected = keys(&yaml(&repo_root(), SPEC)["paths"]);
    expected.push("/things/{id}".to_string());
    assert_eq!(paths, expected);
}

fn selection_source() -> String {
    fixtures()
        .join("select/source.yaml")
        .to_string_lossy()
        .into_owned()
}

/// A workspace whose spec is a small fixture (security `ApiKey`, one path `/things/{id}`).
fn small_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        SPEC,
        &read(&fixtures().join("spec-diff/response-property-added/old.yaml")),
    );
    dir
}

#[test]
fn only_imports_the_selected_operations_with_what_they_reference() {
    let ws = small_workspace();
    let out = run(ws.path(), &["regen"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = yaml(ws.path(), SPEC);
    let source: serde_norway::Value =
        serde_norway::from_str(&read(&fixtures().join("select/source.yaml"))).unwrap_or_default();
    let out = run(
        ws.path(),
        &[
            "regen",
            "--from",
            &selection_source(),
            "--merge",
            "--only",
            "/v1/contexts",
            "--only",
            "op:Sessions_get",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = yaml(ws.path(), SPEC);

    // `/v1/contexts` selects that path and the one below it, not `/v1/contextsarchive`.
    assert_eq!(
        keys(&after["paths"]),
        [
            "/things/{id}",
            "/v1/sessions/{id}",
            "/v1/contexts",
            "/v1/contexts/{id}"
        ]
    );
    assert_eq!(
        keys(&after["paths"]["/v1/sessions/{id}"]),
        ["parameters", "get"]
    );
    assert_eq!(
        after["paths"]["/v1/contexts/{id}"]["get"]["responses"],
        source["paths"]["/v1/contexts/{id}"]["get"]["responses"]
    );
    // Exactly the components the selected operations reach, transitively.
    assert_eq!(
        keys(&after["components"]["schemas"]),
        [
            "Thing",
            "Owner",
            "Legacy",
            "Session",
            "SessionStatus",
            "Region",
            "Context",
            "ContextOwner",
            "ErrorBody"
        ]
    );
    assert_eq!(keys(&after["components"]["parameters"]), ["SessionId"]);
    assert_eq!(keys(&after["components"]["responses"]), ["NotFound"]);
    assert!(after["components"].get("requestBodies").is_none());
    assert_eq!(
        keys(&after["components"]["securitySchemes"]),
        ["ApiKey", "BrowserbaseAuth"]
    );
    for (section, name) in [
        ("schemas", "Session"),
        ("responses", "NotFound"),
        ("parameters", "SessionId"),
    ] {
        assert_eq!(
            after["components"][section][name],
            source["components"][section][name]
        );
    }
    // The spec's own keys stay; the source's document-level security, which differs, is
    // written onto the imported operations so they keep requiring BrowserbaseAuth.
    for key in ["info", "security"] {
        assert_eq!(after[key], before[key], "{key}");
    }
    assert!(after.get("servers").is_none() && after.get("tags").is_none());
    assert_eq!(
        after["paths"]["/things/{id}"],
        before["paths"]["/things/{id}"]
    );
    assert_eq!(
        after["paths"]["/v1/contexts"]["post"]["security"],
        source["security"]
    );
    assert_eq!(
        stderr(&out).lines().take(3).collect::<Vec<_>>(),
        [
            format!("selected 3 operation(s) of {}: GET /v1/sessions/{{id}} (Sessions_get), POST /v1/contexts (Contexts_create), GET /v1/contexts/{{id}} (Contexts_get)", selection_source()).as_str(),
            "with 9 component(s): schemas/Session, schemas/SessionStatus, schemas/Region, schemas/Context, schemas/ContextOwner, schemas/ErrorBody, parameters/SessionId, responses/NotFound, securitySchemes/BrowserbaseAuth",
            "the source's document-level security differs from the spec's: written onto GET /v1/sessions/{id}, POST /v1/contexts, GET /v1/contexts/{id}",
        ]
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let rules: Vec<String> = report["spec_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {}",
                c["scope"].as_str().unwrap_or_default(),
                c["rule"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            "POST /v1/contexts operation-added",
            "GET /v1/contexts/{id} operation-added",
            "GET /v1/sessions/{id} operation-added",
            "schema Context schema-added",
            "schema ContextOwner schema-added",
            "schema ErrorBody schema-added",
            "schema Region schema-added",
            "schema Session schema-added",
            "schema SessionStatus schema-added",
            "security scheme BrowserbaseAuth security-scheme-added",
        ]
    );
    assert_eq!(report["verdict"], "non-breaking");

    // Importing the same selection again changes nothing.
    let spec = read(&ws.path().join(SPEC));
    let again = run(
        ws.path(),
        &[
            "regen",
            "--from",
            &selection_source(),
            "--only",
            "/v1/contexts",
            "--only",
            "op:Sessions_get",
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(read(&ws.path().join(SPEC)), spec);
}

#[test]
fn only_selects_by_tag_and_rejects_a_selector_that_matches_nothing() {
    let ws = small_workspace();
    let out = run(
        ws.path(),
        &[
            "regen",
            "--from",
            &selection_source(),
            "--only",
            "tag:Sessions",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = yaml(ws.path(), SPEC);
    assert_eq!(
        keys(&after["paths"]),
        ["/things/{id}", "/v1/sessions", "/v1/sessions/{id}"]
    );
    // Sessions_create has its own security: its scheme comes along, and it is not overwritten.
    assert_eq!(
        keys(&after["components"]["securitySchemes"]),
        ["ApiKey", "BrowserbaseAuth", "LegacyToken"]
    );
    assert_eq!(
        keys(&after["components"]["requestBodies"]),
        ["SessionCreate"]
    );
    assert_eq!(
        after["paths"]["/v1/sessions"]["post"]["security"][0]
            .as_mapping()
            .map(|m| m.len()),
        Some(1)
    );
    assert!(
        after["paths"]["/v1/sessions"]["post"]["security"][0]
            .get("LegacyToken")
            .is_some()
    );

    let spec = read(&ws.path().join(SPEC));
    let out = run(
        ws.path(),
        &[
            "regen",
            "--from",
            &selection_source(),
            "--only",
            "tag:Sessions",
            "--only",
            "/v1/nothing",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}: --only /v1/nothing matched no operation of the source\n",
            selection_source()
        )
    );
    assert_eq!(read(&ws.path().join(SPEC)), spec);
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
    let ws = workspace(&[SPEC, EDITS, LISTING, COPY]);
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
        // The first one is the invoke's session timeout (Sessions_create has its own, later).
        &spec.replacen(
            "minimum: 60\n",
            "minimum: 60\n                      default: 900\n",
            1,
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

#[test]
fn regen_writes_the_packaged_copy_of_the_spec() {
    let ws = workspace(&[SPEC, EDITS, LISTING]);
    let out = run(ws.path(), &["regen"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bb-api/spec/browserbase.yaml (the packaged copy): written\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&ws.path().join(COPY)), read(&ws.path().join(SPEC)));
}

#[test]
fn check_fails_when_the_packaged_copy_of_the_spec_differs() {
    let ws = workspace(&[SPEC, EDITS, LISTING, COPY]);
    let ok = run(ws.path(), &["check"]);
    assert_eq!(ok.status.code(), Some(0), "{}{}", stdout(&ok), stderr(&ok));
    write(
        ws.path(),
        COPY,
        &format!("{}# drift\n", read(&ws.path().join(SPEC))),
    );
    let out = run(ws.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).ends_with("bb-api/spec/browserbase.yaml (the copy bb-api's package builds from) differs from openapi/browserbase.yaml; run `cargo xtask regen`\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_names_each_operation_lacking_a_fact_of_the_operation_table() {
    let ws = workspace(&[SPEC, EDITS, LISTING, COPY]);
    // Take the facts out of both the edits and the spec, so only the new rule can fail.
    for rel in [SPEC, EDITS] {
        let mut doc = yaml(ws.path(), rel);
        let paths = &mut doc["paths"];
        if let Some(op) = paths["/v1/webhooks/{id}"]["get"].as_mapping_mut() {
            op.remove("x-bb-what");
        }
        if let Some(op) = paths["/v1/functions/{id}/invoke"]["post"].as_mapping_mut() {
            op.remove("x-bb-idempotent");
        }
        write(
            ws.path(),
            rel,
            &serde_norway::to_string(&doc).unwrap_or_default(),
        );
    }
    // The packaged copy follows the spec, so only the facts can fail.
    write(ws.path(), COPY, &read(&ws.path().join(SPEC)));
    let out = run(ws.path(), &["check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        "operations lack facts the transport needs; add them in openapi/local-edits.yaml and run `cargo xtask regen`:\n  \
         Functions_invoke (POST /v1/functions/{id}/invoke) lacks x-bb-idempotent (true or false)\n  \
         Webhooks_get (GET /v1/webhooks/{id}) lacks x-bb-what (its name in a user's words, such as \"get invocation\")\n"
    );

    // regen still writes the spec (an import may come before its edits) but says bb-api will not
    // build until the facts are there.
    let out = run(ws.path(), &["regen"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "warning: bb-api will not build until openapi/local-edits.yaml gives these operations their facts (then run `cargo xtask regen` again):\n  Functions_invoke (POST /v1/functions/{id}/invoke) lacks x-bb-idempotent (true or false)\n"
        ),
        "{}",
        stderr(&out)
    );
}
