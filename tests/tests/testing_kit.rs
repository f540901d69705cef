//! The fake Browserbase server of `bb_api_ext::testing`: its wire format (paths, envelopes,
//! statuses, error bodies), pagination quirks, state over time, faults and recording. Raw HTTP
//! through `reqwest` where the ext client has no operation yet; the ext client where it has.

use std::collections::BTreeSet;
use std::time::Duration;

use bb_api_ext::testing::{
    FakeBrowserbase, Fault, FunctionScript, Operation, PROJECT_ID, REDACTED, demo,
};
use bb_api_ext::{
    Error, InvocationCauseCode as CauseCode, InvocationStatus, PollSchedule, RetryConfig,
};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Raw calls to a fake with its key.
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(fake: &FakeBrowserbase) -> Self {
        Self::with_timeout(fake, None)
    }

    /// No timers unless asked (a paused clock moves to the next timer), no idle pool reaper.
    fn with_timeout(fake: &FakeBrowserbase, timeout: Option<Duration>) -> Self {
        let mut b = reqwest::Client::builder().pool_idle_timeout(None);
        if let Some(t) = timeout {
            b = b.timeout(t);
        }
        Self {
            http: b.build().expect("a plain reqwest client builds"),
            base: fake.url().to_owned(),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<(StatusCode, Option<String>, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-bb-api-key", FakeBrowserbase::API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = res.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("the fake answers JSON")
        };
        Ok((status, retry_after, body))
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, body) = self
            .send(method, path, body)
            .await
            .expect("the fake answers");
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
}

/// An error body is exactly `{statusCode, error, message}` and the message says `says`.
#[track_caller]
fn assert_error(body: &Value, status: StatusCode, says: &str) {
    let keys: BTreeSet<&str> = body
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        BTreeSet::from(["error", "message", "statusCode"]),
        "{body}"
    );
    assert_eq!(body["statusCode"], json!(status.as_u16()), "{body}");
    assert_eq!(
        body["error"],
        json!(status.canonical_reason().unwrap_or_default())
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {v}"))
}

#[tokio::test]
async fn functions_list_pages_short_with_total_and_data_key() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let (status, first) = api.get("/v1/functions?limit=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["total"], json!(10));
    assert_eq!(
        first["data"].as_array().map(Vec::len),
        Some(demo::MAX_PAGE_SIZE)
    );
    let f = &first["data"][0];
    let keys: BTreeSet<&str> = f
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["createdAt", "id", "name", "projectId", "updatedAt"])
    );
    assert_eq!(f["projectId"], json!(PROJECT_ID.to_string()));

    // Paging by total, as a client must: three requests for ten Functions.
    let mut seen = Vec::new();
    let mut offset = 0;
    for _ in 0..10 {
        let (_, page) = api
            .get(&format!("/v1/functions?offset={offset}&limit=100"))
            .await;
        let page_ids = ids(&page["data"]);
        offset += page_ids.len();
        seen.extend(page_ids);
        if offset >= 10 {
            break;
        }
    }
    assert_eq!(fake.requests_to("GET", "/v1/functions").len(), 4);
    assert_eq!(seen.len(), 10);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 10, "no repeats");
    assert!(seen.contains(&demo::SCRAPE_TITLE.to_string()));
    let (_, past_end) = api.get("/v1/functions?offset=50").await;
    assert_eq!(past_end, json!({"data": [], "total": 10}));
}

#[tokio::test]
async fn offset_limits_are_checked() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    for (query, says) in [
        (
            "limit=0",
            "limit must be an integer from 1 to 100 (got \"0\")",
        ),
        (
            "limit=101",
            "limit must be an integer from 1 to 100 (got \"101\")",
        ),
        (
            "offset=-1",
            "offset must be an integer of at least 0 (got \"-1\")",
        ),
        (
            "limit=ten",
            "limit must be an integer from 1 to 100 (got \"ten\")",
        ),
    ] {
        let (status, body) = api.get(&format!("/v1/functions/builds?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_error(&body, StatusCode::BAD_REQUEST, says);
    }
}

#[tokio::test]
async fn versions_use_results_and_the_newest_runs() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let (status, versions) = api
        .get(&format!("/v1/functions/{}/versions", demo::SCRAPE_TITLE))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(versions["total"], json!(3));
    assert!(versions.get("data").is_none());
    let newest = &versions["results"][0];
    assert!(time(&newest["createdAt"]) > time(&versions["results"][1]["createdAt"]));
    assert_eq!(
        newest["userParamsSchema"]["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    assert_eq!(newest["userParamsSchema"]["required"], json!(["url"]));
    assert_eq!(
        newest["sessionCreateParams"]["browserSettings"]["blockAds"],
        json!(true)
    );

    let (status, one) = api
        .get(&format!(
            "/v1/functions/versions/{}",
            newest["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, newest);

    let invocation = fake
        .client()
        .functions()
        .invoke(demo::SCRAPE_TITLE)
        .params(json!({"url": "https://example.com"}))
        .send()
        .await
        .expect("invokes");
    assert_eq!(json!(invocation.version_id.to_string()), newest["id"]);
}

#[tokio::test]
async fn builds_use_data_with_a_status_filter_and_logs() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let (_, all) = api.get("/v1/functions/builds").await;
    assert_eq!(all["total"], json!(18), "17 versions and one failed build");
    let (_, failed) = api
        .get("/v1/functions/builds?status=FAILED&limit=100")
        .await;
    assert_eq!(failed["total"], json!(1));
    let build = &failed["data"][0];
    assert_eq!(build["status"], json!("FAILED"));
    assert_eq!(build["cause"]["code"], json!("NO_MANIFESTS_FOUND"));
    assert!(build.get("builtFunctions").is_none());

    let (_, completed) = api
        .get("/v1/functions/builds?status=COMPLETED&limit=1")
        .await;
    assert_eq!(completed["total"], json!(17));
    let done = &completed["data"][0];
    let built = &done["builtFunctions"][0];
    assert_eq!(built["createdVersion"]["functionBuildId"], done["id"]);
    assert_eq!(built["createdVersion"]["functionId"], built["id"]);

    let id = done["id"].as_str().unwrap_or_default();
    let (status, one) = api.get(&format!("/v1/functions/builds/{id}")).await;
    assert_eq!((status, &one), (StatusCode::OK, done));
    let (_, logs) = api.get(&format!("/v1/functions/builds/{id}/logs")).await;
    assert_eq!(logs["total"], json!(logs["logs"].as_array().map(Vec::len)));
    assert!(logs["logs"][0]["timestamp"].is_i64());
}

#[tokio::test]
async fn missing_or_wrong_key_is_401() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let http = reqwest::Client::new();
    for key in [None, Some("bb_live_wrong")] {
        let mut req = http.get(format!("{}/v1/functions", fake.url()));
        if let Some(k) = key {
            req = req.header("x-bb-api-key", k);
        }
        let res = req.send().await.expect("the fake answers");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = res.json().await.expect("JSON");
        assert_error(&body, StatusCode::UNAUTHORIZED, "X-BB-API-Key");
    }
    let err = bb_api_ext::Client::builder()
        .api_key("bb_live_wrong")
        .base_url(fake.url())
        .build()
        .expect("builds")
        .invocations()
        .get(Uuid::new_v4())
        .await
        .expect_err("401");
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn unmatched_routes_say_so_unknown_ids_name_the_id() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let (status, body) = api.get("/v1/functions/invocations").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an id that is no UUID");
    assert_error(
        &body,
        StatusCode::BAD_REQUEST,
        "id must be a UUID (got \"invocations\")",
    );

    for (method, path) in [
        (Method::GET, "/v1/nothing"),
        (Method::PUT, "/v1/webhooks/x"),
        (Method::GET, "/v1/functions/"),
    ] {
        let (status, body) = api.call(method.clone(), path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_error(
            &body,
            StatusCode::NOT_FOUND,
            &format!("UNMATCHED by the fake Browserbase server: no route for {method} {path}"),
        );
    }
    assert_eq!(fake.requests().last().and_then(|r| r.operation), None);

    let unknown = Uuid::new_v4();
    for path in [
        format!("/v1/functions/{unknown}"),
        format!("/v1/functions/invocations/{unknown}"),
        format!("/v1/functions/versions/{unknown}/invocations"),
        format!("/v1/webhooks/{unknown}"),
    ] {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_error(&body, StatusCode::NOT_FOUND, &unknown.to_string());
        assert!(
            !body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("UNMATCHED")
        );
    }
    let err = fake
        .client()
        .functions()
        .invoke(unknown)
        .send()
        .await
        .expect_err("404");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn invoke_body_rules_are_400() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let path = format!("/v1/functions/{}/invoke", demo::SCRAPE_TITLE);
    for (body, says) in [
        (json!([]), "the body must be a JSON object (got an array)"),
        (
            json!({"params": "x"}),
            "params must be a JSON object (got a string)",
        ),
        (
            json!({"sessionCreateParams": {"timeout": 30}}),
            "sessionCreateParams.timeout must be an integer from 60 to 900 (got 30)",
        ),
        (
            json!({"params": {"blob": "x".repeat(70_000)}}),
            "params must be at most 65536 bytes serialized",
        ),
    ] {
        let (status, reply) = api.call(Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_error(&reply, StatusCode::BAD_REQUEST, says);
    }
    // No body at all is allowed: `{}`.
    let (status, reply) = api.call(Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(reply["status"], json!("PENDING"));
    assert_eq!(reply["params"], json!({}));
}

#[tokio::test(start_paused = true)]
async fn an_invocation_moves_through_its_life_on_the_paused_clock() {
    let fake = FakeBrowserbase::start().await.expect("binds 127.0.0.1");
    let f = fake.add_function(
        FunctionScript::new("slow-scrape")
            .with_queue_time(Duration::from_secs(2))
            .with_run_time(Duration::from_secs(60))
            .with_logs(["one", "two", "three"])
            .with_results(json!({"title": "Example Domain"})),
    );
    let api = Api::new(&fake);
    let (status, accepted) = api
        .call(
            Method::POST,
            &format!("/v1/functions/{}/invoke", f.function_id),
            Some(json!({"params": {"url": "https://example.com"}, "sessionCreateParams": {"timeout": 120}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(accepted["status"], json!("PENDING"));
    assert_eq!(accepted["versionId"], json!(f.version_id.to_string()));
    let created = time(&accepted["createdAt"]);
    assert_eq!(
        time(&accepted["expiresAt"]),
        created + Duration::from_secs(120)
    );
    let id = accepted["id"].as_str().unwrap_or_default().to_owned();
    let get = format!("/v1/functions/invocations/{id}");

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(api.get(&get).await.1["status"], json!("PENDING"));
    assert_eq!(
        api.get(&format!("{get}/logs")).await.1,
        json!({"logs": [], "total": 0})
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let running = api.get(&get).await.1;
    assert_eq!(running["status"], json!("RUNNING"));
    assert_eq!(
        time(&running["startedAt"]),
        created + Duration::from_secs(2)
    );
    assert!(running.get("endedAt").is_none() && running.get("results").is_none());
    let logs = api.get(&format!("{get}/logs")).await.1;
    assert_eq!(logs["total"], json!(1));
    assert_eq!(logs["logs"][0]["message"], json!("one"));
    assert_eq!(
        logs["logs"][0]["timestamp"],
        json!((created + Duration::from_secs(2)).timestamp_millis())
    );

    tokio::time::sleep(Duration::from_secs(60)).await;
    let done = api.get(&get).await.1;
    assert_eq!(done["status"], json!("COMPLETED"));
    assert_eq!(done["results"], json!({"title": "Example Domain"}));
    assert_eq!(time(&done["endedAt"]), created + Duration::from_secs(62));
    assert_eq!(done["updatedAt"], done["endedAt"]);
    assert!(done.get("cause").is_none());
    assert_eq!(api.get(&format!("{get}/logs")).await.1["total"], json!(3));

    // The ext client's wait under the same clock: polls sleep, the fake's script passes.
    let client = fake.client();
    let waited = client
        .functions()
        .invoke(f.function_id)
        .send_and_wait()
        .await
        .expect("completes");
    assert_eq!(waited.status, InvocationStatus::Completed);
    assert_eq!(waited.results, Some(json!({"title": "Example Domain"})));
}

#[tokio::test]
async fn advance_skips_a_run_and_failures_carry_cause_and_logs() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let client = fake.client();
    let invocation = client
        .functions()
        .invoke(demo::FLAKY_CHECKOUT)
        .params(json!({"cartId": "cart_42"}))
        .send()
        .await
        .expect("invokes");
    fake.advance(Duration::from_secs(5));
    let err = client
        .invocations()
        .wait_for(invocation.clone())
        .poll_schedule(PollSchedule::new(
            Duration::from_millis(5),
            1.0,
            Duration::from_millis(5),
        ))
        .await
        .expect_err("the demo checkout fails");
    let Error::InvocationFailed(failed) = &err else {
        panic!("expected InvocationFailed, got {err:?}");
    };
    let cause = failed.cause.clone().expect("a FAILED get has a cause");
    assert_eq!(cause.code, Some(CauseCode::WorkloadError));
    assert!(
        cause
            .message
            .unwrap_or_default()
            .starts_with("TimeoutError")
    );

    let api = Api::new(&fake);
    let (_, logs) = api
        .get(&format!("/v1/functions/invocations/{}/logs", invocation.id))
        .await;
    let lines = logs["logs"].as_array().cloned().unwrap_or_default();
    assert_eq!(logs["total"], json!(lines.len()));
    assert!(lines.len() >= 2);
    let first_ms = lines[0]["timestamp"].as_i64().expect("epoch milliseconds");
    assert!(first_ms >= invocation.created_at.timestamp_millis());
    assert!(
        lines
            .last()
            .and_then(|l| l["message"].as_str())
            .is_some_and(|m| m.starts_with("TimeoutError"))
    );

    // Version invocation lists use `results`, filter by status, and (as specced) carry no cause.
    let (_, failed_list) = api
        .get(&format!(
            "/v1/functions/versions/{}/invocations?status=FAILED&limit=100",
            invocation.version_id
        ))
        .await;
    assert_eq!(
        failed_list["total"],
        json!(3),
        "two seeded failures and ours"
    );
    assert_eq!(
        failed_list["results"][0]["id"],
        json!(invocation.id.to_string())
    );
    assert!(failed_list["results"][0].get("cause").is_none());
    let (_, none) = api
        .get(&format!(
            "/v1/functions/versions/{}/invocations?status=COMPLETED",
            invocation.version_id
        ))
        .await;
    assert_eq!(none, json!({"results": [], "total": 0}));
}

#[tokio::test]
async fn params_breaking_the_schema_fail_as_a_workload_error() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let client = fake.client();
    let invocation = client
        .functions()
        .invoke(demo::SCRAPE_TITLE)
        .params(json!({"selector": 1}))
        .send()
        .await
        .expect("invokes: the check is the runtime's, not the API's");
    fake.advance(Duration::from_secs(1));
    let failed = client.invocations().get(invocation.id).await.expect("gets");
    assert_eq!(failed.status, InvocationStatus::Failed);
    let cause = failed.cause.expect("a cause");
    assert_eq!(cause.code, Some(CauseCode::WorkloadError));
    assert_eq!(
        cause.message.as_deref(),
        Some(
            "Invalid params: params.url: Invalid input: expected string, received undefined; \
             params.selector: Invalid input: expected string, received number"
        )
    );
    let (_, logs) = Api::new(&fake)
        .get(&format!("/v1/functions/invocations/{}/logs", invocation.id))
        .await;
    assert_eq!(
        logs["logs"][0]["message"],
        json!("Invalid params: params.url: Invalid input: expected string, received undefined")
    );
}

#[tokio::test]
async fn publishing_a_name_again_adds_the_version_that_runs() {
    let fake = FakeBrowserbase::start().await.expect("binds 127.0.0.1");
    let v1 = fake.add_function(FunctionScript::new("echo").with_results(json!(1)));
    let v2 = fake.add_function(FunctionScript::new("echo").with_results(json!(2)));
    assert_eq!(v1.function_id, v2.function_id);
    assert_ne!(v1.version_id, v2.version_id);
    assert_eq!(fake.function_id("echo"), Some(v1.function_id));
    let client = fake.client();
    let inv = client
        .functions()
        .invoke(v1.function_id)
        .send()
        .await
        .expect("invokes");
    assert_eq!(inv.version_id, v2.version_id);
    let done = client.invocations().get(inv.id).await.expect("gets");
    assert_eq!(done.results, Some(json!(2)));
}

#[tokio::test]
async fn rate_limits_carry_retry_after_and_the_client_honours_them() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    );
    let (status, retry_after, body) = api
        .send(Method::GET, "/v1/webhooks", None)
        .await
        .expect("answers");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after.as_deref(), Some("7"));
    assert_error(&body, StatusCode::TOO_MANY_REQUESTS, "retry after 7 s");
    assert_eq!(api.get("/v1/webhooks").await.0, StatusCode::OK, "used up");

    // Retry-After 0: the client retries the invoke at once and succeeds.
    fake.inject_for(
        Operation::FunctionsInvoke,
        Fault::RateLimited {
            retry_after_secs: 0,
        },
        1,
    );
    fake.clear_requests();
    let client = fake.client();
    client
        .functions()
        .invoke(demo::WARM_CACHE)
        .send()
        .await
        .expect("succeeds on the retry");
    assert_eq!(fake.requests_to("POST", "/v1/functions/").len(), 2);

    // Longer than the client will wait: the error keeps the server's value.
    fake.inject_for(
        Operation::InvocationsGet,
        Fault::RateLimited {
            retry_after_secs: 30,
        },
        5,
    );
    let impatient = fake
        .client_builder()
        .retry(RetryConfig::default().with_max_retry_after(Duration::from_secs(1)))
        .build()
        .expect("builds");
    let err = impatient
        .invocations()
        .get(Uuid::new_v4())
        .await
        .expect_err("429");
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(30)),
        "{err:?}"
    );
    fake.clear_faults();
}

#[tokio::test]
async fn status_close_and_hang_faults() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    // Long enough for a first request on a loaded 2-core machine (300 ms failed there at load
    // 15); the hang below waits it out once.
    let api = Api::with_timeout(&fake, Some(Duration::from_secs(3)));
    fake.inject_for(
        Operation::FunctionsList,
        Fault::Status(StatusCode::BAD_GATEWAY),
        1,
    );
    let (status, body) = api.get("/v1/functions").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_error(&body, StatusCode::BAD_GATEWAY, "injected fault");
    // Scoped to its operation: other requests pass, and so does the next list.
    fake.inject_for(Operation::WebhooksList, Fault::CloseConnection, 1);
    assert_eq!(api.get("/v1/functions").await.0, StatusCode::OK);
    let closed = api
        .send(Method::GET, "/v1/webhooks", None)
        .await
        .expect_err("closed");
    assert!(!closed.is_timeout(), "{closed:?}");

    fake.inject(Fault::Hang, 1);
    let hung = api
        .send(Method::GET, "/v1/functions", None)
        .await
        .expect_err("hangs");
    assert!(hung.is_timeout(), "{hung:?}");
    assert_eq!(api.get("/v1/functions").await.0, StatusCode::OK);
    assert_eq!(
        fake.requests_to("GET", "/v1/").len(),
        5,
        "faulted requests are recorded"
    );
}

#[tokio::test]
async fn secrets_attach_detach_and_cursor_pages() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let f = demo::SCREENSHOT;
    let path = format!("/v1/functions/{f}/secrets");
    let (_, empty) = api.get(&path).await;
    assert_eq!(empty, json!({"data": [], "limit": 20, "nextCursor": null}));

    let mut attached = Vec::new();
    for i in 0..6 {
        let id = fake.add_secret(format!("KEY_{i}"));
        let (status, body) = api
            .call(Method::POST, &path, Some(json!({"secretId": id})))
            .await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        attached.push(id.to_string());
    }
    // Idempotent: attaching again changes nothing.
    let again = json!({"secretId": attached[0]});
    assert_eq!(
        api.call(Method::POST, &path, Some(again)).await.0,
        StatusCode::NO_CONTENT
    );

    let unknown = Uuid::new_v4();
    let (status, body) = api
        .call(Method::POST, &path, Some(json!({"secretId": unknown})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, StatusCode::NOT_FOUND, &format!("Secret {unknown}"));
    let (status, body) = api
        .call(Method::POST, &path, Some(json!({"secretId": "nope"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, StatusCode::BAD_REQUEST, "secret ID must be UUIDs");

    // limit 1000 is allowed but the fake's pages hold 4: a short page with a cursor.
    let (_, first) = api.get(&format!("{path}?limit=1000")).await;
    assert_eq!(first["limit"], json!(1000));
    assert_eq!(first["data"].as_array().map(Vec::len), Some(4));
    assert_eq!(first["data"][0]["secretKey"], json!("KEY_0"));
    let mut seen = ids(&first["data"]);
    let mut cursor = first["nextCursor"].as_str().map(str::to_owned);
    for _ in 0..5 {
        let Some(c) = cursor.take() else { break };
        let (_, page) = api.get(&format!("{path}?limit=1000&cursor={c}")).await;
        seen.extend(ids(&page["data"]));
        cursor = page["nextCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, attached);
    assert!(cursor.is_none());

    for (query, says) in [
        ("limit=1001", "limit must be an integer from 1 to 1000"),
        ("cursor=abc", "cursor \"abc\" is not one this server issued"),
        ("startAt=yesterday", "startAt must be an RFC 3339 date-time"),
    ] {
        let (status, body) = api.get(&format!("{path}?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_error(&body, StatusCode::BAD_REQUEST, says);
    }
    // A cursor of another list is refused too.
    let other = format!(
        "/v1/functions/{}/secrets?cursor={}",
        demo::FILL_FORM,
        first["nextCursor"].as_str().unwrap_or_default()
    );
    assert_eq!(api.get(&other).await.0, StatusCode::BAD_REQUEST);

    let detach = format!("{path}/{}", attached[0]);
    for _ in 0..2 {
        let (status, body) = api.call(Method::DELETE, &detach, None).await;
        assert_eq!(
            (status, body),
            (StatusCode::NO_CONTENT, Value::Null),
            "idempotent"
        );
    }
    let (_, after) = api.get(&format!("{path}?limit=2")).await;
    assert_eq!(after["data"][0]["id"], json!(attached[1]));

    let (_, checkout) = api
        .get(&format!("/v1/functions/{}/secrets", demo::FLAKY_CHECKOUT))
        .await;
    assert_eq!(
        checkout["data"],
        json!([{"id": demo::CHECKOUT_PASSWORD, "secretKey": "CHECKOUT_PASSWORD"}])
    );
}

#[tokio::test]
async fn webhook_create_list_get_update_rotate_delete() {
    let fake = FakeBrowserbase::start().await.expect("binds 127.0.0.1");
    let api = Api::new(&fake);
    let body = json!({
        "endpoint": "https://hooks.example.com/browserbase",
        "eventTypes": ["functions.invocations.completed", "functions.invocations.failed"]
    });
    let (status, created) = api
        .call(Method::POST, "/v1/webhooks", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap_or_default().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 38,
        "{secret}"
    );
    assert_eq!(created["endpoint"], body["endpoint"]);
    assert_eq!(created["eventTypes"], body["eventTypes"]);
    let id = created["id"].as_str().unwrap_or_default().to_owned();

    let (status, conflict) = api.call(Method::POST, "/v1/webhooks", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&conflict, StatusCode::CONFLICT, &id);

    for (bad, says) in [
        (
            json!({"endpoint": "http://hooks.example.com", "eventTypes": ["functions.builds.failed"]}),
            "endpoint must be an https:// URL",
        ),
        (
            json!({"endpoint": "https://a.example", "eventTypes": ["functions.sessions.ended"]}),
            "eventTypes[0] must be one of",
        ),
        (
            json!({"endpoint": "https://a.example", "eventTypes": []}),
            "eventTypes must be a non-empty array",
        ),
        (
            json!({"endpoint": "https://a.example", "eventTypes": ["functions.builds.failed"], "name": "x"}),
            "\"name\" is not an accepted property",
        ),
    ] {
        let (status, reply) = api.call(Method::POST, "/v1/webhooks", Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_error(&reply, StatusCode::BAD_REQUEST, says);
    }
    let local =
        json!({"endpoint": "http://127.0.0.1:9/hook", "eventTypes": ["functions.builds.failed"]});
    let (status, second) = api.call(Method::POST, "/v1/webhooks", Some(local)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "loopback http is the fake's extension"
    );

    let (_, list) = api.get("/v1/webhooks?limit=1").await;
    assert_eq!(
        ids(&list["data"]),
        [second["id"].as_str().unwrap_or_default()],
        "newest first"
    );
    assert_eq!(list["limit"], json!(1));
    let cursor = list["nextCursor"].as_str().unwrap_or_default();
    let (_, rest) = api
        .get(&format!("/v1/webhooks?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(ids(&rest["data"]), [id.as_str()]);
    assert_eq!(rest["nextCursor"], Value::Null);
    assert!(rest["data"][0].get("secret").is_none());

    let one = format!("/v1/webhooks/{id}");
    let (status, got) = api.get(&one).await;
    assert_eq!(status, StatusCode::OK);
    assert!(got.get("secret").is_none());

    let (status, reply) = api.call(Method::PATCH, &one, Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "at least one of endpoint, eventTypes",
    );
    let (status, updated) = api
        .call(
            Method::PATCH,
            &one,
            Some(json!({"eventTypes": ["functions.builds.completed"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        updated["eventTypes"],
        json!(["functions.builds.completed"]),
        "replaced"
    );
    assert_eq!(updated["endpoint"], got["endpoint"], "unchanged");
    assert!(time(&updated["updatedAt"]) >= time(&got["updatedAt"]));
    let taken = json!({"endpoint": "http://127.0.0.1:9/hook"});
    assert_eq!(
        api.call(Method::PATCH, &one, Some(taken)).await.0,
        StatusCode::CONFLICT
    );

    let rotate = format!("{one}/secret");
    let mut secrets = BTreeSet::from([secret]);
    for _ in 0..3 {
        let (status, r) = api.call(Method::POST, &rotate, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(r.as_object().map(|o| o.len()), Some(1));
        secrets.insert(r["secret"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(secrets.len(), 4, "each rotation makes a new secret");
    let (status, busy) = api.call(Method::POST, &rotate, Some(json!({}))).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "three secrets in their grace window"
    );
    assert_error(&busy, StatusCode::TOO_MANY_REQUESTS, "revokeImmediately");
    let (status, _) = api
        .call(
            Method::POST,
            &rotate,
            Some(json!({"revokeImmediately": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    fake.advance(Duration::from_secs(25 * 3600));
    assert_eq!(
        api.call(Method::POST, &rotate, None).await.0,
        StatusCode::OK
    );

    let (status, gone) = api.call(Method::DELETE, &one, None).await;
    assert_eq!((status, gone), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(api.get(&one).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        api.call(Method::DELETE, &one, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn requests_are_recorded_with_the_key_redacted() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    fake.client()
        .functions()
        .invoke(demo::SEARCH_RESULTS)
        .params(json!({"query": "rust"}))
        .send()
        .await
        .expect("invokes");
    Api::new(&fake).get("/v1/functions?limit=2&offset=1").await;

    let all = fake.requests();
    assert_eq!(all.len(), 2);
    let invoke = &all[0];
    assert_eq!(invoke.method, "POST");
    assert_eq!(
        invoke.path,
        format!("/v1/functions/{}/invoke", demo::SEARCH_RESULTS)
    );
    assert_eq!(invoke.operation, Some(Operation::FunctionsInvoke));
    assert_eq!(invoke.header("X-BB-API-Key"), Some(REDACTED));
    assert_eq!(invoke.header("content-type"), Some("application/json"));
    assert_eq!(
        invoke.body_json(),
        Some(json!({"params": {"query": "rust"}}))
    );
    for r in &all {
        assert!(
            r.headers
                .iter()
                .all(|(_, v)| !v.contains(FakeBrowserbase::API_KEY)),
            "{r:?}"
        );
        assert!(!format!("{r:?}").contains(FakeBrowserbase::API_KEY));
    }
    let list = &all[1];
    assert_eq!(list.query.as_deref(), Some("limit=2&offset=1"));
    assert_eq!(
        list.query_pairs(),
        [
            ("limit".to_owned(), "2".to_owned()),
            ("offset".to_owned(), "1".to_owned())
        ]
    );
    assert!(list.body.is_empty());
    assert_eq!(fake.requests_to("post", "/v1/functions/").len(), 1);
    assert_eq!(fake.requests_to("GET", "/v1/webhooks").len(), 0);
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn fixed_mode_answers_any_invoke_with_one_body_and_records_nothing() {
    let fake = FakeBrowserbase::fixed().await.expect("binds 127.0.0.1");
    let client = bb_api_ext::Client::builder()
        .api_key("any-key-works-here")
        .base_url(fake.url())
        .build()
        .expect("builds");
    let a = client
        .functions()
        .invoke(Uuid::new_v4())
        .send()
        .await
        .expect("202");
    let b = client
        .functions()
        .invoke(Uuid::new_v4())
        .send()
        .await
        .expect("202");
    assert_eq!(a, b, "the same pre-serialized body");
    assert_eq!(a.status, InvocationStatus::Pending);
    let done = client.invocations().get(Uuid::new_v4()).await.expect("200");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert_eq!(done.results, Some(json!({"ok": true})));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn shutdown_closes_the_port_and_drop_stops_serving() {
    let fake = FakeBrowserbase::start().await.expect("binds 127.0.0.1");
    let addr = fake.addr();
    assert!(addr.ip().is_loopback());
    fake.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let fake = FakeBrowserbase::start().await.expect("binds 127.0.0.1");
    fake.inject(Fault::Hang, 1);
    let api = Api::with_timeout(&fake, Some(Duration::from_secs(5)));
    let hung = tokio::spawn(async move { api.send(Method::GET, "/v1/functions", None).await });
    // Bounded: the hanging request reaches the fake within 50 polls.
    for _ in 0..50 {
        if !fake.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.requests().len(), 1);
    drop(fake);
    let ended = hung
        .await
        .expect("joins")
        .expect_err("the connection is closed");
    assert!(
        !ended.is_timeout(),
        "dropping the fake ends a hanging request: {ended:?}"
    );
}

#[tokio::test]
async fn the_ext_client_pages_through_short_pages_and_resolves_names() {
    let fake = FakeBrowserbase::demo().await.expect("binds 127.0.0.1");
    let client = fake.client();
    let all = client
        .functions()
        .list()
        .page_size(100)
        .stream()
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(all.len(), 10);
    assert_eq!(
        all.iter().map(|f| f.id).collect::<BTreeSet<_>>().len(),
        10,
        "no repeats"
    );
    let pages: Vec<String> = fake
        .requests_to("GET", "/v1/functions")
        .iter()
        .filter_map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        [
            "offset=0&limit=100",
            "offset=4&limit=100",
            "offset=8&limit=100"
        ],
        "three short pages of at most {}",
        demo::MAX_PAGE_SIZE
    );

    let failed = client
        .builds()
        .list()
        .status(bb_api_ext::FunctionBuildStatus::Failed)
        .stream()
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(failed.len(), 1);

    // A Function by name: the client finds it through the same short pages.
    let secrets = client
        .functions()
        .secrets("login-and-export")
        .list()
        .stream()
        .await
        .expect("resolves the name")
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].id, demo::EXPORT_API_TOKEN.to_string());
    assert_eq!(secrets[0].secret_key, "EXPORT_API_TOKEN");
    let latest = client
        .functions()
        .versions(demo::SCRAPE_TITLE)
        .latest()
        .await
        .expect("lists")
        .expect("scrape-title has versions");
    let invoked = client
        .functions()
        .invoke(demo::SCRAPE_TITLE)
        .params(json!({"url": "https://example.com"}))
        .send()
        .await
        .expect("invokes");
    assert_eq!(invoked.version_id, latest.id, "the newest version runs");
}
