//! The preset-file schema the repository keeps (`openapi/session-preset.schema.json`, written by
//! `cargo xtask preset-schema`) against the spec's `sessionCreateParams`: every property, type and
//! enum value present in both; and that it accepts what the crate reads and refuses typos.

use std::collections::BTreeSet;

use bb_api_ext::{ParamsSchema, SessionCreateParams};
use serde_json::{Value, json};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/browserbase.yaml");
    let text = std::fs::read_to_string(path).expect("the spec is readable");
    serde_norway::from_str(&text).expect("the spec parses")
}

fn spec_session(spec: &Value) -> &Value {
    spec.pointer("/paths/~1v1~1functions~1{id}~1invoke/post/requestBody/content/application~1json/schema/properties/sessionCreateParams")
        .expect("the invoke body has sessionCreateParams")
}

fn preset_schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/session-preset.schema.json"
    );
    let text = std::fs::read_to_string(path).expect("the preset schema is checked in");
    serde_json::from_str(&text).expect("the preset schema is JSON")
}

/// Follows local `$ref`s.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        schema = root
            .pointer(r.trim_start_matches('#'))
            .expect("a local $ref that resolves");
    }
    schema
}

fn alternatives(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}

/// The JSON types a schema names, without `null`.
fn types(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(t)) => BTreeSet::from([t.clone()]),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => BTreeSet::new(),
    }
    .into_iter()
    .filter(|t| t != "null")
    .collect()
}

/// The values an `enum` or a `const` allows.
fn values(schema: &Value) -> BTreeSet<String> {
    if let Some(c) = schema.get("const") {
        return BTreeSet::from([c.to_string()]);
    }
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|vs| vs.iter().map(Value::to_string).collect())
        .unwrap_or_default()
}

/// Pairs union members: a proxy by its `type` value, anything else by its JSON types.
fn key(root: &Value, schema: &Value) -> String {
    let schema = resolve(root, schema);
    match schema.pointer("/properties/type") {
        Some(tag) => format!("object {:?}", values(tag)),
        None => format!("{:?}", types(schema)),
    }
}

struct Walk<'a> {
    ours_root: &'a Value,
    spec_root: &'a Value,
    differences: Vec<String>,
}

impl<'a> Walk<'a> {
    fn compare(&mut self, ours: &'a Value, spec: &'a Value, path: &str) {
        let ours = resolve(self.ours_root, ours);
        let spec = resolve(self.spec_root, spec);
        if alternatives(ours).is_some() || alternatives(spec).is_some() {
            let one_o = std::slice::from_ref(ours);
            let one_s = std::slice::from_ref(spec);
            let ours_alts = alternatives(ours).map_or(one_o, Vec::as_slice);
            let spec_alts = alternatives(spec).map_or(one_s, Vec::as_slice);
            let ours_keys: BTreeSet<String> =
                ours_alts.iter().map(|a| key(self.ours_root, a)).collect();
            let spec_keys: BTreeSet<String> =
                spec_alts.iter().map(|a| key(self.spec_root, a)).collect();
            if ours_keys != spec_keys {
                self.differences.push(format!(
                    "{path}: forms {ours_keys:?} vs the spec's {spec_keys:?}"
                ));
            }
            for o in ours_alts {
                let k = key(self.ours_root, o);
                if let Some(s) = spec_alts.iter().find(|s| key(self.spec_root, s) == k) {
                    self.compare(o, s, path);
                }
            }
            return;
        }
        if types(ours) != types(spec) {
            self.differences.push(format!(
                "{path}: types {:?} vs the spec's {:?}",
                types(ours),
                types(spec)
            ));
        }
        if values(ours) != values(spec) {
            self.differences.push(format!(
                "{path}: values {:?} vs the spec's {:?}",
                values(ours),
                values(spec)
            ));
        }
        let names = |s: &Value| -> BTreeSet<String> {
            s.get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (ours_names, spec_names) = (names(ours), names(spec));
        for missing in spec_names.difference(&ours_names) {
            self.differences.push(format!(
                "{path}.{missing}: in the spec, not in the preset schema"
            ));
        }
        for extra in ours_names.difference(&spec_names) {
            self.differences.push(format!(
                "{path}.{extra}: in the preset schema, not in the spec"
            ));
        }
        for name in ours_names.intersection(&spec_names) {
            self.compare(
                &ours["properties"][name],
                &spec["properties"][name],
                &format!("{path}.{name}"),
            );
        }
        match (ours.get("items"), spec.get("items")) {
            (Some(o), Some(s)) => self.compare(o, s, &format!("{path}[]")),
            (None, None) => {}
            _ => self
                .differences
                .push(format!("{path}: items on one side only")),
        }
    }
}

fn differences(ours_root: &Value, spec_root: &Value, spec: &Value) -> Vec<String> {
    let mut walk = Walk {
        ours_root,
        spec_root,
        differences: Vec::new(),
    };
    walk.compare(ours_root, spec, "sessionCreateParams");
    walk.differences
}

#[test]
fn every_property_type_and_enum_value_is_in_both() {
    let spec = spec();
    let ours = preset_schema();
    assert_eq!(
        differences(&ours, &spec, spec_session(&spec)),
        Vec::<String>::new()
    );
}

#[test]
fn the_comparison_sees_a_difference() {
    let mut spec = spec();
    let pointer = "/paths/~1v1~1functions~1{id}~1invoke/post/requestBody/content/application~1json/schema/properties/sessionCreateParams";
    let session = spec.pointer_mut(pointer).expect("present");
    session["properties"]["browserSettings"]["properties"]["os"]["enum"]
        .as_array_mut()
        .expect("an enum")
        .push(json!("chromeos"));
    session["properties"]["region"] = json!({"type": "string"});
    session["properties"]["timeout"]["type"] = json!("number");
    let session = spec.pointer(pointer).expect("present").clone();
    assert_eq!(
        differences(&preset_schema(), &spec, &session),
        [
            r#"sessionCreateParams.region: in the spec, not in the preset schema"#,
            r#"sessionCreateParams.browserSettings.os: values {"\"linux\"", "\"mac\"", "\"mobile\"", "\"tablet\"", "\"windows\""} vs the spec's {"\"chromeos\"", "\"linux\"", "\"mac\"", "\"mobile\"", "\"tablet\"", "\"windows\""}"#,
            r#"sessionCreateParams.timeout: types {"integer"} vs the spec's {"number"}"#,
        ]
    );
}

#[test]
fn the_file_is_what_the_crate_generates_plus_the_specs_descriptions() {
    fn without_descriptions(v: &mut Value) {
        match v {
            Value::Object(o) => {
                if o.get("description").is_some_and(Value::is_string) {
                    o.remove("description");
                }
                o.values_mut().for_each(without_descriptions);
            }
            Value::Array(a) => a.iter_mut().for_each(without_descriptions),
            _ => {}
        }
    }
    let mut file = preset_schema();
    let mut generated = SessionCreateParams::preset_schema();
    without_descriptions(&mut file);
    without_descriptions(&mut generated);
    assert_eq!(file, generated, "run `cargo xtask preset-schema`");
}

#[test]
fn presets_the_crate_reads_pass_and_typos_do_not() {
    let schema = ParamsSchema::compile(&preset_schema()).expect("the preset schema compiles");
    let good = json!({
        "timeout": 300,
        "browserSettings": {"blockAds": true, "viewport": {"width": 1280, "height": 720}, "os": "linux"},
        "proxies": [
            {"type": "browserbase", "geolocation": {"country": "US", "state": "NY", "city": "New York"}},
            {"type": "external", "server": "http://proxy.example.com:8080", "username": "u", "password": "p"},
            {"type": "none", "domainPattern": "localhost"}
        ],
        "userMetadata": {"team": "growth"}
    });
    serde_json::from_value::<SessionCreateParams>(good.clone()).expect("the crate reads it");
    assert_eq!(schema.check(&good), Ok(()));
    assert_eq!(schema.check(&json!({"proxies": true})), Ok(()));

    let shown = |v: Value| -> Vec<String> {
        match schema.check(&v) {
            Ok(()) => Vec::new(),
            Err(e) => e.violations().iter().map(ToString::to_string).collect(),
        }
    };
    assert_eq!(
        shown(json!({"timeout": 30, "browserSettings": {"blokAds": true}})),
        [
            "params.browserSettings.blokAds: is not a parameter of this schema (did you mean blockAds?)",
            "params.timeout: must be at least 60 (got 30)",
        ]
    );
    assert_eq!(
        shown(json!({"proxies": [{"type": "external"}]})),
        ["params.proxies[0].server: required property missing"]
    );
}
