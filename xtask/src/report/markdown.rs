//! The Markdown report: a changelog entry.

use std::fmt::Write;

use super::{Report, scope_title};
use crate::spec_diff::Verdict;

/// Renders the report as a Markdown changelog entry.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### API changes: `{}` → `{}`\n",
        report.old, report.new
    );
    if report.is_empty() {
        let _ = writeln!(out, "No changes.");
        return out;
    }
    let _ = writeln!(
        out,
        "**Verdict: {}.** Spec: {}. Generated Rust API: {}.",
        report.verdict.as_str(),
        report.spec_counts.describe(),
        report.api_counts.describe()
    );
    for (verdict, title) in [
        (Verdict::Breaking, "Breaking"),
        (Verdict::Review, "Needs review"),
        (Verdict::NonBreaking, "Non-breaking"),
    ] {
        let changes: Vec<_> = report
            .spec_changes
            .iter()
            .filter(|c| c.verdict == verdict)
            .collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {title}\n");
        for c in changes {
            let at = if c.at.is_empty() {
                String::new()
            } else {
                format!(", {}", c.at)
            };
            let _ = writeln!(
                out,
                "- **{}**{at} — {} (`{}`)",
                scope_title(c),
                c.message,
                c.rule
            );
        }
    }
    if !report.api_changes.is_empty() {
        let _ = writeln!(out, "\n#### Generated Rust API\n\n```diff");
        for c in &report.api_changes {
            if let Some(old) = &c.old {
                let _ = writeln!(out, "- {old}");
            }
            if let Some(new) = &c.new {
                let _ = writeln!(out, "+ {new}");
            }
        }
        let _ = writeln!(out, "```");
    }
    out
}
