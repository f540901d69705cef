//! JSON Schema for session settings (feature `schemars`): `JsonSchema` written by hand for the
//! types whose `Deserialize` is hand-written (proxies, timeouts), and the schema of a preset file,
//! which the repository keeps as `openapi/session-preset.schema.json` for editors.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use crate::proxy::{BrowserbaseProxy, ExternalProxy, NoneProxy, Proxies, Proxy};
use crate::session::{SessionCreateParams, TimeoutInput};
use crate::timeout::SessionTimeout;

/// Whole seconds in `60..=900`; a whole float such as `900.0` reads too, and JSON Schema counts
/// it as an integer.
impl JsonSchema for SessionTimeout {
    fn schema_name() -> Cow<'static, str> {
        "SessionTimeout".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": SessionTimeout::MIN.as_secs(),
            "maximum": SessionTimeout::MAX.as_secs(),
        })
    }
}

impl JsonSchema for TimeoutInput {
    fn schema_name() -> Cow<'static, str> {
        SessionTimeout::schema_name()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        SessionTimeout::json_schema(generator)
    }
}

/// `true`, `false`, or a list of proxies.
impl JsonSchema for Proxies {
    fn schema_name() -> Cow<'static, str> {
        "Proxies".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let proxy = generator.subschema_for::<Proxy>();
        json_schema!({
            "anyOf": [
                {"type": "boolean"},
                {"type": "array", "items": proxy},
            ]
        })
    }
}

/// One of three objects told apart by `type`, each with only its own fields.
impl JsonSchema for Proxy {
    fn schema_name() -> Cow<'static, str> {
        "Proxy".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let variants = [
            tagged("browserbase", BrowserbaseProxy::json_schema(generator)),
            tagged("external", ExternalProxy::json_schema(generator)),
            tagged("none", NoneProxy::json_schema(generator)),
        ];
        json_schema!({ "oneOf": variants })
    }
}

/// A proxy struct's schema with the `type` it is read under: first among its properties, and
/// required.
fn tagged(tag: &str, schema: Schema) -> Value {
    let mut schema = schema.to_value();
    if let Some(object) = schema.as_object_mut() {
        let mut properties = serde_json::Map::new();
        properties.insert(
            "type".to_owned(),
            serde_json::json!({"type": "string", "const": tag}),
        );
        if let Some(Value::Object(own)) = object.remove("properties") {
            properties.extend(own);
        }
        object.insert("properties".to_owned(), Value::Object(properties));
        let mut required = vec![Value::from("type")];
        if let Some(Value::Array(own)) = object.remove("required") {
            required.extend(own);
        }
        object.insert("required".to_owned(), Value::Array(required));
    }
    schema
}

impl SessionCreateParams {
    /// The JSON Schema of a session preset file: `sessionCreateParams` as this crate reads it
    /// (JSON or YAML), for editors to validate and complete presets. Draft 7, the draft editors'
    /// JSON and YAML language servers support best. The repository keeps it, with the spec's
    /// descriptions added, as `openapi/session-preset.schema.json` (`cargo xtask preset-schema`).
    ///
    /// It describes the shape and the simple rules (timeout range, viewport sizes, two-letter
    /// codes); the rest (assigned country codes, US states only with country `US`, proxy URLs,
    /// domain names) is checked when a preset is read.
    ///
    /// ```
    /// let schema = bb_api_ext::SessionCreateParams::preset_schema();
    /// assert_eq!(schema["properties"]["timeout"]["maximum"], 900);
    /// ```
    pub fn preset_schema() -> Value {
        let schema = SchemaSettings::draft07()
            .into_generator()
            .into_root_schema_for::<SessionCreateParams>();
        let mut schema = schema.to_value();
        strip_rust_docs(&mut schema);
        simplify(&mut schema);
        if let Some(object) = schema.as_object_mut() {
            object.insert(
                "title".to_owned(),
                Value::from("Browserbase session preset (sessionCreateParams)"),
            );
            object.insert(
                "description".to_owned(),
                Value::from(
                    "Session settings for invoking a Browserbase Function, as the API's \
                     sessionCreateParams; read by bb-api-ext's SessionCreateParams.",
                ),
            );
        }
        schema
    }
}

/// Removes the `title`s and `description`s schemars takes from Rust items and their doc
/// comments: they are written for Rust readers (with code examples), not for preset authors.
fn strip_rust_docs(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            object.remove("title");
            object.remove("description");
            for (key, value) in object.iter_mut() {
                // A property named `title` or `description` is a property, not an annotation.
                if key == "properties" || key == "definitions" || key == "$defs" {
                    if let Value::Object(members) = value {
                        members.values_mut().for_each(strip_rust_docs);
                    }
                } else {
                    strip_rust_docs(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_rust_docs),
        _ => {}
    }
}

/// Writes the schema the way a preset author reads it: an enum as `enum` (schemars writes a
/// `oneOf` of `const`s to carry each variant's doc comment), and no `null` for optional settings
/// (null reads as unset, but a preset has no reason to write it, so editors suggest only the values
/// that mean something).
fn simplify(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            object.values_mut().for_each(simplify);
            if let Some(Value::Array(types)) = object.get_mut("type") {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    object.insert("type".to_owned(), only);
                }
            }
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(alternatives)) = object.get_mut(key) else {
                    continue;
                };
                alternatives.retain(|a| {
                    a.get("type") != Some(&Value::from("null"))
                        || a.as_object().is_some_and(|a| a.len() > 1)
                });
                if let [only] = alternatives.as_slice() {
                    let only = only.clone();
                    object.remove(key);
                    if let Value::Object(only) = only {
                        object.extend(only);
                    }
                    continue;
                }
                let constants: Option<Vec<Value>> = alternatives
                    .iter()
                    .map(|a| match a.as_object() {
                        Some(a)
                            if a.len() == 2 && a.get("type") == Some(&Value::from("string")) =>
                        {
                            a.get("const").cloned()
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(values) = constants {
                    object.remove(key);
                    object.insert("type".to_owned(), Value::from("string"));
                    object.insert("enum".to_owned(), Value::Array(values));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(simplify),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preset_schema_has_the_wire_shape() {
        let schema = SessionCreateParams::preset_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        let properties = schema["properties"].as_object().expect("properties");
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "browserSettings",
                "extensionId",
                "proxies",
                "proxySettings",
                "timeout",
                "userMetadata"
            ]
        );
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["properties"]["timeout"],
            serde_json::json!({"type": "integer", "minimum": 60, "maximum": 900})
        );
        let proxy = &schema["definitions"]["Proxy"]["oneOf"];
        let tags: Vec<&Value> = proxy
            .as_array()
            .expect("three forms")
            .iter()
            .map(|p| &p["properties"]["type"]["const"])
            .collect();
        assert_eq!(tags, ["browserbase", "external", "none"]);
        assert_eq!(proxy[1]["required"], serde_json::json!(["type", "server"]));
        assert!(!schema.to_string().contains("```"), "no Rust docs");
    }
}
