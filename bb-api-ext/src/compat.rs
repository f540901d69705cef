//! Whether a Rust params type fits a deployed Function's params schema: the type's schema (what it
//! serializes, from `schemars`) compared with the published `userParamsSchema`, as a list of
//! findings with paths. Meant for a service's own test suite (feature `schemars`).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::LazyLock;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::validate::push_key;

/// How serious a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Some value of the type breaks the schema: an invoke with it would be rejected.
    Incompatible,
    /// Worth knowing, not a break: a constraint the check cannot prove (a pattern, a range), or
    /// something the Function accepts that the type never sends.
    Note,
}

/// One difference between a Rust type and a deployed params schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    path: String,
    severity: Severity,
    message: String,
}

impl Finding {
    /// Where, as a path under `params`: `params.url`, `params.items[*].name` (`[*]` any item,
    /// `.*` any value of a map).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether it breaks compatibility.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// What differs, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The result of comparing a params type with a deployed Function's schema: every
/// [`Finding`], incompatibilities first.
///
/// The type's side is the schema `schemars` derives for what the type *serializes* (an `Option`
/// without `skip_serializing_if` is always sent, possibly as `null`). What is compared:
///
/// - **objects**: a property the Function requires that the type lacks or can leave out; a
///   property the type sends that the schema forbids (`additionalProperties: false`, which zod's
///   objects publish) or describes differently; a map whose keys the schema restricts;
/// - **types**: every JSON type the type can produce must be allowed (`integer` fits `number`;
///   `null` from an optional field that is skipped when `None` is not counted);
/// - **enums** and `const`s: a value the type can produce that the schema does not list, or an
///   unrestricted type (a `String`) where the schema lists values;
/// - **arrays** (items, tuples), `$ref`s on both sides, `anyOf`/`oneOf` (every alternative of the
///   type must fit some alternative of the schema).
///
/// Limits: constraints on values (`minimum`, `maxLength`, `pattern`, `format`, `minItems`, …) are
/// not proven: where the schema has one the type does not state as strictly, that is a
/// [`Severity::Note`], since a `u32` may still only ever hold valid counts. `allOf`, `not`,
/// `if`/`then`, `dependentRequired` and `patternProperties` are not compared (a note says so). A
/// type whose `JsonSchema` does not describe its `Serialize` (hand-written impls that disagree,
/// `#[serde(skip_serializing_if)]` on a non-`Option` field) is compared as its schema says. And
/// the schema is the deployed version's at the time of the check: run it in CI against the
/// Function you deploy to.
///
/// ```
/// use bb_api_ext::{Compatibility, Severity};
/// use serde_json::json;
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Params {
///     url: String,
///     format: String,
/// }
///
/// let deployed = json!({
///     "type": "object",
///     "properties": {
///         "url": {"type": "string", "format": "uri"},
///         "format": {"type": "string", "enum": ["png", "jpeg"]},
///         "fullPage": {"type": "boolean"}
///     },
///     "required": ["url"],
///     "additionalProperties": false
/// });
/// let report = Compatibility::check::<Params>(&deployed);
/// assert!(!report.is_compatible());
/// let shown: Vec<String> = report.findings().iter().map(ToString::to_string).collect();
/// assert_eq!(shown, [
///     r#"params.format: can be any string; the Function accepts only "png", "jpeg""#,
///     "params.fullPage: the Function accepts it; the type never sends it",
///     r#"params.url: the Function requires the format "uri"; the type does not guarantee it"#,
/// ]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    findings: Vec<Finding>,
}

impl Compatibility {
    /// Compares what `P` serializes with a deployed params schema.
    pub fn check<P: JsonSchema + ?Sized>(deployed: &Value) -> Self {
        let rust = SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<P>();
        Self::between(rust.as_value(), deployed)
    }

    /// Compares two schemas already in hand: what a type sends (`rust`) with what a Function
    /// accepts (`deployed`). Both may use `$ref`s into their own `$defs` or `definitions`.
    pub fn between(rust: &Value, deployed: &Value) -> Self {
        let mut cx = Compare {
            rust_root: rust,
            deployed_root: deployed,
            findings: Vec::new(),
        };
        let mut path = String::from("params");
        cx.compare(rust, deployed, &mut path, Presence::Always, 0);
        Self::from_findings(cx.findings)
    }

    /// The result for a Function that publishes no schema: it accepts any params.
    pub(crate) fn without_schema() -> Self {
        Self::from_findings(vec![Finding {
            path: "params".to_owned(),
            severity: Severity::Note,
            message: "the Function publishes no params schema: it accepts any params, nothing was compared"
                .to_owned(),
        }])
    }

    fn from_findings(mut findings: Vec<Finding>) -> Self {
        findings.sort_by(|a, b| {
            (a.severity, &a.path, &a.message).cmp(&(b.severity, &b.path, &b.message))
        });
        findings.dedup();
        Self { findings }
    }

    /// True when no finding is [`Severity::Incompatible`].
    pub fn is_compatible(&self) -> bool {
        self.incompatibilities().next().is_none()
    }

    /// Every finding: incompatibilities first, then notes, each sorted by path.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings that break compatibility.
    pub fn incompatibilities(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Incompatible)
    }
}

/// `compatible` or `N incompatibilities`, then one finding per line.
impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.incompatibilities().count();
        match n {
            0 => f.write_str("compatible")?,
            1 => f.write_str("1 incompatibility")?,
            n => write!(f, "{n} incompatibilities")?,
        }
        for finding in &self.findings {
            let tag = match finding.severity {
                Severity::Incompatible => "incompatible",
                Severity::Note => "note",
            };
            write!(f, "\n  {tag}: {finding}")?;
        }
        Ok(())
    }
}

/// Whether the type always sends a property, or may leave it out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Always,
    Optional,
}

/// How deep `$ref`s and nesting are followed; past it, a note.
const MAX_DEPTH: usize = 32;

struct Compare<'a> {
    rust_root: &'a Value,
    deployed_root: &'a Value,
    findings: Vec<Finding>,
}

impl<'a> Compare<'a> {
    fn add(&mut self, path: &str, severity: Severity, message: String) {
        self.findings.push(Finding {
            path: path.to_owned(),
            severity,
            message,
        });
    }

    fn incompatible(&mut self, path: &str, message: String) {
        self.add(path, Severity::Incompatible, message);
    }

    fn note(&mut self, path: &str, message: String) {
        self.add(path, Severity::Note, message);
    }

    /// Compares what `rust` produces at `path` with what `deployed` accepts there.
    fn compare(
        &mut self,
        rust: &'a Value,
        deployed: &'a Value,
        path: &mut String,
        presence: Presence,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            self.note(path, "nested too deeply to compare".to_owned());
            return;
        }
        let Some(rust) = resolve(self.rust_root, rust) else {
            self.note(
                path,
                "the type's schema has a $ref this check cannot follow".to_owned(),
            );
            return;
        };
        let Some(deployed) = resolve(self.deployed_root, deployed) else {
            self.note(
                path,
                "the Function's schema has a $ref this check cannot follow".to_owned(),
            );
            return;
        };
        match deployed {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                self.incompatible(path, "the Function accepts no value here".to_owned());
                return;
            }
            Value::Object(d) if unconstrained(d) => return,
            _ => {}
        }
        let (Some(r), Some(d)) = (rust.as_object(), deployed.as_object()) else {
            // `true` or `{}` on the type's side: any JSON value (a `serde_json::Value` field).
            self.note(
                path,
                "the type can hold any JSON value here; the Function's schema is not checked against it"
                    .to_owned(),
            );
            return;
        };
        if unconstrained(r) {
            self.note(
                path,
                "the type can hold any JSON value here; the Function's schema is not checked against it"
                    .to_owned(),
            );
            return;
        }
        for keyword in [
            "allOf",
            "not",
            "if",
            "dependentRequired",
            "dependentSchemas",
            "patternProperties",
        ] {
            if d.contains_key(keyword) {
                self.note(
                    path,
                    format!(
                        "the Function's schema uses {keyword}, which this check does not compare"
                    ),
                );
            }
        }
        // Every alternative of the type must fit.
        if let Some(alternatives) = alternatives(r) {
            for alternative in alternatives {
                // An optional field's `None` (`Option<Struct>` is `anyOf [{$ref}, {type: null}]`)
                // is left out, not sent as null.
                let is_null = alternative.get("type") == Some(&Value::from("null"));
                if presence == Presence::Optional && is_null && alternatives.len() > 1 {
                    continue;
                }
                self.compare(alternative, deployed, path, presence, depth + 1);
            }
            return;
        }
        // The type must fit some alternative of the schema: the one it fits best.
        if let Some(alternatives) = alternatives(d) {
            let mut best: Option<Vec<Finding>> = None;
            for alternative in alternatives {
                let mut trial = Compare {
                    rust_root: self.rust_root,
                    deployed_root: self.deployed_root,
                    findings: Vec::new(),
                };
                trial.compare(rust, alternative, path, presence, depth + 1);
                let score = |f: &[Finding]| {
                    f.iter()
                        .filter(|f| f.severity == Severity::Incompatible)
                        .count()
                };
                if best
                    .as_ref()
                    .is_none_or(|b| score(&trial.findings) < score(b))
                {
                    best = Some(trial.findings);
                }
            }
            let best = best.unwrap_or_default();
            let first = best.iter().find(|f| f.severity == Severity::Incompatible);
            match first {
                Some(first) if alternatives.len() > 1 => {
                    let n = alternatives.len();
                    let message = match tag_of(rust) {
                        Some((name, value)) => format!(
                            "the type's form with {name} {value} matches none of the Function's {n} alternatives"
                        ),
                        None => format!(
                            "the type can produce a value that matches none of the Function's {n} alternatives (closest: {first})"
                        ),
                    };
                    self.incompatible(path, message);
                }
                _ => self.findings.extend(best),
            }
            return;
        }
        self.compare_types(r, d, path, presence, depth);
    }

    fn compare_types(
        &mut self,
        r: &'a Map<String, Value>,
        d: &'a Map<String, Value>,
        path: &mut String,
        presence: Presence,
        depth: usize,
    ) {
        let mut produced = types_of(r);
        if presence == Presence::Optional {
            // An optional field's `null` is its `None`, which `skip_serializing_if` leaves out.
            if let Some(t) = &mut produced
                && t.len() > 1
            {
                t.remove("null");
            }
        }
        let accepted = types_of(d);
        if let (Some(produced), Some(accepted)) = (&produced, &accepted) {
            let rejected: Vec<&str> = produced
                .iter()
                .copied()
                .filter(|t| !accepts(accepted, t))
                .collect();
            if !rejected.is_empty() {
                let why = if rejected == ["null"] {
                    " (an Option that is serialized as null: skip it when None)"
                } else {
                    ""
                };
                self.incompatible(
                    path,
                    format!(
                        "the type can be {}{why}; the Function accepts {}",
                        list(&rejected),
                        list(&accepted.iter().copied().collect::<Vec<_>>())
                    ),
                );
                if rejected.len() == produced.len() {
                    return;
                }
            }
        }
        self.compare_values(r, d, path);
        self.compare_constraints(r, d, path);
        let both = |t: &str| {
            produced.as_ref().is_none_or(|p| p.contains(t))
                && accepted.as_ref().is_none_or(|a| a.contains(t))
        };
        if both("object") {
            self.compare_objects(r, d, path, depth);
        }
        if both("array") {
            self.compare_arrays(r, d, path, depth);
        }
    }

    /// `enum` and `const` on either side.
    fn compare_values(&mut self, r: &Map<String, Value>, d: &Map<String, Value>, path: &str) {
        let Some(allowed) = values_of(d) else {
            return;
        };
        let shown = |values: &[&Value]| {
            values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match values_of(r) {
            Some(produced) => {
                let outside: Vec<&Value> = produced
                    .iter()
                    .copied()
                    .filter(|v| !allowed.contains(v))
                    .collect();
                if !outside.is_empty() {
                    self.incompatible(
                        path,
                        format!(
                            "the type can produce {}, which the Function does not accept (it accepts {})",
                            shown(&outside),
                            shown(&allowed)
                        ),
                    );
                }
                let unused: Vec<&Value> = allowed
                    .iter()
                    .copied()
                    .filter(|v| !produced.contains(v))
                    .collect();
                if !unused.is_empty() {
                    self.note(
                        path,
                        format!(
                            "the Function also accepts {}, which the type never produces",
                            shown(&unused)
                        ),
                    );
                }
            }
            None => {
                let what = types_of(r)
                    .and_then(|t| t.into_iter().find(|t| *t != "null"))
                    .map_or_else(|| "any value".to_owned(), |t| format!("any {t}"));
                self.incompatible(
                    path,
                    format!(
                        "can be {what}; the Function accepts only {}",
                        shown(&allowed)
                    ),
                );
            }
        }
    }

    /// Value constraints the schema has and the type does not state as strictly: notes.
    fn compare_constraints(&mut self, r: &Map<String, Value>, d: &Map<String, Value>, path: &str) {
        let number = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_f64);
        for (key, lower) in [
            ("minimum", true),
            ("exclusiveMinimum", true),
            ("minLength", true),
            ("minItems", true),
            ("minProperties", true),
            ("maximum", false),
            ("exclusiveMaximum", false),
            ("maxLength", false),
            ("maxItems", false),
            ("maxProperties", false),
        ] {
            let Some(limit) = number(d, key) else {
                continue;
            };
            let proven =
                number(r, key).is_some_and(|own| if lower { own >= limit } else { own <= limit });
            if !proven {
                self.note(
                    path,
                    format!(
                        "the Function requires {key} {}; the type does not guarantee it",
                        d.get(key)
                            .map_or_else(|| limit.to_string(), Value::to_string)
                    ),
                );
            }
        }
        for key in ["pattern", "format", "multipleOf"] {
            if let Some(wanted) = d.get(key)
                && r.get(key) != Some(wanted)
            {
                self.note(
                    path,
                    format!(
                        "the Function requires the {key} {wanted}; the type does not guarantee it"
                    ),
                );
            }
        }
    }

    fn compare_objects(
        &mut self,
        r: &'a Map<String, Value>,
        d: &'a Map<String, Value>,
        path: &mut String,
        depth: usize,
    ) {
        let r_props = properties(r);
        let d_props = properties(d);
        let r_required = names(r.get("required"));
        let d_required = names(d.get("required"));
        let r_extra = r
            .get("additionalProperties")
            .filter(|v| **v != Value::Bool(false));
        let d_extra = d
            .get("additionalProperties")
            .or_else(|| d.get("unevaluatedProperties"));
        let len = path.len();

        for name in &d_required {
            if r_props.contains_key(*name) {
                continue;
            }
            push_key(path, name);
            if r_extra.is_some() {
                self.note(
                    path,
                    "the Function requires it; the type (a map) may or may not send it".to_owned(),
                );
            } else {
                self.incompatible(
                    path,
                    "the Function requires it; the type does not have it".to_owned(),
                );
            }
            path.truncate(len);
        }
        for (name, r_schema) in r_props {
            push_key(path, name);
            let presence = if r_required.contains(name.as_str()) {
                Presence::Always
            } else {
                Presence::Optional
            };
            if presence == Presence::Optional && d_required.contains(name.as_str()) {
                self.incompatible(
                    path,
                    "the Function requires it; the type can leave it out (an Option skipped when None, or a skip_serializing_if)"
                        .to_owned(),
                );
            }
            match (d_props.get(name), d_extra) {
                (Some(d_schema), _) => self.compare(r_schema, d_schema, path, presence, depth + 1),
                (None, Some(Value::Bool(false))) => self.incompatible(
                    path,
                    "the type sends it; the Function accepts no such parameter".to_owned(),
                ),
                (None, Some(extra)) => self.compare(r_schema, extra, path, presence, depth + 1),
                (None, None) => self.note(
                    path,
                    "the type sends it; the Function's schema does not name it".to_owned(),
                ),
            }
            path.truncate(len);
        }
        for name in d_props.keys() {
            if !r_props.contains_key(name)
                && !d_required.contains(name.as_str())
                && r_extra.is_none()
            {
                push_key(path, name);
                self.note(
                    path,
                    "the Function accepts it; the type never sends it".to_owned(),
                );
                path.truncate(len);
            }
        }
        // A map on the type's side: any key, each value its schema.
        if let Some(r_values) = r_extra {
            path.push_str(".*");
            match d_extra {
                Some(Value::Bool(false)) => self.incompatible(
                    path,
                    format!(
                        "the type (a map) can send any property name; the Function accepts only {}",
                        if d_props.is_empty() {
                            "none".to_owned()
                        } else {
                            d_props.keys().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ),
                ),
                Some(d_values) => {
                    self.compare(r_values, d_values, path, Presence::Always, depth + 1)
                }
                None => {}
            }
            path.truncate(len);
        }
    }

    fn compare_arrays(
        &mut self,
        r: &'a Map<String, Value>,
        d: &'a Map<String, Value>,
        path: &mut String,
        depth: usize,
    ) {
        let len = path.len();
        let r_tuple = r.get("prefixItems").and_then(Value::as_array);
        let d_tuple = d.get("prefixItems").and_then(Value::as_array);
        let d_items = d.get("items").filter(|i| !i.is_array());
        match (r_tuple, d_tuple) {
            (Some(r_tuple), d_tuple) => {
                for (i, r_item) in r_tuple.iter().enumerate() {
                    path.push_str(&format!("[{i}]"));
                    match d_tuple.and_then(|t| t.get(i)).or(d_items) {
                        Some(d_item) => self.compare(r_item, d_item, path, Presence::Always, depth + 1),
                        None if d.get("items") == Some(&Value::Bool(false)) => self.incompatible(
                            path,
                            "the type sends this item; the Function accepts fewer items".to_owned(),
                        ),
                        None => {}
                    }
                    path.truncate(len);
                }
            }
            (None, Some(_)) => self.note(
                path,
                "the Function expects a tuple (prefixItems); the type is a list, not compared item by item"
                    .to_owned(),
            ),
            (None, None) => {
                if let (Some(r_item), Some(d_item)) = (r.get("items"), d_items) {
                    path.push_str("[*]");
                    self.compare(r_item, d_item, path, Presence::Always, depth + 1);
                    path.truncate(len);
                }
            }
        }
    }
}

/// `schema` with a local `$ref` followed (`#/$defs/x`, `#/definitions/x`); `None` for a `$ref`
/// that cannot be followed.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let mut schema = schema;
    for _ in 0..MAX_DEPTH {
        match schema.get("$ref").and_then(Value::as_str) {
            None => return Some(schema),
            Some(reference) => {
                let pointer = reference.strip_prefix('#')?;
                schema = root.pointer(pointer)?;
            }
        }
    }
    None
}

/// Whether a schema has no keyword that constrains values (only annotations): any value.
fn unconstrained(schema: &Map<String, Value>) -> bool {
    const ANNOTATIONS: [&str; 13] = [
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$anchor",
    ];
    schema.keys().all(|k| ANNOTATIONS.contains(&k.as_str()))
}

/// The `properties` of an object schema (none if it names none).
fn properties(schema: &Map<String, Value>) -> &Map<String, Value> {
    static NONE: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);
    schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&NONE)
}

/// The first property of an object schema with a `const` value: the tag of a tagged enum's
/// variant (`type: "file"`).
fn tag_of(schema: &Value) -> Option<(&str, &Value)> {
    schema
        .get("properties")?
        .as_object()?
        .iter()
        .find_map(|(name, p)| p.get("const").map(|c| (name.as_str(), c)))
}

/// The alternatives of an `anyOf` or `oneOf`.
fn alternatives(schema: &Map<String, Value>) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}

/// The JSON types a schema allows, `None` for any.
fn types_of(schema: &Map<String, Value>) -> Option<BTreeSet<&'static str>> {
    const TYPES: [&str; 7] = [
        "array", "boolean", "integer", "null", "number", "object", "string",
    ];
    let known = |t: &str| TYPES.iter().copied().find(|k| *k == t);
    match schema.get("type") {
        Some(Value::String(t)) => return Some(known(t).into_iter().collect()),
        Some(Value::Array(ts)) => {
            return Some(
                ts.iter()
                    .filter_map(Value::as_str)
                    .filter_map(known)
                    .collect(),
            );
        }
        _ => {}
    }
    if let Some(values) = values_of(schema) {
        return Some(values.iter().map(|v| json_type(v)).collect());
    }
    if ["properties", "required", "additionalProperties"]
        .iter()
        .any(|k| schema.contains_key(*k))
    {
        return Some(BTreeSet::from(["object"]));
    }
    if schema.contains_key("items") || schema.contains_key("prefixItems") {
        return Some(BTreeSet::from(["array"]));
    }
    None
}

/// [`crate::validate::json_type`], with whole numbers as `"integer"`.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        other => crate::validate::json_type(other),
    }
}

/// Whether a schema allowing `accepted` accepts a value of type `t`.
fn accepts(accepted: &BTreeSet<&str>, t: &str) -> bool {
    accepted.contains(t) || (t == "integer" && accepted.contains("number"))
}

/// The values an `enum` or `const` allows.
fn values_of(schema: &Map<String, Value>) -> Option<Vec<&Value>> {
    if let Some(c) = schema.get("const") {
        return Some(vec![c]);
    }
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| values.iter().collect())
}

fn names(list: Option<&Value>) -> BTreeSet<&str> {
    list.and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn list(types: &[&str]) -> String {
    match types {
        [] => "nothing".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
