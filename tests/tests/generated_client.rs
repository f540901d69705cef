//! The generated `bb-api` client on the wire, against httpmock on 127.0.0.1.
//!
//! These pin what progenitor makes of `openapi/browserbase.yaml`: method, path, headers and the exact
//! JSON body of an invoke, and the decoding of both operations' responses.

use bb_api::mock::MockServerExt;
use bb_api::types;
use chrono::{TimeZone, Utc};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;
use uuid::Uuid;

use bb_api_tests::fixtures::{FUNCTION_ID, INVOCATION_ID, KEY, invocation_json};

fn client(server: &MockServer) -> bb_api::Client {
    bb_api::install_default_crypto_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    let mut key = reqwest::header::HeaderValue::from_static(KEY);
    key.set_sensitive(true);
    headers.insert("X-BB-API-Key", key);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a reqwest client with static settings builds");
    bb_api::Client::new_with_client(&server.base_url(), http)
}

/// typify's builders take `Option<T>` for optional fields: finish a nested builder into `Some`.
fn some<B, T>(builder: B) -> Option<T>
where
    B: TryInto<T>,
    B::Error: std::fmt::Debug,
{
    Some(builder.try_into().expect("complete builder"))
}

#[tokio::test]
async fn invoke_sends_exact_wire_format_and_decodes_202() {
    let server = MockServer::start_async().await;
    let expected_body = json!({
        "params": {"url": "https://example.com", "depth": 2},
        "sessionCreateParams": {
            "timeout": 120,
            "userMetadata": {"team": "growth"},
            "browserSettings": {
                "blockAds": true,
                "viewport": {"width": 1280, "height": 720},
                "context": {"id": "ctx_123", "persist": true},
                "os": "linux"
            },
            "proxies": [
                {
                    "type": "browserbase",
                    "geolocation": {"country": "US", "state": "NY", "city": "New York"},
                    "domainPattern": ".*\\.example\\.com"
                },
                {"type": "external", "server": "http://proxy.internal:8080", "username": "u", "password": "p"},
                {"type": "none", "domainPattern": "localhost"}
            ]
        }
    });
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/functions/{FUNCTION_ID}/invoke"))
                .header("X-BB-API-Key", KEY)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .json_body(expected_body.clone());
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;

    let session: types::FunctionsInvokeBodySessionCreateParams = types::FunctionsInvokeBodySessionCreateParams::builder()
        .timeout(120)
        .user_metadata(json!({"team": "growth"}).as_object().cloned().unwrap_or_default())
        .browser_settings(some::<_, types::FunctionsInvokeBodySessionCreateParamsBrowserSettings>(
            types::FunctionsInvokeBodySessionCreateParamsBrowserSettings::builder()
                .block_ads(true)
                .viewport(some::<_, types::FunctionsInvokeBodySessionCreateParamsBrowserSettingsViewport>(
                    types::FunctionsInvokeBodySessionCreateParamsBrowserSettingsViewport::builder()
                        .width(Some(1280))
                        .height(Some(720)),
                ))
                .context(some::<_, types::FunctionsInvokeBodySessionCreateParamsBrowserSettingsContext>(
                    types::FunctionsInvokeBodySessionCreateParamsBrowserSettingsContext::builder()
                        .id("ctx_123")
                        .persist(true),
                ))
                .os(types::FunctionsInvokeBodySessionCreateParamsBrowserSettingsOs::Linux),
        ))
        .proxies(Some(types::FunctionsInvokeBodySessionCreateParamsProxies::Array(vec![
            types::FunctionsInvokeBodySessionCreateParamsProxiesArrayItem::from(
                types::BrowserbaseProxyConfig::builder()
                    .type_(types::BrowserbaseProxyConfigType::Browserbase)
                    .geolocation(some::<_, types::BrowserbaseProxyConfigGeolocation>(
                        types::BrowserbaseProxyConfigGeolocation::builder()
                            .country("US".parse::<types::BrowserbaseProxyConfigGeolocationCountry>().expect("two letters"))
                            .state(Some("NY".parse::<types::BrowserbaseProxyConfigGeolocationState>().expect("two letters")))
                            .city(Some("New York".to_string())),
                    ))
                    .domain_pattern(Some(".*\\.example\\.com".to_string()))
                    .try_into()
                    .map(|c: types::BrowserbaseProxyConfig| c)
                    .expect("complete proxy config"),
            ),
            types::ExternalProxyConfig::builder()
                .type_(types::ExternalProxyConfigType::External)
                .server("http://proxy.internal:8080")
                .username(Some("u".to_string()))
                .password(Some("p".to_string()))
                .try_into()
                .map(|c: types::ExternalProxyConfig| c)
                .map(types::FunctionsInvokeBodySessionCreateParamsProxiesArrayItem::from)
                .expect("complete proxy config"),
            types::NoneProxyConfig::builder()
                .type_(types::NoneProxyConfigType::None)
                .domain_pattern(Some("localhost".to_string()))
                .try_into()
                .map(|c: types::NoneProxyConfig| c)
                .map(types::FunctionsInvokeBodySessionCreateParamsProxiesArrayItem::from)
                .expect("complete proxy config"),
        ])))
        .try_into()
        .expect("complete session params");

    let response = client(&server)
        .functions_invoke()
        .id(FUNCTION_ID.parse::<Uuid>().expect("uuid"))
        .body(
            types::FunctionsInvokeBody::builder()
                .params(
                    json!({"url": "https://example.com", "depth": 2})
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                )
                .session_create_params(Some(session)),
        )
        .send()
        .await
        .expect("202 decodes");

    mock.assert_async().await;
    assert_eq!(response.status().as_u16(), 202);
    let invocation = response.into_inner();
    assert_eq!(invocation.id, INVOCATION_ID.parse::<Uuid>().expect("uuid"));
    assert_eq!(
        invocation.function_id,
        FUNCTION_ID.parse::<Uuid>().expect("uuid")
    );
    assert_eq!(invocation.status, bb_api::open::InvocationStatus::Pending);
    assert_eq!(
        invocation.updated_at,
        Some(
            Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 1)
                .single()
                .expect("date")
                + chrono::Duration::milliseconds(500)
        )
    );
    assert_eq!(invocation.ended_at, None);
    assert_eq!(invocation.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        invocation.params.get("url"),
        Some(&json!("https://example.com"))
    );
}

#[tokio::test]
async fn invoke_with_unset_session_fields_sends_no_defaults() {
    // The server deep-merges sessionCreateParams over the Function's configuration: a default
    // filled in client-side (timeout 900, size small) would override it. Only `blockAds` is set.
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/functions/{FUNCTION_ID}/invoke"))
                .json_body(json!({"sessionCreateParams": {"browserSettings": {"blockAds": true}}}));
            then.status(202)
                .header("content-type", "application/json")
                .json_body(invocation_json("PENDING"));
        })
        .await;
    let session: types::FunctionsInvokeBodySessionCreateParams =
        types::FunctionsInvokeBodySessionCreateParams::builder()
            .browser_settings(some::<
                _,
                types::FunctionsInvokeBodySessionCreateParamsBrowserSettings,
            >(
                types::FunctionsInvokeBodySessionCreateParamsBrowserSettings::builder()
                    .block_ads(true),
            ))
            .try_into()
            .expect("complete");
    client(&server)
        .functions_invoke()
        .id(FUNCTION_ID.parse::<Uuid>().expect("uuid"))
        .body(types::FunctionsInvokeBody::builder().session_create_params(Some(session)))
        .send()
        .await
        .expect("202 decodes");
    mock.assert_async().await;
}

#[tokio::test]
async fn get_decodes_200_with_cause() {
    let server = MockServer::start_async().await;
    let mut body = invocation_json("FAILED");
    body["endedAt"] = json!("2026-11-28T10:02:00+00:00");
    body["results"] = json!({"partial": [1, 2]});
    body["cause"] = json!({"code": "WORKLOAD_ERROR", "message": "TypeError: x is undefined"});
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/invocations/{INVOCATION_ID}"))
                .header("X-BB-API-Key", KEY)
                .header("accept", "application/json")
                .header_missing("content-type");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(body.clone());
        })
        .await;

    let invocation = client(&server)
        .invocations_get()
        .id(INVOCATION_ID.parse::<Uuid>().expect("uuid"))
        .send()
        .await
        .expect("200 decodes")
        .into_inner();

    mock.assert_async().await;
    assert_eq!(invocation.status, bb_api::open::InvocationStatus::Failed);
    assert_eq!(
        invocation.ended_at,
        Utc.with_ymd_and_hms(2026, 11, 28, 10, 2, 0).single()
    );
    let cause = invocation.cause.expect("cause present");
    assert_eq!(
        cause.code,
        Some(bb_api::open::InvocationCauseCode::WorkloadError)
    );
    assert_eq!(cause.message.as_deref(), Some("TypeError: x is undefined"));
    assert_eq!(invocation.results, Some(json!({"partial": [1, 2]})));
}

#[tokio::test]
async fn unexpected_status_is_an_unexpected_response_not_a_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(429)
                .header("retry-after", "3")
                .body("slow down");
        })
        .await;
    let err = client(&server)
        .functions_invoke()
        .id(Uuid::nil())
        .send()
        .await
        .expect_err("429 is not in the spec");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(
        matches!(err, bb_api::Error::UnexpectedResponse(_)),
        "{err:?}"
    );
}

#[test]
fn typed_httpmock_helpers_match_the_generated_client() {
    // The generated `MockServerExt` helpers, as downstream users would use them in their tests.
    let server = MockServer::start();
    let function_id: Uuid = FUNCTION_ID.parse().expect("uuid");
    let body = types::FunctionsInvokeBody::builder()
        .params(json!({"q": 1}).as_object().cloned().unwrap_or_default())
        .try_into()
        .expect("complete body");
    let invocation: types::Invocation =
        serde_json::from_value(invocation_json("RUNNING")).expect("fixture decodes");
    let invoke = server.functions_invoke(|when, then| {
        when.id(&function_id).body(&body);
        then.accepted(&invocation);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let got = runtime
        .block_on(
            client(&server)
                .functions_invoke()
                .id(function_id)
                .body(body.clone())
                .send(),
        )
        .expect("202 decodes")
        .into_inner();
    invoke.assert();
    assert_eq!(got, invocation);
    assert_eq!(got.status, bb_api::open::InvocationStatus::Running);
}
