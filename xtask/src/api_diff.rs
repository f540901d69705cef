//! Changes of the generated Rust API between two listings: items added, removed or changed.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::api_listing::ApiItem;
use crate::spec_diff::Verdict;

/// How an item changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    /// `+`, `-` or `~`.
    pub fn sign(self) -> char {
        match self {
            Self::Added => '+',
            Self::Removed => '-',
            Self::Changed => '~',
        }
    }
}

/// One changed item of the generated Rust API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiChange {
    pub change: ChangeKind,
    /// `struct`, `field`, `variant`, `fn`, `impl`, ...
    pub kind: String,
    /// The item's path, e.g. `types::Invocation::id`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Removed or changed items break code that uses them; a field or variant added to an
    /// existing struct or enum breaks struct literals and exhaustive `match`es (review); other
    /// additions are non-breaking.
    pub verdict: Verdict,
}

/// The changes from `old` to `new`, in listing order.
pub fn diff(old: &[ApiItem], new: &[ApiItem]) -> Vec<ApiChange> {
    let index = |items: &[ApiItem]| -> BTreeMap<String, String> {
        items
            .iter()
            .map(|i| (i.key.clone(), i.line.clone()))
            .collect()
    };
    let (o, n) = (index(old), index(new));
    let old_owners: BTreeSet<&str> = old
        .iter()
        .filter(|i| matches!(i.kind(), "struct" | "enum"))
        .map(ApiItem::path)
        .collect();
    let mut all: Vec<&ApiItem> = old.iter().chain(new.iter()).collect();
    all.sort_by_key(|i| i.order());
    all.dedup_by(|a, b| a.key == b.key);
    let mut changes = Vec::new();
    for key in all.iter().map(|i| &i.key) {
        let (kind, path) = key.split_once(' ').unwrap_or(("", key.as_str()));
        let (change, verdict) = match (o.get(key), n.get(key)) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => (ChangeKind::Changed, Verdict::Breaking),
            (Some(_), None) => (ChangeKind::Removed, Verdict::Breaking),
            (None, Some(_)) => {
                let owner = path.rsplit_once("::").map_or("", |(owner, _)| owner);
                let grows_existing =
                    matches!(kind, "field" | "variant") && old_owners.contains(owner);
                let verdict = if grows_existing {
                    Verdict::Review
                } else {
                    Verdict::NonBreaking
                };
                (ChangeKind::Added, verdict)
            }
            (None, None) => continue,
        };
        changes.push(ApiChange {
            change,
            kind: kind.to_string(),
            path: path.to_string(),
            old: o.get(key).cloned(),
            new: n.get(key).cloned(),
            verdict,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, line: &str) -> ApiItem {
        ApiItem {
            key: key.into(),
            line: line.into(),
        }
    }

    #[test]
    fn classifies_added_removed_and_changed_items() {
        let old = [
            item("enum types::E", "enum types::E"),
            item("variant types::E::A", "variant types::E::A"),
            item("field types::S::a", "field types::S::a: u8"),
            item("struct types::S", "struct types::S"),
            item("fn Client::gone", "fn Client::gone(&self)"),
        ];
        let new = [
            item("enum types::E", "enum types::E"),
            item("variant types::E::A", "variant types::E::A"),
            item("variant types::E::B", "variant types::E::B"),
            item("field types::S::a", "field types::S::a: u16"),
            item("struct types::S", "struct types::S"),
            item("struct types::T", "struct types::T"),
            item("field types::T::x", "field types::T::x: u8"),
        ];
        let summary: Vec<String> = diff(&old, &new)
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}",
                    c.change.sign(),
                    c.kind,
                    c.path,
                    c.verdict.as_str()
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                "- fn Client::gone breaking",
                "+ variant types::E::B review",
                "~ field types::S::a breaking",
                "+ struct types::T non-breaking",
                "+ field types::T::x non-breaking",
            ]
        );
    }
}
