//! The hand-written request types are pinned to the spec in both directions: a maximal request
//! built from the spec's own schema (every property it declares, nested) decodes into ours and
//! re-encodes unchanged, so a property the spec gains and we lack fails here (our types deny
//! unknown fields), and one we drop would not round-trip. The hand-written open enums are pinned
//! to the spec's enum values the same way.

use bb_api_ext::SessionCreateParams;
use serde_json::{Map, Value, json};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/browserbase.yaml");
    let text = std::fs::read_to_string(path).expect("the spec is readable");
    serde_norway::from_str(&text).expect("the spec parses")
}

/// Follows a local `$ref`.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.trim_start_matches('#');
            spec.pointer(pointer).expect("a local $ref that resolves")
        }
        None => schema,
    }
}

/// A value for `path` that satisfies the API's rules where a bare type would not.
fn sample_for(path: &str) -> Option<Value> {
    Some(match path {
        "timeout" => json!(300),
        "proxies[].geolocation.country" => json!("US"),
        "proxies[].geolocation.state" => json!("NY"),
        "proxies[].server" => json!("http://proxy.example.com:8080"),
        "proxySettings.caCertificates[]" => json!("0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e"),
        "browserSettings.allowedDomains[]" => json!("*.example.com"),
        "browserSettings.viewport.width" => json!(1280),
        "browserSettings.viewport.height" => json!(720),
        _ => return None,
    })
}

/// The largest instance of `schema`: every property set; of an `anyOf`, the array member with
/// one item of each of its members (the proxies list) or else the first member.
fn maximal(spec: &Value, schema: &Value, path: &str) -> Vec<Value> {
    let schema = resolve(spec, schema);
    if let Some(v) = sample_for(path) {
        return vec![v];
    }
    if let Some(members) = schema.get("anyOf").and_then(Value::as_array) {
        let array = members
            .iter()
            .find(|m| m.get("type").and_then(Value::as_str) == Some("array"));
        return maximal(spec, array.unwrap_or(&members[0]), path);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return vec![values[0].clone()];
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut object = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    let sub = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    if let Some(v) = maximal(spec, prop, &sub).into_iter().next() {
                        object.insert(name.clone(), v);
                    }
                }
            }
            if object.is_empty() {
                object.insert("any".into(), json!("value"));
            }
            vec![Value::Object(object)]
        }
        Some("array") => {
            let items = &schema["items"];
            let items = resolve(spec, items);
            // One item per member of an item-level anyOf (each proxy kind), else one item.
            let members: Vec<&Value> = match items.get("anyOf").and_then(Value::as_array) {
                Some(m) => m.iter().collect(),
                None => vec![items],
            };
            let list: Vec<Value> = members
                .into_iter()
                .flat_map(|m| maximal(spec, m, &format!("{path}[]")))
                .collect();
            vec![Value::Array(list)]
        }
        Some("boolean") => vec![json!(true)],
        Some("integer") => vec![json!(1)],
        Some("number") => vec![json!(1.5)],
        Some("string") => vec![json!("text")],
        _ => vec![json!("text")],
    }
}

fn session_schema(spec: &Value) -> &Value {
    spec.pointer(
        "/paths/~1v1~1functions~1{id}~1invoke/post/requestBody/content/application~1json/schema/properties/sessionCreateParams",
    )
    .expect("the invoke body declares sessionCreateParams")
}

#[test]
fn a_maximal_session_from_the_spec_decodes_into_ours_and_re_encodes_unchanged() {
    let spec = spec();
    let maximal = maximal(&spec, session_schema(&spec), "")
        .pop()
        .expect("an instance");
    // Sanity: the instance really is maximal (every proxy kind, nested settings).
    assert_eq!(
        maximal["proxies"].as_array().map(Vec::len),
        Some(3),
        "{maximal:#}"
    );
    assert!(maximal["browserSettings"]["context"]["persist"].is_boolean());
    let ours: SessionCreateParams = serde_json::from_value(maximal.clone())
        .unwrap_or_else(|e| panic!("the spec has a field our SessionCreateParams lacks or reads differently: {e}\n{maximal:#}"));
    let back = serde_json::to_value(&ours).expect("serializes");
    assert_eq!(
        back, maximal,
        "a field was dropped or changed on the way through"
    );
}

#[test]
fn a_new_spec_field_is_refused_by_our_types() {
    // What the test above would meet if the spec gained a property we do not know.
    let spec = spec();
    let mut maximal = maximal(&spec, session_schema(&spec), "")
        .pop()
        .expect("an instance");
    maximal["browserSettings"]["newSpecField"] = json!(true);
    let err = serde_json::from_value::<SessionCreateParams>(maximal).expect_err("unknown field");
    assert!(err.to_string().contains("newSpecField"), "{err}");
}

/// The spec's `enum` values of the schema `name`, in order.
fn spec_enum(spec: &Value, name: &str) -> Vec<String> {
    spec.pointer(&format!("/components/schemas/{name}/enum"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("the spec declares components.schemas.{name}.enum"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{name}: a string value, got {v}"))
                .to_owned()
        })
        .collect()
}

/// The hand-written open enums (`bb_api::open`, the generator's replacements named in
/// `bb-api/codegen.rs` OPEN_ENUMS) know exactly the spec's values, in its order: a value the spec
/// gains would otherwise decode as `Unknown` without anyone noticing.
#[test]
fn the_open_enums_know_exactly_the_spec_values() {
    use bb_api::open;
    fn known<T>(values: &[T], as_str: fn(&T) -> &str) -> Vec<String> {
        values.iter().map(|v| as_str(v).to_owned()).collect()
    }
    let spec = spec();
    let ours = [
        (
            "InvocationStatus",
            known(
                open::InvocationStatus::KNOWN,
                open::InvocationStatus::as_str,
            ),
        ),
        (
            "FunctionBuildStatus",
            known(
                open::FunctionBuildStatus::KNOWN,
                open::FunctionBuildStatus::as_str,
            ),
        ),
        (
            "InvocationCauseCode",
            known(
                open::InvocationCauseCode::KNOWN,
                open::InvocationCauseCode::as_str,
            ),
        ),
        (
            "FunctionBuildCauseCode",
            known(
                open::FunctionBuildCauseCode::KNOWN,
                open::FunctionBuildCauseCode::as_str,
            ),
        ),
        (
            "WebhookEventType",
            known(
                open::WebhookEventType::KNOWN,
                open::WebhookEventType::as_str,
            ),
        ),
        (
            "SessionStatus",
            known(open::SessionStatus::KNOWN, open::SessionStatus::as_str),
        ),
        (
            "SessionRegion",
            known(open::SessionRegion::KNOWN, open::SessionRegion::as_str),
        ),
        (
            "RecordingDownloadStatus",
            known(
                open::RecordingDownloadStatus::KNOWN,
                open::RecordingDownloadStatus::as_str,
            ),
        ),
    ];
    for (name, known) in ours {
        assert_eq!(
            spec_enum(&spec, name),
            known,
            "components.schemas.{name}.enum in openapi/browserbase.yaml and bb_api::open::{name}::KNOWN differ"
        );
    }
}
