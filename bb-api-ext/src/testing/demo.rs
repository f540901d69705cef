//! The demo data set of [`FakeBrowserbase::demo`](super::FakeBrowserbase::demo): one project
//! with ten Functions, their versions and builds, some past invocations, and three secrets.
//!
//! | Function | params (required in bold) | ends | runs |
//! |---|---|---|---|
//! | `scrape-title` ([`SCRAPE_TITLE`]) | **`url`**, `selector` | `{title, url, selector}` | 1.5 s, 3 versions |
//! | `fill-form` ([`FILL_FORM`]) | **`url`**, **`fields`** (object), `submit` | `{submitted, confirmation, fieldsFilled}` | 2 s, 2 versions |
//! | `screenshot` ([`SCREENSHOT`]) | **`url`**, `fullPage`, `format` (`png`/`jpeg`) | `{screenshotUrl, width, height, bytes}` | 1 s |
//! | `flaky-checkout` ([`FLAKY_CHECKOUT`]) | **`cartId`**, `couponCode` | FAILED, `WORKLOAD_ERROR` with logs | 1.5 s, 2 versions |
//! | `extract-links` ([`EXTRACT_LINKS`]) | **`url`**, `sameOriginOnly` | `{links, count}` | 0.8 s |
//! | `login-and-export` ([`LOGIN_AND_EXPORT`]) | **`site`**, **`format`** (`csv`/`json`) | `{rows, format, downloadUrl}` | 3 s, 2 versions |
//! | `price-monitor` ([`PRICE_MONITOR`]) | **`productUrls`** (strings), `currency` | `{currency, prices}` | 2 s |
//! | `pdf-report` ([`PDF_REPORT`]) | **`reportId`** (integer) | a URL string | 1.5 s |
//! | `search-results` ([`SEARCH_RESULTS`]) | **`query`**, `maxResults` (integer) | an array of `{title, url}` | 1 s, 3 versions |
//! | `warm-cache` ([`WARM_CACHE`]) | none | no results | 0.3 s |
//!
//! Params that break a Function's schema fail the invocation with `WORKLOAD_ERROR`. Every version
//! came from a `COMPLETED` build with logs; one more build `FAILED` (`NO_MANIFESTS_FOUND`). The
//! secrets are [`CHECKOUT_PASSWORD`] (attached to `flaky-checkout`), [`EXPORT_API_TOKEN`]
//! (attached to `login-and-export`) and [`SLACK_WEBHOOK_URL`] (attached to none). There are no
//! webhooks.
//!
//! Pages hold at most [`MAX_PAGE_SIZE`] items, so listing the Functions takes three requests even
//! with `limit=100`. A page cap rather than 100+ seeded Functions: it keeps the data set small
//! enough to read, exercises every list (versions, builds, secrets and webhooks too, cursor lists
//! included), and is the quirk a client must survive anyway, since a server may return fewer items
//! than asked (page by `total` or `nextCursor`, never stop at a short page).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::script::FunctionScript;
use super::state::{Attached, ProjectSecret, Run, State, minus};
use crate::InvocationCauseCode as CauseCode;

/// The most items a page of the demo holds.
pub const MAX_PAGE_SIZE: usize = 4;

/// `scrape-title`: reads a page's title.
pub const SCRAPE_TITLE: Uuid = Uuid::from_u128(0x6f1c2d3e_4a5b_4c6d_8e9f_0a1b2c3d4e5f);
/// `fill-form`: fills in and submits a form.
pub const FILL_FORM: Uuid = Uuid::from_u128(0x1a2b3c4d_5e6f_4a7b_8c9d_0e1f2a3b4c5d);
/// `screenshot`: takes a screenshot.
pub const SCREENSHOT: Uuid = Uuid::from_u128(0x2b3c4d5e_6f7a_4b8c_9d0e_1f2a3b4c5d6e);
/// `flaky-checkout`: always fails with `WORKLOAD_ERROR`, after logging what it tried.
pub const FLAKY_CHECKOUT: Uuid = Uuid::from_u128(0x3c4d5e6f_7a8b_4c9d_8e0f_2a3b4c5d6e7f);
/// `extract-links`: lists a page's links.
pub const EXTRACT_LINKS: Uuid = Uuid::from_u128(0x4d5e6f7a_8b9c_4d0e_9f1a_3b4c5d6e7f80);
/// `login-and-export`: logs in with a secret and exports a report.
pub const LOGIN_AND_EXPORT: Uuid = Uuid::from_u128(0x5e6f7a8b_9c0d_4e1f_8a2b_4c5d6e7f8091);
/// `price-monitor`: reads product prices.
pub const PRICE_MONITOR: Uuid = Uuid::from_u128(0x7a8b9c0d_1e2f_4a3b_9c4d_5e6f7a8b9ca2);
/// `pdf-report`: renders a report; its results are a string.
pub const PDF_REPORT: Uuid = Uuid::from_u128(0x8b9c0d1e_2f3a_4b4c_8d5e_6f7a8b9c0db3);
/// `search-results`: searches; its results are an array.
pub const SEARCH_RESULTS: Uuid = Uuid::from_u128(0x9c0d1e2f_3a4b_4c5d_9e6f_7a8b9c0d1ec4);
/// `warm-cache`: completes without results.
pub const WARM_CACHE: Uuid = Uuid::from_u128(0xa0d1e2f3_4b5c_4d6e_8f7a_8b9c0d1e2fd5);

/// The project secret `CHECKOUT_PASSWORD`, attached to `flaky-checkout`.
pub const CHECKOUT_PASSWORD: Uuid = Uuid::from_u128(0xc1000000_0000_4000_8000_000000000001);
/// The project secret `EXPORT_API_TOKEN`, attached to `login-and-export`.
pub const EXPORT_API_TOKEN: Uuid = Uuid::from_u128(0xc1000000_0000_4000_8000_000000000002);
/// The project secret `SLACK_WEBHOOK_URL`, attached to no Function.
pub const SLACK_WEBHOOK_URL: Uuid = Uuid::from_u128(0xc1000000_0000_4000_8000_000000000003);

const DAY: Duration = Duration::from_secs(24 * 3600);
const HOUR: Duration = Duration::from_secs(3600);

/// An object schema the way zod 4's `toJSONSchema` writes `z.object({...})`.
fn zod_object(properties: Value, required: &[&str]) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn url_schema() -> Value {
    json!({"type": "string", "format": "uri"})
}

fn text(params: &Map<String, Value>, key: &str, default: &str) -> String {
    params
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_owned()
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn scrape_title() -> FunctionScript {
    FunctionScript::new("scrape-title")
        .with_id(SCRAPE_TITLE)
        .with_user_params_schema(zod_object(
            json!({"url": url_schema(), "selector": {"type": "string"}}),
            &["url"],
        ))
        .with_session_create_params(json!({
            "browserSettings": {"blockAds": true, "viewport": {"width": 1280, "height": 720}}
        }))
        .with_queue_time(millis(250))
        .with_run_time(millis(1250))
        .with_logs([
            "Session ready",
            "Navigating to the page",
            "Waiting for the selector",
            "Read the title",
        ])
        .with_results_from(|p| {
            json!({
                "title": "Example Domain",
                "url": text(p, "url", ""),
                "selector": text(p, "selector", "title"),
            })
        })
}

fn fill_form() -> FunctionScript {
    FunctionScript::new("fill-form")
        .with_id(FILL_FORM)
        .with_user_params_schema(zod_object(
            json!({
                "url": url_schema(),
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "submit": {"type": "boolean"}
            }),
            &["url", "fields"],
        ))
        .with_queue_time(millis(200))
        .with_run_time(millis(1800))
        .with_logs(["Session ready", "Filling the form", "Submitted"])
        .with_results_from(|p| {
            let filled = p
                .get("fields")
                .and_then(Value::as_object)
                .map_or(0, Map::len);
            json!({
                "submitted": p.get("submit").and_then(Value::as_bool).unwrap_or(true),
                "confirmation": "CONF-20417",
                "fieldsFilled": filled,
            })
        })
}

fn screenshot() -> FunctionScript {
    FunctionScript::new("screenshot")
        .with_id(SCREENSHOT)
        .with_user_params_schema(zod_object(
            json!({
                "url": url_schema(),
                "fullPage": {"type": "boolean"},
                "format": {"type": "string", "enum": ["png", "jpeg"]}
            }),
            &["url"],
        ))
        .with_session_create_params(json!({
            "browserSettings": {"viewport": {"width": 1920, "height": 1080}}
        }))
        .with_run_time(millis(1000))
        .with_logs(["Session ready", "Captured the page"])
        .with_results_from(|p| {
            let ext = text(p, "format", "png");
            json!({
                "screenshotUrl": format!("https://files.example.com/screenshots/7d1e4c.{ext}"),
                "width": 1920,
                "height": 1080,
                "bytes": 284_113,
            })
        })
}

const CHECKOUT_FAILURE: &str =
    "TimeoutError: locator.click: Timeout 30000ms exceeded waiting for locator('#place-order')";

fn flaky_checkout() -> FunctionScript {
    FunctionScript::new("flaky-checkout")
        .with_id(FLAKY_CHECKOUT)
        .with_user_params_schema(zod_object(
            json!({"cartId": {"type": "string"}, "couponCode": {"type": "string"}}),
            &["cartId"],
        ))
        .with_queue_time(millis(200))
        .with_run_time(millis(1300))
        .with_logs([
            "Session ready",
            "Opening https://shop.example.com/cart",
            "Logged in with CHECKOUT_PASSWORD",
            "Clicking #place-order",
            CHECKOUT_FAILURE,
        ])
        .with_failure(CauseCode::WorkloadError, CHECKOUT_FAILURE)
}

fn extract_links() -> FunctionScript {
    FunctionScript::new("extract-links")
        .with_id(EXTRACT_LINKS)
        .with_user_params_schema(zod_object(
            json!({"url": url_schema(), "sameOriginOnly": {"type": "boolean"}}),
            &["url"],
        ))
        .with_run_time(millis(800))
        .with_logs(["Session ready", "Collected 3 links"])
        .with_results_from(|p| {
            let url = text(p, "url", "https://example.com");
            let base = url.trim_end_matches('/');
            json!({
                "links": [format!("{base}/about"), format!("{base}/pricing"), "https://www.iana.org/domains/example"],
                "count": 3,
            })
        })
}

fn login_and_export() -> FunctionScript {
    FunctionScript::new("login-and-export")
        .with_id(LOGIN_AND_EXPORT)
        .with_user_params_schema(zod_object(
            json!({"site": url_schema(), "format": {"type": "string", "enum": ["csv", "json"]}}),
            &["site", "format"],
        ))
        .with_session_create_params(json!({"browserSettings": {"solveCaptchas": true}}))
        .with_queue_time(millis(500))
        .with_run_time(millis(2500))
        .with_logs([
            "Session ready",
            "Logging in with EXPORT_API_TOKEN",
            "Requested the export",
            "Export ready: 128 rows",
        ])
        .with_results_from(|p| {
            let format = text(p, "format", "csv");
            json!({
                "rows": 128,
                "format": format,
                "downloadUrl": format!("https://files.example.com/exports/2026-q4.{format}"),
            })
        })
}

fn price_monitor() -> FunctionScript {
    FunctionScript::new("price-monitor")
        .with_id(PRICE_MONITOR)
        .with_user_params_schema(zod_object(
            json!({
                "productUrls": {"type": "array", "items": url_schema(), "minItems": 1},
                "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]}
            }),
            &["productUrls"],
        ))
        .with_run_time(millis(2000))
        .with_logs(["Session ready", "Read the prices"])
        .with_results_from(|p| {
            let prices: Vec<Value> = p
                .get("productUrls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, url)| json!({"url": url, "price": 19.99 + 10.0 * i as f64}))
                .collect();
            json!({"currency": text(p, "currency", "USD"), "prices": prices})
        })
}

fn pdf_report() -> FunctionScript {
    FunctionScript::new("pdf-report")
        .with_id(PDF_REPORT)
        .with_user_params_schema(zod_object(
            json!({"reportId": {"type": "integer", "minimum": 1}}),
            &["reportId"],
        ))
        .with_run_time(millis(1500))
        .with_logs(["Session ready", "Rendered 12 pages"])
        .with_results_from(|p| {
            let id = p.get("reportId").map(Value::to_string).unwrap_or_default();
            json!(format!("https://files.example.com/reports/{id}.pdf"))
        })
}

fn search_results() -> FunctionScript {
    FunctionScript::new("search-results")
        .with_id(SEARCH_RESULTS)
        .with_user_params_schema(zod_object(
            json!({"query": {"type": "string"}, "maxResults": {"type": "integer", "minimum": 1}}),
            &["query"],
        ))
        .with_run_time(millis(1000))
        .with_logs(["Session ready", "Searched"])
        .with_results_from(|p| {
            let q = text(p, "query", "");
            let n = p.get("maxResults").and_then(Value::as_u64).unwrap_or(3).min(10);
            let results: Vec<Value> = (1..=n)
                .map(|i| {
                    json!({"title": format!("{q}: result {i}"), "url": format!("https://example.com/r/{i}")})
                })
                .collect();
            json!(results)
        })
}

fn warm_cache() -> FunctionScript {
    FunctionScript::new("warm-cache")
        .with_id(WARM_CACHE)
        .with_user_params_schema(zod_object(json!({}), &[]))
        .with_run_time(millis(300))
        .with_logs(["Session ready", "Warmed 24 pages"])
}

/// Publishes `versions` (oldest first) at the given ages; the last one runs.
fn publish(
    state: &mut State,
    now: DateTime<Utc>,
    versions: Vec<(Duration, FunctionScript)>,
) -> Vec<Uuid> {
    versions
        .into_iter()
        .map(|(age, script)| state.publish(script, minus(now, age)).1)
        .collect()
}

/// An invocation of `version` made `age` ago, long finished.
fn past(state: &mut State, now: DateTime<Utc>, version: Uuid, age: Duration, params: Value) {
    let params = params.as_object().cloned().unwrap_or_default();
    let Some(run) = state
        .versions
        .get(&version)
        .map(|v| Run::from_script(&v.script, &params))
    else {
        return;
    };
    state.start_invocation_at(
        minus(now, age),
        version,
        params,
        Duration::from_secs(300),
        run,
    );
}

fn attach(state: &mut State, function: Uuid, secret: Uuid, at: DateTime<Utc>) {
    let seq = state.next_seq();
    if let Some(f) = state.function_mut(function) {
        f.secrets.push(Attached {
            secret_id: secret,
            seq,
            at,
        });
    }
}

/// Fills an empty project with the demo data set.
pub(crate) fn seed(state: &mut State) {
    let now = state.clock.now();
    let scrape = publish(
        state,
        now,
        vec![
            (
                35 * DAY,
                scrape_title().with_results(json!({"title": "Example Domain"})),
            ),
            (12 * DAY, scrape_title()),
            (2 * DAY, scrape_title()),
        ],
    );
    publish(
        state,
        now,
        vec![(30 * DAY, fill_form()), (9 * DAY, fill_form())],
    );
    publish(state, now, vec![(28 * DAY, screenshot())]);
    let checkout = publish(
        state,
        now,
        vec![
            (
                25 * DAY,
                flaky_checkout().with_results(json!({"orderId": "ORD-88123"})),
            ),
            (6 * DAY, flaky_checkout()),
        ],
    );
    publish(state, now, vec![(21 * DAY, extract_links())]);
    publish(
        state,
        now,
        vec![
            (20 * DAY, login_and_export()),
            (4 * DAY, login_and_export()),
        ],
    );
    publish(state, now, vec![(15 * DAY, price_monitor())]);
    publish(state, now, vec![(14 * DAY, pdf_report())]);
    publish(
        state,
        now,
        vec![
            (13 * DAY, search_results()),
            (8 * DAY, search_results()),
            (DAY, search_results()),
        ],
    );
    publish(state, now, vec![(10 * DAY, warm_cache())]);
    state.add_failed_build(
        minus(now, 3 * DAY),
        "NO_MANIFESTS_FOUND",
        "No Function manifests found: does index.ts call defineFn()?",
        &[
            "Unpacking archive.tar.gz (6.1 kB)",
            "Installing dependencies from package-lock.json",
            "Bundling index.ts",
            "Error: no Function manifests were written; call defineFn() at the top level of index.ts",
        ],
    );

    for (id, key) in [
        (CHECKOUT_PASSWORD, "CHECKOUT_PASSWORD"),
        (EXPORT_API_TOKEN, "EXPORT_API_TOKEN"),
        (SLACK_WEBHOOK_URL, "SLACK_WEBHOOK_URL"),
    ] {
        state.secrets.push(ProjectSecret {
            id,
            key: key.into(),
        });
    }
    attach(
        state,
        FLAKY_CHECKOUT,
        CHECKOUT_PASSWORD,
        minus(now, 24 * DAY),
    );
    attach(
        state,
        LOGIN_AND_EXPORT,
        EXPORT_API_TOKEN,
        minus(now, 19 * DAY),
    );

    if let (Some(&old), Some(&new)) = (scrape.first(), scrape.last()) {
        past(
            state,
            now,
            old,
            30 * DAY,
            json!({"url": "https://example.com"}),
        );
        for (age, url) in [
            (40 * HOUR, "https://example.com"),
            (20 * HOUR, "https://news.ycombinator.com"),
            (HOUR, "https://www.rust-lang.org"),
        ] {
            past(state, now, new, age, json!({"url": url, "selector": "h1"}));
        }
    }
    if let (Some(&old), Some(&new)) = (checkout.first(), checkout.last()) {
        past(state, now, old, 20 * DAY, json!({"cartId": "cart_1001"}));
        past(state, now, new, 5 * DAY, json!({"cartId": "cart_1002"}));
        past(
            state,
            now,
            new,
            2 * HOUR,
            json!({"cartId": "cart_1003", "couponCode": "WINTER10"}),
        );
    }
    // Seeded history is not news: no webhook events for it.
    state.notice_transitions();
}
