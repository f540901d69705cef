//! The generated `bb-api` client on the wire, against httpmock on 127.0.0.1.
//!
//! These pin what progenitor makes of `openapi/browserbase.yaml`: method, path, headers and the exact
//! JSON body of an invoke, the decoding of its responses, and the Webhooks and Function secrets
//! operations' request bodies and list pages.

use bb_api::mock::MockServerExt;
use bb_api::types;
use chrono::{TimeZone, Utc};
use httpmock::Method::{DELETE, GET, PATCH, POST};
use httpmock::MockServer;
use serde_json::json;
use uuid::Uuid;

use bb_api_tests::fixtures::{FUNCTION_ID, INVOCATION_ID, KEY, invocation_json};

fn client(server: &MockServer) -> bb_api::Client {
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

const WEBHOOK_ID: &str = "9b2f4c1e-2d3a-4b5c-8d6e-7f8091a2b3c4";

fn webhook_json(event_types: serde_json::Value) -> serde_json::Value {
    json!({
        "id": WEBHOOK_ID,
        "projectId": "proj_123",
        "endpoint": "https://example.com/browserbase/events",
        "eventTypes": event_types,
        "createdAt": "2026-11-28T10:00:00Z",
        "updatedAt": "2026-11-28T10:00:00Z"
    })
}

#[tokio::test]
async fn webhooks_list_decodes_a_last_page_with_a_null_cursor_and_unknown_event_types() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/webhooks")
                .query_param("limit", "2")
                .query_param("cursor", "c_1")
                .header("X-BB-API-Key", KEY);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "data": [webhook_json(json!(["functions.invocations.failed", "functions.sessions.ended"]))],
                    "limit": 2,
                    "nextCursor": null
                }));
        })
        .await;
    let page = client(&server)
        .webhooks_list()
        .limit(std::num::NonZeroU64::new(2).expect("non-zero"))
        .cursor("c_1")
        .send()
        .await
        .expect("200 decodes")
        .into_inner();
    mock.assert_async().await;
    assert_eq!(page.next_cursor, None);
    assert_eq!(page.limit, 2);
    assert_eq!(
        page.data[0].event_types,
        [
            bb_api::open::WebhookEventType::FunctionsInvocationsFailed,
            bb_api::open::WebhookEventType::Unknown("functions.sessions.ended".into()),
        ]
    );
    assert_eq!(
        page.data[0].endpoint,
        "https://example.com/browserbase/events"
    );

    // `nextCursor` is required (nullable): a page without it does not decode.
    let missing =
        serde_json::from_value::<types::WebhooksListResponse>(json!({"data": [], "limit": 2}));
    assert!(missing.is_err(), "{missing:?}");
}

#[tokio::test]
async fn webhooks_create_and_update_send_exactly_what_was_set() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/webhooks").json_body(json!({
                "endpoint": "https://example.com/hook",
                "eventTypes": ["functions.builds.failed"]
            }));
            let mut created = webhook_json(json!(["functions.builds.failed"]));
            created["secret"] = json!("whsec_c2VjcmV0");
            then.status(201).json_body(created);
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("/v1/webhooks/{WEBHOOK_ID}"))
                .json_body(json!({"eventTypes": ["functions.invocations.completed"]}));
            then.status(200)
                .json_body(webhook_json(json!(["functions.invocations.completed"])));
        })
        .await;
    let webhook_id: Uuid = WEBHOOK_ID.parse().expect("uuid");
    let created = client(&server)
        .webhooks_create()
        .body(
            types::WebhooksCreateBody::builder()
                .endpoint("https://example.com/hook")
                .event_types(vec![bb_api::open::WebhookEventType::FunctionsBuildsFailed]),
        )
        .send()
        .await
        .expect("201 decodes")
        .into_inner();
    assert_eq!(created.secret.expose_secret(), "whsec_c2VjcmV0");
    let updated = client(&server)
        .webhooks_update()
        .id(webhook_id)
        .body(types::WebhooksUpdateBody::builder().event_types(Some(vec![
            bb_api::open::WebhookEventType::FunctionsInvocationsCompleted,
        ])))
        .send()
        .await
        .expect("200 decodes")
        .into_inner();
    assert_eq!(updated.id, WEBHOOK_ID);
    create.assert_async().await;
    update.assert_async().await;

    // The request side keeps the spec's rules: the endpoint pattern is checked when building...
    let bad = types::WebhooksCreateBody::builder()
        .endpoint("http://example.com/hook")
        .event_types(vec![bb_api::open::WebhookEventType::FunctionsBuildsFailed]);
    assert!(TryInto::<types::WebhooksCreateBody>::try_into(bad).is_err());
    // ...but typify does not enforce `minProperties: 1`: an empty update builds and is sent as `{}`.
    let empty: types::WebhooksUpdateBody = types::WebhooksUpdateBody::builder()
        .try_into()
        .expect("typify ignores minProperties");
    assert_eq!(serde_json::to_value(&empty).ok(), Some(json!({})));
    // `additionalProperties: false` on request bodies: unknown fields are rejected when decoding.
    assert!(serde_json::from_value::<types::WebhooksUpdateBody>(json!({"extra": 1})).is_err());
}

#[tokio::test]
async fn rotate_secret_without_revoke_sends_an_empty_object() {
    let server = MockServer::start_async().await;
    let rotate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/webhooks/{WEBHOOK_ID}/secret"))
                .json_body(json!({}));
            then.status(200).json_body(json!({"secret": "whsec_bmV3"}));
        })
        .await;
    let rotated = client(&server)
        .webhooks_rotate_secret()
        .id(WEBHOOK_ID.parse::<Uuid>().expect("uuid"))
        .body(types::WebhooksRotateSecretBody::builder())
        .send()
        .await
        .expect("200 decodes")
        .into_inner();
    rotate.assert_async().await;
    assert_eq!(rotated.secret.expose_secret(), "whsec_bmV3");
}

#[tokio::test]
async fn function_secrets_attach_list_and_detach_on_the_wire() {
    let server = MockServer::start_async().await;
    let secret_id = "0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
    let attach = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/functions/{FUNCTION_ID}/secrets"))
                .json_body(json!({"secretId": secret_id}));
            then.status(204);
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}/secrets"))
                .query_param("limit", "1000");
            then.status(200).json_body(json!({
                "data": [{"id": secret_id, "secretKey": "OPENAI_API_KEY"}],
                "limit": 1000,
                "nextCursor": null
            }));
        })
        .await;
    let detach = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v1/functions/{FUNCTION_ID}/secrets/{secret_id}"));
            then.status(204);
        })
        .await;
    let function_id: Uuid = FUNCTION_ID.parse().expect("uuid");
    let secret: Uuid = secret_id.parse().expect("uuid");
    let bb = client(&server);
    bb.functions_attach_secret()
        .id(function_id)
        .body(types::FunctionsAttachSecretBody::builder().secret_id(secret))
        .send()
        .await
        .expect("204");
    let page = bb
        .functions_list_secrets()
        .id(function_id)
        .limit(std::num::NonZeroU64::new(1000).expect("non-zero"))
        .send()
        .await
        .expect("200 decodes")
        .into_inner();
    assert_eq!(page.data[0].secret_key, "OPENAI_API_KEY");
    assert_eq!(page.next_cursor, None);
    bb.functions_detach_secret()
        .id(function_id)
        .secret_id(secret)
        .send()
        .await
        .expect("204");
    attach.assert_async().await;
    list.assert_async().await;
    detach.assert_async().await;
}
