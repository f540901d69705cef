//! The change report of `diff` and `regen`: spec changes and generated Rust API changes, printed
//! as text, Markdown or JSON.

mod json;
mod markdown;
mod text;

use serde::Serialize;

use crate::api_diff::ApiChange;
use crate::spec_diff::{SpecChange, Verdict};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl Format {
    /// Parses `text`, `md` (or `markdown`) or `json`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "text" => Some(Self::Text),
            "md" | "markdown" => Some(Self::Markdown),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// How many changes of each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub breaking: usize,
    pub review: usize,
    pub non_breaking: usize,
}

impl Counts {
    fn of(verdicts: impl Iterator<Item = Verdict>) -> Self {
        let mut counts = Self::default();
        for v in verdicts {
            match v {
                Verdict::Breaking => counts.breaking += 1,
                Verdict::Review => counts.review += 1,
                Verdict::NonBreaking => counts.non_breaking += 1,
            }
        }
        counts
    }

    fn describe(self) -> String {
        format!(
            "{} breaking, {} review, {} non-breaking",
            self.breaking, self.review, self.non_breaking
        )
    }
}

/// Everything `diff` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The old spec, as named on the command line.
    pub old: String,
    /// The new spec, as named on the command line.
    pub new: String,
    /// The worst verdict of any change (`non-breaking` when nothing changed).
    pub verdict: Verdict,
    pub spec_counts: Counts,
    pub api_counts: Counts,
    pub spec_changes: Vec<SpecChange>,
    pub api_changes: Vec<ApiChange>,
}

impl Report {
    /// A report of these changes.
    pub fn new(
        old: &str,
        new: &str,
        spec_changes: Vec<SpecChange>,
        api_changes: Vec<ApiChange>,
    ) -> Self {
        let verdict = spec_changes
            .iter()
            .map(|c| c.verdict)
            .chain(api_changes.iter().map(|c| c.verdict))
            .max()
            .unwrap_or(Verdict::NonBreaking);
        Self {
            old: old.to_string(),
            new: new.to_string(),
            verdict,
            spec_counts: Counts::of(spec_changes.iter().map(|c| c.verdict)),
            api_counts: Counts::of(api_changes.iter().map(|c| c.verdict)),
            spec_changes,
            api_changes,
        }
    }

    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.spec_changes.is_empty() && self.api_changes.is_empty()
    }

    /// The report in a format.
    pub fn render(&self, format: Format) -> Result<String, String> {
        match format {
            Format::Text => Ok(text::render(self)),
            Format::Markdown => Ok(markdown::render(self)),
            Format::Json => json::render(self),
        }
    }
}

/// Spec changes grouped by scope, in report order.
fn by_scope(changes: &[SpecChange]) -> Vec<(&SpecChange, Vec<&SpecChange>)> {
    let mut groups: Vec<(&SpecChange, Vec<&SpecChange>)> = Vec::new();
    for change in changes {
        match groups
            .iter_mut()
            .find(|(first, _)| first.scope == change.scope)
        {
            Some((_, list)) => list.push(change),
            None => groups.push((change, vec![change])),
        }
    }
    groups
}

/// `POST /x (Op_id)` or `schema X`.
fn scope_title(change: &SpecChange) -> String {
    match &change.operation_id {
        Some(id) => format!("{} ({id})", change.scope),
        None => change.scope.clone(),
    }
}
