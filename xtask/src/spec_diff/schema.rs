//! Schema changes: properties, required-ness, types, enums, composition, defaults. `$ref`s are
//! followed so a change inside a shared component is reported where it is used.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::constraints::{self, show};
use super::doc::Doc;
use super::finding::{Found, child};
use super::verdict::{Direction, Verdict};

use Verdict::{Breaking, NonBreaking, Review};

/// Compares schemas of one direction between two documents.
pub struct SchemaWalk<'a> {
    old: &'a Doc,
    new: &'a Doc,
    dir: Direction,
    /// Component names being compared further up (a `$ref` cycle stops here).
    visiting: Vec<String>,
    /// What was found so far.
    pub found: Vec<Found>,
}

impl<'a> SchemaWalk<'a> {
    /// A walk over schemas flowing in direction `dir`.
    pub fn new(old: &'a Doc, new: &'a Doc, dir: Direction) -> Self {
        Self {
            old,
            new,
            dir,
            visiting: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Records a change; `request`/`response` are the verdicts for either direction.
    pub fn report(
        &mut self,
        at: &str,
        rule: &str,
        request: Verdict,
        response: Verdict,
        message: String,
    ) {
        self.found.push(Found {
            at: at.to_string(),
            rule: self.dir.rule(rule),
            verdict: self.dir.pick(request, response),
            message,
        });
    }

    /// Compares the schema `old` (in the old document) with `new` (in the new one) at `at`.
    pub fn compare(&mut self, at: &str, old: &Value, new: &Value) {
        let ov = self.old.view(old);
        let nv = self.new.view(new);
        if let (Some(o), Some(n)) = (&ov.name, &nv.name) {
            if o != n {
                self.report(
                    at,
                    "type-changed",
                    Breaking,
                    Breaking,
                    format!(
                        "now refers to `{n}` instead of `{o}`: the generated Rust type changes"
                    ),
                );
                return;
            }
            if self.visiting.contains(o) {
                return;
            }
            self.visiting.push(o.clone());
            self.compare_views(at, &ov.schema, &nv.schema);
            self.visiting.pop();
        } else {
            self.compare_views(at, &ov.schema, &nv.schema);
        }
    }

    fn compare_views(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (ot, nt) = (type_name(old), type_name(new));
        if ot != nt {
            self.report(
                at,
                "type-changed",
                Breaking,
                Breaking,
                format!("type changed from {ot} to {nt}: the generated Rust type changes"),
            );
            return;
        }
        self.compare_nullable(at, old, new);
        self.compare_default(at, old, new);
        self.compare_enum(at, old, new);
        for c in constraints::compare(self.dir, old, new) {
            self.report(at, c.rule, c.request, c.response, c.message);
        }
        self.compare_properties(at, old, new);
        self.compare_additional(at, old, new);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            self.compare(&child(at, "[]"), o, n);
        }
        for key in ["anyOf", "oneOf"] {
            self.compare_variants(at, key, old.get(key), new.get(key));
        }
    }

    fn compare_nullable(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (o, n) = (is_true(old.get("nullable")), is_true(new.get("nullable")));
        if !o && n {
            self.report(at, "nullable-added", NonBreaking, Breaking,
                "became nullable: responses may now carry null where the old client expects a value".into());
        } else if o && !n {
            self.report(
                at,
                "nullable-removed",
                Breaking,
                Review,
                "no longer nullable: requests sending null are rejected".into(),
            );
        }
    }

    fn compare_default(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (o, n) = (old.get("default"), new.get("default"));
        if o != n {
            self.report(at, "default-changed", Review, Review, format!(
                "default changed from {} to {}: typify makes a field with a default non-optional and always sends it",
                show(o), show(n)
            ));
        }
    }

    fn compare_enum(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (Some(Value::Array(o)), Some(Value::Array(n))) = (old.get("enum"), new.get("enum"))
        else {
            match (old.get("enum"), new.get("enum")) {
                (None, Some(n)) => self.report(at, "constraint-narrowed", Breaking, NonBreaking,
                    format!("restricted to the values {}", show(Some(n)))),
                (Some(o), None) => self.report(at, "constraint-loosened", NonBreaking, Breaking,
                    format!("no longer restricted to the values {}: the old client's exhaustive Rust enum rejects other values", show(Some(o)))),
                _ => {}
            }
            return;
        };
        let added: Vec<String> = n
            .iter()
            .filter(|v| !o.contains(v))
            .map(|v| show(Some(v)))
            .collect();
        let removed: Vec<String> = o
            .iter()
            .filter(|v| !n.contains(v))
            .map(|v| show(Some(v)))
            .collect();
        if !added.is_empty() {
            let message = match self.dir {
                Direction::Request => format!(
                    "enum value {} added: requests may send more values",
                    added.join(", ")
                ),
                _ => format!(
                    "enum value {} added: breaking for the exhaustive Rust enum generated for it (responses with the new value fail to deserialize in old clients, and `match`es need a new arm)",
                    added.join(", ")
                ),
            };
            self.report(at, "enum-value-added", NonBreaking, Breaking, message);
        }
        if !removed.is_empty() {
            let message = match self.dir {
                Direction::Response => format!(
                    "enum value {} removed: the Rust enum loses the variant (code naming it stops compiling)",
                    removed.join(", ")
                ),
                _ => format!(
                    "enum value {} removed: requests sending it are rejected and the Rust variant disappears",
                    removed.join(", ")
                ),
            };
            self.report(at, "enum-value-removed", Breaking, Review, message);
        }
    }

    fn compare_properties(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let empty = Map::new();
        let op = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let np = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (oreq, nreq) = (required(old), required(new));
        let names: BTreeSet<&String> = op.keys().chain(np.keys()).collect();
        for name in names {
            let here = child(at, name);
            let (was_req, is_req) = (oreq.contains(name.as_str()), nreq.contains(name.as_str()));
            match (op.get(name), np.get(name)) {
                (None, Some(_)) if is_req => self.report(&here, "property-added-required", Breaking, NonBreaking,
                    format!("required property `{name}` added: every request must now send it")),
                (None, Some(_)) => self.report(&here, "property-added", NonBreaking, NonBreaking,
                    format!("optional property `{name}` added")),
                (Some(_), None) if was_req => self.report(&here, "property-removed-required", Breaking, Breaking,
                    format!("required property `{name}` removed: the Rust field disappears")),
                (Some(_), None) => self.report(&here, "property-removed", Breaking, Review,
                    format!("optional property `{name}` removed: the Rust field disappears (code using it stops compiling)")),
                (Some(o), Some(n)) => {
                    if !was_req && is_req {
                        self.report(&here, "property-made-required", Breaking, Review,
                            format!("`{name}` became required: requests must send it; in responses the Rust field changes from Option<T> to T"));
                    } else if was_req && !is_req {
                        self.report(&here, "property-made-optional", Review, Breaking,
                            format!("`{name}` became optional: the Rust field changes from T to Option<T> (builder setters still accept T); responses may omit it"));
                    }
                    self.compare(&here, o, n);
                }
                (None, None) => {}
            }
        }
    }

    fn compare_additional(&mut self, at: &str, old: &Map<String, Value>, new: &Map<String, Value>) {
        let (o, n) = (additional_properties(old), additional_properties(new));
        match (o, n) {
            (Some(o @ Value::Object(_)), Some(n @ Value::Object(_))) => self.compare(&child(at, "*"), o, n),
            _ if o != n => self.report(at, "additional-properties-changed", Review, Review, format!(
                "additionalProperties changed from {} to {}: the Rust type may switch between a struct and a map",
                show(o), show(n)
            )),
            _ => {}
        }
    }

    fn compare_variants(&mut self, at: &str, key: &str, old: Option<&Value>, new: Option<&Value>) {
        let empty = Vec::new();
        let o = old.and_then(Value::as_array).unwrap_or(&empty);
        let n = new.and_then(Value::as_array).unwrap_or(&empty);
        let (olabels, nlabels) = (labels(o), labels(n));
        for (i, label) in nlabels.iter().enumerate() {
            match olabels.iter().position(|l| l == label) {
                Some(j) => self.compare(&child(at, &format!("{key}[{label}]")), &o[j], &n[i]),
                None => self.report(at, "variant-added", Review, Breaking, format!(
                    "{key} alternative {label} added: the Rust type gains a variant or field, and old clients cannot decode it"
                )),
            }
        }
        for label in olabels.iter().filter(|l| !nlabels.contains(l)) {
            self.report(at, "variant-removed", Breaking, Review, format!(
                "{key} alternative {label} removed: requests using it are rejected and the Rust variant disappears"
            ));
        }
    }
}

/// `additionalProperties`, with `true` read as absent: both allow any extra property and typify
/// generates the same type for them. (`{}` means the same in JSON Schema, but typify collects
/// the extra properties into an `extra` map field then, so it stays a change.)
fn additional_properties(schema: &Map<String, Value>) -> Option<&Value> {
    match schema.get("additionalProperties") {
        Some(Value::Bool(true)) => None,
        other => other,
    }
}

/// Names anyOf/oneOf members: by their `$ref` name when every member is a `$ref`, else by index.
fn labels(members: &[Value]) -> Vec<String> {
    let names: Vec<Option<&str>> = members
        .iter()
        .map(|m| {
            m.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
        })
        .collect();
    if names.iter().all(Option::is_some) {
        names.into_iter().flatten().map(str::to_string).collect()
    } else {
        (0..members.len()).map(|i| i.to_string()).collect()
    }
}

/// `string`, `string (uuid)`, `object`, `array`, `anyOf`, `oneOf` or `any`.
fn type_name(schema: &Map<String, Value>) -> String {
    let base = match schema.get("type").and_then(Value::as_str) {
        Some(t) => t.to_string(),
        None if schema.contains_key("properties") => "object".into(),
        None if schema.contains_key("items") => "array".into(),
        None if schema.contains_key("anyOf") => "anyOf".into(),
        None if schema.contains_key("oneOf") => "oneOf".into(),
        None => "any".into(),
    };
    match schema.get("format").and_then(Value::as_str) {
        Some(f) => format!("{base} ({f})"),
        None => base,
    }
}

fn required(schema: &Map<String, Value>) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool).unwrap_or(false)
}
