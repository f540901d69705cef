//! The text, Markdown and JSON reports, pinned byte for byte on one fixture pair.

mod common;

use common::{fixtures, read, stdout, xtask};

fn pinned(format: Option<&str>, file: &str) {
    let dir = fixtures().join("spec-diff/response-enum-value-added");
    let mut args = vec!["diff", "old.yaml", "new.yaml"];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    let out = xtask(&args, &dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), read(&dir.join(file)));
}

#[test]
fn text_report_is_pinned() {
    pinned(None, "report.txt");
}

#[test]
fn markdown_report_is_pinned() {
    pinned(Some("md"), "report.md");
}

#[test]
fn json_report_is_pinned() {
    pinned(Some("json"), "report.json");
}

#[test]
fn an_unchanged_spec_reports_no_changes() {
    let dir = fixtures().join("spec-diff/response-enum-value-added");
    let out = xtask(
        &[
            "diff",
            "old.yaml",
            "old.yaml",
            "--format",
            "md",
            "--fail-on",
            "breaking",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "### API changes: `old.yaml` → `old.yaml`\n\nNo changes.\n"
    );
}
