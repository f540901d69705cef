//! Every wrapped Functions operation on the wire (method, path, query, headers) through the
//! generated httpmock helpers, decoding of responses newer than the spec, and the behaviour built
//! on top: pagination, name lookup, build waits, errors that name the id.

use std::time::Duration;

use bb_api::mock::MockServerExt;
use bb_api::types;
use bb_api_ext::{Error, FunctionBuildStatus, InvocationStatus, StreamExt};
use bb_api_tests::fixtures::{FUNCTION_ID, INVOCATION_ID, KEY, client, fast_polls};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};
use uuid::Uuid;

const VERSION_ID: &str = "22222222-3333-4444-8555-666666666666";
const BUILD_ID: &str = "44444444-5555-4666-8777-888888888888";
const PROJECT_ID: &str = "11111111-2222-4333-8444-555555555555";
const SECRET_ID: &str = "55555555-6666-4777-8888-999999999999";

fn uuid(text: &str) -> Uuid {
    text.parse().expect("a uuid")
}

fn function_json(n: u32, name: &str) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "projectId": PROJECT_ID,
        "name": name,
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-02T00:00:00Z"
    })
}

fn version_json(id: &str, created: &str) -> Value {
    json!({
        "id": id,
        "projectId": PROJECT_ID,
        "functionId": FUNCTION_ID,
        "functionBuildId": BUILD_ID,
        "userParamsSchema": {"type": "object", "required": ["url"]},
        "createdAt": created,
        "updatedAt": created
    })
}

fn build_json(status: &str) -> Value {
    json!({
        "id": BUILD_ID,
        "projectId": PROJECT_ID,
        "request": {"entrypoint": "index.ts", "functionNames": ["scrape-title"]},
        "status": status,
        "createdAt": "2026-11-01T00:00:00Z",
        "updatedAt": "2026-11-01T00:00:10Z",
        "startedAt": "2026-11-01T00:00:01Z",
        "expiresAt": "2026-11-01T01:00:00Z"
    })
}

fn invocation_json(status: &str) -> Value {
    bb_api_tests::fixtures::invocation_json(status)
}

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("the generated type decodes the fixture")
}

#[tokio::test]
async fn functions_list_pages_with_the_largest_limit_until_total() {
    let server = MockServer::start_async().await;
    let page1: Vec<Value> = (0..100)
        .map(|n| function_json(n, &format!("fn-{n}")))
        .collect();
    let page2: Vec<Value> = (100..103)
        .map(|n| function_json(n, &format!("fn-{n}")))
        .collect();
    let first = server.functions_list(|when, then| {
        when.offset(Some(0))
            .limit(std::num::NonZeroU64::new(100))
            .into_inner()
            .header("x-bb-api-key", KEY);
        then.ok(&typed(json!({"data": page1, "total": 103})));
    });
    let second = server.functions_list(|when, then| {
        when.offset(Some(100)).limit(std::num::NonZeroU64::new(100));
        then.ok(&typed(json!({"data": page2, "total": 103})));
    });
    let all = client(&server.base_url())
        .functions()
        .list()
        .stream()
        .try_collect()
        .await
        .expect("two pages");
    assert_eq!(all.len(), 103);
    assert_eq!(all[102].name, "fn-102");
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn offset_lists_cope_with_short_pages_a_moving_total_results_keys_and_repeats() {
    let server = MockServer::start_async().await;
    // A short first page (the server gave fewer than asked), keyed `results`, total growing.
    let p1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}/versions"))
                .query_param("offset", "0")
                .query_param("limit", "2");
            then.status(200).json_body(json!({
                "results": [version_json(VERSION_ID, "2026-11-03T00:00:00Z")],
                "total": 3
            }));
        })
        .await;
    // The next page repeats the item already seen (the list grew at its head) and brings one more.
    let p2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}/versions"))
                .query_param("offset", "1");
            then.status(200).json_body(json!({
                "results": [
                    version_json(VERSION_ID, "2026-11-03T00:00:00Z"),
                    version_json("66666666-7777-4888-8999-000000000000", "2026-11-01T00:00:00Z")
                ],
                "total": 4
            }));
        })
        .await;
    // Then an empty page: the end, whatever the total says.
    let p3 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}/versions"))
                .query_param("offset", "3");
            then.status(200)
                .json_body(json!({"results": [], "total": 9}));
        })
        .await;
    let versions = client(&server.base_url())
        .functions()
        .versions(FUNCTION_ID)
        .page_size(2)
        .stream()
        .await
        .expect("an id needs no lookup")
        .try_collect()
        .await
        .expect("pages");
    let ids: Vec<String> = versions.iter().map(|v| v.id.to_string()).collect();
    assert_eq!(ids, [VERSION_ID, "66666666-7777-4888-8999-000000000000"]);
    assert_eq!(
        versions[0].user_params_schema.get("required"),
        Some(&json!(["url"]))
    );
    p1.assert_async().await;
    p2.assert_async().await;
    p3.assert_async().await;
}

#[tokio::test]
async fn a_function_is_found_by_name_once_and_invoked_by_its_id() {
    let server = MockServer::start_async().await;
    let list = server.functions_list(|when, then| {
        when.offset(Some(0)).limit(std::num::NonZeroU64::new(100));
        then.ok(&typed(json!({"data": [
            function_json(1, "fill-form"),
            {"id": FUNCTION_ID, "projectId": PROJECT_ID, "name": "scrape-title",
             "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-01T00:00:00Z"}
        ], "total": 2})));
    });
    let invoke = server.functions_invoke(|when, then| {
        when.id(&uuid(FUNCTION_ID));
        then.accepted(&typed(invocation_json("PENDING")));
    });
    let c = client(&server.base_url());
    for _ in 0..2 {
        let inv = c
            .functions()
            .invoke("scrape-title")
            .params(json!({"url": "https://example.com"}))
            .send()
            .await
            .expect("invoked by name");
        assert_eq!(inv.status, InvocationStatus::Pending);
    }
    // The name was looked up once; both invokes went to the id.
    list.assert_calls_async(1).await;
    invoke.assert_calls_async(2).await;
    assert_eq!(
        c.functions().resolve("scrape-title").await.expect("cached"),
        uuid(FUNCTION_ID)
    );
    list.assert_calls_async(1).await;
}

#[tokio::test]
async fn unknown_and_ambiguous_names_say_so() {
    let server = MockServer::start_async().await;
    server.functions_list(|when, then| {
        when.offset(Some(0));
        then.ok(&typed(json!({"data": [
            function_json(1, "scrape-title"),
            function_json(2, "fill-form"),
            function_json(3, "fill-form")
        ], "total": 3})));
    });
    let c = client(&server.base_url());
    let err = c
        .functions()
        .get("scrape-titel")
        .await
        .expect_err("no such name");
    assert_eq!(
        err.to_string(),
        "no Function is named \"scrape-titel\" in this project; did you mean \"scrape-title\"?"
    );
    let err = c
        .functions()
        .get("fill-form")
        .await
        .expect_err("two of them");
    assert_eq!(
        err.to_string(),
        "2 Functions are named \"fill-form\": use one of their ids instead (00000000-0000-4000-8000-000000000002, 00000000-0000-4000-8000-000000000003)"
    );
    let invoke = server.functions_invoke(|when, then| {
        when.into_inner().method(POST);
        then.accepted(&typed(invocation_json("PENDING")));
    });
    let err = c
        .functions()
        .invoke("nothing-like-it")
        .send()
        .await
        .expect_err("no name");
    assert!(
        matches!(err, Error::FunctionNameNotFound { ref similar, .. } if similar.is_empty()),
        "{err:?}"
    );
    invoke.assert_calls_async(0).await;
}

#[tokio::test]
async fn gets_of_each_resource_decode_and_a_404_names_the_id() {
    let server = MockServer::start_async().await;
    server.functions_get(|when, then| {
        when.id(&uuid(FUNCTION_ID));
        then.ok(&typed(function_json(7, "screenshot")));
    });
    server.function_versions_get(|when, then| {
        when.id(&uuid(VERSION_ID));
        then.ok(&typed(version_json(VERSION_ID, "2026-11-03T00:00:00Z")));
    });
    server.function_builds_get(|when, then| {
        when.id(&uuid(BUILD_ID));
        then.ok(&typed(build_json("COMPLETED")));
    });
    let c = client(&server.base_url());
    assert_eq!(
        c.functions().get(FUNCTION_ID).await.expect("function").name,
        "screenshot"
    );
    assert_eq!(
        c.versions()
            .get(VERSION_ID)
            .await
            .expect("version")
            .function_build_id,
        uuid(BUILD_ID)
    );
    let build = c.builds().get(BUILD_ID).await.expect("build");
    assert_eq!(build.status, FunctionBuildStatus::Completed);
    assert_eq!(
        build.request.map(|r| r.function_names),
        Some(vec!["scrape-title".to_owned()])
    );

    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/invocations/{INVOCATION_ID}"));
            then.status(404).json_body(
                json!({"statusCode": 404, "error": "Not Found", "message": "no such invocation"}),
            );
        })
        .await;
    let err = c.invocations().get(INVOCATION_ID).await.expect_err("404");
    assert_eq!(
        err.to_string(),
        format!(
            "not found: get invocation {INVOCATION_ID}: HTTP 404: {{\"error\":\"Not Found\",\"message\":\"no such invocation\",\"statusCode\":404}}; check the id"
        )
    );
    assert_eq!(
        err.api_error().map(|e| e.operation),
        Some("Invocations_get")
    );
}

#[tokio::test]
async fn logs_of_invocations_and_builds() {
    let server = MockServer::start_async().await;
    let inv_logs = server.invocations_get_logs(|when, then| {
        when.id(&uuid(INVOCATION_ID));
        then.ok(&typed(json!({"logs": [
            {"message": "navigating", "timestamp": 1_764_324_000_123.0_f64},
            {"message": "TypeError: x is undefined", "timestamp": 1_764_324_001_000.0_f64}
        ], "total": 2})));
    });
    let build_logs = server.function_builds_get_logs(|when, then| {
        when.id(&uuid(BUILD_ID));
        then.ok(&typed(json!({"logs": [{"message": "bundling", "timestamp": 1_764_324_000.5_f64}], "total": 1})));
    });
    let c = client(&server.base_url());
    let logs = c.invocations().logs(INVOCATION_ID).await.expect("logs");
    assert_eq!(logs.total, 2);
    assert_eq!(logs.logs[1].message, "TypeError: x is undefined");
    assert_eq!(
        logs.logs[0].time().map(|t| t.timestamp_millis()),
        Some(1_764_324_000_123)
    );
    let logs = c.builds().logs(BUILD_ID).await.expect("logs");
    assert_eq!(
        logs.logs[0].time().map(|t| t.timestamp_millis()),
        Some(1_764_324_000_500)
    );
    inv_logs.assert_async().await;
    build_logs.assert_async().await;
}

#[tokio::test]
async fn version_invocations_and_builds_filter_by_status() {
    let server = MockServer::start_async().await;
    let invs = server.function_versions_list_invocations(|when, then| {
        when.id(&uuid(VERSION_ID))
            .status("FAILED")
            .offset(Some(0))
            .limit(std::num::NonZeroU64::new(100));
        then.ok(&typed(
            json!({"results": [invocation_json("FAILED")], "total": 1}),
        ));
    });
    let builds = server.function_builds_list(|when, then| {
        when.status("RUNNING")
            .offset(Some(0))
            .limit(std::num::NonZeroU64::new(100));
        then.ok(&typed(json!({"data": [build_json("RUNNING")], "total": 1})));
    });
    let c = client(&server.base_url());
    let failed = c
        .versions()
        .invocations(VERSION_ID)
        .expect("a uuid")
        .status(InvocationStatus::Failed)
        .stream()
        .try_collect()
        .await
        .expect("one page");
    assert_eq!(failed.len(), 1);
    let mut running = c
        .builds()
        .list()
        .status(FunctionBuildStatus::Running)
        .stream();
    let first = running.next().await.expect("one").expect("decodes");
    assert_eq!(first.status, FunctionBuildStatus::Running);
    assert!(running.next().await.is_none());
    invs.assert_async().await;
    builds.assert_async().await;
}

#[tokio::test]
async fn a_build_wait_ends_with_build_failed_and_its_cause() {
    let server = MockServer::start_async().await;
    let mut failed = build_json("FAILED");
    failed["endedAt"] = json!("2026-11-01T00:00:20Z");
    failed["cause"] = json!({"code": "NO_MANIFESTS_FOUND", "message": "no defineFn call found"});
    server.function_builds_get(|when, then| {
        when.id(&uuid(BUILD_ID));
        then.ok(&typed(failed));
    });
    let err = client(&server.base_url())
        .builds()
        .wait(BUILD_ID)
        .poll_schedule(fast_polls())
        .max_wait(Duration::from_secs(5))
        .await
        .expect_err("failed");
    assert_eq!(
        err.to_string(),
        format!(
            "build {BUILD_ID} failed: NO_MANIFESTS_FOUND: no defineFn call found; read its logs with client.builds().logs(id)"
        )
    );
}

/// A cause with only a message (or nothing) reads as well as a full one.
#[test]
fn a_build_failure_shows_whichever_parts_of_its_cause_were_sent() {
    for (cause, shown) in [
        (
            json!({"message": "no defineFn call found"}),
            "no defineFn call found",
        ),
        (json!({"code": "NO_MANIFESTS_FOUND"}), "NO_MANIFESTS_FOUND"),
        (json!({}), "no cause given"),
    ] {
        let mut failed = build_json("FAILED");
        failed["cause"] = cause;
        let build: bb_api_ext::FunctionBuild = serde_json::from_value(failed).expect("a build");
        assert_eq!(
            Error::BuildFailed(Box::new(build)).to_string(),
            format!(
                "build {BUILD_ID} failed: {shown}; read its logs with client.builds().logs(id)"
            )
        );
    }
}

#[tokio::test]
async fn secrets_list_follows_cursors_and_attach_detach_send_exactly_this() {
    let server = MockServer::start_async().await;
    let p1 = server.functions_list_secrets(|when, then| {
        when.id(&uuid(FUNCTION_ID))
            .limit(std::num::NonZeroU64::new(1000))
            .into_inner()
            .query_param_missing("cursor")
            .header("x-bb-api-key", KEY);
        then.ok(&typed(json!({
            "data": [{"id": SECRET_ID, "secretKey": "STRIPE_KEY"}],
            "limit": 1000,
            "nextCursor": "c2"
        })));
    });
    let p2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}/secrets"))
                .query_param("cursor", "c2");
            then.status(200).json_body(json!({
                "data": [{"id": "s2", "secretKey": "DB_URL"}],
                "limit": 1000,
                "nextCursor": null
            }));
        })
        .await;
    // Attach and detach through the generated helpers: the body must be the spec's, exactly.
    let attach = server.functions_attach_secret(|when, then| {
        when.id(&uuid(FUNCTION_ID))
            .body(&typed(json!({"secretId": SECRET_ID})))
            .into_inner()
            .header("content-type", "application/json");
        then.no_content();
    });
    let detach = server.functions_detach_secret(|when, then| {
        when.id(&uuid(FUNCTION_ID)).secret_id(&uuid(SECRET_ID));
        then.no_content();
    });
    let c = client(&server.base_url());
    let secrets = c.functions().secrets(FUNCTION_ID);
    let names: Vec<String> = secrets
        .list()
        .stream()
        .await
        .expect("an id")
        .try_collect()
        .await
        .expect("two pages")
        .into_iter()
        .map(|s| s.secret_key)
        .collect();
    assert_eq!(names, ["STRIPE_KEY", "DB_URL"]);
    secrets.attach(SECRET_ID).await.expect("attached");
    secrets.detach(SECRET_ID).await.expect("detached");
    let err = secrets.attach("not-a-uuid").await.expect_err("validated");
    assert!(
        matches!(&err, Error::Validation(v) if v.has_path("secretId")),
        "{err:?}"
    );
    p1.assert_async().await;
    p2.assert_async().await;
    attach.assert_calls_async(1).await;
    detach.assert_async().await;
}

/// The loop guards: a list that cannot move forward ends instead of asking forever.
#[tokio::test]
async fn lists_that_do_not_move_forward_end() {
    let server = MockServer::start_async().await;
    let c = client(&server.base_url());

    // An offset list whose server ignores `offset` (and sends no total): the second page brings
    // nothing new, so the list ends after it.
    let stuck = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/functions");
            then.status(200)
                .json_body(json!({"data": [function_json(1, "only")]}));
        })
        .await;
    let listed = tokio::time::timeout(
        Duration::from_secs(10),
        c.functions().list().stream().try_collect(),
    )
    .await
    .expect("the list ends")
    .expect("pages");
    assert_eq!(listed.len(), 1);
    stuck.assert_calls_async(2).await;

    // A cursor list whose server hands back a cursor already used: one more page, then the end.
    let secrets_path = format!("/v1/functions/{FUNCTION_ID}/secrets");
    let looping = server
        .mock_async(|when, then| {
            when.method(GET).path(&secrets_path);
            then.status(200).json_body(json!({
                "data": [{"id": SECRET_ID, "secretKey": "STRIPE_KEY"}],
                "limit": 1000,
                "nextCursor": "c1"
            }));
        })
        .await;
    let secrets = c.functions().secrets(FUNCTION_ID);
    let listed = tokio::time::timeout(
        Duration::from_secs(10),
        secrets.list().stream().await.expect("an id").try_collect(),
    )
    .await
    .expect("the list ends")
    .expect("pages");
    assert_eq!(listed.len(), 2);
    looping.assert_calls_async(2).await;
    looping.delete_async().await;

    // An empty cursor means the end too (it would restart the list).
    let empty_cursor = server
        .mock_async(|when, then| {
            when.method(GET).path(&secrets_path);
            then.status(200).json_body(json!({
                "data": [{"id": SECRET_ID, "secretKey": "STRIPE_KEY"}],
                "limit": 1000,
                "nextCursor": ""
            }));
        })
        .await;
    let listed = secrets
        .list()
        .stream()
        .await
        .expect("an id")
        .try_collect()
        .await
        .expect("one page");
    assert_eq!(listed.len(), 1);
    empty_cursor.assert_calls_async(1).await;
}

/// Only the bounds the caller set are sent, in milliseconds and UTC (`Z`).
#[tokio::test]
async fn secrets_created_between_sends_only_the_bounds_set() {
    let server = MockServer::start_async().await;
    let from_only = server.functions_list_secrets(|when, then| {
        when.id(&uuid(FUNCTION_ID))
            .into_inner()
            .query_param("startAt", "2026-11-01T00:00:00.000Z")
            .query_param_missing("endAt");
        then.ok(&typed(
            json!({"data": [], "limit": 1000, "nextCursor": null}),
        ));
    });
    let start = "2026-11-01T00:00:00Z".parse().expect("a time");
    client(&server.base_url())
        .functions()
        .secrets(FUNCTION_ID)
        .list()
        .created_between(Some(start), None)
        .stream()
        .await
        .expect("an id")
        .try_collect()
        .await
        .expect("one page");
    from_only.assert_async().await;
}

#[tokio::test]
async fn resources_newer_than_the_spec_decode() {
    let server = MockServer::start_async().await;
    let mut build = build_json("QUEUED");
    build["cause"] = json!({"code": "OUT_OF_DISK"});
    build["region"] = json!("eu-central-1");
    build.as_object_mut().map(|o| o.remove("startedAt"));
    build.as_object_mut().map(|o| o.remove("request"));
    let mut function = function_json(1, "");
    function["labels"] = json!(["beta"]);
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/builds/{BUILD_ID}"));
            then.status(200).json_body(build.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/functions/{FUNCTION_ID}"));
            then.status(200).json_body(function.clone());
        })
        .await;
    let c = client(&server.base_url());
    let got = c.builds().get(BUILD_ID).await.expect("tolerant");
    assert_eq!(got.status, FunctionBuildStatus::Unknown("QUEUED".into()));
    assert!(!got.is_terminal());
    assert_eq!(
        got.cause.and_then(|c| c.code).map(|c| c.to_string()),
        Some("OUT_OF_DISK".to_owned())
    );
    let f = c.functions().get(FUNCTION_ID).await.expect("tolerant");
    assert_eq!(f.name, "", "an empty name is read, not refused");
    // What the client returns is the generated type itself, not a hand-written copy.
    let _: types::FunctionBuild = got;
}
