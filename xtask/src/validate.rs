//! The canonical text of a spec, and the checks a spec must pass before it is written.

use serde_norway::Value;

use crate::codegen;

/// Methods whose path-item entries are operations.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A spec that passed validation, with its canonical text and what progenitor made of it.
pub struct ValidSpec {
    /// The canonical YAML text: key order as in the document, block style, one key per line.
    pub text: String,
    /// The generated client and httpmock helpers.
    pub generated: codegen::Generated,
    /// `operation lacks x-bb-…` for each fact of the operation table the spec lacks
    /// (`codegen::missing_facts`): bb-api does not build until they are added.
    pub missing_facts: Vec<String>,
}

/// The canonical YAML serialization of a document (stable: serializing its parse gives it back).
pub fn canonical_text(doc: &Value) -> Result<String, String> {
    serde_norway::to_string(doc).map_err(|e| format!("cannot serialize the spec: {e}"))
}

/// Validates a document: OpenAPI 3.0.x, parses with openapiv3, every operation has an
/// operationId, and progenitor generates from it. Operations lacking `x-bb-idempotent` or
/// `x-bb-what` are listed in [`ValidSpec::missing_facts`] rather than refused, so an import can
/// be written before its local edits are; `check` fails on them.
pub fn validate(doc: &Value) -> Result<ValidSpec, String> {
    let text = canonical_text(doc)?;
    let spec = codegen::parse_spec(&text)?;
    let dangling = dangling_refs(doc);
    if !dangling.is_empty() {
        return Err(format!(
            "references to nothing in the spec (import what they name, or fix the local edits): {}",
            dangling.join(", ")
        ));
    }
    let missing = operations_without_id(&spec);
    if !missing.is_empty() {
        return Err(format!(
            "every operation needs an operationId (progenitor names methods after it); missing on: {}",
            missing.join(", ")
        ));
    }
    let generated = codegen::generate(&spec, "crate")?;
    let missing_facts = codegen::missing_facts(&spec);
    if missing_facts.is_empty() {
        // What bb-api/build.rs will generate from it.
        codegen::operation_table(&spec)?;
    }
    Ok(ValidSpec {
        text,
        generated,
        missing_facts,
    })
}

/// `$ref: TARGET at LOCATION` of every local `$ref` that points at nothing (progenitor would panic
/// on it). References to other documents are left to progenitor.
fn dangling_refs(doc: &Value) -> Vec<String> {
    let Ok(root) = serde_json::to_value(doc) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut pending = vec![(String::new(), &root)];
    while let Some((at, value)) = pending.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref")
                    && let Some(pointer) = target.strip_prefix('#')
                    && root.pointer(pointer).is_none()
                {
                    found.push(format!(
                        "`$ref: {target}` at {}",
                        at.trim_start_matches('.')
                    ));
                }
                for (key, v) in map.iter().rev() {
                    pending.push((format!("{at}.{key}"), v));
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    pending.push((format!("{at}[{i}]"), v));
                }
            }
            _ => {}
        }
    }
    found
}

/// `METHOD /path` of every operation that has no (or an empty) operationId.
fn operations_without_id(spec: &openapiv3::OpenAPI) -> Vec<String> {
    spec.operations()
        .filter(|(_, _, op)| op.operation_id.as_deref().is_none_or(str::is_empty))
        .map(|(path, method, _)| format!("{} {path}", method.to_ascii_uppercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn an_operation_without_id_is_rejected() {
        let doc = yaml(
            "openapi: 3.0.0\ninfo: {title: t, version: v}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n",
        );
        let err = validate(&doc).err().unwrap_or_default();
        assert!(err.contains("missing on: GET /a"), "{err}");
    }

    #[test]
    fn a_dangling_ref_is_rejected_before_progenitor_sees_it() {
        let doc = yaml(
            "openapi: 3.0.0\ninfo: {title: t, version: v}\npaths:\n  /a:\n    get:\n      operationId: a\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Gone'}}}}}\n",
        );
        let err = validate(&doc).err().unwrap_or_default();
        assert_eq!(
            err,
            "references to nothing in the spec (import what they name, or fix the local edits): `$ref: #/components/schemas/Gone` at paths./a.get.responses.200.content.application/json.schema"
        );
    }

    #[test]
    fn openapi_3_1_is_rejected() {
        let doc = yaml("openapi: 3.1.0\ninfo: {title: t, version: v}\npaths: {}\n");
        let err = validate(&doc).err().unwrap_or_default();
        assert!(err.contains("3.0.x only"), "{err}");
    }

    #[test]
    fn canonical_text_is_a_fixed_point() {
        let doc = yaml("b: 'x: y'\na: [1, {c: '202'}]\n");
        let once = canonical_text(&doc).unwrap_or_default();
        let twice = canonical_text(&yaml(&once)).unwrap_or_default();
        assert_eq!(once, twice);
        assert_eq!(once, "b: 'x: y'\na:\n- 1\n- c: '202'\n");
    }
}
