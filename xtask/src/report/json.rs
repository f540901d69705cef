//! The JSON report, for tools.

use super::Report;

/// Renders the report as pretty-printed JSON (one object, trailing newline).
pub fn render(report: &Report) -> Result<String, String> {
    serde_json::to_string_pretty(report)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| format!("cannot serialize the report: {e}"))
}
