//! `cargo xtask preset-schema`: writes `openapi/session-preset.schema.json`, the JSON Schema of a
//! session preset file, so that editors validate and complete team presets. The shape and rules
//! come from bb-api-ext's session types (`SessionCreateParams::preset_schema`), the descriptions
//! from the spec's `sessionCreateParams`. `check` verifies the file is up to date.

use serde_json::Value;

use crate::regen::write_if_changed;
use crate::workspace::Workspace;

/// Where the preset schema is kept, relative to the workspace root.
pub const PRESET_SCHEMA_PATH: &str = "openapi/session-preset.schema.json";

/// Where the spec describes `sessionCreateParams`: the invoke request body.
const SPEC_POINTER: &str = "/paths/~1v1~1functions~1{id}~1invoke/post/requestBody/content/application~1json/schema/properties/sessionCreateParams";

/// The file's expected text.
pub fn expected(ws: &Workspace) -> Result<String, String> {
    let path = ws.spec_path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec: Value = serde_norway::from_str(&text)
        .map_err(|e| format!("{}: invalid YAML: {e}", path.display()))?;
    let session = spec.pointer(SPEC_POINTER).ok_or_else(|| {
        format!(
            "{} has no sessionCreateParams in the invoke request body",
            path.display()
        )
    })?;
    let mut schema = bb_api_ext::SessionCreateParams::preset_schema();
    let mut found = Vec::new();
    collect(&schema, String::new(), session, &spec, &mut found, 0);
    for (pointer, description) in found {
        if let Some(Value::Object(node)) = schema.pointer_mut(&pointer) {
            node.entry("description").or_insert(description);
        }
    }
    let mut text = serde_json::to_string_pretty(&sorted(schema)).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// `cargo xtask preset-schema`: writes the file (unless it already holds that text).
pub fn run(ws: &Workspace) -> Result<bool, String> {
    let text = expected(ws)?;
    if write_if_changed(&ws.root().join(PRESET_SCHEMA_PATH), &text)? {
        println!("wrote {PRESET_SCHEMA_PATH}");
    } else {
        println!("{PRESET_SCHEMA_PATH} unchanged");
    }
    Ok(true)
}

/// For `check`: whether the file is up to date (prints what to do when it is not). A workspace
/// without the file (a test's partial copy) passes, as it does for the bb-api-ext listing; this
/// repository's tests read the file, so it cannot go missing unnoticed.
pub fn check(ws: &Workspace) -> Result<bool, String> {
    let Ok(actual) = std::fs::read_to_string(ws.root().join(PRESET_SCHEMA_PATH)) else {
        return Ok(true);
    };
    let expected = expected(ws)?;
    if actual == expected {
        println!("{PRESET_SCHEMA_PATH} up to date");
        Ok(true)
    } else {
        println!(
            "{PRESET_SCHEMA_PATH} is out of date with bb-api-ext's session types or the spec; run `cargo xtask preset-schema` and review"
        );
        Ok(false)
    }
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
    if depth > 16 {
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
    let spec_alternatives = alternatives_of(&spec);
    for key in ["anyOf", "oneOf"] {
        let Some(alternatives) = node.get(key).and_then(Value::as_array) else {
            continue;
        };
        for (i, alternative) in alternatives.iter().enumerate() {
            let wanted = key_of(&resolve_ours(ours, alternative));
            if let Some(spec_alternative) = spec_alternatives
                .iter()
                .find(|s| key_of(&resolve(spec_root, s)) == wanted)
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

/// A spec schema with `$ref`s (to `#/components/schemas/...`) followed.
fn resolve(root: &Value, schema: &Value) -> Value {
    let mut schema = schema.clone();
    for _ in 0..8 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => schema = target.clone(),
                None => break,
            },
            None => break,
        }
    }
    schema
}

/// One of our schemas with a `$ref` followed.
fn resolve_ours(ours: &Value, schema: &Value) -> Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| ours.pointer(p))
    {
        Some(target) => target.clone(),
        None => schema.clone(),
    }
}

fn alternatives_of(schema: &Value) -> Vec<Value> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
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
