//! What the ext client puts on the wire, byte for byte, and what it makes of what comes back.

use bb_api::mock::MockServerExt;
use bb_api_ext::{
    BrowserSettings, BrowserSize, Extension, Geolocation, InvocationCauseCode as CauseCode,
    InvocationStatus, Os, Proxy, ProxySettings, SessionCreateParams,
};
use bb_api_tests::fixtures::{
    FUNCTION_ID, INVOCATION_ID, KEY, client, get_path, invocation_json, invoke_path,
};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};
use uuid::Uuid;

fn full_session() -> SessionCreateParams {
    SessionCreateParams::builder()
        .timeout_secs(300)
        .extension_id("ext_session")
        .user_metadata(json!({"team": "growth", "run": 7}))
        .browser_settings(
            BrowserSettings::new()
                .context("ctx_123", true)
                .extension_id("ext_browser")
                .viewport(1280, 720)
                .block_ads(true)
                .solve_captchas(false)
                .record_session(false)
                .log_session(true)
                .advanced_stealth(true)
                .verified(false)
                .captcha_image_selector("#captcha img")
                .captcha_input_selector("#captcha input")
                .os(Os::Mac)
                .size(BrowserSize::Large)
                .enable_native_select_polyfill(true)
                .enable_pdf_viewer(false)
                .extensions([Extension::OnePassword, Extension::BrowserEvents])
                .allowed_domains(["example.com", "*.example.org"])
                .ignore_certificate_errors(false),
        )
        .proxies([
            Proxy::browserbase()
                .geolocation(Geolocation::country("us").state("ny").city("New York"))
                .domain_pattern(".*\\.example\\.com")
                .into(),
            Proxy::external("http://proxy.internal:8080")
                .credentials("user", "p@ss")
                .domain_pattern(".*\\.corp")
                .into(),
            Proxy::none().domain_pattern("localhost").into(),
            Proxy::from(Proxy::browserbase()),
        ])
        .proxy_settings(ProxySettings::ca_certificates([
            "0B7C6D5E-4F3A-4B2C-9D1E-8F7A6B5C4D3E",
        ]))
        .build()
        .expect("a valid full session")
}

fn full_session_json() -> Value {
    json!({
        "extensionId": "ext_session",
        "browserSettings": {
            "context": {"id": "ctx_123", "persist": true},
            "extensionId": "ext_browser",
            "viewport": {"width": 1280, "height": 720},
            "blockAds": true,
            "solveCaptchas": false,
            "recordSession": false,
            "logSession": true,
            "advancedStealth": true,
            "verified": false,
            "captchaImageSelector": "#captcha img",
            "captchaInputSelector": "#captcha input",
            "os": "mac",
            "size": "large",
            "enableNativeSelectPolyfill": true,
            "enablePdfViewer": false,
            "extensions": ["onepassword", "browser-events"],
            "allowedDomains": ["example.com", "*.example.org"],
            "ignoreCertificateErrors": false
        },
        "proxies": [
            {"type": "browserbase", "geolocation": {"country": "US", "state": "NY", "city": "New York"}, "domainPattern": ".*\\.example\\.com"},
            {"type": "external", "server": "http://proxy.internal:8080", "username": "user", "password": "p@ss", "domainPattern": ".*\\.corp"},
            {"type": "none", "domainPattern": "localhost"},
            {"type": "browserbase"}
        ],
        "proxySettings": {"caCertificates": ["0b7c6d5e-4f3a-4b2c-9d1e-8f7a6b5c4d3e"]},
        "userMetadata": {"team": "growth", "run": 7},
        "timeout": 300
    })
}

#[tokio::test]
async fn minimal_invoke_sends_an_empty_object_and_exact_headers() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(invoke_path())
                .header("x-bb-api-key", KEY)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header(
                    "user-agent",
                    format!("bb-api-ext/{}", env!("CARGO_PKG_VERSION")),
                )
                .body("{}");
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    let invocation = client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID)
        .send()
        .await
        .expect("202 decodes");
    mock.assert_async().await;
    assert_eq!(invocation.status, InvocationStatus::Pending);
    assert_eq!(invocation.id.to_string(), INVOCATION_ID);
}

#[tokio::test]
async fn full_invoke_sends_exactly_what_was_set() {
    let server = MockServer::start_async().await;
    let expected = json!({"params": {"url": "https://example.com", "depth": 2}, "sessionCreateParams": full_session_json()});
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(invoke_path())
                .header("x-bb-api-key", KEY)
                .json_body(expected.clone());
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID.parse::<Uuid>().expect("uuid"))
        .params(json!({"url": "https://example.com", "depth": 2}))
        .session(full_session())
        .send()
        .await
        .expect("202 decodes");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_session_with_one_setting_sends_only_that_setting() {
    // No timeout, size or other default is filled in: the server merges over the Function's own.
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(invoke_path())
                .body(r#"{"params":{"q":1},"sessionCreateParams":{"browserSettings":{"blockAds":false}}}"#);
            then.status(202).header("content-type", "application/json").json_body(invocation_json("PENDING"));
        })
        .await;
    client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID)
        .params(json!({"q": 1}))
        .session(
            SessionCreateParams::builder()
                .browser_settings(BrowserSettings::new().block_ads(false)),
        )
        .send()
        .await
        .expect("202 decodes");
    mock.assert_async().await;
}

#[tokio::test]
async fn what_we_send_satisfies_the_generated_contract() {
    // The generated httpmock helpers match method, path and the body as the generated types
    // serialize it: our body must decode into them and re-encode to the same JSON.
    let server = MockServer::start_async().await;
    let body_json = json!({"params": {"a": [1, 2]}, "sessionCreateParams": full_session_json()});
    let generated: bb_api::types::FunctionsInvokeBody = serde_json::from_value(body_json.clone())
        .expect("our full body satisfies the generated types");
    assert_eq!(
        serde_json::to_value(&generated).expect("serializes"),
        body_json,
        "no field lost or added"
    );
    let function_id: Uuid = FUNCTION_ID.parse().expect("uuid");
    let invocation: bb_api::types::Invocation =
        serde_json::from_value(invocation_json("RUNNING")).expect("fixture satisfies the spec");
    let mock = server.functions_invoke(|when, then| {
        when.id(&function_id).body(&generated);
        then.accepted(&invocation);
    });
    let got = client(&server.base_url())
        .functions()
        .invoke(function_id)
        .params(json!({"a": [1, 2]}))
        .session(full_session())
        .send()
        .await
        .expect("202 decodes");
    mock.assert_async().await;
    assert_eq!(got.status, InvocationStatus::Running);
}

#[tokio::test]
async fn base_url_with_or_without_trailing_slash_gives_the_same_urls() {
    let server = MockServer::start_async().await;
    let invoke = server
        .mock_async(|when, then| {
            when.method(POST).path(invoke_path());
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(get_path())
                .header("x-bb-api-key", KEY)
                .header_missing("content-type");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(invocation_json("RUNNING"));
        })
        .await;
    for base in [server.base_url(), format!("{}/", server.base_url())] {
        let c = client(&base);
        c.functions()
            .invoke(FUNCTION_ID)
            .send()
            .await
            .expect("invoke");
        c.invocations().get(INVOCATION_ID).await.expect("get");
    }
    invoke.assert_calls_async(2).await;
    get.assert_calls_async(2).await;
}

#[tokio::test]
async fn responses_newer_than_the_spec_decode() {
    let server = MockServer::start_async().await;
    let mut body = invocation_json("PAUSED");
    body["priority"] = json!("high");
    body["cause"] = json!({"code": "QUOTA_EXCEEDED", "message": "m", "retryable": false});
    body.as_object_mut().map(|o| o.remove("updatedAt"));
    server
        .mock_async(|when, then| {
            when.method(GET).path(get_path());
            then.status(200)
                .header("content-type", "application/json; charset=utf-8")
                .json_body(body.clone());
        })
        .await;
    let inv = client(&server.base_url())
        .invocations()
        .get(INVOCATION_ID)
        .await
        .expect("tolerant");
    assert_eq!(inv.status, InvocationStatus::Unknown("PAUSED".into()));
    assert!(!inv.is_terminal());
    // Fields newer than the spec are ignored, not kept: the generated types have no catch-all.
    assert_eq!(inv.updated_at, None);
    let cause = inv.cause.expect("cause kept");
    assert_eq!(
        cause.code,
        Some(CauseCode::Unknown("QUOTA_EXCEEDED".into()))
    );
    assert_eq!(cause.message.as_deref(), Some("m"));
}

#[tokio::test]
async fn the_api_key_travels_only_in_its_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(invoke_path())
                .header("x-bb-api-key", KEY)
                // In exactly one header, and nowhere in the path, query or body.
                .header_count(".*", KEY, 1)
                .path_excludes(KEY)
                .query_param_count(".*", ".*", 0)
                .body_excludes(KEY);
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    client(&server.base_url())
        .functions()
        .invoke(FUNCTION_ID)
        .params(json!({"x": 1}))
        .send()
        .await
        .expect("sent");
    mock.assert_async().await;
}
