//! The preset-file schema the repository keeps (`openapi/session-preset.schema.json`): that it is
//! what [`expected::text`] generates (`cargo xtask preset-schema` writes it by running
//! [`the_committed_preset_schema_is_up_to_date`] with `BB_API_WRITE_PRESET_SCHEMA=1`); against
//! the spec's `sessionCreateParams`, every property, type and enum value present in both; and that
//! it accepts what the crate reads and refuses typos.

mod expected;
mod schemas;

use std::collections::BTreeSet;
use std::path::Path;

use bb_api_ext::{ParamsSchema, SessionCreateParams};
use serde_json::{Value, json};

use schemas::{
    PRESET_SCHEMA_PATH, SPEC_SESSION_POINTER, alternatives, preset_schema, resolve, spec,
    spec_session, workspace_path,
};

/// Set to `1` (by `cargo xtask preset-schema`), [`the_committed_preset_schema_is_up_to_date`]
/// writes the file instead of checking it.
const WRITE_VAR: &str = "BB_API_WRITE_PRESET_SCHEMA";

/// Why the committed text is not the expected one, naming the file, the first line that differs
/// and what to run; `None` when they are equal byte for byte.
fn stale_message(committed: &str, expected: &str) -> Option<String> {
    if committed == expected {
        return None;
    }
    let committed_lines: Vec<&str> = committed.lines().collect();
    let expected_lines: Vec<&str> = expected.lines().collect();
    let first = (0..committed_lines.len().max(expected_lines.len()))
        .find(|&i| committed_lines.get(i) != expected_lines.get(i));
    let detail = match first {
        Some(i) => {
            let shown = |lines: &[&str]| -> String {
                lines
                    .get(i)
                    .map_or("(end of file)", |l| l.trim())
                    .to_owned()
            };
            format!(
                "line {} is `{}`, expected `{}`",
                i + 1,
                shown(&committed_lines),
                shown(&expected_lines)
            )
        }
        None => "its line endings or final newline differ".to_owned(),
    };
    Some(format!(
        "{PRESET_SCHEMA_PATH} is out of date with bb-api-ext's session types or the spec ({detail}); run `cargo xtask preset-schema` and review"
    ))
}

/// Writes `text` to `path` unless the file already holds it (through a temporary file and a
/// rename, so a reader never sees half a file); returns whether it wrote.
fn write_if_changed(path: &Path, text: &str) -> bool {
    if std::fs::read(path).is_ok_and(|current| current == text.as_bytes()) {
        return false;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", temporary.display()));
    std::fs::rename(&temporary, path).unwrap_or_else(|e| {
        panic!(
            "cannot rename {} to {}: {e}",
            temporary.display(),
            path.display()
        )
    });
    true
}

#[test]
fn the_committed_preset_schema_is_up_to_date() {
    let expected = expected::text(&spec());
    let path = workspace_path(PRESET_SCHEMA_PATH);
    if std::env::var_os(WRITE_VAR).is_some_and(|v| v == "1") {
        write_if_changed(&path, &expected);
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {PRESET_SCHEMA_PATH} ({e}); run `cargo xtask preset-schema`")
    });
    if let Some(message) = stale_message(&committed, &expected) {
        panic!("{message}");
    }
}

#[test]
fn the_expected_text_carries_the_specs_descriptions() {
    let text = expected::text(&spec());
    assert!(
        text.contains("\"description\": \"Duration in seconds after which the function invocation will automatically end."),
        "the spec's descriptions are added"
    );
    assert!(text.ends_with("}\n"), "one final newline");
}

#[test]
fn a_stale_file_is_caught_and_named_with_the_command_to_run() {
    let expected = expected::text(&spec());
    let stale = expected.replace("\"maximum\": 900", "\"maximum\": 600");
    assert_ne!(stale, expected, "the edit applies");
    let line = 1 + expected
        .lines()
        .position(|l| l.contains("\"maximum\": 900"))
        .expect("the timeout's maximum is in the file");
    assert_eq!(
        stale_message(&stale, &expected),
        Some(format!(
            "openapi/session-preset.schema.json is out of date with bb-api-ext's session types or the spec (line {line} is `\"maximum\": 600,`, expected `\"maximum\": 900,`); run `cargo xtask preset-schema` and review"
        ))
    );
    assert_eq!(
        stale_message(expected.trim_end(), &expected),
        Some("openapi/session-preset.schema.json is out of date with bb-api-ext's session types or the spec (its line endings or final newline differ); run `cargo xtask preset-schema` and review".to_owned())
    );
    let longer = format!("{expected}{{}}\n");
    let last = expected.lines().count() + 1;
    assert_eq!(
        stale_message(&longer, &expected),
        Some(format!(
            "openapi/session-preset.schema.json is out of date with bb-api-ext's session types or the spec (line {last} is `{{}}`, expected `(end of file)`); run `cargo xtask preset-schema` and review"
        ))
    );
    assert_eq!(stale_message(&expected, &expected), None);
}

#[test]
fn the_file_is_written_only_when_its_text_changes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("preset-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join("session-preset.schema.json");
    let _ = std::fs::remove_file(&path);
    assert!(write_if_changed(&path, "{}\n"), "an absent file is written");
    assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("{}\n"));
    assert!(
        !write_if_changed(&path, "{}\n"),
        "the same text is not rewritten"
    );
    assert!(
        write_if_changed(&path, "{\"a\": 1}\n"),
        "a different text is"
    );
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some("{\"a\": 1}\n")
    );
    assert!(
        !dir.join("session-preset.schema.json.tmp").exists(),
        "no temporary file is left"
    );
    std::fs::remove_dir_all(&dir).expect("the scratch directory is removed");
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
    let session = spec.pointer_mut(SPEC_SESSION_POINTER).expect("present");
    session["properties"]["browserSettings"]["properties"]["os"]["enum"]
        .as_array_mut()
        .expect("an enum")
        .push(json!("chromeos"));
    session["properties"]["region"] = json!({"type": "string"});
    session["properties"]["timeout"]["type"] = json!("number");
    let session = spec_session(&spec).clone();
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
