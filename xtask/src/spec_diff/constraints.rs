//! Validation constraints: upper and lower bounds, `pattern`, `uniqueItems`, `multipleOf`.
//! Narrowing breaks requests that used to be valid; loosening lets responses carry values that
//! the old client's validating newtypes (typify checks lengths and patterns) reject.

use serde_json::{Map, Value};

use super::verdict::Verdict::{Breaking, NonBreaking, Review};
use super::verdict::{Direction, Verdict};

/// Bounds where a smaller value (or adding the bound) narrows.
const UPPER: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
/// Bounds where a larger value (or adding the bound) narrows.
const LOWER: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];

/// One constraint change, for the schema walk to report where it is.
pub struct Change {
    /// The rule, before the walk's direction prefixes it: `constraint-narrowed`.
    pub rule: &'static str,
    /// The verdict when the schema is in a request.
    pub request: Verdict,
    /// The verdict when the schema is in a response.
    pub response: Verdict,
    /// What changed, and why it matters.
    pub message: String,
}

/// A value as a change message shows it (`none` when absent).
pub fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_string(), Value::to_string)
}

/// Every constraint change between two schemas flowing in direction `dir`.
pub fn compare(dir: Direction, old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Change> {
    let mut found = Vec::new();
    let walk = &mut Walk {
        dir,
        found: &mut found,
    };
    for key in UPPER {
        bound(walk, key, old.get(key), new.get(key), |o, n| n < o);
    }
    for key in LOWER {
        bound(walk, key, old.get(key), new.get(key), |o, n| n > o);
    }
    for key in ["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"] {
        let (o, n) = (flag(old.get(key)), flag(new.get(key)));
        if o != n {
            narrowed_or_loosened(walk, n, format!("{key} changed from {o} to {n}"));
        }
    }
    let (o, n) = (old.get("pattern"), new.get("pattern"));
    match (o, n) {
        (_, Some(_)) if o != n => narrowed_or_loosened(
            walk,
            true,
            format!("pattern changed from {} to {}", show(o), show(n)),
        ),
        (Some(_), None) => {
            narrowed_or_loosened(walk, false, format!("pattern {} removed", show(o)))
        }
        _ => {}
    }
    let (o, n) = (old.get("multipleOf"), new.get("multipleOf"));
    if o != n {
        walk.report(
            "constraint-changed",
            Review,
            Review,
            format!("multipleOf changed from {} to {}", show(o), show(n)),
        );
    }
    found
}

/// The direction and what was found so far.
struct Walk<'f> {
    dir: Direction,
    found: &'f mut Vec<Change>,
}

impl Walk<'_> {
    fn report(&mut self, rule: &'static str, request: Verdict, response: Verdict, message: String) {
        self.found.push(Change {
            rule,
            request,
            response,
            message,
        });
    }
}

fn bound(
    walk: &mut Walk<'_>,
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    narrows: fn(f64, f64) -> bool,
) {
    let (o, n) = (old.and_then(Value::as_f64), new.and_then(Value::as_f64));
    let narrowed = match (o, n) {
        (Some(o), Some(n)) if o == n => return,
        (Some(o), Some(n)) => narrows(o, n),
        (None, Some(_)) => true,
        (Some(_), None) => false,
        (None, None) => return,
    };
    let what = match (old, new) {
        (Some(o), Some(n)) => {
            let dir = if n.as_f64() < o.as_f64() {
                "decreased"
            } else {
                "increased"
            };
            format!("{key} {dir} from {o} to {n}")
        }
        (None, Some(n)) => format!("{key} {n} added"),
        (Some(o), None) => format!("{key} {o} removed"),
        (None, None) => return,
    };
    narrowed_or_loosened(walk, narrowed, what);
}

fn narrowed_or_loosened(walk: &mut Walk<'_>, narrowed: bool, what: String) {
    let why = match (walk.dir, narrowed) {
        (Direction::Request, true) => "requests valid before may now be rejected",
        (Direction::Request, false) => "the server accepts more",
        (Direction::Response, true) => "responses stay within what old clients accept",
        (Direction::Response, false) => {
            "responses may carry values that old clients' validating types reject"
        }
        (Direction::Both, _) => "judged for both requests and responses",
    };
    if narrowed {
        walk.report(
            "constraint-narrowed",
            Breaking,
            NonBreaking,
            format!("{what}: narrowed; {why}"),
        );
    } else {
        walk.report(
            "constraint-loosened",
            NonBreaking,
            Review,
            format!("{what}: loosened; {why}"),
        );
    }
}

fn flag(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool).unwrap_or(false)
}
