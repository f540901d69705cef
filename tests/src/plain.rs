//! The floor for the benchmarks: the same invoke made with a plain, hand-written `reqwest` call.
//!
//! Same URL, same headers (`X-BB-API-Key`, `accept`, `content-type`, the same user agent), the same
//! JSON body bytes, and the response decoded into the same [`bb_api_ext::Invocation`], so comparing
//! it with the ext client measures only the ext layer: validation, the retry wrapper and timeouts,
//! the tracing span and the bounded body read.

use bb_api_ext::{Function, Invocation};
use bytes::Bytes;
use reqwest::RequestBuilder;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The Function the benchmarks invoke (the fake's fixed mode accepts any UUID; it is also the demo's
/// `scrape-title`).
pub use crate::fixtures::FUNCTION_ID;

/// The session timeout the benchmark requests carry.
pub const TIMEOUT_SECS: u64 = 300;

/// The benchmark's params: a small object, like most Functions take.
pub fn params() -> Value {
    serde_json::json!({"url": "https://example.com", "selector": "h1"})
}

/// `{"params":…,"sessionCreateParams":{"timeout":300}}`, as a hand-written call would build it.
#[derive(Serialize)]
struct Body<'a> {
    params: &'a Value,
    #[serde(rename = "sessionCreateParams")]
    session: Session,
}

#[derive(Serialize)]
struct Session {
    timeout: u64,
}

/// A hand-written client for `POST /v1/functions/{id}/invoke`.
#[derive(Clone)]
pub struct Plain {
    http: reqwest::Client,
    /// The base URL without a trailing slash.
    base: String,
    url: String,
    api_key: HeaderValue,
}

impl Plain {
    /// A plain `reqwest::Client` with the ext client's user agent and nothing else configured.
    pub fn new(base_url: &str, function_id: &str, api_key: &str) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent(bb_api_ext::USER_AGENT)
            .build()
            .map_err(|e| format!("could not build the reqwest client: {e}"))?;
        let mut api_key =
            HeaderValue::from_str(api_key).map_err(|_| "the API key is not a valid header")?;
        api_key.set_sensitive(true);
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            url: format!(
                "{}/v1/functions/{function_id}/invoke",
                base_url.trim_end_matches('/')
            ),
            api_key,
        })
    }

    /// The request URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serializes the body the way a hand-written call would, per call.
    pub fn body(params: &Value) -> Bytes {
        let body = Body {
            params,
            session: Session {
                timeout: TIMEOUT_SECS,
            },
        };
        // Serializing a `Value` and a number cannot fail.
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
    }

    /// Serializes the body and invokes: what a careful hand-written call does.
    pub async fn invoke(&self, params: &Value) -> Result<Invocation, String> {
        let request = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Self::body(params));
        self.json(request).await
    }

    /// `GET /v1/functions/invocations/{id}`, decoded: the floor of the ext client's get.
    pub async fn get(&self, invocation_id: &str) -> Result<Invocation, String> {
        let url = format!("{}/v1/functions/invocations/{invocation_id}", self.base);
        self.get_json(&url).await
    }

    /// Every Function, `GET /v1/functions?offset=…&limit=100` page by page until a page is empty
    /// or the offset reaches `total`: the floor of the ext client's list (which also skips items
    /// it has already yielded and stops on a page with nothing new).
    pub async fn list_functions(&self) -> Result<Vec<Function>, String> {
        #[derive(Deserialize)]
        struct Page {
            data: Vec<Function>,
            total: Option<u64>,
        }
        let mut all = Vec::new();
        // Bounded: at most 10,000 pages.
        for _ in 0..10_000 {
            let url = format!(
                "{}/v1/functions?offset={}&limit={LIST_LIMIT}",
                self.base,
                all.len()
            );
            let page: Page = self.get_json(&url).await?;
            let received = page.data.len();
            all.extend(page.data);
            if received == 0 || page.total.is_some_and(|t| all.len() as u64 >= t) {
                return Ok(all);
            }
        }
        Err("plain list: more than 10,000 pages".to_owned())
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        self.json(self.http.get(url)).await
    }

    /// Adds the key and `accept`, sends, and decodes a successful JSON answer, as a careful
    /// hand-written call would.
    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, String> {
        let response = request
            .header("x-bb-api-key", self.api_key.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("plain reqwest call failed: {e}"))?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("plain reqwest body read failed: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("plain reqwest decode failed: {e}"))
    }
}

/// The page size the ext client asks for (the API's largest).
const LIST_LIMIT: u32 = 100;
