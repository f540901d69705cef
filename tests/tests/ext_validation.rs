//! Every validation rule: the boundary is accepted and sent, just outside is rejected with its JSON
//! path and rule, and then the server receives nothing.

use std::time::Duration;

use bb_api_ext::{
    BrowserSettings, Error, Geolocation, Invoke, Proxy, ProxySettings, SessionCreateParams,
    SessionCreateParamsBuilder,
};
use bb_api_tests::fixtures::{FUNCTION_ID, client, invocation_json};
use httpmock::MockServer;
use serde_json::{Value, json};

/// Sends `build(invoke)` and expects exactly these `(path, rule)` violations, with nothing sent.
async fn rejects(build: impl FnOnce(Invoke) -> Invoke, expected: &[(&str, &str)]) {
    let server = MockServer::start_async().await;
    let any = server.mock_async(|_, then| {
        then.status(202)
            .header("content-type", "application/json")
            .json_body(invocation_json("PENDING"));
    });
    let any = any.await;
    let result = build(client(&server.base_url()).functions().invoke(FUNCTION_ID))
        .send()
        .await;
    let Err(Error::Validation(errors)) = result else {
        panic!("expected a validation error, got {result:?}");
    };
    let got: Vec<(&str, &str)> = errors
        .violations()
        .iter()
        .map(|v| (v.path(), v.rule()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(any.calls_async().await, 0, "nothing may be sent");
}

/// Sends `build(invoke)` and expects the server to receive exactly `body`.
async fn sends(build: impl FnOnce(Invoke) -> Invoke, body: Value) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.json_body(body.clone());
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    let result = build(client(&server.base_url()).functions().invoke(FUNCTION_ID))
        .send()
        .await;
    assert!(result.is_ok(), "{result:?}");
    mock.assert_async().await;
}

fn session(b: SessionCreateParamsBuilder) -> impl FnOnce(Invoke) -> Invoke {
    move |i| i.session(b)
}

fn geo(g: Geolocation) -> SessionCreateParamsBuilder {
    SessionCreateParams::builder().proxies([Proxy::browserbase().geolocation(g)])
}

fn browser(b: BrowserSettings) -> SessionCreateParamsBuilder {
    SessionCreateParams::builder().browser_settings(b)
}

const TIMEOUT_RULE_59: &str = "must be whole seconds in 60..=900 (got 59)";

#[tokio::test]
async fn timeout_bounds() {
    for secs in [60, 900] {
        sends(
            session(SessionCreateParams::builder().timeout_secs(secs)),
            json!({"sessionCreateParams": {"timeout": secs}}),
        )
        .await;
    }
    sends(
        session(SessionCreateParams::builder().timeout(Duration::from_secs(61))),
        json!({"sessionCreateParams": {"timeout": 61}}),
    )
    .await;
    rejects(
        session(SessionCreateParams::builder().timeout_secs(59)),
        &[("sessionCreateParams.timeout", TIMEOUT_RULE_59)],
    )
    .await;
    rejects(
        session(SessionCreateParams::builder().timeout_secs(901)),
        &[(
            "sessionCreateParams.timeout",
            "must be whole seconds in 60..=900 (got 901)",
        )],
    )
    .await;
    rejects(
        session(SessionCreateParams::builder().timeout(Duration::from_millis(60_500))),
        &[(
            "sessionCreateParams.timeout",
            "must be whole seconds in 60..=900 (got 60.5s, which has a sub-second part)",
        )],
    )
    .await;
}

const COUNTRY: &str = "sessionCreateParams.proxies[0].geolocation.country";
const STATE: &str = "sessionCreateParams.proxies[0].geolocation.state";

#[tokio::test]
async fn country_must_be_assigned_alpha_2() {
    sends(
        session(geo(Geolocation::country("gb"))),
        json!({"sessionCreateParams": {"proxies": [{"type": "browserbase", "geolocation": {"country": "GB"}}]}}),
    )
    .await;
    for (bad, hint) in [
        ("USA", "; did you mean US?"),
        ("UK", "; did you mean GB?"),
        ("U", ""),
        ("ZZ", ""),
        ("1A", ""),
    ] {
        let rule = format!(
            "must be an assigned ISO 3166-1 alpha-2 country code such as US or DE (got {bad:?}{hint})"
        );
        rejects(
            session(geo(Geolocation::country(bad))),
            &[(COUNTRY, rule.as_str())],
        )
        .await;
    }
}

#[tokio::test]
async fn state_must_be_a_us_code_with_country_us() {
    for ok in ["ny", "DC", "PR"] {
        sends(
            session(geo(Geolocation::country("US").state(ok))),
            json!({"sessionCreateParams": {"proxies": [{"type": "browserbase", "geolocation": {"country": "US", "state": ok.to_uppercase()}}]}}),
        )
        .await;
    }
    rejects(
        session(geo(Geolocation::country("CA").state("NY"))),
        &[(STATE, "requires country US (country is CA)")],
    )
    .await;
    rejects(
        session(geo(Geolocation::country("US").state("ON"))),
        &[(
            STATE,
            "must be a two-letter US state, DC or territory code such as NY (got \"ON\")",
        )],
    )
    .await;
}

#[tokio::test]
async fn city_must_not_be_empty() {
    sends(
        session(geo(Geolocation::country("US").city("Reno"))),
        json!({"sessionCreateParams": {"proxies": [{"type": "browserbase", "geolocation": {"country": "US", "city": "Reno"}}]}}),
    )
    .await;
    rejects(
        session(geo(Geolocation::country("US").city(" "))),
        &[(
            "sessionCreateParams.proxies[0].geolocation.city",
            "must not be empty",
        )],
    )
    .await;
}

#[tokio::test]
async fn external_proxy_server_must_be_an_http_url_with_host() {
    sends(
        session(SessionCreateParams::builder().proxies([Proxy::external("https://proxy.example.com:8443")])),
        json!({"sessionCreateParams": {"proxies": [{"type": "external", "server": "https://proxy.example.com:8443"}]}}),
    )
    .await;
    let path = "sessionCreateParams.proxies[0].server";
    for (server, rule) in [
        (
            "socks5://proxy:1080",
            "scheme must be http or https (got \"socks5\")",
        ),
        (
            "proxy.example.com",
            "must be a URL with scheme and host, such as http://proxy.example.com:8080",
        ),
        (
            "http://user:pw@proxy:8080",
            "must not embed credentials; set username and password instead",
        ),
    ] {
        rejects(
            session(SessionCreateParams::builder().proxies([Proxy::external(server)])),
            &[(path, rule)],
        )
        .await;
    }
}

#[tokio::test]
async fn viewport_must_be_positive() {
    sends(
        session(browser(BrowserSettings::new().viewport(1, 1))),
        json!({"sessionCreateParams": {"browserSettings": {"viewport": {"width": 1, "height": 1}}}}),
    )
    .await;
    rejects(
        session(browser(BrowserSettings::new().viewport(0, 720))),
        &[(
            "sessionCreateParams.browserSettings.viewport.width",
            "must be positive (got 0)",
        )],
    )
    .await;
}

#[tokio::test]
async fn allowed_domains_are_domain_names() {
    sends(
        session(browser(BrowserSettings::new().allowed_domains(["example.com", "*.example.org"]))),
        json!({"sessionCreateParams": {"browserSettings": {"allowedDomains": ["example.com", "*.example.org"]}}}),
    )
    .await;
    let rule = |d: &str| {
        format!(
            "must be a domain name such as example.com or *.example.com, without scheme, path, port or spaces (got {d:?})"
        )
    };
    let (a, b, c) = (
        rule("https://example.com"),
        rule("example.com/a"),
        rule("exa mple.com"),
    );
    rejects(
        session(browser(BrowserSettings::new().allowed_domains([
            "ok.com",
            "https://example.com",
            "example.com/a",
            "exa mple.com",
        ]))),
        &[
            (
                "sessionCreateParams.browserSettings.allowedDomains[1]",
                a.as_str(),
            ),
            (
                "sessionCreateParams.browserSettings.allowedDomains[2]",
                b.as_str(),
            ),
            (
                "sessionCreateParams.browserSettings.allowedDomains[3]",
                c.as_str(),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn ids_and_selectors_must_not_be_empty() {
    rejects(
        session(
            SessionCreateParams::builder()
                .extension_id("")
                .browser_settings(
                    BrowserSettings::new()
                        .context("", false)
                        .extension_id(" ")
                        .captcha_image_selector("")
                        .captcha_input_selector(""),
                ),
        ),
        &[
            ("sessionCreateParams.extensionId", "must not be empty"),
            (
                "sessionCreateParams.browserSettings.context.id",
                "must not be empty",
            ),
            (
                "sessionCreateParams.browserSettings.extensionId",
                "must not be empty",
            ),
            (
                "sessionCreateParams.browserSettings.captchaImageSelector",
                "must not be empty",
            ),
            (
                "sessionCreateParams.browserSettings.captchaInputSelector",
                "must not be empty",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn ca_certificate_ids_are_uuids() {
    rejects(
        session(
            SessionCreateParams::builder()
                .proxy_settings(ProxySettings::ca_certificates(["cert-1"])),
        ),
        &[(
            "sessionCreateParams.proxySettings.caCertificates[0]",
            "must be a UUID (got \"cert-1\")",
        )],
    )
    .await;
}

#[tokio::test]
async fn params_must_be_an_object_of_at_most_64_kib() {
    // {"k":"…"} is 8 bytes of framing around the string.
    let fits = "x".repeat(bb_api_ext::MAX_PARAMS_BYTES - 8);
    sends(
        |i| i.params(json!({"k": fits})),
        json!({"params": {"k": fits}}),
    )
    .await;
    let over = "x".repeat(bb_api_ext::MAX_PARAMS_BYTES - 7);
    rejects(
        |i| i.params(json!({"k": over})),
        &[(
            "params",
            "must serialize to at most 65536 bytes (got 65537)",
        )],
    )
    .await;
    rejects(
        |i| i.params(vec![1, 2]),
        &[("params", "must serialize to a JSON object")],
    )
    .await;
    rejects(
        |i| i.params("text"),
        &[("params", "must serialize to a JSON object")],
    )
    .await;
}

#[tokio::test]
async fn function_must_be_an_id_or_a_name_and_invocation_ids_uuids() {
    let server = MockServer::start_async().await;
    let any = server.mock_async(|_, then| {
        then.status(202);
    });
    let any = any.await;
    let err = client(&server.base_url())
        .functions()
        .invoke("  ")
        .send()
        .await
        .expect_err("no name");
    assert_eq!(
        err.to_string(),
        "invalid request, nothing was sent: 1 invalid field; function: must be a Function id or a non-empty Function name"
    );
    let err = client(&server.base_url())
        .invocations()
        .get("nope")
        .await
        .expect_err("bad id");
    assert!(
        matches!(&err, Error::Validation(v) if v.has_path("id")),
        "{err:?}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn every_violation_is_reported_in_one_pass() {
    rejects(
        |i| {
            i.params([0]).session(
                SessionCreateParams::builder()
                    .timeout_secs(59)
                    .browser_settings(BrowserSettings::new().viewport(0, 0))
                    .proxies([
                        Proxy::from(
                            Proxy::browserbase().geolocation(Geolocation::country("XX").city("")),
                        ),
                        Proxy::from(Proxy::external("ftp://x")),
                    ]),
            )
        },
        &[
            ("params", "must serialize to a JSON object"),
            (
                "sessionCreateParams.browserSettings.viewport.width",
                "must be positive (got 0)",
            ),
            (
                "sessionCreateParams.browserSettings.viewport.height",
                "must be positive (got 0)",
            ),
            (
                COUNTRY,
                "must be an assigned ISO 3166-1 alpha-2 country code such as US or DE (got \"XX\")",
            ),
            (
                "sessionCreateParams.proxies[0].geolocation.city",
                "must not be empty",
            ),
            (
                "sessionCreateParams.proxies[1].server",
                "scheme must be http or https (got \"ftp\")",
            ),
            ("sessionCreateParams.timeout", TIMEOUT_RULE_59),
        ],
    )
    .await;
}

#[test]
fn presets_deserialize_with_the_same_rules() {
    let preset = json!({
        "timeout": 120,
        "browserSettings": {"blockAds": true, "os": "linux"},
        "proxies": [{"type": "browserbase", "geolocation": {"country": "de"}}]
    });
    let params: SessionCreateParams = serde_json::from_value(preset).expect("valid preset");
    assert_eq!(
        serde_json::to_value(&params).expect("serializes"),
        json!({"browserSettings": {"blockAds": true, "os": "linux"}, "proxies": [{"type": "browserbase", "geolocation": {"country": "DE"}}], "timeout": 120})
    );

    let err = serde_json::from_value::<SessionCreateParams>(json!({"timeout": 30, "proxies": [{"type": "browserbase", "geolocation": {"country": "USA"}}]}))
        .expect_err("two violations");
    assert_eq!(
        err.to_string(),
        "2 invalid fields; sessionCreateParams.proxies[0].geolocation.country: must be an assigned ISO 3166-1 alpha-2 \
         country code such as US or DE (got \"USA\"; did you mean US?); sessionCreateParams.timeout: must be whole seconds in 60..=900 (got 30)"
    );
    let typo = serde_json::from_value::<SessionCreateParams>(
        json!({"browserSettings": {"blockAd": true}}),
    )
    .expect_err("unknown field");
    assert!(
        typo.to_string().contains("unknown field `blockAd`"),
        "{typo}"
    );
    let bad_enum =
        serde_json::from_value::<SessionCreateParams>(json!({"browserSettings": {"os": "beos"}}))
            .expect_err("unknown os");
    assert!(
        bad_enum.to_string().contains("unknown variant `beos`"),
        "{bad_enum}"
    );
}
