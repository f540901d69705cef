//! One fixture spec pair per rule of the spec rule table: the exact spec changes found, their
//! verdicts, the overall verdict and the exit status of `--fail-on breaking`.

mod common;

use common::{diff_json, fixtures};

struct Case {
    name: &'static str,
    /// The overall verdict (spec and generated Rust API).
    verdict: &'static str,
    exit_code: i32,
    /// `(scope, at, rule, verdict)` of every spec change, in report order.
    spec: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        // `additionalProperties: true` means what an absent one means, in typify too.
        name: "additional-properties-true-is-absent",
        verdict: "non-breaking",
        exit_code: 0,
        spec: &[],
    },
    Case {
        name: "operation-added",
        verdict: "non-breaking",
        exit_code: 0,
        spec: &[("DELETE /things/{id}", "", "operation-added", "non-breaking")],
    },
    Case {
        name: "operation-removed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[("GET /things/{id}", "", "operation-removed", "breaking")],
    },
    Case {
        name: "parameter-added-required",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "parameter `X-Tenant` (header)",
            "parameter-added-required",
            "breaking",
        )],
    },
    Case {
        name: "parameter-added",
        verdict: "non-breaking",
        exit_code: 0,
        spec: &[(
            "POST /things/{id}",
            "parameter `limit` (query)",
            "parameter-added",
            "non-breaking",
        )],
    },
    Case {
        name: "parameter-made-required",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "parameter `verbose` (query)",
            "parameter-made-required",
            "breaking",
        )],
    },
    Case {
        name: "parameter-removed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "parameter `verbose` (query)",
            "parameter-removed",
            "breaking",
        )],
    },
    Case {
        name: "request-constraints-loosened",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "POST /things/{id}",
                "request body: count",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: count",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: kind",
                "request-enum-value-added",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: tags",
                "request-constraint-loosened",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "request body: tags",
                "request-constraint-loosened",
                "non-breaking",
            ),
        ],
    },
    Case {
        name: "request-constraints-narrowed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "POST /things/{id}",
                "request body: code",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: count",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: count",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: kind",
                "request-enum-value-removed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: name",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: tags",
                "request-constraint-narrowed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "request body: tags",
                "request-constraint-narrowed",
                "breaking",
            ),
        ],
    },
    Case {
        name: "request-property-added-required",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "request body: color",
            "request-property-added-required",
            "breaking",
        )],
    },
    Case {
        name: "request-property-added",
        verdict: "review",
        exit_code: 0,
        spec: &[(
            "POST /things/{id}",
            "request body: color",
            "request-property-added",
            "non-breaking",
        )],
    },
    Case {
        name: "request-property-made-required",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "request body: note",
            "request-property-made-required",
            "breaking",
        )],
    },
    Case {
        name: "request-property-removed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "request body: note",
            "request-property-removed",
            "breaking",
        )],
    },
    Case {
        name: "request-type-changed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "request body: count",
            "request-type-changed",
            "breaking",
        )],
    },
    Case {
        name: "response-enum-value-added",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "GET /things/{id}",
                "response 200: status",
                "response-enum-value-added",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "response 200: status",
                "response-enum-value-added",
                "breaking",
            ),
        ],
    },
    Case {
        name: "response-property-added",
        verdict: "review",
        exit_code: 0,
        spec: &[
            (
                "GET /things/{id}",
                "response 200: color",
                "response-property-added",
                "non-breaking",
            ),
            (
                "POST /things/{id}",
                "response 200: color",
                "response-property-added",
                "non-breaking",
            ),
        ],
    },
    Case {
        name: "response-property-removed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "GET /things/{id}",
                "response 200: label",
                "response-property-removed",
                "review",
            ),
            (
                "GET /things/{id}",
                "response 200: status",
                "response-property-removed-required",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "response 200: label",
                "response-property-removed",
                "review",
            ),
            (
                "POST /things/{id}",
                "response 200: status",
                "response-property-removed-required",
                "breaking",
            ),
        ],
    },
    Case {
        name: "response-type-changed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "GET /things/{id}",
                "response 200: size",
                "response-type-changed",
                "breaking",
            ),
            (
                "POST /things/{id}",
                "response 200: size",
                "response-type-changed",
                "breaking",
            ),
        ],
    },
    Case {
        name: "security-changed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[
            (
                "GET /things/{id}",
                "security",
                "security-changed",
                "breaking",
            ),
            (
                "security scheme Bearer",
                "",
                "security-scheme-added",
                "non-breaking",
            ),
        ],
    },
    Case {
        name: "shared-component-request",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "POST /things/{id}",
            "request body: owner.email",
            "request-property-added-required",
            "breaking",
        )],
    },
    Case {
        name: "success-status-changed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[(
            "GET /things/{id}",
            "responses",
            "success-status-changed",
            "breaking",
        )],
    },
    Case {
        name: "unused-schema-changed",
        verdict: "breaking",
        exit_code: 1,
        spec: &[("schema Legacy", "Legacy: value", "type-changed", "breaking")],
    },
];

fn spec_changes(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let field = |c: &serde_json::Value, k: &str| c[k].as_str().unwrap_or_default().to_string();
    report["spec_changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    (
                        field(c, "scope"),
                        field(c, "at"),
                        field(c, "rule"),
                        field(c, "verdict"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_rule_fixture_is_classified_exactly() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = fixtures().join("spec-diff").join(case.name);
        let (report, code) = diff_json(&dir, "old.yaml", "new.yaml", &["--fail-on", "breaking"]);
        let expected: Vec<(String, String, String, String)> = case
            .spec
            .iter()
            .map(|(s, a, r, v)| (s.to_string(), a.to_string(), r.to_string(), v.to_string()))
            .collect();
        let actual = spec_changes(&report);
        if actual != expected || report["verdict"] != case.verdict || code != case.exit_code {
            failures.push(format!(
                "{}: verdict {} exit {code}, changes {actual:#?}",
                case.name, report["verdict"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_directory_has_a_case() {
    let mut dirs: Vec<String> = std::fs::read_dir(fixtures().join("spec-diff"))
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names: Vec<String> = CASES.iter().map(|c| c.name.to_string()).collect();
    names.sort();
    assert_eq!(dirs, names);
}

#[test]
fn fail_on_review_also_fails_on_review_only_changes() {
    let dir = fixtures().join("spec-diff/response-property-added");
    let (report, code) = diff_json(&dir, "old.yaml", "new.yaml", &["--fail-on", "review"]);
    assert_eq!(report["verdict"], "review");
    assert_eq!(code, 1);
    let (_, code) = diff_json(&dir, "old.yaml", "new.yaml", &[]);
    assert_eq!(
        code, 0,
        "without --fail-on, diff succeeds whatever it finds"
    );
}

#[test]
fn the_rust_api_part_catches_what_the_wire_rules_call_harmless() {
    // Loosening `minimum` from 5 to 1 is harmless on the wire, but typify then picks
    // NonZeroU64 instead of i64 for the field: the generated API changes incompatibly.
    let dir = fixtures().join("spec-diff/request-constraints-loosened");
    let (report, _) = diff_json(&dir, "old.yaml", "new.yaml", &[]);
    let field = report["api_changes"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["path"] == "types::ThingsUpdateBody::count")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        field,
        serde_json::json!({
            "change": "changed",
            "kind": "field",
            "path": "types::ThingsUpdateBody::count",
            "old": "field types::ThingsUpdateBody::count: ::std::option::Option<i64>",
            "new": "field types::ThingsUpdateBody::count: ::std::option::Option<::std::num::NonZeroU64>",
            "verdict": "breaking"
        })
    );
}

#[test]
fn a_response_enum_value_added_says_the_rust_enum_is_exhaustive() {
    let dir = fixtures().join("spec-diff/response-enum-value-added");
    let (report, _) = diff_json(&dir, "old.yaml", "new.yaml", &[]);
    let message = report["spec_changes"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        message,
        "enum value \"archived\" added: breaking for the exhaustive Rust enum generated for it (responses with the new value fail to deserialize in old clients, and `match`es need a new arm)"
    );
}
