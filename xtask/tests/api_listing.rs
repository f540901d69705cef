//! `api-listing` (the public API of bb-api-ext read from its sources) on a made-up crate, and
//! `check` keeping `bb-api-ext/public-api.txt` up to date.

mod common;

use std::path::Path;

use common::{fixtures, read, run, stderr, stdout, workspace};

const LISTING: &str = "bb-api-ext/public-api.txt";

fn fixture_root() -> std::path::PathBuf {
    fixtures().join("ext-listing")
}

fn expected() -> String {
    read(&fixture_root().join("expected.txt"))
}

/// Copies every file under `from` into `to`, keeping relative paths.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).expect("create dir");
            }
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// A workspace with this repository's spec files and the fixture crate as bb-api-ext.
fn fixture_workspace() -> tempfile::TempDir {
    let dir = workspace(&[
        "openapi/browserbase.yaml",
        "openapi/local-edits.yaml",
        "bb-api/public-api.txt",
        "bb-api/spec/browserbase.yaml",
    ]);
    copy_tree(
        &fixture_root().join("bb-api-ext"),
        &dir.path().join("bb-api-ext"),
    );
    dir
}

#[test]
fn the_listing_of_the_fixture_crate_is_exact() {
    let out = run(&fixture_root(), &["api-listing"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected());
}

#[test]
fn write_stores_the_listing_and_check_fails_with_a_diff_once_the_sources_change() {
    let ws = fixture_workspace();
    let out = run(ws.path(), &["api-listing", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "bb-api-ext/public-api.txt: written (54 items)\n"
    );
    assert_eq!(read(&ws.path().join(LISTING)), expected());
    let again = run(ws.path(), &["api-listing", "--write"]);
    assert_eq!(
        stderr(&again),
        "bb-api-ext/public-api.txt: unchanged (54 items)\n"
    );

    let check = run(ws.path(), &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("\nbb-api-ext/public-api.txt up to date (54 items)\n"),
        "{}",
        stdout(&check)
    );

    // A new public method in a private module, on a type exported under another name.
    let client = ws.path().join("bb-api-ext/src/client.rs");
    let source = read(&client).replace(
        "    pub(crate) fn internal(&self) {}\n",
        "    pub(crate) fn internal(&self) {}\n\n    /// Added.\n    pub fn added(&self, settings: &Settings) -> Option<Error> {\n        None\n    }\n",
    );
    std::fs::write(&client, source).expect("write");
    let check = run(ws.path(), &["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    let text = stdout(&check);
    assert!(
        text.contains("bb-api-ext/public-api.txt is out of date; run `cargo xtask api-listing --write` and review:\n--- bb-api-ext/public-api.txt (checked in)\n+++ bb-api-ext/public-api.txt (from the sources)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n+fn Client::added(&self, settings: &RootSettings) -> Option<Error>\n"),
        "{text}"
    );
}

#[test]
fn a_module_without_a_file_is_an_input_error() {
    let ws = fixture_workspace();
    let lib = ws.path().join("bb-api-ext/src/lib.rs");
    std::fs::write(&lib, format!("{}mod gone;\n", read(&lib))).expect("write");
    let out = run(ws.path(), &["api-listing"]);
    assert_eq!(out.status.code(), Some(2));
    let src = ws.path().join("bb-api-ext/src");
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}: `mod gone;` but neither {} nor {} exists\n",
            src.join("lib.rs").display(),
            src.join("gone.rs").display(),
            src.join("gone/mod.rs").display()
        )
    );
}
