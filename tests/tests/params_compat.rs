//! The compatibility check of a Rust params type with a deployed params schema: several types
//! against several schemas, findings in both directions (what the type sends that the Function
//! rejects; what the Function accepts that the type never sends), and `TypedFunction::compatibility`
//! against the fake.

#![allow(dead_code)] // the types exist for their schemas

use std::collections::HashMap;

use bb_api_ext::testing::{FakeBrowserbase, FunctionScript};
use bb_api_ext::{Compatibility, Severity};
use bb_api_tests::fixtures::{scrape_schema, zod_object};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

fn screenshot() -> Value {
    zod_object(
        json!({
            "url": {"type": "string"},
            "fullPage": {"type": "boolean"},
            "format": {"type": "string", "enum": ["png", "jpeg"]}
        }),
        &["url"],
    )
}

fn report() -> Value {
    zod_object(
        json!({"reportId": {"type": "integer", "minimum": 1}, "pages": {"type": "array", "items": {"type": "integer"}}}),
        &["reportId"],
    )
}

fn lines<P: JsonSchema>(deployed: &Value) -> Vec<String> {
    let report = Compatibility::check::<P>(deployed);
    report
        .findings()
        .iter()
        .map(|f| {
            let tag = match f.severity() {
                Severity::Incompatible => "X",
                Severity::Note => "note",
            };
            format!("{tag} {f}")
        })
        .collect()
}

#[derive(Serialize, JsonSchema)]
struct Scrape {
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct ScrapeTypo {
    ulr: String,
}

#[derive(Serialize, JsonSchema)]
struct ScrapeMaybeUrl {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    selector: Option<String>,
}

#[test]
fn a_type_that_fits_has_only_notes() {
    let report = Compatibility::check::<Scrape>(&scrape_schema());
    assert!(report.is_compatible(), "{report}");
    assert_eq!(
        report.to_string(),
        "compatible\n  note: params.url: the Function requires the format \"uri\"; the type does not guarantee it"
    );
}

#[test]
fn required_properties_the_type_lacks_or_may_leave_out() {
    assert_eq!(
        lines::<ScrapeTypo>(&scrape_schema()),
        [
            "X params.ulr: the type sends it; the Function accepts no such parameter",
            "X params.url: the Function requires it; the type does not have it",
            "note params.selector: the Function accepts it; the type never sends it",
        ]
    );
    assert_eq!(
        lines::<ScrapeMaybeUrl>(&scrape_schema()),
        [
            "X params.selector: the type can be null (an Option that is serialized as null: skip it when None); the Function accepts string",
            "X params.url: the Function requires it; the type can leave it out (an Option skipped when None, or a skip_serializing_if)",
            "note params.url: the Function requires the format \"uri\"; the type does not guarantee it",
        ]
    );
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Format {
    Png,
    Jpeg,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum WideFormat {
    Png,
    Gif,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Shot<F> {
    url: String,
    full_page: bool,
    format: F,
}

#[test]
fn enums_in_both_directions() {
    assert!(Compatibility::check::<Shot<Format>>(&screenshot()).is_compatible());
    assert_eq!(lines::<Shot<Format>>(&screenshot()), Vec::<String>::new());
    assert_eq!(
        lines::<Shot<WideFormat>>(&screenshot()),
        [
            r#"X params.format: the type can produce "gif", which the Function does not accept (it accepts "png", "jpeg")"#,
            r#"note params.format: the Function also accepts "jpeg", which the type never produces"#,
        ]
    );
    assert_eq!(
        lines::<Shot<String>>(&screenshot()),
        [r#"X params.format: can be any string; the Function accepts only "png", "jpeg""#]
    );
    // The type is narrower than the schema: nothing it sends is rejected.
    let wide_schema = zod_object(
        json!({"url": {"type": "string"}, "fullPage": {"type": "boolean"}, "format": {"type": "string", "enum": ["png", "jpeg", "webp"]}}),
        &["url"],
    );
    assert_eq!(
        lines::<Shot<Format>>(&wide_schema),
        [r#"note params.format: the Function also accepts "webp", which the type never produces"#]
    );
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Report<N> {
    report_id: N,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pages: Vec<N>,
}

#[test]
fn number_types_and_ranges() {
    assert_eq!(
        lines::<Report<u32>>(&report()),
        ["note params.reportId: the Function requires minimum 1; the type does not guarantee it"]
    );
    assert_eq!(
        lines::<Report<f64>>(&report()),
        [
            "X params.pages[*]: the type can be number; the Function accepts integer",
            "X params.reportId: the type can be number; the Function accepts integer",
        ]
    );
    assert_eq!(
        lines::<Report<String>>(&report()),
        [
            "X params.pages[*]: the type can be string; the Function accepts integer",
            "X params.reportId: the type can be string; the Function accepts integer",
        ]
    );
    // An integer fits a number.
    let numbers = zod_object(json!({"reportId": {"type": "number"}}), &["reportId"]);
    assert_eq!(
        lines::<Report<i64>>(&numbers),
        ["X params.pages: the type sends it; the Function accepts no such parameter"]
    );
}

#[derive(Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Target {
    Url { url: String },
    Search { query: String },
}

#[derive(Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
enum WideTarget {
    Url { url: String },
    Search { query: String },
    File { path: String },
}

#[derive(Serialize, JsonSchema)]
struct Job<T> {
    target: T,
    labels: HashMap<String, String>,
}

fn job_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "target": {"oneOf": [{"$ref": "#/$defs/url"}, {"$ref": "#/$defs/search"}]},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}
        },
        "required": ["target"],
        "additionalProperties": false,
        "$defs": {
            "url": {
                "type": "object",
                "properties": {"type": {"type": "string", "const": "url"}, "url": {"type": "string"}},
                "required": ["type", "url"],
                "additionalProperties": false
            },
            "search": {
                "type": "object",
                "properties": {"type": {"type": "string", "const": "search"}, "query": {"type": "string"}},
                "required": ["type", "query"],
                "additionalProperties": false
            }
        }
    })
}

#[test]
fn tagged_unions_refs_and_maps() {
    assert_eq!(lines::<Job<Target>>(&job_schema()), Vec::<String>::new());
    let wide = lines::<Job<WideTarget>>(&job_schema());
    assert_eq!(
        wide,
        [
            r#"X params.target: the type's form with type "file" matches none of the Function's 2 alternatives"#
        ]
    );
    assert!(!Compatibility::check::<Job<WideTarget>>(&job_schema()).is_compatible());
    // Without a tag: the closest alternative says what differs.
    let either = json!({"type": "object", "properties": {"id": {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}}});
    assert_eq!(
        lines::<ScrapeId>(&either),
        [
            "X params.id: the type can produce a value that matches none of the Function's 2 alternatives (closest: params.id: the type can be string; the Function accepts integer)"
        ]
    );
    // A map where the Function names its properties.
    assert_eq!(
        lines::<HashMap<String, String>>(&scrape_schema()),
        [
            "X params.*: the type (a map) can send any property name; the Function accepts only selector, url",
            "note params.url: the Function requires it; the type (a map) may or may not send it",
        ]
    );
    // Any JSON value: nothing can be proven.
    assert_eq!(
        lines::<Value>(&scrape_schema()),
        [
            "note params: the type can hold any JSON value here; the Function's schema is not checked against it"
        ]
    );
}

#[derive(Serialize, JsonSchema)]
struct ScrapeId {
    id: String,
}

#[tokio::test]
async fn against_the_deployed_function() {
    let fake = FakeBrowserbase::start().await.expect("fake starts");
    fake.add_function(FunctionScript::new("scrape").with_user_params_schema(scrape_schema()));
    fake.add_function(FunctionScript::new("bare"));
    let client = fake.client();

    let fits = client
        .function::<Scrape, Value>("scrape")
        .compatibility()
        .await
        .expect("versions listed");
    assert!(fits.is_compatible(), "{fits}");
    let typo = client
        .function::<ScrapeTypo, Value>("scrape")
        .compatibility()
        .await
        .expect("versions listed");
    assert_eq!(
        typo.to_string(),
        "2 incompatibilities\n  \
         incompatible: params.ulr: the type sends it; the Function accepts no such parameter\n  \
         incompatible: params.url: the Function requires it; the type does not have it\n  \
         note: params.selector: the Function accepts it; the type never sends it"
    );
    let bare = client
        .function::<ScrapeTypo, Value>("bare")
        .compatibility()
        .await
        .expect("versions listed");
    assert!(bare.is_compatible());
    assert_eq!(
        bare.findings()[0].to_string(),
        "params: the Function publishes no params schema: it accepts any params, nothing was compared"
    );
}

#[derive(Serialize, JsonSchema)]
struct Viewport {
    width: u32,
}

#[derive(Serialize, JsonSchema)]
struct WithViewport {
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<Viewport>,
    sent: Option<Viewport>,
}

#[test]
fn optional_nested_objects() {
    let viewport = json!({"type": "object", "properties": {"width": {"type": "integer", "minimum": 1}}, "required": ["width"]});
    let schema = zod_object(json!({"skipped": viewport, "sent": viewport}), &[]);
    assert_eq!(
        lines::<WithViewport>(&schema),
        [
            "X params.sent: the type can be null (an Option that is serialized as null: skip it when None); the Function accepts object",
            "note params.sent.width: the Function requires minimum 1; the type does not guarantee it",
            "note params.skipped.width: the Function requires minimum 1; the type does not guarantee it",
        ]
    );
}
