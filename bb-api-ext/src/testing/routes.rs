//! The API surface: which operation a request is, and one function per operation, each answering
//! with the paths, query parameters, envelopes and statuses of the reference
//! (`shared/reference/browserbase-api.md` §1–2). Errors everywhere are
//! `{"statusCode", "error", "message"}`.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::params;
use super::script::Ended;
use super::state::{
    Attached, BuildRecord, CursorList, FunctionRecord, InvocationRecord, Run, State, VersionRecord,
    WebhookRecord, logs_json, plus,
};
use crate::InvocationCauseCode as CauseCode;
use crate::validate::{a_json_type, is_loopback, quoted};
use crate::webhooks::{EventType, WebhookSecret};

/// One operation of the spec, named after its `operationId` (generated from the spec with the
/// operation table, so every operation of the spec has a variant; the fake serves those with a
/// handler below and answers the others as unmatched).
pub use bb_api::operations::OperationId as Operation;

/// A request's parts a handler reads.
struct Request<'r> {
    /// The path parameters in the template's order (`""` past the last).
    ids: [&'r str; 2],
    query: Query,
    body: &'r [u8],
}

/// Serves one operation.
type Handler = fn(&mut State, &Request<'_>) -> Result<Reply>;

/// A matched request: the operation, its path parameters as sent, and its handler.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Route<'p> {
    pub(crate) operation: Operation,
    pub(crate) ids: [&'p str; 2],
    handler: Handler,
}

/// The handler of each operation the fake serves; `None` for the spec's others.
fn handler(operation: Operation) -> Option<Handler> {
    use Operation::*;
    let handler: Handler = match operation {
        FunctionsList => |s, r| functions_list(s, &r.query),
        FunctionsGet => |s, r| functions_get(s, r.ids[0]),
        FunctionsInvoke => |s, r| functions_invoke(s, r.ids[0], r.body),
        FunctionsListVersions => |s, r| functions_list_versions(s, r.ids[0], &r.query),
        FunctionVersionsGet => |s, r| function_versions_get(s, r.ids[0]),
        FunctionVersionsListInvocations => {
            |s, r| function_versions_list_invocations(s, r.ids[0], &r.query)
        }
        InvocationsGet => |s, r| invocations_get(s, r.ids[0]),
        InvocationsGetLogs => |s, r| invocations_get_logs(s, r.ids[0]),
        FunctionBuildsList => |s, r| function_builds_list(s, &r.query),
        FunctionBuildsGet => |s, r| function_builds_get(s, r.ids[0]),
        FunctionBuildsGetLogs => |s, r| function_builds_get_logs(s, r.ids[0]),
        FunctionsListSecrets => |s, r| functions_list_secrets(s, r.ids[0], &r.query),
        FunctionsAttachSecret => |s, r| functions_attach_secret(s, r.ids[0], r.body),
        FunctionsDetachSecret => |s, r| functions_detach_secret(s, r.ids[0], r.ids[1]),
        WebhooksCreate => |s, r| webhooks_create(s, r.body),
        WebhooksList => |s, r| webhooks_list(s, &r.query),
        WebhooksGet => |s, r| webhooks_get(s, r.ids[0]),
        WebhooksUpdate => |s, r| webhooks_update(s, r.ids[0], r.body),
        WebhooksDelete => |s, r| webhooks_delete(s, r.ids[0]),
        WebhooksRotateSecret => |s, r| webhooks_rotate_secret(s, r.ids[0], r.body),
        _ => return None,
    };
    Some(handler)
}

/// The served operation `method path` is, if any, matched against the spec's path templates
/// (`bb_api::operations`). Literal segments win over `{id}`, so `/v1/functions/builds` lists
/// builds.
pub(crate) fn route<'p>(method: &str, path: &'p str) -> Option<Route<'p>> {
    let (operation, params) = bb_api::operations::route(method, path, |op| handler(op).is_some())?;
    let mut ids = [""; 2];
    if params.len() > ids.len() {
        return None;
    }
    for (slot, param) in ids.iter_mut().zip(params) {
        *slot = param;
    }
    Some(Route {
        operation,
        ids,
        handler: handler(operation)?,
    })
}

/// An answer: status, JSON body (or none), and `Retry-After` seconds.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) retry_after: Option<u64>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: &Value) -> Self {
        Self {
            status,
            body: Bytes::from(body.to_string()),
            retry_after: None,
        }
    }

    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Bytes::new(),
            retry_after: None,
        }
    }

    /// `{"statusCode": 404, "error": "Not Found", "message": "..."}`.
    pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Self {
        Self::json(
            status,
            &json!({
                "statusCode": status.as_u16(),
                "error": status.canonical_reason().unwrap_or("Error"),
                "message": message.into(),
            }),
        )
    }
}

type Result<T> = std::result::Result<T, Reply>;

fn bad_request(message: impl std::fmt::Display) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        format!("Invalid request: {message}"),
    )
}

fn not_found(what: &str, id: Uuid) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        format!("{what} {id} does not exist in this project"),
    )
}

fn uuid(name: &str, raw: &str) -> Result<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| bad_request(format_args!("{name} must be a UUID (got {})", quoted(raw))))
}

/// The decoded query parameters.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: Option<&str>) -> Self {
        Self(
            query
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter in `min..=max`, `default` when absent.
    fn int(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        raw.parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let range = if max == u64::MAX {
                    format!("an integer of at least {min}")
                } else {
                    format!("an integer from {min} to {max}")
                };
                bad_request(format_args!("{name} must be {range} (got {})", quoted(raw)))
            })
    }

    fn date_time(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        self.get(name)
            .map(|raw| {
                DateTime::parse_from_rfc3339(raw)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        bad_request(format_args!(
                            "{name} must be an RFC 3339 date-time (got {})",
                            quoted(raw)
                        ))
                    })
            })
            .transpose()
    }
}

/// `offset` (default 0) and the page size: `limit` (default 20, 1..=100) capped by the fake's
/// largest page.
fn offset_page(state: &State, q: &Query) -> Result<(usize, usize)> {
    let offset = q.int("offset", 0, 0, u64::MAX)?;
    let limit = q.int("limit", 20, 1, 100)?;
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(state.max_page_size),
    ))
}

/// One page of an offset list: `{key: [the items from `offset`, at most `size`], "total": n}`.
fn offset_reply<T>(
    key: &str,
    all: Vec<T>,
    (offset, size): (usize, usize),
    to_json: impl Fn(T) -> Value,
) -> Result<Reply> {
    let total = all.len();
    let items: Vec<Value> = all
        .into_iter()
        .skip(offset)
        .take(size)
        .map(to_json)
        .collect();
    ok(&json!({key: items, "total": total}))
}

/// The body as a JSON object; an empty body is `{}` unless `required`.
fn object_body(body: &[u8], required: bool) -> Result<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return if required {
            Err(bad_request("a JSON object body is required"))
        } else {
            Ok(Map::new())
        };
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(bad_request(format_args!(
            "the body must be a JSON object (got {})",
            a_json_type(&other)
        ))),
        Err(e) => Err(bad_request(format_args!("the body is not valid JSON: {e}"))),
    }
}

/// Refuses keys other than `allowed` (`additionalProperties: false`).
fn only_keys(body: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(bad_request(format_args!(
            "{} is not an accepted property (accepted: {})",
            quoted(k),
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Serves one matched request.
pub(crate) fn dispatch(
    state: &mut State,
    route: Route<'_>,
    query: Option<&str>,
    body: &[u8],
) -> Reply {
    state.notice_transitions();
    let request = Request {
        ids: route.ids,
        query: Query::parse(query),
        body,
    };
    (route.handler)(state, &request).unwrap_or_else(|e| e)
}

fn ok(body: &Value) -> Result<Reply> {
    Ok(Reply::json(StatusCode::OK, body))
}

// ---- Lookups: the record a path names, or its 404 ---------------------------------------------

fn function(state: &State, id: Uuid) -> Result<&FunctionRecord> {
    state.function(id).ok_or_else(|| not_found("Function", id))
}

fn version(state: &State, id: Uuid) -> Result<&VersionRecord> {
    state
        .versions
        .get(&id)
        .ok_or_else(|| not_found("Function version", id))
}

fn invocation(state: &State, id: Uuid) -> Result<&InvocationRecord> {
    state
        .invocations
        .get(&id)
        .ok_or_else(|| not_found("Invocation", id))
}

fn build(state: &State, id: Uuid) -> Result<&BuildRecord> {
    state
        .builds
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(|| not_found("Function build", id))
}

// ---- Functions -------------------------------------------------------------------------------

fn functions_list(state: &State, q: &Query) -> Result<Reply> {
    let page = offset_page(state, q)?;
    // Newest first; equal times keep the later-created first.
    let mut all: Vec<_> = state.functions.iter().rev().collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.created));
    offset_reply("data", all, page, |f| f.json())
}

fn functions_get(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let f = function(state, id)?;
    ok(&f.json())
}

/// The largest `params` accepted, serialized.
const MAX_PARAMS_BYTES: usize = 64 * 1024;
/// The session timeout when the body sets none, in seconds.
const DEFAULT_TIMEOUT_SECS: u64 = 900;

fn functions_invoke(state: &mut State, raw: &str, body: &[u8]) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let f = function(state, id)?;
    let Some(&version_id) = f.versions.last() else {
        return Err(Reply::error(
            StatusCode::CONFLICT,
            format!("Function {id} has no published version"),
        ));
    };
    let body = object_body(body, false)?;
    let params = match body.get("params") {
        None => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(other) => {
            return Err(bad_request(format_args!(
                "params must be a JSON object (got {})",
                a_json_type(other)
            )));
        }
    };
    let size = Value::Object(params.clone()).to_string().len();
    if size > MAX_PARAMS_BYTES {
        return Err(bad_request(format_args!(
            "params must be at most {MAX_PARAMS_BYTES} bytes serialized (got {size})"
        )));
    }
    let timeout = match body.get("sessionCreateParams") {
        None => DEFAULT_TIMEOUT_SECS,
        Some(Value::Object(s)) => match s.get("timeout") {
            None => DEFAULT_TIMEOUT_SECS,
            Some(t) => t
                .as_u64()
                .filter(|t| (60..=900).contains(t))
                .ok_or_else(|| {
                    bad_request(format_args!(
                        "sessionCreateParams.timeout must be an integer from 60 to 900 (got {t})"
                    ))
                })?,
        },
        Some(other) => {
            return Err(bad_request(format_args!(
                "sessionCreateParams must be a JSON object (got {})",
                a_json_type(other)
            )));
        }
    };
    let Some(version) = state.versions.get(&version_id) else {
        return Err(not_found("Function version", version_id));
    };
    let script = &version.script;
    let problems = script
        .user_params_schema
        .as_ref()
        .map(|s| params::violations(s, &params))
        .unwrap_or_default();
    let run = if problems.is_empty() {
        Run::from_script(script, &params)
    } else {
        // The runtime rejects the params before the handler runs, as a workload failure.
        Run {
            time: Duration::ZERO,
            ended: Ended::Failed {
                code: CauseCode::WorkloadError,
                message: format!("Invalid params: {}", problems.join("; ")),
            },
            logs: problems
                .iter()
                .map(|p| format!("Invalid params: {p}"))
                .collect(),
        }
    };
    let timeout = Duration::from_secs(timeout);
    let started = state.start_invocation(version_id, params, timeout, run);
    let invocation = started
        .and_then(|id| state.invocations.get(&id))
        .ok_or_else(|| not_found("Function version", version_id))?;
    Ok(Reply::json(
        StatusCode::ACCEPTED,
        &invocation.accepted_json(),
    ))
}

fn functions_list_versions(state: &State, raw: &str, q: &Query) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let f = function(state, id)?;
    let page = offset_page(state, q)?;
    let all: Vec<_> = f
        .versions
        .iter()
        .rev()
        .filter_map(|v| state.versions.get(v))
        .collect();
    offset_reply("results", all, page, |v| v.json())
}

fn function_versions_get(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let v = version(state, id)?;
    ok(&v.json())
}

fn function_versions_list_invocations(state: &State, raw: &str, q: &Query) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let v = version(state, id)?;
    let page = offset_page(state, q)?;
    let now = state.clock.now();
    let status = q.get("status");
    let all: Vec<_> = v
        .invocations
        .iter()
        .rev()
        .filter_map(|i| state.invocations.get(i))
        .filter(|i| status.is_none_or(|s| i.status(now).as_str() == s))
        .collect();
    offset_reply("results", all, page, |i| i.json(now, false))
}

fn invocations_get(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let i = invocation(state, id)?;
    ok(&i.json(state.clock.now(), true))
}

fn invocations_get_logs(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let i = invocation(state, id)?;
    ok(&logs_json(&i.logs, state.clock.now()))
}

// ---- Builds ----------------------------------------------------------------------------------

fn function_builds_list(state: &State, q: &Query) -> Result<Reply> {
    let page = offset_page(state, q)?;
    let now = state.clock.now();
    let status = q.get("status");
    let mut all: Vec<_> = state.builds.iter().rev().collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.created));
    let all: Vec<Value> = all
        .into_iter()
        .map(|b| state.build_json(b, now))
        .filter(|b| status.is_none_or(|s| b["status"] == s))
        .collect();
    offset_reply("data", all, page, |b| b)
}

fn function_builds_get(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let b = build(state, id)?;
    ok(&state.build_json(b, state.clock.now()))
}

fn function_builds_get_logs(state: &State, raw: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let b = build(state, id)?;
    ok(&logs_json(&b.logs, state.clock.now()))
}

// ---- Function secrets ------------------------------------------------------------------------

/// A cursor from `q`, checked to belong to `list`: the `seq` the page starts after.
fn cursor(state: &State, q: &Query, list: CursorList) -> Result<Option<u64>> {
    let Some(raw) = q.get("cursor") else {
        return Ok(None);
    };
    match state.cursors.get(raw) {
        Some(c) if c.list == list => Ok(Some(c.after)),
        _ => Err(bad_request(format_args!(
            "cursor {} is not one this server issued for this list; pass back nextCursor as is",
            quoted(raw)
        ))),
    }
}

/// One page of a cursor list: `{"data": [...], "limit": limit, "nextCursor": ...}` with the first
/// `limit` (capped by the fake's largest page) of the items `select` picks, in list order and past
/// the request's cursor; `nextCursor` continues after the page's last item when more follow.
fn cursor_reply<R>(
    state: &mut State,
    list: CursorList,
    limit: u64,
    select: impl FnOnce(&State) -> Vec<&R>,
    seq: impl Fn(&R) -> u64,
    to_json: impl Fn(&State, &R) -> Value,
) -> Result<Reply> {
    let size = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .min(state.max_page_size);
    let (data, last) = {
        let matching = select(state);
        let page = &matching[..size.min(matching.len())];
        let data: Vec<Value> = page.iter().map(|r| to_json(state, r)).collect();
        let more = matching.len() > page.len();
        (data, page.last().filter(|_| more).map(|r| seq(r)))
    };
    let next = last.map(|after| state.issue_cursor(list, after));
    ok(&json!({"data": data, "limit": limit, "nextCursor": next}))
}

fn functions_list_secrets(state: &mut State, raw: &str, q: &Query) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let limit = q.int("limit", 20, 1, 1000)?;
    let (start, end) = (q.date_time("startAt")?, q.date_time("endAt")?);
    let after = cursor(state, q, CursorList::Secrets(id))?;
    function(state, id)?; // its 404
    cursor_reply(
        state,
        CursorList::Secrets(id),
        limit,
        |state| {
            state.function(id).map_or_else(Vec::new, |f| {
                f.secrets
                    .iter()
                    .filter(|a| after.is_none_or(|s| a.seq > s))
                    .filter(|a| start.is_none_or(|t| a.at >= t) && end.is_none_or(|t| a.at <= t))
                    .collect()
            })
        },
        |a: &Attached| a.seq,
        |state, a| {
            let key = state
                .secrets
                .iter()
                .find(|s| s.id == a.secret_id)
                .map_or("", |s| s.key.as_str());
            json!({"id": a.secret_id, "secretKey": key})
        },
    )
}

fn functions_attach_secret(state: &mut State, raw: &str, body: &[u8]) -> Result<Reply> {
    let invalid = || bad_request("the Function ID and secret ID must be UUIDs");
    let id = Uuid::parse_str(raw).map_err(|_| invalid())?;
    let body = object_body(body, true)?;
    only_keys(&body, &["secretId"])?;
    let secret_id = body
        .get("secretId")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(invalid)?;
    if state.function(id).is_none() {
        return Err(not_found("Function", id));
    }
    if !state.secrets.iter().any(|s| s.id == secret_id) {
        return Err(not_found("Secret", secret_id));
    }
    let (seq, at) = (state.next_seq(), state.clock.now());
    if let Some(f) = state.function_mut(id)
        && !f.secrets.iter().any(|a| a.secret_id == secret_id)
    {
        f.secrets.push(Attached { secret_id, seq, at });
    }
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

fn functions_detach_secret(state: &mut State, raw: &str, raw_secret: &str) -> Result<Reply> {
    let id = uuid("id", raw)?;
    let secret_id = uuid("secretId", raw_secret)?;
    let f = state
        .function_mut(id)
        .ok_or_else(|| not_found("Function", id))?;
    f.secrets.retain(|a| a.secret_id != secret_id);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

// ---- Webhooks --------------------------------------------------------------------------------

/// Rotated-out secrets a webhook may have inside their grace window before rotation answers 429.
const MAX_PREVIOUS_SECRETS: usize = 3;
/// How long a rotated-out secret keeps verifying.
const SECRET_GRACE: Duration = Duration::from_secs(24 * 3600);

/// `endpoint`: an `https://` URL with a host, at most 2048 characters; the fake also accepts
/// loopback `http://` URLs so that tests can receive deliveries.
fn endpoint(v: &Value) -> Result<String> {
    let Some(s) = v.as_str() else {
        return Err(bad_request(format_args!(
            "endpoint must be a string (got {})",
            a_json_type(v)
        )));
    };
    let https = s
        .strip_prefix("https://")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| !matches!(c, '/' | '?' | '#'));
    let loopback = || url::Url::parse(s).is_ok_and(|u| u.scheme() == "http" && is_loopback(&u));
    if s.chars().count() > 2048 {
        return Err(bad_request("endpoint must be at most 2048 characters"));
    }
    if !(https && url::Url::parse(s).is_ok() || loopback()) {
        return Err(bad_request(format_args!(
            "endpoint must be an https:// URL with a host (the fake also takes http://127.0.0.1 and http://localhost) (got {})",
            quoted(s)
        )));
    }
    Ok(s.to_owned())
}

/// `eventTypes`: a non-empty array of distinct known event types.
fn event_types(v: &Value) -> Result<Vec<EventType>> {
    let Some(items) = v.as_array().filter(|a| !a.is_empty()) else {
        return Err(bad_request(
            "eventTypes must be a non-empty array of event types",
        ));
    };
    let mut out: Vec<EventType> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(|t| (t, EventType::from(t))) {
            Some((t, known)) if known.is_unknown() => {
                let all: Vec<&str> = EventType::KNOWN.iter().map(EventType::as_str).collect();
                return Err(bad_request(format_args!(
                    "eventTypes[{i}] must be one of {} (got {})",
                    all.join(", "),
                    quoted(t)
                )));
            }
            Some((t, known)) if out.contains(&known) => {
                return Err(bad_request(format_args!(
                    "eventTypes[{i}] repeats {}",
                    quoted(t)
                )));
            }
            Some((_, known)) => out.push(known),
            None => {
                return Err(bad_request(format_args!(
                    "eventTypes[{i}] must be a string (got {})",
                    a_json_type(item)
                )));
            }
        }
    }
    Ok(out)
}

/// Refuses an endpoint another webhook (not `except`) already has.
fn endpoint_free(state: &State, endpoint: &str, except: Option<Uuid>) -> Result<()> {
    match state
        .webhooks
        .iter()
        .find(|w| w.endpoint == endpoint && Some(w.id) != except)
    {
        Some(w) => Err(Reply::error(
            StatusCode::CONFLICT,
            format!(
                "A webhook for {endpoint} already exists in this project ({}); update or delete it instead",
                w.id
            ),
        )),
        None => Ok(()),
    }
}

/// A new signing secret: 24 random bytes, so its text is `whsec_` and 32 base64 characters.
fn new_secret() -> Result<WebhookSecret> {
    use crate::crypto::rand::SecureRandom as _;
    let mut key = secrecy::zeroize::Zeroizing::new([0u8; 24]);
    crate::crypto::rand::SystemRandom::new()
        .fill(key.as_mut())
        .map_err(|_| {
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the fake could not draw random bytes for a webhook secret",
            )
        })?;
    Ok(WebhookSecret::from_key(key.as_ref()))
}

fn webhook_id(state: &State, raw: &str) -> Result<usize> {
    let id = uuid("id", raw)?;
    state
        .webhooks
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| not_found("Webhook", id))
}

fn webhooks_create(state: &mut State, body: &[u8]) -> Result<Reply> {
    let body = object_body(body, true)?;
    only_keys(&body, &["endpoint", "eventTypes"])?;
    let endpoint = endpoint(
        body.get("endpoint")
            .ok_or_else(|| bad_request("endpoint is required"))?,
    )?;
    let event_types = event_types(
        body.get("eventTypes")
            .ok_or_else(|| bad_request("eventTypes is required"))?,
    )?;
    endpoint_free(state, &endpoint, None)?;
    let secret = new_secret()?;
    let (seq, now) = (state.next_seq(), state.clock.now());
    let record = WebhookRecord {
        id: Uuid::new_v4(),
        seq,
        endpoint,
        event_types,
        created: now,
        updated: now,
        secret,
        previous: Vec::new(),
    };
    let mut v = record.json();
    v["secret"] = json!(record.secret.expose_secret());
    state.webhooks.push(record);
    Ok(Reply::json(StatusCode::CREATED, &v))
}

fn webhooks_list(state: &mut State, q: &Query) -> Result<Reply> {
    let limit = q.int("limit", 20, 1, 100)?;
    let after = cursor(state, q, CursorList::Webhooks)?;
    cursor_reply(
        state,
        CursorList::Webhooks,
        limit,
        |state| {
            // Newest first: descending `seq`.
            let mut matching: Vec<&WebhookRecord> = state
                .webhooks
                .iter()
                .filter(|w| after.is_none_or(|s| w.seq < s))
                .collect();
            matching.sort_by_key(|w| std::cmp::Reverse(w.seq));
            matching
        },
        |w| w.seq,
        |_, w| w.json(),
    )
}

fn webhooks_get(state: &State, raw: &str) -> Result<Reply> {
    let i = webhook_id(state, raw)?;
    ok(&state.webhooks[i].json())
}

fn webhooks_update(state: &mut State, raw: &str, body: &[u8]) -> Result<Reply> {
    let i = webhook_id(state, raw)?;
    let body = object_body(body, true)?;
    only_keys(&body, &["endpoint", "eventTypes"])?;
    if body.is_empty() {
        return Err(bad_request("set at least one of endpoint, eventTypes"));
    }
    let endpoint = body.get("endpoint").map(endpoint).transpose()?;
    let event_types = body.get("eventTypes").map(event_types).transpose()?;
    if let Some(e) = &endpoint {
        endpoint_free(state, e, Some(state.webhooks[i].id))?;
    }
    let now = state.clock.now();
    let w = &mut state.webhooks[i];
    if let Some(e) = endpoint {
        w.endpoint = e;
    }
    if let Some(t) = event_types {
        w.event_types = t;
    }
    w.updated = now;
    ok(&w.json())
}

fn webhooks_delete(state: &mut State, raw: &str) -> Result<Reply> {
    let i = webhook_id(state, raw)?;
    state.webhooks.remove(i);
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

fn webhooks_rotate_secret(state: &mut State, raw: &str, body: &[u8]) -> Result<Reply> {
    let i = webhook_id(state, raw)?;
    let body = object_body(body, false)?;
    only_keys(&body, &["revokeImmediately"])?;
    let revoke = match body.get("revokeImmediately") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(bad_request(format_args!(
                "revokeImmediately must be a boolean (got {})",
                a_json_type(other)
            )));
        }
    };
    let now = state.clock.now();
    let secret = new_secret()?;
    let w = &mut state.webhooks[i];
    w.previous.retain(|(_, until)| *until > now);
    if revoke {
        w.previous.clear();
    } else if w.previous.len() >= MAX_PREVIOUS_SECRETS {
        return Err(Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many previous secrets are still inside their grace window. Wait for one to expire, or retry with `revokeImmediately`.",
        ));
    }
    let old = std::mem::replace(&mut w.secret, secret);
    if !revoke {
        w.previous.push((old, plus(now, SECRET_GRACE)));
    }
    w.updated = now;
    ok(&json!({"secret": w.secret.expose_secret()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path a client sends for `op`: its template from the operation table, each `{param}`
    /// segment filled with the next of `args`.
    fn sent(op: Operation, args: &[&str]) -> String {
        let mut args = args.iter();
        op.operation()
            .path
            .split('/')
            .map(|segment| match segment.starts_with('{') {
                true => args.next().copied().unwrap_or(segment),
                false => segment,
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn literal_segments_win_over_ids() {
        let r = |m, p: String| route(m, &p).map(|r| r.operation);
        // `/functions/builds` against `/functions/{id}`: the literal segment wins.
        assert_eq!(
            r("GET", sent(Operation::FunctionBuildsList, &[])),
            Some(Operation::FunctionBuildsList)
        );
        assert_eq!(
            r("GET", sent(Operation::FunctionsGet, &["x"])),
            Some(Operation::FunctionsGet)
        );
        assert_eq!(r("GET", sent(Operation::FunctionsInvoke, &["x"])), None);
        assert_eq!(
            r("POST", sent(Operation::FunctionsInvoke, &["x"])),
            Some(Operation::FunctionsInvoke)
        );
        assert_eq!(r("GET", sent(Operation::FunctionsGet, &[""])), None);
        assert_eq!(r("PUT", sent(Operation::WebhooksGet, &["x"])), None);
        let detach = sent(Operation::FunctionsDetachSecret, &["a", "b"]);
        assert_eq!(route("DELETE", &detach).map(|r| r.ids), Some(["a", "b"]));
    }

    #[test]
    fn every_served_operation_has_at_most_two_path_parameters() {
        for op in Operation::ALL {
            if handler(*op).is_some() {
                assert!(op.operation().path_params.len() <= 2, "{op}");
            }
        }
    }

    #[test]
    fn event_types_are_the_seven_known_ones_each_once() {
        let message = |v: Value| {
            let reply = event_types(&v).err().map(|r| r.body).unwrap_or_default();
            serde_json::from_slice::<Value>(&reply).unwrap_or_default()["message"].clone()
        };
        assert_eq!(
            message(json!([
                "functions.invocations.failed",
                "functions.sessions.ended"
            ])),
            json!(
                "Invalid request: eventTypes[1] must be one of functions.builds.running, \
                 functions.builds.completed, functions.builds.failed, \
                 functions.invocations.pending, functions.invocations.running, \
                 functions.invocations.completed, functions.invocations.failed \
                 (got \"functions.sessions.ended\")"
            )
        );
        assert_eq!(
            message(json!([
                "functions.builds.failed",
                "functions.builds.failed"
            ])),
            json!("Invalid request: eventTypes[1] repeats \"functions.builds.failed\"")
        );
        let all: Vec<&str> = EventType::KNOWN.iter().map(EventType::as_str).collect();
        let parsed = event_types(&json!(all)).ok().unwrap_or_default();
        assert_eq!(parsed, EventType::KNOWN);
    }

    #[test]
    fn secrets_look_like_standard_webhooks_secrets() {
        let new = || new_secret().map(|s| s.expose_secret()).unwrap_or_default();
        let s = new();
        let key = s.strip_prefix("whsec_").unwrap_or_default();
        assert_eq!(key.len(), 32);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        );
        assert_ne!(s, new());
    }
}
