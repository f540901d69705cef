//! `preset-schema` writes the checked-in preset schema byte for byte; `check` fails on a stale one
//! and says what to run.

mod common;

use common::{read, repo_root, run, stdout, workspace, write};

const SPEC: &str = "openapi/browserbase.yaml";
const PRESET: &str = "openapi/session-preset.schema.json";

#[test]
fn preset_schema_writes_the_checked_in_file() {
    let ws = workspace(&[SPEC]);
    let out = run(ws.path(), &["preset-schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), format!("wrote {PRESET}\n"));
    assert_eq!(
        read(&ws.path().join(PRESET)),
        read(&repo_root().join(PRESET))
    );
    let text = read(&ws.path().join(PRESET));
    assert!(
        text.contains("\"description\": \"Duration in seconds after which the function invocation will automatically end."),
        "the spec's descriptions are added"
    );
    let again = run(ws.path(), &["preset-schema"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert_eq!(stdout(&again), format!("{PRESET} unchanged\n"));
    assert_eq!(read(&ws.path().join(PRESET)), text);
}

#[test]
fn check_fails_on_a_stale_preset_schema() {
    let ws = workspace(&[
        SPEC,
        "openapi/local-edits.yaml",
        "bb-api/public-api.txt",
        "bb-api-ext/public-api.txt",
    ]);
    let stale = read(&repo_root().join(PRESET)).replace("\"maximum\": 900", "\"maximum\": 600");
    write(ws.path(), PRESET, &stale);
    let out = run(ws.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("{PRESET} is out of date with bb-api-ext's session types or the spec; run `cargo xtask preset-schema` and review\n")),
        "{}",
        stdout(&out)
    );
}
