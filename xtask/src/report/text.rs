//! The plain-text report (the default).

use std::fmt::Write;

use super::{Report, by_scope, scope_title};

/// Renders the report as plain text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Changes from {} to {}", report.old, report.new);
    if report.is_empty() {
        let _ = writeln!(out, "\nNo changes.");
        return out;
    }
    let _ = writeln!(out, "\nSpec changes ({}):", report.spec_counts.describe());
    if report.spec_changes.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (first, changes) in by_scope(&report.spec_changes) {
        let _ = writeln!(out, "  {}", scope_title(first));
        for c in changes {
            let at = if c.at.is_empty() {
                String::new()
            } else {
                format!("{} — ", c.at)
            };
            let _ = writeln!(
                out,
                "    [{}] {at}{} ({})",
                c.verdict.as_str(),
                c.message,
                c.rule
            );
        }
    }
    let _ = writeln!(
        out,
        "\nGenerated Rust API ({}):",
        report.api_counts.describe()
    );
    if report.api_changes.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for c in &report.api_changes {
        let line = c
            .new
            .as_ref()
            .or(c.old.as_ref())
            .cloned()
            .unwrap_or_default();
        let _ = writeln!(out, "  {} [{}] {line}", c.change.sign(), c.verdict.as_str());
        if let (Some(old), Some(_)) = (&c.old, &c.new) {
            let _ = writeln!(out, "      was: {old}");
        }
    }
    let _ = writeln!(out, "\nVerdict: {}", report.verdict.as_str());
    out
}
