//! One classified spec change.

use serde::Serialize;

use super::verdict::Verdict;

/// A change found in the spec, classified for clients of bb-api.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecChange {
    /// What changed: `POST /v1/functions/{id}/invoke`, `schema Invocation`, `security scheme X`.
    pub scope: String,
    /// The operationId of the operation (for operation scopes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Where inside the scope, e.g. `request body: sessionCreateParams.timeout` (empty: the scope itself).
    pub at: String,
    /// The rule that matched, e.g. `request-constraint-narrowed`.
    pub rule: String,
    /// The verdict of the rule.
    pub verdict: Verdict,
    /// What changed and why it matters, in a sentence.
    pub message: String,
}

/// A change found inside a scope, before the scope is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub at: String,
    pub rule: String,
    pub verdict: Verdict,
    pub message: String,
}

impl Found {
    /// Places the change in its scope.
    pub fn in_scope(self, scope: &str, operation_id: Option<&str>) -> SpecChange {
        SpecChange {
            scope: scope.to_string(),
            operation_id: operation_id.map(str::to_string),
            at: self.at,
            rule: self.rule,
            verdict: self.verdict,
            message: self.message,
        }
    }
}

/// `base: a.b` location of a child property (or `[]` for array items).
pub fn child(at: &str, name: &str) -> String {
    if name == "[]" {
        format!("{at}[]")
    } else if at.contains(": ") {
        format!("{at}.{name}")
    } else {
        format!("{at}: {name}")
    }
}
