//! The fake's browser sessions: created `RUNNING`, `COMPLETED` once released, `TIMED_OUT` at their
//! timeout; every invocation the fake runs has one too (`RUNNING` while it runs, then
//! `COMPLETED`). Each has evidence: CDP logs, an rrweb recording, a replay with an m3u8 page, and
//! recording downloads that become ready after two polls, with presigned URLs on another host
//! name of the fake (`localhost` for a fake reached at `127.0.0.1`, and the other way round), so a
//! test can show the API key is not sent there.
//!
//! Routed by the generated operation table (`server.rs` hands the requests its own table does not
//! serve here); `/presigned/…` is the fake CDN behind the recording download URLs.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::routes::Operation;
use super::session_store::SessionRecord;
use super::state::{PROJECT_ID, State, plus, stamp};
use super::store::{Refusal, Upload};

/// The default timeout of a session created without one (the project's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Polls of the download list before a page's MP4 is ready.
const POLLS_UNTIL_READY: u32 = 2;
/// The bytes of every fake MP4 (an `ftyp` box, then filler).
pub(crate) const FAKE_MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isomfake-mp4-body";
const REGIONS: [&str; 4] = ["us-west-2", "us-east-1", "eu-central-1", "ap-southeast-1"];

/// How long after it ended a session's recording can still be assembled as MP4s; older, the
/// recording downloads answer 410 (the fake's choice: the API documents no figure).
pub(crate) const RECORDING_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// An answer of this module: status, content type and body, sent after `delay` if set.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) body: Bytes,
    /// How long the server holds the answer (the state already changed).
    pub(crate) delay: Option<Duration>,
}

impl Answer {
    fn json(status: StatusCode, body: &Value) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: Bytes::from(body.to_string()),
            delay: None,
        }
    }

    fn error(status: StatusCode, message: impl Into<String>) -> Self {
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

/// `(status, endedAt)` of a session at `now`.
fn status(
    state: &State,
    s: &SessionRecord,
    now: DateTime<Utc>,
) -> (&'static str, Option<DateTime<Utc>>) {
    if let Some(at) = s.released {
        return ("COMPLETED", Some(at));
    }
    if let Some(inv) = s.invocation.and_then(|id| state.invocations.get(&id)) {
        return if now >= inv.ends {
            ("COMPLETED", Some(inv.ends))
        } else {
            ("RUNNING", None)
        };
    }
    if now >= s.expires {
        return ("TIMED_OUT", Some(s.expires));
    }
    ("RUNNING", None)
}

fn session_json(state: &State, s: &SessionRecord, now: DateTime<Utc>) -> Value {
    let (status, ended) = status(state, s, now);
    let mut v = json!({
        "id": s.id,
        "createdAt": stamp(s.created),
        "updatedAt": stamp(ended.unwrap_or(s.created)),
        "projectId": PROJECT_ID,
        "startedAt": stamp(s.created),
        "expiresAt": stamp(s.expires),
        "status": status,
        "proxyBytes": 0,
        "keepAlive": s.keep_alive,
        "region": s.region,
        "userMetadata": s.user_metadata,
    });
    if let Some(at) = ended {
        v["endedAt"] = json!(stamp(at));
    }
    v
}

/// The secrets of a running session: a signing key per session, and the connect URL with it.
fn with_connection(mut v: Value, id: Uuid) -> Value {
    let key = format!("sk_fake_{}", id.simple());
    v["signingKey"] = json!(key);
    v["connectUrl"] = json!(format!(
        "wss://connect.fake.browserbase.invalid/?signingKey={key}"
    ));
    v["seleniumRemoteUrl"] = json!("http://connect.fake.browserbase.invalid/webdriver");
    v
}

/// Every invocation runs in a session: the ones not seen yet are added.
fn adopt_invocation_sessions(state: &mut State) {
    let missing: Vec<(Uuid, Uuid, DateTime<Utc>, DateTime<Utc>)> = state
        .invocations
        .values()
        .filter(|inv| !state.sessions.sessions.contains_key(&inv.session_id))
        .map(|inv| (inv.session_id, inv.id, inv.created, inv.expires))
        .collect();
    let mut missing = missing;
    missing.sort_by_key(|m| m.2);
    for (id, invocation, created, expires) in missing {
        state.sessions.insert(SessionRecord {
            id,
            created,
            expires,
            released: None,
            keep_alive: false,
            region: "us-west-2".to_owned(),
            user_metadata: Map::new(),
            record: true,
            invocation: Some(invocation),
            downloads: None,
        });
    }
}

/// The other host name of the fake: where its presigned URLs point.
fn other_host(host: &str) -> String {
    match host.rsplit_once(':') {
        Some(("127.0.0.1", port)) => format!("localhost:{port}"),
        Some((_, port)) => format!("127.0.0.1:{port}"),
        None => "localhost".to_owned(),
    }
}

/// A request's body: as received, and (for an upload) its multipart part `file`.
pub(crate) struct Body<'a> {
    pub(crate) bytes: &'a [u8],
    /// Parsed for `Sessions_uploadFile` only.
    pub(crate) upload: Option<Result<Upload, Refusal>>,
}

/// Answers `/v1/sessions…` (`key_ok`: the API key was right) and `/presigned/…`; `None` for any
/// other path.
pub(crate) fn serve(
    state: &mut State,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Body<'_>,
    host: &str,
    key_ok: bool,
) -> Option<Answer> {
    let Body {
        bytes: body,
        upload,
    } = body;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if let ["presigned", id, file] = segments.as_slice() {
        // A CDN: no API key needed (the signature is in the query).
        let ok = Uuid::parse_str(id).is_ok() && file.ends_with(".mp4") && query.is_some();
        return Some(if ok {
            Answer {
                status: StatusCode::OK,
                content_type: "video/mp4",
                body: Bytes::from_static(FAKE_MP4),
                delay: None,
            }
        } else {
            Answer::error(StatusCode::FORBIDDEN, "bad signature")
        });
    }
    let (op, ids) = bb_api::operations::route(method, path, |op| {
        op.operation_id().starts_with("Sessions_")
    })?;
    if !key_ok {
        return Some(Answer::error(StatusCode::UNAUTHORIZED, "Unauthorized"));
    }
    adopt_invocation_sessions(state);
    let now = state.clock.now();
    let found = |state: &State, raw: &str| -> Result<Uuid, Answer> {
        let id = Uuid::parse_str(raw).map_err(|_| {
            Answer::error(
                StatusCode::BAD_REQUEST,
                format!("id must be a UUID (got {raw:?})"),
            )
        })?;
        if state.sessions.sessions.contains_key(&id) {
            Ok(id)
        } else {
            Err(Answer::error(
                StatusCode::NOT_FOUND,
                format!("session {id} does not exist in this project"),
            ))
        }
    };
    use Operation::*;
    let answer = match (op, ids.as_slice()) {
        (SessionsList, _) => list(state, query, now),
        (SessionsCreate, _) => {
            let mut answer = create(state, body, now);
            answer.delay = state.sessions.hold_creates;
            answer
        }
        (op, [id, rest @ ..]) => match found(state, id) {
            Err(a) => a,
            Ok(id) => match (op, rest) {
                (SessionsGet, _) => {
                    let s = &state.sessions.sessions[&id];
                    let v = session_json(state, s, now);
                    if status(state, s, now).0 == "RUNNING" {
                        Answer::json(StatusCode::OK, &with_connection(v, id))
                    } else {
                        Answer::json(StatusCode::OK, &v)
                    }
                }
                (SessionsUpdate, _) => release(state, id, body, now),
                (SessionsGetDebug, _) => Answer::json(StatusCode::OK, &debug(id, host)),
                (SessionsGetLogs, _) => Answer::json(StatusCode::OK, &logs(state, id)),
                (SessionsGetRecording, _) => Answer::json(StatusCode::OK, &recording(state, id)),
                (SessionsGetReplay, _) => Answer::json(StatusCode::OK, &replays(state, id, host)),
                (SessionsGetReplayPage, [page]) => replay_page(id, page, host),
                (SessionsCreateRecordingDownloads, _) => downloads(state, id, host, now, true),
                (SessionsListRecordingDownloads, _) => downloads(state, id, host, now, false),
                // Exactly one part `file` with a file name, as `areas.rs` checks uploads.
                (SessionsUploadFile, _) => match upload {
                    Some(Ok(_)) => {
                        Answer::json(StatusCode::OK, &json!({"message": "File uploaded"}))
                    }
                    Some(Err(refusal)) => Answer::error(refusal.status, refusal.message),
                    None => Answer::error(StatusCode::BAD_REQUEST, "Invalid request: no body"),
                },
                _ => Answer::error(
                    StatusCode::NOT_FOUND,
                    format!("no route for {method} {path}"),
                ),
            },
        },
        _ => Answer::error(
            StatusCode::NOT_FOUND,
            format!("no route for {method} {path}"),
        ),
    };
    Some(answer)
}

fn list(state: &State, query: Option<&str>, now: DateTime<Utc>) -> Answer {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(s) = get("status")
        && !["PENDING", "RUNNING", "ERROR", "TIMED_OUT", "COMPLETED"].contains(&s)
    {
        return Answer::error(StatusCode::BAD_REQUEST, format!("unknown status {s:?}"));
    }
    // `user_metadata['key']:'value'`, the one form the fake reads.
    let q = match get("q") {
        None => None,
        Some(q) => match parse_query(q) {
            Some(kv) => Some(kv),
            None => {
                return Answer::error(
                    StatusCode::BAD_REQUEST,
                    format!("q must read user_metadata['key']:'value' (got {q:?})"),
                );
            }
        },
    };
    let items: Vec<Value> = state
        .sessions
        .order
        .iter()
        .filter_map(|id| state.sessions.sessions.get(id))
        .filter(|s| get("status").is_none_or(|want| status(state, s, now).0 == want))
        .filter(|s| {
            q.as_ref().is_none_or(|(k, v)| {
                s.user_metadata.get(k).and_then(Value::as_str) == Some(v.as_str())
            })
        })
        .map(|s| session_json(state, s, now))
        .collect();
    Answer::json(StatusCode::OK, &Value::Array(items))
}

fn parse_query(q: &str) -> Option<(String, String)> {
    let rest = q.trim().strip_prefix("user_metadata['")?;
    let (key, rest) = rest.split_once("']:'")?;
    let value = rest.strip_suffix('\'')?;
    Some((key.to_owned(), value.to_owned()))
}

fn create(state: &mut State, body: &[u8], now: DateTime<Utc>) -> Answer {
    let body: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => map,
        _ => return Answer::error(StatusCode::BAD_REQUEST, "the body must be a JSON object"),
    };
    let timeout = match body.get("timeout") {
        None => DEFAULT_TIMEOUT,
        Some(t) => match t.as_u64().filter(|t| (60..=21_600).contains(t)) {
            Some(t) => Duration::from_secs(t),
            None => {
                return Answer::error(
                    StatusCode::BAD_REQUEST,
                    format!("timeout must be >= 60 and <= 21600 (got {t})"),
                );
            }
        },
    };
    let region = match body.get("region") {
        None => "us-west-2".to_owned(),
        Some(Value::String(r)) if REGIONS.contains(&r.as_str()) => r.clone(),
        Some(r) => return Answer::error(StatusCode::BAD_REQUEST, format!("unknown region {r}")),
    };
    let record = body
        .get("browserSettings")
        .and_then(|b| b.get("recordSession"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let id = Uuid::new_v4();
    state.sessions.insert(SessionRecord {
        id,
        created: now,
        expires: plus(now, timeout),
        released: None,
        keep_alive: body
            .get("keepAlive")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        region,
        user_metadata: body
            .get("userMetadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        record,
        invocation: None,
        downloads: None,
    });
    let s = &state.sessions.sessions[&id];
    Answer::json(
        StatusCode::CREATED,
        &with_connection(session_json(state, s, now), id),
    )
}

/// `REQUEST_RELEASE`: answers the session as it was (still `RUNNING`); the next read finds it
/// `COMPLETED`.
fn release(state: &mut State, id: Uuid, body: &[u8], now: DateTime<Utc>) -> Answer {
    let ok = serde_json::from_slice::<Value>(body)
        .ok()
        .is_some_and(|b| b == json!({"status": "REQUEST_RELEASE"}));
    if !ok {
        return Answer::error(
            StatusCode::BAD_REQUEST,
            "the body must be {\"status\": \"REQUEST_RELEASE\"}",
        );
    }
    let answer = session_json(state, &state.sessions.sessions[&id], now);
    if let Some(s) = state.sessions.sessions.get_mut(&id)
        && s.released.is_none()
        && answer["status"] == "RUNNING"
    {
        s.released = Some(now);
    }
    Answer::json(StatusCode::OK, &answer)
}

fn debug(id: Uuid, host: &str) -> Value {
    let base = format!("http://{host}/devtools/{id}");
    json!({
        "debuggerFullscreenUrl": format!("{base}/fullscreen"),
        "debuggerUrl": base,
        "wsUrl": format!("ws://{host}/devtools/{id}/ws"),
        "pages": [{
            "id": "page-0",
            "url": "https://example.com/",
            "faviconUrl": "https://example.com/favicon.ico",
            "title": "Example Domain",
            "debuggerUrl": format!("{base}/page-0"),
            "debuggerFullscreenUrl": format!("{base}/page-0/fullscreen"),
        }],
    })
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn logs(state: &State, id: Uuid) -> Value {
    let t = millis(state.sessions.sessions[&id].created);
    json!([
        {
            "method": "Page.navigate",
            "pageId": 0,
            "sessionId": id,
            "timestamp": t + 100,
            "frameId": "F0",
            "loaderId": "L0",
            "request": {
                "timestamp": t + 100,
                "params": {"url": "https://example.com/"},
                "rawBody": "{\"id\":1,\"method\":\"Page.navigate\",\"params\":{\"url\":\"https://example.com/\"}}",
            },
            "response": {
                "timestamp": t + 350,
                "result": {"frameId": "F0", "loaderId": "L0"},
                "rawBody": "{\"id\":1,\"result\":{\"frameId\":\"F0\",\"loaderId\":\"L0\"}}",
            },
        },
        {
            "method": "Runtime.evaluate",
            "pageId": 0,
            "sessionId": id,
            "timestamp": t + 400,
            "request": {
                "params": {"expression": "document.title"},
                "rawBody": "{\"id\":2,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"document.title\"}}",
            },
            "response": {
                "result": {"result": {"type": "string", "value": "Example Domain"}},
                "rawBody": "{\"id\":2,\"result\":{\"result\":{\"type\":\"string\",\"value\":\"Example Domain\"}}}",
            },
        },
    ])
}

fn recording(state: &State, id: Uuid) -> Value {
    if !state.sessions.sessions[&id].record {
        return json!([]);
    }
    let t = millis(state.sessions.sessions[&id].created);
    json!([
        {"type": 4, "timestamp": t + 100, "sessionId": id,
         "data": {"href": "https://example.com/", "width": 1280, "height": 720}},
        {"type": 2, "timestamp": t + 120, "sessionId": id,
         "data": {"node": {"type": 0, "id": 1, "childNodes": []}, "initialOffset": {"top": 0, "left": 0}}},
        {"type": 3, "timestamp": t + 900, "sessionId": id,
         "data": {"source": 2, "type": 2, "id": 7, "x": 10, "y": 20}},
    ])
}

fn replays(state: &State, id: Uuid, host: &str) -> Value {
    let s = &state.sessions.sessions[&id];
    let start = millis(s.created);
    json!({
        "pages": [{
            "pageId": "0",
            "url": format!("http://{host}/v1/sessions/{id}/replays/0"),
            "startTimeMs": start,
            "endTimeMs": start + 4000,
        }],
        "pageCount": 1,
    })
}

fn replay_page(id: Uuid, page: &str, host: &str) -> Answer {
    if page != "0" {
        return Answer::error(StatusCode::NOT_FOUND, format!("no replay page {page:?}"));
    }
    let other = other_host(host);
    let text = format!(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n\
         #EXTINF:4.000,\nhttp://{other}/presigned/{id}/0-000.ts?sig=fake\n#EXT-X-ENDLIST\n"
    );
    Answer {
        status: StatusCode::OK,
        content_type: "application/vnd.apple.mpegurl",
        body: Bytes::from(text),
        delay: None,
    }
}

fn downloads(state: &mut State, id: Uuid, host: &str, now: DateTime<Utc>, request: bool) -> Answer {
    let s = &state.sessions.sessions[&id];
    if status(state, s, now).1.is_none() {
        return Answer::error(
            StatusCode::CONFLICT,
            "The session has not ended. Recording downloads are available only after a session completes.",
        );
    }
    if !s.record {
        return Answer::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Recording was disabled for this session.",
        );
    }
    if let (_, Some(ended)) = status(state, s, now)
        && now >= plus(ended, RECORDING_RETENTION)
    {
        return Answer::error(
            StatusCode::GONE,
            "The session's recording has aged out of its retention window and can no longer be assembled.",
        );
    }
    let Some(s) = state.sessions.sessions.get_mut(&id) else {
        return Answer::error(StatusCode::NOT_FOUND, "gone");
    };
    let status = if request {
        s.downloads = Some(POLLS_UNTIL_READY);
        "PENDING"
    } else {
        match &mut s.downloads {
            None => "NOT_REQUESTED",
            Some(0) => "COMPLETED",
            Some(n) => {
                *n -= 1;
                "PENDING"
            }
        }
    };
    let mut page = json!({"pageId": "0", "status": status});
    if status == "COMPLETED" {
        page["downloadUrl"] = json!(format!(
            "http://{}/presigned/{id}/0.mp4?sig=fake-signature&expires=600",
            other_host(host)
        ));
        page["completedAt"] = json!(stamp(now));
    }
    let code = if request {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Answer::json(code, &json!({"downloads": [page]}))
}

impl super::FakeBrowserbase {
    /// Holds every answer to a session create for `hold` from now on (`Duration::ZERO`: answers
    /// at once again); the session is created when the request arrives. For tests of a caller
    /// that gives up while its create is in flight.
    pub fn hold_session_creates(&self, hold: Duration) {
        self.shared.state().sessions.hold_creates = (!hold.is_zero()).then_some(hold);
    }
}
