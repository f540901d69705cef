//! The rule engine: one pass over a request that collects every violation with its JSON path.

use std::fmt;

/// One broken rule: where in the request (a JSON path in the API's own field names, such as
/// `sessionCreateParams.proxies[0].geolocation.country`) and what the rule is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    path: String,
    rule: String,
}

impl Violation {
    /// The JSON path of the offending field, e.g. `sessionCreateParams.timeout`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The rule the value broke, in words, e.g. `must be whole seconds in 60..=900 (got 30)`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.rule)
    }
}

/// Every violation found in a request, reported together so a caller can fix them all at once.
///
/// Never empty: a request with no violations is valid and produces no `ValidationErrors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    violations: Vec<Violation>,
}

impl ValidationErrors {
    /// The violations, in the order the fields appear in the request.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The JSON paths of the violations, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.violations.iter().map(Violation::path)
    }

    pub(crate) fn single(path: &str, rule: String) -> Self {
        Self {
            violations: vec![Violation {
                path: path.to_owned(),
                rule,
            }],
        }
    }

    /// Whether some violation is at exactly `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.paths().any(|p| p == path)
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.violations.len();
        write!(f, "{n} invalid field{}", if n == 1 { "" } else { "s" })?;
        for v in &self.violations {
            write!(f, "; {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Walks a request, keeping the current JSON path and the violations found so far.
///
/// The path is one `String` that grows and shrinks as fields are entered and left, so a valid
/// request allocates nothing here but that buffer.
#[derive(Debug, Default)]
pub(crate) struct Validator {
    path: String,
    violations: Vec<Violation>,
}

impl Validator {
    pub(crate) fn new() -> Self {
        Self {
            path: String::with_capacity(64),
            violations: Vec::new(),
        }
    }

    /// Runs `f` with `name` appended to the path (`a.name`).
    pub(crate) fn field<R>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
        let r = f(self);
        self.path.truncate(len);
        r
    }

    /// Runs `f` with `[index]` appended to the path.
    pub(crate) fn index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        use fmt::Write as _;
        let len = self.path.len();
        let _ = write!(self.path, "[{index}]");
        let r = f(self);
        self.path.truncate(len);
        r
    }

    /// How many violations have been recorded so far.
    pub(crate) fn count(&self) -> usize {
        self.violations.len()
    }

    /// Records a violation at the current path.
    pub(crate) fn fail(&mut self, rule: impl Into<String>) {
        self.violations.push(Violation {
            path: self.path.clone(),
            rule: rule.into(),
        });
    }

    /// Records a violation at the current path followed by `suffix`, a path already written out
    /// (`.url`, `[2].name`): for rules found by another engine that reports whole paths.
    #[cfg_attr(not(feature = "params-check"), allow(dead_code))]
    pub(crate) fn fail_at(&mut self, suffix: &str, rule: impl Into<String>) {
        let mut path = String::with_capacity(self.path.len() + suffix.len());
        path.push_str(&self.path);
        path.push_str(suffix);
        self.violations.push(Violation {
            path,
            rule: rule.into(),
        });
    }

    /// Records a violation at the current path if `value` is empty or only white space.
    pub(crate) fn non_empty(&mut self, value: &str) {
        if value.trim().is_empty() {
            self.fail("must not be empty");
        }
    }

    /// `Ok(value)` if nothing was violated, else every violation.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.violations.is_empty() {
            Ok(value)
        } else {
            Err(ValidationErrors {
                violations: self.violations,
            })
        }
    }
}

/// The JSON type of a value as JSON Schema names it: `"boolean"`, `"object"`…
#[cfg(any(feature = "params-check", feature = "testing", feature = "schemars"))]
pub(crate) fn json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The JSON type of a value for prose: `"a boolean"`, `"an object"`, `"null"`.
pub(crate) fn a_json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The largest edit distance at which a name still reads as a typo of `wanted` (a Function name,
/// a parameter): a third of its characters, and never less than 2.
pub(crate) fn max_typo_distance(wanted: &str) -> usize {
    (wanted.chars().count() / 3).max(2)
}

/// A short, quoted rendering of a user value for a rule message.
pub(crate) fn quoted(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// Appends a property `name` to a path in this crate's style: `.name` for a plain name (letters,
/// digits, `_`, `-`, `$`), else `["name"]` with JSON escapes.
#[cfg(any(feature = "params-check", feature = "schemars"))]
pub(crate) fn push_key(path: &mut String, name: &str) {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    if plain {
        path.push('.');
        path.push_str(name);
    } else {
        path.push('[');
        path.push_str(&serde_json::to_string(name).unwrap_or_else(|_| format!("{name:?}")));
        path.push(']');
    }
}

/// Whether the URL's host (a base URL, a webhook endpoint) is `localhost` or a loopback address.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => std::net::IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => std::net::IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_and_unwind() {
        let mut v = Validator::new();
        v.field("sessionCreateParams", |v| {
            v.field("proxies", |v| {
                v.index(2, |v| v.field("server", |v| v.fail("bad")));
            });
            v.field("timeout", |v| v.fail("too small"));
        });
        v.field("params", |v| v.non_empty(" "));
        let errs = v.finish(()).expect_err("three violations");
        let paths: Vec<_> = errs.paths().collect();
        assert_eq!(
            paths,
            [
                "sessionCreateParams.proxies[2].server",
                "sessionCreateParams.timeout",
                "params"
            ]
        );
        assert_eq!(
            errs.to_string(),
            "3 invalid fields; sessionCreateParams.proxies[2].server: bad; \
             sessionCreateParams.timeout: too small; params: must not be empty"
        );
    }

    #[test]
    fn clean_validator_returns_value() {
        assert_eq!(Validator::new().finish(7), Ok(7));
    }
}
