//! The two documents this target reads, the spec and the committed preset schema, and walking
//! JSON Schemas in them: `$ref`s and `anyOf`/`oneOf` alternatives.

use std::path::PathBuf;

use serde_json::Value;

/// The committed preset schema, relative to the workspace root.
pub const PRESET_SCHEMA_PATH: &str = "openapi/session-preset.schema.json";

/// Where the spec describes `sessionCreateParams`: the invoke request body.
pub const SPEC_SESSION_POINTER: &str = "/paths/~1v1~1functions~1{id}~1invoke/post/requestBody/content/application~1json/schema/properties/sessionCreateParams";

/// How many `$ref`s in a row [`resolve`] follows before calling it a cycle.
const MAX_REF_CHAIN: usize = 16;

pub fn workspace_path(relative: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(relative)
}

pub fn spec() -> Value {
    let text = std::fs::read_to_string(workspace_path("openapi/browserbase.yaml"))
        .expect("the spec is readable");
    serde_norway::from_str(&text).expect("the spec parses")
}

pub fn spec_session(spec: &Value) -> &Value {
    spec.pointer(SPEC_SESSION_POINTER)
        .expect("the invoke body has sessionCreateParams")
}

pub fn preset_schema() -> Value {
    let text = std::fs::read_to_string(workspace_path(PRESET_SCHEMA_PATH))
        .expect("the preset schema is checked in");
    serde_json::from_str(&text).expect("the preset schema is JSON")
}

/// Follows local `$ref`s.
pub fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..=MAX_REF_CHAIN {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        schema = root
            .pointer(r.trim_start_matches('#'))
            .expect("a local $ref that resolves");
    }
    panic!("more than {MAX_REF_CHAIN} $refs in a row (a cycle?) at {schema}");
}

pub fn alternatives(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}
