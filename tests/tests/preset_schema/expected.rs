//! The text `openapi/session-preset.schema.json` should hold: the schema of a preset file from
//! bb-api-ext's session types (`SessionCreateParams::preset_schema`), with the descriptions of the
//! spec's `sessionCreateParams` added, keys sorted, pretty-printed, ending in a newline.
//!
//! It lives in this test target, not in xtask, so that xtask does not build bb-api-ext: when a
//! spec change breaks bb-api-ext, `cargo xtask diff` and `check` still run to report it.

use bb_api_ext::SessionCreateParams;
use serde_json::Value;

use crate::schemas::{alternatives, resolve, spec_session};

/// How deep [`collect`] walks: a bound on the recursion, well beyond the session types' nesting.
const MAX_DEPTH: usize = 16;

/// The file's expected text, given the spec (its root).
pub fn text(spec: &Value) -> String {
    let session = spec_session(spec);
    let mut schema = SessionCreateParams::preset_schema();
    let mut found = Vec::new();
    collect(&schema, String::new(), session, spec, &mut found, 0);
    for (pointer, description) in found {
        if let Some(Value::Object(node)) = schema.pointer_mut(&pointer) {
            node.entry("description").or_insert(description);
        }
    }
    let mut text =
        serde_json::to_string_pretty(&sorted(schema)).expect("a serde_json::Value serializes");
    text.push('\n');
    text
}

/// Collects the spec's `description`s for our schema's nodes, by JSON pointer into our schema,
/// walking both: properties, items, and `anyOf`/`oneOf` alternatives paired by [`key_of`]. A
/// `$ref` is followed into our `definitions` (draft 7 ignores a `$ref`'s siblings, so the
/// description goes on the definition).
fn collect(
    ours: &Value,
    pointer: String,
    spec: &Value,
    spec_root: &Value,
    found: &mut Vec<(String, Value)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(mut node) = ours.pointer(&pointer) else {
        return;
    };
    let mut pointer = pointer;
    if let Some(name) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
    {
        pointer = format!("/definitions/{}", escape(name));
        match ours.pointer(&pointer) {
            Some(target) => node = target,
            None => return,
        }
    }
    let spec = resolve(spec_root, spec);
    if let Some(description) = spec.get("description") {
        found.push((pointer.clone(), description.clone()));
    }
    if let (Some(properties), Some(spec_properties)) = (
        node.get("properties").and_then(Value::as_object),
        spec.get("properties").and_then(Value::as_object),
    ) {
        for name in properties.keys() {
            if let Some(spec_property) = spec_properties.get(name) {
                let child = format!("{pointer}/properties/{}", escape(name));
                collect(ours, child, spec_property, spec_root, found, depth + 1);
            }
        }
    }
    if let (Some(_), Some(spec_items)) = (node.get("items"), spec.get("items")) {
        collect(
            ours,
            format!("{pointer}/items"),
            spec_items,
            spec_root,
            found,
            depth + 1,
        );
    }
    let spec_alternatives = alternatives(spec).map_or(&[][..], Vec::as_slice);
    for key in ["anyOf", "oneOf"] {
        let Some(node_alternatives) = node.get(key).and_then(Value::as_array) else {
            continue;
        };
        for (i, alternative) in node_alternatives.iter().enumerate() {
            let wanted = key_of(resolve(ours, alternative));
            if let Some(spec_alternative) = spec_alternatives
                .iter()
                .find(|s| key_of(resolve(spec_root, s)) == wanted)
            {
                let child = format!("{pointer}/{key}/{i}");
                collect(ours, child, spec_alternative, spec_root, found, depth + 1);
            }
        }
    }
}

/// `value` with every object's keys in sorted order, whether or not serde_json preserves insertion
/// order in this build (its `preserve_order` feature), so the file's text does not depend on it.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// A JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// What pairs an alternative with its counterpart: the value of its `type` property for a proxy
/// (`const` on our side, a one-value `enum` in the spec), else its JSON type.
fn key_of(schema: &Value) -> String {
    let tag = schema.pointer("/properties/type").and_then(|t| {
        t.get("const")
            .cloned()
            .or_else(|| t.get("enum").and_then(|e| e.get(0)).cloned())
    });
    match tag {
        Some(tag) => format!("object:{tag}"),
        None => schema
            .get("type")
            .map_or_else(|| "any".to_owned(), Value::to_string),
    }
}
