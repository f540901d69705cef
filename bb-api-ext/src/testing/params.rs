//! The check a Function's params get against its version's `userParamsSchema`: `type` (one or a
//! list), `enum`, `required`, and nested `properties` and `items`. Anything else in the schema is
//! ignored, as are properties it does not name (zod's objects strip unknown keys rather than reject
//! them). Messages follow zod 4's ("Invalid input: expected string, received undefined").

use serde_json::{Map, Value};

use crate::validate::json_type;

/// Every way `params` breaks `schema`, as `params.a.b: message`, in schema order.
pub(crate) fn violations(schema: &Value, params: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, &Value::Object(params.clone()), "params", &mut out);
    out
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    let types = types_of(schema);
    if !types.is_empty() && !types.iter().any(|t| is_type(t, value)) {
        out.push(format!(
            "{path}: Invalid input: expected {}, received {}",
            types.join(" | "),
            json_type(value)
        ));
        return;
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        let options: Vec<String> = options.iter().map(Value::to_string).collect();
        out.push(format!(
            "{path}: Invalid option: expected one of {}",
            options.join("|")
        ));
        return;
    }
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        let expected = properties
                            .and_then(|p| p.get(name))
                            .and_then(Value::as_object)
                            .map(types_of)
                            .filter(|t| !t.is_empty())
                            .map_or_else(|| "a value".to_owned(), |t| t.join(" | "));
                        out.push(format!(
                            "{path}.{name}: Invalid input: expected {expected}, received undefined"
                        ));
                    }
                }
            }
            for (name, sub) in properties.into_iter().flatten() {
                if let Some(v) = map.get(name) {
                    check(sub, v, &format!("{path}.{name}"), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(item, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn types_of(schema: &Map<String, Value>) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        // A type this check does not know passes.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "url": {"type": "string", "format": "uri"},
                "limit": {"type": "integer", "minimum": 1},
                "format": {"type": "string", "enum": ["csv", "json"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "viewport": {
                    "type": "object",
                    "properties": {"width": {"type": "integer"}},
                    "required": ["width"],
                    "additionalProperties": false
                }
            },
            "required": ["url", "limit"],
            "additionalProperties": false
        })
    }

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn valid_params_pass_and_unknown_keys_are_ignored() {
        let p = params(json!({"url": "https://example.com", "limit": 3, "extra": true}));
        assert!(violations(&schema(), &p).is_empty());
        assert!(violations(&json!({}), &p).is_empty());
    }

    #[test]
    fn every_violation_names_its_field() {
        let p = params(json!({
            "limit": 2.5,
            "format": "xml",
            "tags": ["a", 1],
            "viewport": {}
        }));
        assert_eq!(
            violations(&schema(), &p),
            [
                "params.url: Invalid input: expected string, received undefined",
                "params.format: Invalid option: expected one of \"csv\"|\"json\"",
                "params.limit: Invalid input: expected integer, received number",
                "params.tags[1]: Invalid input: expected string, received number",
                "params.viewport.width: Invalid input: expected integer, received undefined",
            ]
        );
    }
}
