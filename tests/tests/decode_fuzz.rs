//! Property tests: arbitrary response bytes through the client's decoding path, and arbitrary JSON
//! through request validation. Nothing panics, every outcome is the typed result it should be, and
//! every validation error names a path.
//!
//! Responses go through the public path, a real request to one scripted server on 127.0.0.1 that
//! serves each case's status, content type and body; cases are few (a few hundred) to stay fast.
//! The runners are driven by hand so that each property can also check that its generator reached
//! every kind of outcome (a generator that only ever produced errors would prove little).

use std::sync::{Arc, Mutex};

use bb_api_ext::{
    BodySnippet, Client, Error, Invocation, MAX_PARAMS_BYTES, RetryConfig, SessionCreateParams,
    SessionCreateParamsBuilder,
};
use bb_api_tests::fault_server::{FaultServer, Script};
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, client_custom, generous_timeouts, invocation_json,
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Field names of the API, so that arbitrary objects often reach deep validation.
const KEYS: &[&str] = &[
    "extensionId",
    "browserSettings",
    "proxies",
    "proxySettings",
    "userMetadata",
    "timeout",
    "context",
    "id",
    "persist",
    "viewport",
    "width",
    "height",
    "blockAds",
    "solveCaptchas",
    "os",
    "size",
    "extensions",
    "allowedDomains",
    "captchaImageSelector",
    "type",
    "geolocation",
    "country",
    "state",
    "city",
    "domainPattern",
    "server",
    "username",
    "password",
    "caCertificates",
];

/// Strings the rules care about, plus arbitrary ones.
fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => select(vec![
            "", " ", "US", "us", "DE", "UK", "NY", "ny", "XX", "New York", "browserbase",
            "external", "none", "linux", "mac", "small", "large", "onepassword",
            "browser-events", "http://proxy:8080", "https://10.0.0.1", "socks5://p:1",
            "http://u:pw@proxy:1", "proxy.example.com", "example.com", "*.example.com",
            "-bad-.com", "ctx_123", "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            "6F1C2D3E4A5B4C6D8E9F0A1B2C3D4E5F",
        ])
        .prop_map(String::from),
        1 => any::<String>(),
    ]
}

/// Numbers around the rules' limits, plus arbitrary ones. Floats are multiples of 1/8, which JSON
/// carries exactly.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        select(vec![
            0i64,
            -1,
            1,
            59,
            60,
            120,
            900,
            901,
            1280,
            720,
            i64::MIN
        ])
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(|n| json!(f64::from(n) / 8.0)),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        string().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![3 => select(KEYS).prop_map(String::from), 1 => string()],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// `value` nine times in ten, anything else the tenth.
fn mostly(value: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![9 => value, 1 => arb_json()].boxed()
}

/// An object with each of these fields present or not.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> impl Strategy<Value = Value> {
    let (names, values): (Vec<_>, Vec<_>) = fields
        .into_iter()
        .map(|(name, value)| (name, prop::option::weighted(0.5, value)))
        .unzip();
    values.prop_map(move |values| {
        let map: Map<String, Value> = names
            .iter()
            .zip(values)
            .filter_map(|(name, value)| value.map(|v| ((*name).to_owned(), v)))
            .collect();
        Value::Object(map)
    })
}

fn s() -> BoxedStrategy<Value> {
    mostly(string().prop_map(Value::from))
}

fn b() -> BoxedStrategy<Value> {
    mostly(any::<bool>().prop_map(Value::from))
}

fn n() -> BoxedStrategy<Value> {
    mostly(number())
}

fn proxy() -> BoxedStrategy<Value> {
    let ty = mostly(select(vec!["browserbase", "external", "none", "socks"]).prop_map(Value::from));
    let geolocation = mostly(object(vec![
        ("country", s()),
        ("state", s()),
        ("city", s()),
    ]));
    (
        ty,
        object(vec![
            ("geolocation", geolocation),
            ("server", s()),
            ("username", s()),
            ("password", s()),
            ("domainPattern", s()),
        ]),
    )
        .prop_map(|(ty, mut fields)| {
            fields["type"] = ty;
            fields
        })
        .boxed()
}

/// Session settings shaped like the API's, leaves sometimes wrong, sometimes anything at all.
fn shaped_session() -> impl Strategy<Value = Value> {
    let browser_settings = object(vec![
        (
            "context",
            mostly(object(vec![("id", s()), ("persist", b())])),
        ),
        (
            "viewport",
            mostly(object(vec![("width", n()), ("height", n())])),
        ),
        ("blockAds", b()),
        ("solveCaptchas", b()),
        ("os", s()),
        ("size", s()),
        (
            "extensions",
            mostly(prop::collection::vec(s(), 0..3).prop_map(Value::Array)),
        ),
        (
            "allowedDomains",
            mostly(prop::collection::vec(s(), 0..3).prop_map(Value::Array)),
        ),
        ("captchaImageSelector", s()),
    ]);
    let proxies = prop_oneof![
        1 => any::<bool>().prop_map(Value::from),
        4 => prop::collection::vec(proxy(), 0..3).prop_map(Value::Array),
    ];
    let proxy_settings = object(vec![(
        "caCertificates",
        mostly(prop::collection::vec(s(), 0..3).prop_map(Value::Array)),
    )]);
    object(vec![
        ("timeout", n()),
        ("browserSettings", mostly(browser_settings)),
        ("proxies", mostly(proxies)),
        ("proxySettings", mostly(proxy_settings)),
        ("userMetadata", arb_json().boxed()),
        ("extensionId", s()),
    ])
}

fn run<T: std::fmt::Debug>(
    cases: u32,
    strategy: impl Strategy<Value = T>,
    test: impl Fn(T) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

fn offline_client() -> Client {
    // Never sends: only `prepare` is called.
    client_custom(
        "http://127.0.0.1:9",
        RetryConfig::disabled(),
        generous_timeouts(),
    )
}

// ---------------------------------------------------------------------------------------------
// Request validation
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Outcomes {
    unparsable: usize,
    invalid: usize,
    valid: usize,
}

#[test]
fn arbitrary_json_as_session_settings() {
    let outcomes = Mutex::new(Outcomes::default());
    let client = offline_client();
    let strategy = prop_oneof![1 => arb_json(), 3 => shaped_session()];
    run(1024, strategy, |value| {
        let builder = serde_json::from_value::<SessionCreateParamsBuilder>(value.clone());
        let params = serde_json::from_value::<SessionCreateParams>(value.clone());
        let mut outcomes = outcomes.lock().expect("not poisoned");
        let Ok(builder) = builder else {
            // Not the API's shape: the validated type refuses it too.
            prop_assert!(params.is_err());
            outcomes.unparsable += 1;
            return Ok(());
        };
        let prepared = client
            .functions()
            .invoke(FUNCTION_ID)
            .session(builder.clone())
            .prepare();
        match builder.build() {
            Ok(built) => {
                outcomes.valid += 1;
                prop_assert_eq!(params.as_ref().ok(), Some(&built));
                // Round trip: what is sent reads back as the same settings.
                let sent = serde_json::to_value(&built).expect("serializes");
                let again = serde_json::from_value::<SessionCreateParams>(sent.clone());
                prop_assert_eq!(again.as_ref().ok(), Some(&built), "{}", sent);
                let prepared = prepared.map_err(|e| TestCaseError::fail(e.to_string()))?;
                let body: Value = serde_json::from_slice(prepared.body()).expect("JSON body");
                prop_assert_eq!(&body["sessionCreateParams"], &sent);
            }
            Err(errors) => {
                outcomes.invalid += 1;
                prop_assert!(!errors.violations().is_empty());
                let message = params.expect_err("the same rules").to_string();
                for v in errors.violations() {
                    prop_assert!(v.path().starts_with("sessionCreateParams"), "{}", v);
                    prop_assert!(!v.rule().is_empty(), "{}", v);
                    prop_assert!(message.contains(&v.to_string()), "{} not in {}", v, message);
                }
                match prepared {
                    Err(Error::Validation(e)) => prop_assert_eq!(e, errors),
                    other => prop_assert!(false, "expected Validation, got {:?}", other),
                }
            }
        }
        Ok(())
    });
    let outcomes = outcomes.into_inner().expect("not poisoned");
    eprintln!("{outcomes:?}");
    assert!(outcomes.unparsable > 0, "no unparsable case");
    assert!(outcomes.invalid > 0, "no invalid case");
    assert!(outcomes.valid > 0, "no valid case");
}

#[test]
fn arbitrary_json_as_params() {
    let outcomes = Mutex::new(Outcomes::default());
    let client = offline_client();
    let big = prop::collection::vec(".{0,40}", 1500..2500)
        .prop_map(|v| json!({ "items": v }))
        .boxed();
    run(512, prop_oneof![8 => arb_json(), 1 => big], |value| {
        let prepared = client
            .functions()
            .invoke(FUNCTION_ID)
            .params(&value)
            .prepare();
        let size = serde_json::to_vec(&value).expect("serializes").len();
        let mut outcomes = outcomes.lock().expect("not poisoned");
        if value.is_object() && size <= MAX_PARAMS_BYTES {
            outcomes.valid += 1;
            let prepared = prepared.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let body: Value = serde_json::from_slice(prepared.body()).expect("JSON body");
            prop_assert_eq!(&body["params"], &value);
        } else {
            outcomes.invalid += 1;
            match prepared {
                Err(Error::Validation(e)) => {
                    let paths: Vec<&str> = e.paths().collect();
                    prop_assert_eq!(paths, ["params"]);
                }
                other => prop_assert!(false, "expected Validation, got {:?}", other),
            }
        }
        Ok(())
    });
    let outcomes = outcomes.into_inner().expect("not poisoned");
    eprintln!("{outcomes:?}");
    assert!(outcomes.invalid > 0 && outcomes.valid > 0);
}

// ---------------------------------------------------------------------------------------------
// Response decoding
// ---------------------------------------------------------------------------------------------

/// A valid invocation with one field replaced by anything, or cut short.
fn mutated_invocation() -> impl Strategy<Value = Vec<u8>> {
    let fields = vec![
        "id",
        "status",
        "functionId",
        "projectId",
        "createdAt",
        "results",
        "cause",
        "endedAt",
        "params",
        "extra",
    ];
    prop_oneof![
        (select(fields), arb_json()).prop_map(|(field, value)| {
            let mut inv = invocation_json("COMPLETED");
            inv[field] = value;
            inv.to_string().into_bytes()
        }),
        (0usize..400).prop_map(|cut| {
            let full = invocation_json("RUNNING").to_string().into_bytes();
            full[..cut.min(full.len())].to_vec()
        }),
    ]
}

/// A valid invocation, in any status (an unknown one too), with any results.
fn valid_invocation() -> impl Strategy<Value = Vec<u8>> {
    let statuses = vec!["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", ""];
    (select(statuses), prop::option::of(arb_json())).prop_map(|(status, results)| {
        let mut inv = invocation_json(status);
        if let Some(results) = results {
            inv["results"] = results;
        }
        inv.to_string().into_bytes()
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => valid_invocation(),
        2 => prop::collection::vec(any::<u8>(), 0..3000),
        1 => arb_json().prop_map(|v| v.to_string().into_bytes()),
        2 => mutated_invocation(),
    ]
}

type Case = (u16, &'static str, Vec<u8>);

#[test]
fn arbitrary_response_bodies() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    const CASES: u32 = 384;
    let current: Arc<Mutex<Case>> = Arc::new(Mutex::new((200, "application/json", Vec::new())));
    let serving = Arc::clone(&current);
    let server = runtime.block_on(FaultServer::start_with(CASES as usize, move |_| {
        let (status, content_type, body) = serving.lock().expect("not poisoned").clone();
        Script::respond(status, &[("content-type", content_type)], body)
    }));
    let client = client_custom(
        &server.base_url(),
        RetryConfig::disabled(),
        generous_timeouts(),
    );
    // Here: valid = decoded, invalid = Error::Decode, unparsable = a status error.
    let outcomes = Mutex::new(Outcomes::default());
    let statuses = prop_oneof![
        select(vec![200u16, 202]),
        select(vec![400u16, 401, 403, 404, 408, 429, 500, 502, 503]),
    ];
    let types = vec![
        "application/json",
        "application/json; charset=utf-8",
        "application/problem+json",
        "text/plain",
        "text/html",
    ];
    let strategy = (statuses, select(types), body());
    run(CASES, strategy, |(status, content_type, body)| {
        *current.lock().expect("not poisoned") = (status, content_type, body.clone());
        let before = server.connections();
        let result = runtime.block_on(client.invocations().get(INVOCATION_ID));
        prop_assert_eq!(server.connections(), before + 1);
        let mut outcomes = outcomes.lock().expect("not poisoned");
        let json_type = content_type.contains("json");
        match result {
            Ok(inv) => {
                outcomes.valid += 1;
                prop_assert!((200..300).contains(&status) && json_type);
                let expected: Invocation = serde_json::from_slice(&body).expect("decodable");
                prop_assert_eq!(inv, expected);
            }
            Err(Error::Decode(e)) => {
                outcomes.invalid += 1;
                prop_assert!((200..300).contains(&status));
                prop_assert_eq!(e.status, status);
                if json_type {
                    prop_assert!(serde_json::from_slice::<Invocation>(&body).is_err());
                    prop_assert!(e.reason.starts_with("invalid JSON: "), "{}", e.reason);
                } else {
                    prop_assert!(e.reason.starts_with("expected a JSON body"), "{}", e.reason);
                }
                check_snippet(e.body.as_str(), e.body.is_truncated(), &body)?;
            }
            Err(e) => {
                outcomes.unparsable += 1;
                prop_assert!(!(200..300).contains(&status), "{:?}", e);
                let api = e.api_error().expect("a status error");
                prop_assert_eq!(api.status, status);
                let variant_ok = match status {
                    401 => matches!(e, Error::Unauthorized(_)),
                    403 => matches!(e, Error::Forbidden(_)),
                    404 => matches!(e, Error::NotFound(_)),
                    429 => matches!(
                        e,
                        Error::RateLimited {
                            retry_after: None,
                            ..
                        }
                    ),
                    _ => matches!(e, Error::Api(_)),
                };
                prop_assert!(variant_ok, "{:?}", e);
                check_snippet(api.body.as_str(), api.body.is_truncated(), &body)?;
            }
        }
        Ok(())
    });
    let outcomes = outcomes.into_inner().expect("not poisoned");
    eprintln!("{outcomes:?}");
    assert!(outcomes.valid > 0, "no case decoded");
    assert!(outcomes.invalid > 0, "no decode error");
    assert!(outcomes.unparsable > 0, "no status error");
}

/// The snippet is the body's first `MAX_BYTES`, as lossy UTF-8, marked truncated when cut.
fn check_snippet(snippet: &str, truncated: bool, body: &[u8]) -> Result<(), TestCaseError> {
    let cut = body.len().min(BodySnippet::MAX_BYTES);
    prop_assert_eq!(truncated, body.len() > BodySnippet::MAX_BYTES);
    let expected = String::from_utf8_lossy(&body[..cut]);
    if truncated {
        // The end of a cut snippet may be redacted in case it starts a secret; the rest is exact.
        let keep = expected.len().saturating_sub(64);
        prop_assert!(snippet.starts_with(&expected[..floor_char_boundary(&expected, keep)]));
    } else {
        prop_assert_eq!(snippet, expected.as_ref());
    }
    Ok(())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
