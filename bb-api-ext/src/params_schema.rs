//! A Function's params schema (`userParamsSchema`) compiled with the `jsonschema` crate, and its
//! findings turned into this crate's violations: paths under `params` in the crate's own style
//! (`params.items[2].name`) and rules in words.

use std::fmt;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::{Location, LocationSegment};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use crate::validate::{
    ValidationErrors, Validator, a_json_type, json_type, max_typo_distance, push_key, quoted,
};

/// A Function's params schema, compiled once, that checks params in one pass and reports every
/// violation with its path under `params` (feature `params-check`).
///
/// The schema is JSON Schema as a Function publishes it in `userParamsSchema` (zod 4 writes draft
/// 2020-12); drafts 4, 6, 7, 2019-09 and 2020-12 are understood, chosen by the schema's `$schema`
/// (2020-12 when it names none). `$ref`s resolve only inside the schema: nothing is fetched.
/// `format` is an annotation, not checked, as draft 2020-12 specifies by default (zod's own
/// checks for `url`, `email`… differ from the JSON Schema formats, and a check stricter than the
/// Function's would block params it accepts); every other keyword is checked.
///
/// ```
/// use bb_api_ext::ParamsSchema;
/// use serde_json::json;
///
/// let schema = ParamsSchema::compile(&json!({
///     "type": "object",
///     "properties": {
///         "url": {"type": "string"},
///         "format": {"type": "string", "enum": ["png", "jpeg"]},
///         "tags": {"type": "array", "items": {"type": "string"}}
///     },
///     "required": ["url"],
///     "additionalProperties": false
/// }))?;
/// let err = schema.check(&json!({"ulr": "https://example.com", "format": "gif", "tags": ["a", 2]}))
///     .unwrap_err();
/// let shown: Vec<String> = err.violations().iter().map(ToString::to_string).collect();
/// assert_eq!(shown, [
///     r#"params.format: must be one of "png", "jpeg" (got "gif")"#,
///     "params.tags[1]: must be a string (got number)",
///     "params.ulr: is not a parameter of this schema (did you mean url?)",
///     "params.url: required property missing",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ParamsSchema {
    validator: jsonschema::Validator,
    /// The schema as published, for the names an unknown property may have been meant as.
    schema: Value,
}

impl fmt::Debug for ParamsSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParamsSchema")
            .field("draft", &self.validator.draft())
            .finish_non_exhaustive()
    }
}

/// A params schema the validator cannot compile (an unknown draft, a `$ref` to another document,
/// an invalid regular expression…). An invoke with such a schema is not blocked: see
/// [`crate::Invoke::check_params`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the params schema does not compile: {reason}")]
pub struct InvalidSchema {
    reason: String,
}

impl InvalidSchema {
    /// What is wrong with it, as the validator says.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl ParamsSchema {
    /// Compiles a params schema. Nothing is fetched: a `$ref` outside the schema is an error.
    ///
    /// # Errors
    /// [`InvalidSchema`] when the schema is not valid JSON Schema or cannot be compiled.
    pub fn compile(schema: &Value) -> Result<Self, InvalidSchema> {
        let validator = jsonschema::options()
            .offline()
            .should_validate_formats(false)
            .build(schema)
            .map_err(|e| InvalidSchema {
                reason: e.to_string(),
            })?;
        Ok(Self {
            validator,
            schema: schema.clone(),
        })
    }

    /// Checks `params`; every violation has a path under `params`, sorted by path.
    ///
    /// # Errors
    /// Every violation, as [`ValidationErrors`].
    pub fn check(&self, params: &Value) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        v.field("params", |v| self.check_in(v, params));
        v.finish(())
    }

    /// Records every violation under the validator's current path.
    fn check_in(&self, v: &mut Validator, params: &Value) {
        if self.validator.is_valid(params) {
            return;
        }
        let mut found: Vec<(Vec<Key>, String, String)> = Vec::new();
        for error in self.validator.iter_errors(params) {
            self.describe(&error, &mut |keys, suffix, rule| {
                found.push((keys, suffix, rule));
            });
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
        found.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        for (_, suffix, rule) in found {
            v.fail_at(&suffix, rule);
        }
    }

    /// Calls `out` with each violation `error` stands for: its path (as sort keys and as text
    /// after `params`) and its rule. Most errors are one violation; an unknown-properties error is
    /// one per property; a failure the check itself caused (a regex too costly to run) is none.
    fn describe(&self, error: &ValidationError<'_>, out: &mut dyn FnMut(Vec<Key>, String, String)) {
        let at = error.instance_path();
        let kind = error.kind();
        match kind {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let (keys, suffix) = path_of(at, Some(name));
                out(keys, suffix, "required property missing".to_owned());
            }
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let allowed = self.allowed_properties(error.schema_path());
                for name in unexpected {
                    let (keys, suffix) = path_of(at, Some(name));
                    out(keys, suffix, unknown_property(name, &allowed));
                }
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => match the_meant_one(context, at) {
                // One alternative is plainly the one meant (the others want another type, or
                // another tag such as a proxy's `type`): its own violations say what is wrong.
                Some(branch) => {
                    for error in branch {
                        self.describe(error, out);
                    }
                }
                None => {
                    let (keys, suffix) = path_of(at, None);
                    out(keys, suffix, rule(kind, at, error.instance()));
                }
            },
            ValidationErrorKind::BacktrackLimitExceeded { .. }
            | ValidationErrorKind::RegexEngineFailure { .. } => {
                // The schema's pattern could not be evaluated: that says nothing about the
                // params, and must not block the invoke.
                tracing::warn!(
                    path = %at,
                    "a pattern of the Function's params schema could not be evaluated; that value was not checked"
                );
            }
            _ => {
                let (keys, suffix) = path_of(at, None);
                out(keys, suffix, rule(kind, at, error.instance()));
            }
        }
    }

    /// The property names the object schema holding the keyword at `schema_path` declares.
    fn allowed_properties(&self, schema_path: &Location) -> Vec<String> {
        let pointer = schema_path.as_str();
        let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        self.schema
            .pointer(parent)
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|p| {
                let mut names: Vec<String> = p.keys().cloned().collect();
                names.sort();
                names
            })
            .unwrap_or_default()
    }
}

/// One step of a path, for sorting: array indices in numeric order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Index(usize),
    Name(String),
}

/// The path of `at` (plus `child`, a property of it) as sort keys and as text to append after
/// `params`: `.name` for a plain name, `["a b"]` for any other, `[2]` for an index.
fn path_of(at: &Location, child: Option<&str>) -> (Vec<Key>, String) {
    let mut keys = Vec::new();
    let mut text = String::new();
    for segment in at.segments() {
        match segment {
            LocationSegment::Property(name) => push_name(&name, &mut keys, &mut text),
            LocationSegment::Index(i) => {
                keys.push(Key::Index(i));
                text.push_str(&format!("[{i}]"));
            }
        }
    }
    if let Some(name) = child {
        push_name(name, &mut keys, &mut text);
    }
    (keys, text)
}

fn push_name(name: &str, keys: &mut Vec<Key>, text: &mut String) {
    keys.push(Key::Name(name.to_owned()));
    push_key(text, name);
}

fn unknown_property(name: &str, allowed: &[String]) -> String {
    match (meant(name, allowed), allowed.is_empty()) {
        (Some(a), _) => format!("is not a parameter of this schema (did you mean {a}?)"),
        (None, false) => format!(
            "is not a parameter of this schema (it has {})",
            allowed.join(", ")
        ),
        (None, true) => "is not a parameter of this schema".to_owned(),
    }
}

/// The allowed name `name` was most likely meant as: the closest in spelling (a small edit
/// distance), else the only one that begins with it (`q` for `query`).
fn meant<'a>(name: &str, allowed: &'a [String]) -> Option<&'a str> {
    let name = name.to_lowercase();
    let close = allowed
        .iter()
        .map(|a| (strsim::levenshtein(&name, &a.to_lowercase()), a))
        .filter(|(d, _)| *d <= max_typo_distance(&name))
        .min()
        .map(|(_, a)| a.as_str());
    close.or_else(|| {
        let mut starting = allowed
            .iter()
            .filter(|a| !name.is_empty() && a.to_lowercase().starts_with(&name));
        match (starting.next(), starting.next()) {
            (Some(only), None) => Some(only.as_str()),
            _ => None,
        }
    })
}

/// The rule `kind` states, in words; `got` is the offending value.
fn rule(kind: &ValidationErrorKind, at: &Location, got: &Value) -> String {
    use ValidationErrorKind as K;
    match kind {
        K::Type { kind } => {
            let wanted: Vec<JsonType> = match kind {
                TypeKind::Single(t) => vec![*t],
                TypeKind::Multiple(set) => set.iter().collect(),
            };
            format!("must be {} (got {})", types_text(&wanted), json_type(got))
        }
        K::AnyOf { context } | K::OneOfNotValid { context } => any_of(context, at, got),
        K::OneOfMultipleValid { .. } => {
            "matches more than one of the allowed forms, and must match exactly one".to_owned()
        }
        K::Enum { options } => {
            let options = match options.as_ref() {
                Value::Array(list) => list.iter().map(shown).collect::<Vec<_>>().join(", "),
                other => shown(other),
            };
            format!("must be one of {options} (got {})", shown(got))
        }
        K::Constant { expected_value } => {
            format!("must be {} (got {})", shown(expected_value), shown(got))
        }
        K::Pattern { pattern } => format!("must match the pattern {pattern}"),
        K::MinLength { limit } => format!("must be at least {limit} characters long"),
        K::MaxLength { limit } => format!("must be at most {limit} characters long"),
        K::Minimum { limit } => format!("must be at least {limit} (got {got})"),
        K::Maximum { limit } => format!("must be at most {limit} (got {got})"),
        K::ExclusiveMinimum { limit } => format!("must be greater than {limit} (got {got})"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit} (got {got})"),
        K::MultipleOf { multiple_of } => format!("must be a multiple of {multiple_of}"),
        K::MinItems { limit } => format!(
            "must have at least {limit} item{} (got {})",
            plural(*limit),
            got.as_array().map_or(0, Vec::len)
        ),
        K::MaxItems { limit } => format!(
            "must have at most {limit} item{} (got {})",
            plural(*limit),
            got.as_array().map_or(0, Vec::len)
        ),
        K::MinProperties { limit } => {
            format!("must have at least {limit} propert{}", ies(*limit))
        }
        K::MaxProperties { limit } => format!("must have at most {limit} propert{}", ies(*limit)),
        K::UniqueItems => "must not repeat an item".to_owned(),
        K::Contains => "must contain an item of the required form".to_owned(),
        K::AdditionalItems { .. } | K::UnevaluatedItems { .. } => {
            "has more items than the schema allows".to_owned()
        }
        K::FalseSchema => "is not allowed here".to_owned(),
        K::Not { .. } => "must not match the excluded form".to_owned(),
        K::Format { format } => format!("must be a valid {format}"),
        K::PropertyNames { error } => format!("has a property name that {}", {
            let inner = rule(error.kind(), error.instance_path(), error.instance());
            inner
                .strip_prefix("must ")
                .map_or(inner.clone(), |r| format!("does not {r}"))
        }),
        K::ContentEncoding { content_encoding } => {
            format!("must be {content_encoding}-encoded")
        }
        K::ContentMediaType { content_media_type } => {
            format!("must be {content_media_type} content")
        }
        K::Custom { message, .. } => message.clone(),
        other => format!("breaks the schema's {:?} rule", other.keyword()),
    }
}

/// `anyOf`/`oneOf` with no match. When every alternative is a `const`, the allowed values; when
/// every alternative failed only on the type of this value (zod's `.nullable()`, a union of plain
/// types), the allowed types; else how many forms there were.
fn any_of(context: &[Vec<ValidationError<'static>>], at: &Location, got: &Value) -> String {
    if let Some(values) = constants(context) {
        return format!("must be one of {values} (got {})", shown(got));
    }
    let mut wanted: Vec<JsonType> = Vec::new();
    for branch in context {
        let [only] = branch.as_slice() else {
            return forms(context.len());
        };
        match only.kind() {
            ValidationErrorKind::Type { kind } if only.instance_path() == at => match kind {
                TypeKind::Single(t) => wanted.push(*t),
                TypeKind::Multiple(set) => wanted.extend(set.iter()),
            },
            _ => return forms(context.len()),
        }
    }
    wanted.sort_by_key(|t| article(*t));
    wanted.dedup();
    format!("must be {} (got {})", types_text(&wanted), json_type(got))
}

/// The only alternative of an `anyOf`/`oneOf` at `at` not ruled out at once, if there is exactly
/// one: the others failed on the type of the value itself, or on a `const`/`enum` of one of its
/// properties (a tag).
fn the_meant_one<'e>(
    context: &'e [Vec<ValidationError<'static>>],
    at: &Location,
) -> Option<&'e [ValidationError<'static>]> {
    let ruled_out = |branch: &[ValidationError<'static>]| {
        branch.iter().any(|e| match e.kind() {
            ValidationErrorKind::Type { .. } => e.instance_path() == at,
            ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. } => {
                e.instance_path().segments().count() == at.segments().count() + 1
            }
            _ => false,
        })
    };
    let mut left = context.iter().filter(|b| !ruled_out(b));
    match (left.next(), left.next()) {
        (Some(only), None) if !only.is_empty() => Some(only.as_slice()),
        _ => None,
    }
}

/// `"a", "b"` when every alternative is a `const`.
fn constants(context: &[Vec<ValidationError<'static>>]) -> Option<String> {
    let values: Option<Vec<String>> = context
        .iter()
        .map(|branch| match branch.as_slice() {
            [only] => match only.kind() {
                ValidationErrorKind::Constant { expected_value } => Some(shown(expected_value)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    values.map(|v| v.join(", "))
}

fn forms(n: usize) -> String {
    format!("does not match any of the {n} allowed forms")
}

fn types_text(types: &[JsonType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| article(*t)).collect();
    match names.as_slice() {
        [] => "of another type".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn article(t: JsonType) -> &'static str {
    match t {
        JsonType::Array => "an array",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Null => "null",
        JsonType::Number => "a number",
        JsonType::Object => "an object",
        JsonType::String => "a string",
    }
}

/// A value for a message: strings quoted and cut short, scalars as JSON, containers by type.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => quoted(s),
        v @ (Value::Array(_) | Value::Object(_)) => a_json_type(v).to_owned(),
        other => other.to_string(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn ies(n: u64) -> &'static str {
    if n == 1 { "y" } else { "ies" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn zod(properties: Value, required: &[&str]) -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    #[track_caller]
    fn violations(schema: &Value, params: Value) -> Vec<String> {
        let schema = ParamsSchema::compile(schema).expect("compiles");
        match schema.check(&params) {
            Ok(()) => Vec::new(),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_typo_is_a_missing_required_property_and_an_unknown_one() {
        let schema = zod(
            json!({"url": {"type": "string", "format": "uri"}, "selector": {"type": "string"}}),
            &["url"],
        );
        assert_eq!(
            violations(&schema, json!({"ulr": "https://example.com"})),
            [
                "params.ulr: is not a parameter of this schema (did you mean url?)",
                "params.url: required property missing",
            ]
        );
        assert_eq!(
            violations(&schema, json!({"url": "https://example.com", "zzz": 1})),
            ["params.zzz: is not a parameter of this schema (it has selector, url)"]
        );
        assert!(
            violations(
                &schema,
                json!({"url": "https://example.com", "selector": "h1"})
            )
            .is_empty()
        );
    }

    #[test]
    fn types_enums_patterns_and_bounds() {
        let schema = zod(
            json!({
                "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                "count": {"type": "integer", "minimum": 1, "maximum": 10},
                "ratio": {"type": "number", "exclusiveMaximum": 1},
                "format": {"type": "string", "enum": ["csv", "json"]},
                "mode": {"const": "fast"},
                "flag": {"type": "boolean"},
                "nick": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "kind": {"anyOf": [{"const": "a"}, {"const": "b"}]},
            }),
            &["name"],
        );
        assert_eq!(
            violations(
                &schema,
                json!({
                    "name": "A",
                    "count": 2.5,
                    "ratio": 1,
                    "format": "xml",
                    "mode": "slow",
                    "flag": "yes",
                    "nick": 7,
                    "kind": "c",
                })
            ),
            [
                "params.count: must be an integer (got number)",
                "params.flag: must be a boolean (got string)",
                r#"params.format: must be one of "csv", "json" (got "xml")"#,
                r#"params.kind: must be one of "a", "b" (got "c")"#,
                r#"params.mode: must be "fast" (got "slow")"#,
                "params.name: must be at least 2 characters long",
                "params.name: must match the pattern ^[a-z]+$",
                "params.nick: must be a string or null (got number)",
                "params.ratio: must be less than 1 (got 1)",
            ]
        );
        assert_eq!(
            violations(&schema, json!({"name": "ab", "count": 0})),
            ["params.count: must be at least 1 (got 0)"]
        );
        assert_eq!(
            violations(&schema, json!({"name": "ab", "count": 11})),
            ["params.count: must be at most 10 (got 11)"]
        );
    }

    #[test]
    fn nested_objects_and_arrays_have_full_paths() {
        let item = json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "qty": {"type": "integer"}},
            "required": ["name"],
            "additionalProperties": false
        });
        let schema = zod(
            json!({
                "items": {"type": "array", "items": item, "minItems": 1},
                "viewport": {
                    "type": "object",
                    "properties": {"width": {"type": "integer"}},
                    "required": ["width"]
                },
                "tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
                "odd keys": {"type": "object", "properties": {"a.b": {"type": "string"}}}
            }),
            &["items"],
        );
        assert_eq!(
            violations(
                &schema,
                json!({
                    "items": [
                        {"name": "a"}, {"name": "b", "qty": "2"}, {"qty": 3}, {"name": "d", "colour": "red"},
                        {}, {}, {}, {}, {}, {}, {"name": 11}
                    ],
                    "viewport": {},
                    "tuple": ["x", "y"],
                    "odd keys": {"a.b": 1}
                })
            ),
            [
                "params.items[1].qty: must be an integer (got string)",
                "params.items[2].name: required property missing",
                "params.items[3].colour: is not a parameter of this schema (it has name, qty)",
                "params.items[4].name: required property missing",
                "params.items[5].name: required property missing",
                "params.items[6].name: required property missing",
                "params.items[7].name: required property missing",
                "params.items[8].name: required property missing",
                "params.items[9].name: required property missing",
                "params.items[10].name: must be a string (got number)",
                r#"params["odd keys"]["a.b"]: must be a string (got number)"#,
                "params.tuple[1]: must be an integer (got string)",
                "params.viewport.width: required property missing",
            ]
        );
        assert_eq!(
            violations(&schema, json!({"items": []})),
            ["params.items: must have at least 1 item (got 0)"]
        );
    }

    #[test]
    fn a_union_reports_the_alternative_meant() {
        let tagged = |tag: &str, field: &str| {
            json!({
                "type": "object",
                "properties": {"kind": {"type": "string", "const": tag}, field: {"type": "string"}},
                "required": ["kind", field],
                "additionalProperties": false
            })
        };
        // zod's discriminatedUnion, and a flag-or-list setting like `proxies`.
        let schema = zod(
            json!({
                "target": {"oneOf": [tagged("url", "url"), tagged("search", "query")]},
                "proxies": {"anyOf": [{"type": "boolean"}, {"type": "array", "items": {"type": "string"}}]}
            }),
            &[],
        );
        assert_eq!(
            violations(
                &schema,
                json!({"target": {"kind": "search", "q": "rust"}, "proxies": [1]})
            ),
            [
                "params.proxies[0]: must be a string (got number)",
                "params.target.q: is not a parameter of this schema (did you mean query?)",
                "params.target.query: required property missing",
            ]
        );
        assert_eq!(
            violations(
                &schema,
                json!({"target": {"kind": "file"}, "proxies": "yes"})
            ),
            [
                "params.proxies: must be a boolean or an array (got string)",
                "params.target: does not match any of the 2 allowed forms",
            ]
        );
    }

    #[test]
    fn refs_resolve_inside_the_schema() {
        let schema = json!({
            "type": "object",
            "properties": {"home": {"$ref": "#/$defs/address"}, "work": {"$ref": "#/$defs/address"}},
            "$defs": {"address": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": false
            }}
        });
        assert_eq!(
            violations(&schema, json!({"home": {"city": 1}, "work": {"town": "x"}})),
            [
                "params.home.city: must be a string (got number)",
                "params.work.city: required property missing",
                "params.work.town: is not a parameter of this schema (it has city)",
            ]
        );
    }

    #[test]
    fn formats_are_annotations() {
        let schema = zod(
            json!({"url": {"type": "string", "format": "uri"}}),
            &["url"],
        );
        assert!(violations(&schema, json!({"url": "not a url"})).is_empty());
    }

    #[test]
    fn other_drafts_by_their_schema_keyword() {
        let draft7 = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"list": {"type": "array", "items": [{"type": "string"}]}},
        });
        assert_eq!(
            violations(&draft7, json!({"list": [1]})),
            ["params.list[0]: must be a string (got number)"]
        );
    }

    #[test]
    fn schemas_that_do_not_compile_say_why() {
        for bad in [
            json!({"type": "strin"}),
            json!({"$ref": "https://example.com/schema.json"}),
            json!({"type": "object", "properties": {"a": {"pattern": "("}}}),
        ] {
            let err = ParamsSchema::compile(&bad).expect_err("does not compile");
            assert!(!err.reason().is_empty(), "{bad}");
            assert!(
                err.to_string()
                    .starts_with("the params schema does not compile: ")
            );
        }
    }
}
