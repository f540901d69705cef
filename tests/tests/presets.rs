//! Session presets read from files: the exact error for each kind of mistake, in JSON (serde_json,
//! which says where; and through serde_path_to_error, which adds the path) and in YAML
//! (serde_norway, which gives path, line and column), and the tolerant readings (`proxies: true`,
//! a whole-number float timeout).

use bb_api_ext::SessionCreateParams;
use serde_json::json;

/// Names of Rust types, ours or the standard library's, that no message may show.
const TYPE_NAMES: [&str; 12] = [
    "Proxies",
    "Proxy",
    "TimeoutInput",
    "SessionTimeout",
    "SessionCreateParams",
    "BrowserContext",
    "Viewport",
    "Geolocation",
    "untagged",
    "struct ",
    "u64",
    "String",
];

#[track_caller]
fn no_type_names(message: &str) -> String {
    for name in TYPE_NAMES {
        assert!(!message.contains(name), "{name:?} in {message:?}");
    }
    message.to_owned()
}

fn json(text: &str) -> Result<SessionCreateParams, String> {
    serde_json::from_str(text).map_err(|e| no_type_names(&e.to_string()))
}

/// What a caller who wants the path in JSON too would do.
fn json_with_path(text: &str) -> Result<SessionCreateParams, String> {
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
        .map_err(|e| no_type_names(&e.to_string()))
}

fn yaml(text: &str) -> Result<SessionCreateParams, String> {
    serde_norway::from_str(text).map_err(|e| no_type_names(&e.to_string()))
}

#[track_caller]
fn err(result: Result<SessionCreateParams, String>) -> String {
    match result {
        Ok(params) => panic!("accepted: {params:?}"),
        Err(e) => e,
    }
}

#[track_caller]
fn sent(result: Result<SessionCreateParams, String>) -> serde_json::Value {
    match result {
        Ok(params) => serde_json::to_value(&params).expect("serializes"),
        Err(e) => panic!("rejected: {e}"),
    }
}

#[test]
fn a_typo_in_a_proxy_entry_names_the_field_and_what_the_type_has() {
    let text = r#"{"proxies": [{"type": "none"}, {"type": "browserbase", "geolocaton": {"country": "US"}}]}"#;
    let want = "unknown field `geolocaton`, expected one of `type`, `geolocation`, `domainPattern`";
    assert_eq!(err(json(text)), format!("{want} at line 1 column 67"));
    assert_eq!(
        err(json_with_path(text)),
        format!("proxies[1].geolocaton: {want} at line 1 column 67")
    );
    let text = "\
proxies:
  - type: none
  - type: browserbase
    geolocaton:
      country: US
";
    assert_eq!(
        err(yaml(text)),
        format!("proxies[1]: {want} at line 4 column 5")
    );
}

#[test]
fn a_typo_before_the_type_lists_every_proxy_field() {
    let want = "unknown field `geolocaton`, expected one of `type`, `geolocation`, `server`, \
                `username`, `password`, `domainPattern`";
    let text = r#"{"proxies": [{"geolocaton": {"country": "US"}, "type": "browserbase"}]}"#;
    assert_eq!(err(json(text)), format!("{want} at line 1 column 26"));
    let text = "\
proxies:
  - geolocaton:
      country: US
    type: browserbase
";
    assert_eq!(
        err(yaml(text)),
        format!("proxies[0]: {want} at line 2 column 5")
    );
}

#[test]
fn a_field_of_another_proxy_type_says_so() {
    let want = "field `server` does not apply to a browserbase proxy, expected one of `type`, \
                `geolocation`, `domainPattern`";
    // After the type: at the field.
    let text = r#"{"proxies": [{"type": "browserbase", "server": "http://p:1"}]}"#;
    assert_eq!(err(json(text)), format!("{want} at line 1 column 45"));
    assert_eq!(
        err(json_with_path(text)),
        format!("proxies[0].server: {want} at line 1 column 45")
    );
    let text = "\
proxies:
  - type: browserbase
    server: http://p:1
";
    assert_eq!(
        err(yaml(text)),
        format!("proxies[0]: {want} at line 3 column 5")
    );
    // Before the type: at the end of the entry, once the type is known.
    let text = r#"{"proxies": [{"server": "http://p:1", "type": "browserbase"}]}"#;
    assert_eq!(err(json(text)), format!("{want} at line 1 column 60"));
}

#[test]
fn an_unknown_proxy_type_is_named_with_the_known_ones() {
    let want =
        "unknown proxy type `residential`, expected one of `browserbase`, `external`, `none`";
    let text = r#"{"proxies": [{"type": "residential", "geolocation": {"country": "US"}}]}"#;
    assert_eq!(err(json(text)), format!("{want} at line 1 column 35"));
    assert_eq!(
        err(json_with_path(text)),
        format!("proxies[0].type: {want} at line 1 column 35")
    );
    let text = "\
proxies:
  - type: residential
    geolocation:
      country: US
";
    assert_eq!(
        err(yaml(text)),
        format!("proxies[0].type: {want} at line 2 column 11")
    );
    let text = r#"{"proxies": [{"type": 5}]}"#;
    assert_eq!(
        err(json(text)),
        "invalid type: integer `5`, expected a proxy type: `browserbase`, `external` or `none` \
         at line 1 column 23"
    );
}

#[test]
fn missing_and_repeated_proxy_fields() {
    assert_eq!(
        err(json(r#"{"proxies": [{"domainPattern": "x"}]}"#)),
        "missing field `type` at line 1 column 35"
    );
    assert_eq!(
        err(yaml("proxies:\n  - domainPattern: x\n")),
        "proxies[0]: missing field `type` at line 2 column 5"
    );
    assert_eq!(
        err(json(r#"{"proxies": [{"type": "external"}]}"#)),
        "missing field `server` at line 1 column 33"
    );
    assert_eq!(
        err(json(r#"{"proxies": [{"type": "none", "type": "none"}]}"#)),
        "duplicate field `type` at line 1 column 36"
    );
}

#[test]
fn a_typo_inside_a_geolocation_is_found_where_it_is() {
    let want = "unknown field `stat`, expected one of `country`, `state`, `city`";
    let text =
        r#"{"proxies": [{"type": "browserbase", "geolocation": {"country": "US", "stat": "NY"}}]}"#;
    assert_eq!(err(json(text)), format!("{want} at line 1 column 76"));
    let text = "\
proxies:
  - type: browserbase
    geolocation:
      country: US
      stat: NY
";
    assert_eq!(
        err(yaml(text)),
        format!("proxies[0].geolocation: {want} at line 5 column 7")
    );
}

#[test]
fn proxies_read_as_a_flag_or_a_list() {
    assert_eq!(sent(json(r#"{"proxies": true}"#)), json!({"proxies": true}));
    assert_eq!(sent(yaml("proxies: false\n")), json!({"proxies": false}));
    assert_eq!(
        sent(yaml(
            "proxies:\n  - type: none\n    domainPattern: localhost\n"
        )),
        json!({"proxies": [{"type": "none", "domainPattern": "localhost"}]})
    );
    assert_eq!(sent(json(r#"{"proxies": []}"#)), json!({"proxies": []}));
    assert_eq!(
        err(json(r#"{"proxies": "yes"}"#)),
        "invalid type: string \"yes\", expected proxies as true, false or a list of proxies at \
         line 1 column 17"
    );
    assert_eq!(
        err(yaml("proxies: yes\n")),
        "proxies: invalid type: string \"yes\", expected proxies as true, false or a list of \
         proxies at line 1 column 10"
    );
    assert_eq!(
        err(json(r#"{"proxies": ["browserbase"]}"#)),
        "invalid type: string \"browserbase\", expected a proxy: a map with a `type` of \
         browserbase, external or none at line 1 column 26"
    );
}

#[test]
fn a_whole_number_float_timeout_is_whole_seconds() {
    assert_eq!(sent(json(r#"{"timeout": 900.0}"#)), json!({"timeout": 900}));
    assert_eq!(sent(yaml("timeout: 900.0\n")), json!({"timeout": 900}));
    assert_eq!(sent(yaml("timeout: 60\n")), json!({"timeout": 60}));
    // A fraction, or a whole float out of range, breaks the rule like any other timeout: reported
    // with the request's other violations.
    let want = "1 invalid field; sessionCreateParams.timeout: must be whole seconds in 60..=900 \
                (got 900.5)";
    assert_eq!(err(json(r#"{"timeout": 900.5}"#)), want);
    assert_eq!(err(yaml("timeout: 900.5\n")), want);
    assert_eq!(
        err(json(r#"{"timeout": 30.0}"#)),
        "1 invalid field; sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 30)"
    );
}

#[test]
fn a_timeout_that_is_not_a_number_says_what_a_timeout_is() {
    let want = |got: &str| {
        format!(
            "invalid type: {got}, expected the session timeout as an integer number of seconds \
             between 60 and 900"
        )
    };
    assert_eq!(
        err(json(r#"{"timeout": "300"}"#)),
        format!("{} at line 1 column 17", want("string \"300\""))
    );
    assert_eq!(
        err(json_with_path(r#"{"timeout": "300"}"#)),
        format!("timeout: {} at line 1 column 17", want("string \"300\""))
    );
    assert_eq!(
        err(yaml("timeout: \"300\"\n")),
        format!("timeout: {} at line 1 column 10", want("string \"300\""))
    );
    assert_eq!(
        err(json(r#"{"timeout": true}"#)),
        format!("{} at line 1 column 16", want("boolean `true`"))
    );
    assert_eq!(
        err(yaml("timeout: .inf\n")),
        "timeout: invalid value: floating point `inf`, expected the session timeout as an integer \
         number of seconds between 60 and 900 at line 1 column 10"
    );
}

#[test]
fn an_unknown_country_suggests_the_likely_one() {
    const RULE: &str = "must be an assigned ISO 3166-1 alpha-2 country code such as US or DE";
    for (given, want) in [
        ("UK", "got \"UK\"; did you mean GB?"),
        ("el", "got \"EL\"; did you mean GR?"),
        ("usa", "got \"USA\"; did you mean US?"),
        ("DEU", "got \"DEU\"; did you mean DE?"),
        ("AUT", "got \"AUT\"; did you mean AT?"),
        ("XX", "got \"XX\""),
        ("EU", "got \"EU\""),
    ] {
        let want = format!(
            "1 invalid field; sessionCreateParams.proxies[0].geolocation.country: {RULE} ({want})"
        );
        let text = format!(
            r#"{{"proxies": [{{"type": "browserbase", "geolocation": {{"country": "{given}"}}}}]}}"#
        );
        assert_eq!(err(json(&text)), want, "{given}");
        let text =
            format!("proxies:\n  - type: browserbase\n    geolocation:\n      country: {given}\n");
        assert_eq!(err(yaml(&text)), want, "{given}");
    }
}

#[test]
fn a_password_that_is_not_a_string_is_not_shown() {
    let text = r#"{"proxies": [{"type": "external", "server": "http://p:1", "username": "u", "password": 918273}]}"#;
    let e = err(json(text));
    assert_eq!(
        e,
        "invalid type: integer (not shown), expected the proxy password as a string at line 1 \
         column 93"
    );
    let text = "\
proxies:
  - type: external
    server: http://p:1
    username: u
    password: 918273
";
    let e = err(yaml(text));
    assert_eq!(
        e,
        "proxies[0].password: invalid type: integer (not shown), expected the proxy password as a \
         string at line 5 column 15"
    );
    assert!(!e.contains("918273"), "{e}");
    // Quoted, it is a string.
    let text = text.replace("918273", "\"918273\"");
    assert_eq!(
        sent(yaml(&text)),
        json!({"proxies": [{"type": "external", "server": "http://p:1", "username": "u", "password": "918273"}]})
    );
}

#[test]
fn a_wrongly_typed_setting_names_what_it_should_be() {
    for (text, want) in [
        (
            r#"{"browserSettings": {"viewport": 5}}"#,
            "invalid type: integer `5`, expected a viewport: a map with `width` and `height` at \
             line 1 column 34",
        ),
        (
            r#"{"browserSettings": {"context": "ctx"}}"#,
            "invalid type: string \"ctx\", expected a browser context: a map with `id` and, \
             optionally, `persist` at line 1 column 37",
        ),
        (
            r#"{"proxies": [{"type": "browserbase", "geolocation": "US"}]}"#,
            "invalid type: string \"US\", expected a geolocation: a map with `country` and, \
             optionally, `state` and `city` at line 1 column 56",
        ),
        (
            r#"{"proxySettings": "x"}"#,
            "invalid type: string \"x\", expected proxy settings: a map with `caCertificates` at \
             line 1 column 21",
        ),
        (
            r#"{"browserSettings": true}"#,
            "invalid type: boolean `true`, expected browser settings: a map such as \
             {\"blockAds\": true} at line 1 column 24",
        ),
        (
            "5",
            "invalid type: integer `5`, expected session settings: a map of the API's camelCase \
             fields at line 1 column 1",
        ),
    ] {
        assert_eq!(err(json(text)), want, "{text}");
    }
}
