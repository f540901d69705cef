//! Validation constraints: upper and lower bounds, `pattern`, `uniqueItems`, `multipleOf`.
//! Narrowing breaks requests that used to be valid; loosening lets responses carry values that
//! the old client's validating newtypes (typify checks lengths and patterns) reject.

use serde_json::{Map, Value};

use super::schema::{SchemaWalk, show};
use super::verdict::Direction;
use super::verdict::Verdict::{Breaking, NonBreaking, Review};

/// Bounds where a smaller value (or adding the bound) narrows.
const UPPER: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
/// Bounds where a larger value (or adding the bound) narrows.
const LOWER: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];

/// Reports every constraint change between two schemas at `at`.
pub fn compare(
    walk: &mut SchemaWalk<'_>,
    at: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) {
    for key in UPPER {
        bound(walk, at, key, old.get(key), new.get(key), |o, n| n < o);
    }
    for key in LOWER {
        bound(walk, at, key, old.get(key), new.get(key), |o, n| n > o);
    }
    for key in ["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"] {
        let (o, n) = (flag(old.get(key)), flag(new.get(key)));
        if o != n {
            narrowed_or_loosened(walk, at, n, format!("{key} changed from {o} to {n}"));
        }
    }
    let (o, n) = (old.get("pattern"), new.get("pattern"));
    match (o, n) {
        (_, Some(_)) if o != n => narrowed_or_loosened(
            walk,
            at,
            true,
            format!("pattern changed from {} to {}", show(o), show(n)),
        ),
        (Some(_), None) => {
            narrowed_or_loosened(walk, at, false, format!("pattern {} removed", show(o)))
        }
        _ => {}
    }
    let (o, n) = (old.get("multipleOf"), new.get("multipleOf"));
    if o != n {
        walk.report(
            at,
            "constraint-changed",
            Review,
            Review,
            format!("multipleOf changed from {} to {}", show(o), show(n)),
        );
    }
}

fn bound(
    walk: &mut SchemaWalk<'_>,
    at: &str,
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
    narrowed_or_loosened(walk, at, narrowed, what);
}

fn narrowed_or_loosened(walk: &mut SchemaWalk<'_>, at: &str, narrowed: bool, what: String) {
    let why = match (walk.dir(), narrowed) {
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
            at,
            "constraint-narrowed",
            Breaking,
            NonBreaking,
            format!("{what}: narrowed; {why}"),
        );
    } else {
        walk.report(
            at,
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
