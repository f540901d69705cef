//! The fake's data model: one project's Functions, versions, builds, invocations, secrets and
//! webhooks, the clock that moves invocations along, and the hook for webhook deliveries.
//!
//! Nothing here runs in the background: an invocation's status is a function of the clock (its
//! scripted queue and run times), computed when it is read. That is why the fake works under
//! tokio's paused clock, and why [`Clock::advance`] can skip ahead.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::script::{Ended, FunctionScript};
use crate::InvocationCauseCode as CauseCode;
use crate::webhooks::{EventType, WebhookSecret};

/// The one project every API key of the fake belongs to.
pub const PROJECT_ID: Uuid = Uuid::from_u128(0x0b0e_5e00_1d00_4c0a_8b0b_0000_0000_0001);

/// The region every invocation runs in (Functions run only in `us-west-2`).
const REGION: &str = "us-west-2";

/// The most events kept for delivery; older ones are dropped first.
const MAX_OUTBOX: usize = 10_000;

/// RFC 3339 with milliseconds and `Z`, the way the API writes timestamps.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Epoch milliseconds: the unit of log timestamps.
fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// `t + d`, or `t` when that would overflow.
pub(crate) fn plus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(t)
}

/// `t - d`, or `t` when that would overflow.
pub(crate) fn minus(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or(t)
}

/// The fake's time: the wall clock when it started, plus tokio time since (so a paused tokio clock
/// pauses it), plus whatever [`Clock::advance`] added.
pub(crate) struct Clock {
    wall0: DateTime<Utc>,
    t0: tokio::time::Instant,
    skew: Duration,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Self {
            wall0: Utc::now(),
            t0: tokio::time::Instant::now(),
            skew: Duration::ZERO,
        }
    }

    /// Now, in the fake's time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        plus(self.wall0, self.t0.elapsed().saturating_add(self.skew))
    }

    /// Moves the fake's time forward.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.skew = self.skew.saturating_add(by);
    }
}

/// Where an invocation or build is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Pending,
    Running,
    Completed,
    Failed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }

    /// The webhook event an invocation sends on reaching this status.
    fn invocation_event(self) -> EventType {
        match self {
            Self::Pending => EventType::FunctionsInvocationsPending,
            Self::Running => EventType::FunctionsInvocationsRunning,
            Self::Completed => EventType::FunctionsInvocationsCompleted,
            Self::Failed => EventType::FunctionsInvocationsFailed,
        }
    }
}

/// One log line: when, and what.
#[derive(Debug, Clone)]
pub(crate) struct LogLine {
    pub(crate) at: DateTime<Utc>,
    pub(crate) message: String,
}

impl LogLine {
    fn json(&self) -> Value {
        json!({"message": self.message, "timestamp": millis(self.at)})
    }
}

/// `{ "logs": [...], "total": n }` of the lines written by `now`.
pub(crate) fn logs_json(lines: &[LogLine], now: DateTime<Utc>) -> Value {
    let shown: Vec<Value> = lines
        .iter()
        .filter(|l| l.at <= now)
        .map(LogLine::json)
        .collect();
    json!({"total": shown.len(), "logs": shown})
}

/// A Function: a name and its versions.
pub(crate) struct FunctionRecord {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    /// Oldest first; the last one runs.
    pub(crate) versions: Vec<Uuid>,
    /// Attached project secrets, in attach order.
    pub(crate) secrets: Vec<Attached>,
}

impl FunctionRecord {
    pub(crate) fn json(&self) -> Value {
        json!({
            "id": self.id,
            "projectId": PROJECT_ID,
            "name": self.name,
            "createdAt": stamp(self.created),
            "updatedAt": stamp(self.updated),
        })
    }
}

/// A project secret attached to a Function.
pub(crate) struct Attached {
    pub(crate) secret_id: Uuid,
    pub(crate) seq: u64,
    pub(crate) at: DateTime<Utc>,
}

/// A project secret: its id and the name its value is stored under.
pub(crate) struct ProjectSecret {
    pub(crate) id: Uuid,
    pub(crate) key: String,
}

/// A version of a Function: what a build published, with the script it runs.
pub(crate) struct VersionRecord {
    pub(crate) id: Uuid,
    pub(crate) function_id: Uuid,
    pub(crate) build_id: Uuid,
    pub(crate) created: DateTime<Utc>,
    pub(crate) script: FunctionScript,
    /// Invocations of this version, oldest first.
    pub(crate) invocations: Vec<Uuid>,
}

impl VersionRecord {
    pub(crate) fn json(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "projectId": PROJECT_ID,
            "functionId": self.function_id,
            "functionBuildId": self.build_id,
            "createdAt": stamp(self.created),
            "updatedAt": stamp(self.created),
        });
        if let Some(schema) = &self.script.user_params_schema {
            v["userParamsSchema"] = schema.clone();
        }
        if let Some(params) = &self.script.session_create_params {
            v["sessionCreateParams"] = params.clone();
        }
        v
    }
}

/// A build: an upload that published versions, or failed to.
pub(crate) struct BuildRecord {
    pub(crate) id: Uuid,
    pub(crate) created: DateTime<Utc>,
    pub(crate) ended: DateTime<Utc>,
    pub(crate) entrypoint: String,
    pub(crate) function_names: Vec<String>,
    /// Versions it published (none when it failed).
    pub(crate) built: Vec<Uuid>,
    /// Why it failed: `(code, message)`.
    pub(crate) failure: Option<(String, String)>,
    pub(crate) logs: Vec<LogLine>,
}

impl BuildRecord {
    fn status(&self, now: DateTime<Utc>) -> Status {
        match (now < self.ended, &self.failure) {
            (true, _) => Status::Running,
            (false, None) => Status::Completed,
            (false, Some(_)) => Status::Failed,
        }
    }
}

/// One run of a Function version, scripted from start to end when it was invoked.
pub(crate) struct InvocationRecord {
    pub(crate) id: Uuid,
    pub(crate) function_id: Uuid,
    pub(crate) version_id: Uuid,
    pub(crate) session_id: Uuid,
    pub(crate) params: Map<String, Value>,
    pub(crate) created: DateTime<Utc>,
    /// When it leaves `PENDING`.
    pub(crate) started: DateTime<Utc>,
    /// When it reaches `ended`'s status.
    pub(crate) ends: DateTime<Utc>,
    /// `created` + the session timeout.
    pub(crate) expires: DateTime<Utc>,
    pub(crate) ended: Ended,
    pub(crate) logs: Vec<LogLine>,
    /// The last status webhook events were emitted for.
    pub(crate) reported: Status,
}

impl InvocationRecord {
    pub(crate) fn status(&self, now: DateTime<Utc>) -> Status {
        if now < self.started {
            Status::Pending
        } else if now < self.ends {
            Status::Running
        } else {
            match self.ended {
                Ended::Completed(_) => Status::Completed,
                Ended::Failed { .. } => Status::Failed,
            }
        }
    }

    /// The invocation as a read at `now` returns it; `cause` only where the spec has it
    /// (`Invocations_get`).
    pub(crate) fn json(&self, now: DateTime<Utc>, with_cause: bool) -> Value {
        let status = self.status(now);
        let (updated, started) = match status {
            Status::Pending => (self.created, self.created),
            Status::Running => (self.started, self.started),
            Status::Completed | Status::Failed => (self.ends, self.started),
        };
        let mut v = self.base(status, updated, started);
        if matches!(status, Status::Completed | Status::Failed) {
            v["endedAt"] = json!(stamp(self.ends));
        }
        match (&self.ended, status) {
            (Ended::Completed(Some(results)), Status::Completed) => {
                v["results"] = results.clone();
            }
            (Ended::Failed { code, message }, Status::Failed) if with_cause => {
                v["cause"] = json!({"code": code.as_str(), "message": message});
            }
            _ => {}
        }
        v
    }

    /// The invocation as invoke's `202` returns it: `PENDING`, whatever its script.
    pub(crate) fn accepted_json(&self) -> Value {
        self.base(Status::Pending, self.created, self.created)
    }

    /// The invocation as it read while `RUNNING` (the running event's payload), even when the
    /// same check also noticed its end.
    pub(crate) fn running_json(&self) -> Value {
        self.base(Status::Running, self.started, self.started)
    }

    fn base(&self, status: Status, updated: DateTime<Utc>, started: DateTime<Utc>) -> Value {
        json!({
            "id": self.id,
            "projectId": PROJECT_ID,
            "functionId": self.function_id,
            "versionId": self.version_id,
            "sessionId": self.session_id,
            "region": REGION,
            "params": self.params,
            "status": status.as_str(),
            "createdAt": stamp(self.created),
            "updatedAt": stamp(updated),
            "startedAt": stamp(started),
            "expiresAt": stamp(self.expires),
        })
    }
}

/// How a new invocation will run once it leaves `PENDING`.
pub(crate) struct Run {
    /// How long it runs.
    pub(crate) time: Duration,
    /// How it ends.
    pub(crate) ended: Ended,
    /// The lines it logs, spread over the run.
    pub(crate) logs: Vec<String>,
}

impl Run {
    /// The run `script` scripts for `params`.
    pub(crate) fn from_script(script: &FunctionScript, params: &Map<String, Value>) -> Self {
        let (ended, logs) = script.outcome(params);
        Self {
            time: script.run_time,
            ended,
            logs,
        }
    }
}

/// A registered webhook endpoint and its signing secrets.
pub(crate) struct WebhookRecord {
    pub(crate) id: Uuid,
    pub(crate) seq: u64,
    pub(crate) endpoint: String,
    /// Known types only (`routes.rs` refuses others), in the order given.
    pub(crate) event_types: Vec<EventType>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
    /// The current signing secret.
    pub(crate) secret: WebhookSecret,
    /// Rotated-out secrets that still verify, with when they stop.
    pub(crate) previous: Vec<(WebhookSecret, DateTime<Utc>)>,
}

impl WebhookRecord {
    /// The webhook without its secret, as get and list return it.
    pub(crate) fn json(&self) -> Value {
        json!({
            "id": self.id,
            "projectId": PROJECT_ID,
            "endpoint": self.endpoint,
            "eventTypes": self.event_types,
            "createdAt": stamp(self.created),
            "updatedAt": stamp(self.updated),
        })
    }
}

/// A webhook event waiting to be delivered to one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct WebhookEvent {
    /// The event id: the envelope's `id`, stable across retries of this delivery.
    pub(crate) id: Uuid,
    pub(crate) webhook_id: Uuid,
    pub(crate) event_type: EventType,
    pub(crate) resource_id: Uuid,
    pub(crate) data: Value,
}

impl WebhookEvent {
    /// The JSON envelope a delivery POSTs.
    pub(crate) fn envelope(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.event_type,
            "resourceId": self.resource_id,
            "data": self.data,
        })
    }
}

/// Webhook events waiting for delivery: which events each registered webhook receives (its
/// subscription, at the time the transition is noticed), oldest first. The delivery task
/// (`deliver.rs`) drains [`Deliveries::take`], signs each [`WebhookEvent::envelope`] with the
/// webhook's secrets and POSTs it to the endpoint when that is plain http on loopback.
#[derive(Default)]
pub(crate) struct Deliveries {
    outbox: std::collections::VecDeque<WebhookEvent>,
}

impl Deliveries {
    fn push(&mut self, event: WebhookEvent) {
        if self.outbox.len() >= MAX_OUTBOX {
            self.outbox.pop_front();
        }
        self.outbox.push_back(event);
    }

    /// The queued events, oldest first, leaving the queue empty.
    pub(crate) fn take(&mut self) -> Vec<WebhookEvent> {
        self.outbox.drain(..).collect()
    }
}

/// Where the next page of a cursor-paginated list starts.
pub(crate) struct Cursor {
    pub(crate) list: CursorList,
    /// The `seq` of the last item of the page that issued it.
    pub(crate) after: u64,
}

/// Which list a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CursorList {
    /// A Function's attached secrets (attach order).
    Secrets(Uuid),
    /// The project's webhooks (newest first).
    Webhooks,
}

/// One project's data.
pub(crate) struct State {
    pub(crate) clock: Clock,
    /// The most items a page holds, whatever `limit` asks for.
    pub(crate) max_page_size: usize,
    /// In creation order.
    pub(crate) functions: Vec<FunctionRecord>,
    pub(crate) versions: HashMap<Uuid, VersionRecord>,
    /// In creation order.
    pub(crate) builds: Vec<BuildRecord>,
    pub(crate) invocations: HashMap<Uuid, InvocationRecord>,
    /// Invocations whose terminal status has not been noticed yet.
    live: Vec<Uuid>,
    pub(crate) secrets: Vec<ProjectSecret>,
    /// In creation order.
    pub(crate) webhooks: Vec<WebhookRecord>,
    pub(crate) cursors: HashMap<String, Cursor>,
    pub(crate) deliveries: Deliveries,
    /// Browser sessions (`sessions.rs`).
    pub(crate) sessions: super::session_store::SessionStore,
    seq: u64,
    /// Contexts, extensions, certificates, downloads and the project's concurrency.
    pub(crate) areas: super::area_store::Areas,
}

impl State {
    pub(crate) fn new(max_page_size: usize) -> Self {
        Self {
            clock: Clock::new(),
            max_page_size: max_page_size.max(1),
            functions: Vec::new(),
            versions: HashMap::new(),
            builds: Vec::new(),
            invocations: HashMap::new(),
            live: Vec::new(),
            secrets: Vec::new(),
            webhooks: Vec::new(),
            cursors: HashMap::new(),
            deliveries: Deliveries::default(),
            sessions: Default::default(),
            seq: 0,
            areas: super::area_store::Areas::default(),
        }
    }

    /// A number larger than any handed out before: ordering for cursors.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn function(&self, id: Uuid) -> Option<&FunctionRecord> {
        self.functions.iter().find(|f| f.id == id)
    }

    pub(crate) fn function_mut(&mut self, id: Uuid) -> Option<&mut FunctionRecord> {
        self.functions.iter_mut().find(|f| f.id == id)
    }

    pub(crate) fn function_named(&self, name: &str) -> Option<&FunctionRecord> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// Publishes `script` as a new version, through a build that completed at `at`: a new Function
    /// when the name is new, else a new version of the existing one (its id stays). Returns the
    /// Function, version and build ids.
    pub(crate) fn publish(
        &mut self,
        script: FunctionScript,
        at: DateTime<Utc>,
    ) -> (Uuid, Uuid, Uuid) {
        let build_id = Uuid::new_v4();
        let version_id = Uuid::new_v4();
        let started = minus(at, Duration::from_secs(40));
        let name = script.name.clone();
        let function_id = match self.function_named(&name).map(|f| f.id) {
            Some(id) => id,
            None => {
                let id = script
                    .id
                    .filter(|id| self.function(*id).is_none())
                    .unwrap_or_else(Uuid::new_v4);
                self.functions.push(FunctionRecord {
                    id,
                    name: name.clone(),
                    created: at,
                    updated: at,
                    versions: Vec::new(),
                    secrets: Vec::new(),
                });
                id
            }
        };
        if let Some(f) = self.function_mut(function_id) {
            f.versions.push(version_id);
            f.updated = at;
        }
        self.versions.insert(
            version_id,
            VersionRecord {
                id: version_id,
                function_id,
                build_id,
                created: at,
                script,
                invocations: Vec::new(),
            },
        );
        let log = |secs: u64, message: String| LogLine {
            at: plus(started, Duration::from_secs(secs)),
            message,
        };
        self.builds.push(BuildRecord {
            id: build_id,
            created: started,
            ended: at,
            entrypoint: "index.ts".into(),
            function_names: vec![name.clone()],
            built: vec![version_id],
            failure: None,
            logs: vec![
                log(1, "Unpacking archive.tar.gz (18.4 kB)".into()),
                log(3, "Installing dependencies from package-lock.json".into()),
                log(31, "Bundling index.ts".into()),
                log(38, format!("Found 1 Function manifest: {name}")),
                log(40, format!("Published {name} as version {version_id}")),
            ],
        });
        (function_id, version_id, build_id)
    }

    /// Records a build that failed at `at` with `code` and `message`.
    pub(crate) fn add_failed_build(
        &mut self,
        at: DateTime<Utc>,
        code: &str,
        message: &str,
        logs: &[&str],
    ) -> Uuid {
        let id = Uuid::new_v4();
        let started = minus(at, Duration::from_secs(12));
        self.builds.push(BuildRecord {
            id,
            created: started,
            ended: at,
            entrypoint: "index.ts".into(),
            function_names: Vec::new(),
            built: Vec::new(),
            failure: Some((code.into(), message.into())),
            logs: logs
                .iter()
                .enumerate()
                .map(|(i, m)| LogLine {
                    at: plus(started, Duration::from_secs(2 * i as u64 + 1)),
                    message: (*m).to_owned(),
                })
                .collect(),
        });
        id
    }

    /// A build as the API returns it at `now`.
    pub(crate) fn build_json(&self, build: &BuildRecord, now: DateTime<Utc>) -> Value {
        let status = build.status(now);
        let mut request = json!({"entrypoint": build.entrypoint});
        if !build.function_names.is_empty() {
            request["functionNames"] = json!(build.function_names);
        }
        let mut v = json!({
            "id": build.id,
            "projectId": PROJECT_ID,
            "request": request,
            "status": status.as_str(),
            "createdAt": stamp(build.created),
            "updatedAt": stamp(if status == Status::Running { build.created } else { build.ended }),
            "startedAt": stamp(build.created),
            // What `expiresAt` means for a build is undocumented; ten minutes after it started.
            "expiresAt": stamp(plus(build.created, Duration::from_secs(600))),
        });
        match status {
            Status::Completed => {
                v["endedAt"] = json!(stamp(build.ended));
                let built: Vec<Value> = build
                    .built
                    .iter()
                    .filter_map(|vid| self.versions.get(vid))
                    .filter_map(|version| {
                        let mut f = self.function(version.function_id)?.json();
                        f["createdVersion"] = version.json();
                        Some(f)
                    })
                    .collect();
                v["builtFunctions"] = json!(built);
            }
            Status::Failed => {
                v["endedAt"] = json!(stamp(build.ended));
                if let Some((code, message)) = &build.failure {
                    v["cause"] = json!({"code": code, "message": message});
                }
            }
            Status::Pending | Status::Running => {}
        }
        v
    }

    /// Starts an invocation of `version_id` now: the version's queue time, then `run.time`
    /// running, ending as `run.ended` (or `TIMED_OUT` if it would run past `timeout`).
    pub(crate) fn start_invocation(
        &mut self,
        version_id: Uuid,
        params: Map<String, Value>,
        timeout: Duration,
        run: Run,
    ) -> Option<Uuid> {
        let now = self.clock.now();
        self.start_invocation_at(now, version_id, params, timeout, run)
    }

    /// [`Self::start_invocation`] as if invoked at `now` (in the past, for seeded history).
    pub(crate) fn start_invocation_at(
        &mut self,
        now: DateTime<Utc>,
        version_id: Uuid,
        params: Map<String, Value>,
        timeout: Duration,
        run: Run,
    ) -> Option<Uuid> {
        let version = self.versions.get(&version_id)?;
        let downloads = version.script.downloads.clone();
        let id = Uuid::new_v4();
        let started = plus(now, version.script.queue_time);
        let expires = plus(now, timeout);
        let (mut ends, mut ended, mut lines) = (plus(started, run.time), run.ended, run.logs);
        if ends > expires {
            ends = expires;
            ended = Ended::Failed {
                code: CauseCode::TimedOut,
                message: format!(
                    "The invocation ran past its session timeout of {} s",
                    timeout.as_secs()
                ),
            };
            lines.push("Session timed out: closing the browser".into());
        }
        // Lines are spread over the run: the first when it starts, the last just before it ends.
        let span = ends.signed_duration_since(started);
        let n = lines.len() as i32;
        let logs = lines
            .into_iter()
            .enumerate()
            .map(|(i, message)| LogLine {
                at: started + span / n.max(1) * i as i32,
                message,
            })
            .collect();
        let record = InvocationRecord {
            id,
            function_id: version.function_id,
            version_id,
            session_id: Uuid::new_v4(),
            params,
            created: now,
            started,
            ends,
            expires,
            ended,
            logs,
            reported: Status::Pending,
        };
        // Its session's downloads sync when it ends.
        for (name, content) in downloads {
            let session = record.session_id.to_string();
            self.areas.add_download(ends, &session, &name, content);
        }
        self.emit_invocation(&record, Status::Pending, now);
        self.invocations.insert(id, record);
        self.live.push(id);
        if let Some(v) = self.versions.get_mut(&version_id) {
            v.invocations.push(id);
        }
        Some(id)
    }

    /// Emits the webhook events of every invocation transition up to now. Called before each
    /// request is served, so a transition is noticed no later than the next request.
    pub(crate) fn notice_transitions(&mut self) {
        let now = self.clock.now();
        let mut live = std::mem::take(&mut self.live);
        live.retain(|id| {
            let Some(inv) = self.invocations.get(id) else {
                return false;
            };
            let status = inv.status(now);
            if status == inv.reported {
                return true;
            }
            let mut passed = Vec::with_capacity(2);
            if inv.reported < Status::Running && status >= Status::Running {
                passed.push(Status::Running);
            }
            if status > Status::Running {
                passed.push(status);
            }
            // Each event carries the invocation as it read in that status.
            let events: Vec<(Status, Value)> = passed
                .into_iter()
                .map(|s| {
                    let data = match s {
                        Status::Running => inv.running_json(),
                        _ => inv.json(now, true),
                    };
                    (s, data)
                })
                .collect();
            let inv_id = inv.id;
            for (s, data) in events {
                self.emit(s, inv_id, &data);
            }
            if let Some(inv) = self.invocations.get_mut(&inv_id) {
                inv.reported = status;
            }
            status <= Status::Running
        });
        self.live = live;
    }

    /// How long until the next invocation transition (from the clock's now), when a webhook is
    /// registered to be told of it; `None` otherwise, so a fake without webhooks sets no timer.
    pub(crate) fn next_transition(&self) -> Option<Duration> {
        if self.webhooks.is_empty() {
            return None;
        }
        let now = self.clock.now();
        self.live
            .iter()
            .filter_map(|id| self.invocations.get(id))
            .map(|inv| {
                if now < inv.started {
                    inv.started
                } else {
                    inv.ends
                }
            })
            .min()
            .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
    }

    fn emit_invocation(&mut self, inv: &InvocationRecord, status: Status, now: DateTime<Utc>) {
        let data = match status {
            Status::Pending => inv.accepted_json(),
            _ => inv.json(now, true),
        };
        self.emit(status, inv.id, &data);
    }

    fn emit(&mut self, status: Status, resource_id: Uuid, data: &Value) {
        let event_type = status.invocation_event();
        let subscribed: Vec<Uuid> = self
            .webhooks
            .iter()
            .filter(|w| w.event_types.contains(&event_type))
            .map(|w| w.id)
            .collect();
        for webhook_id in subscribed {
            self.deliveries.push(WebhookEvent {
                id: Uuid::new_v4(),
                webhook_id,
                event_type: event_type.clone(),
                resource_id,
                data: data.clone(),
            });
        }
    }

    /// Issues an opaque cursor for the page after `after` in `list`.
    pub(crate) fn issue_cursor(&mut self, list: CursorList, after: u64) -> String {
        let token = format!("cur_{}", Uuid::new_v4().simple());
        self.cursors.insert(token.clone(), Cursor { list, after });
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with_webhook(types: &[&str]) -> State {
        let mut s = State::new(usize::MAX);
        let now = s.clock.now();
        let seq = s.next_seq();
        s.webhooks.push(WebhookRecord {
            id: Uuid::new_v4(),
            seq,
            endpoint: "http://127.0.0.1:9/hook".into(),
            event_types: types.iter().map(|t| EventType::from(*t)).collect(),
            created: now,
            updated: now,
            secret: WebhookSecret::from_key(b"test key"),
            previous: Vec::new(),
        });
        s
    }

    #[test]
    fn transitions_queue_one_event_each_for_subscribed_webhooks() {
        let mut s = state_with_webhook(&[
            "functions.invocations.pending",
            "functions.invocations.running",
            "functions.invocations.completed",
        ]);
        let now = s.clock.now();
        let script = FunctionScript::new("t")
            .with_run_time(Duration::from_secs(10))
            .with_results(json!({"ok": true}));
        let (_, version, _) = s.publish(script, now);
        let run = Run {
            time: Duration::from_secs(10),
            ended: Ended::Completed(Some(json!({"ok": true}))),
            logs: Vec::new(),
        };
        let id = s
            .start_invocation(version, Map::new(), Duration::from_secs(900), run)
            .expect("the version exists");
        s.notice_transitions();
        s.clock.advance(Duration::from_secs(11));
        s.notice_transitions();
        s.notice_transitions();
        let events = s.deliveries.take();
        let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "functions.invocations.pending",
                "functions.invocations.running",
                "functions.invocations.completed"
            ]
        );
        assert!(events.iter().all(|e| e.resource_id == id));
        assert!(events.iter().all(|e| e.webhook_id == s.webhooks[0].id));
        assert_eq!(events[2].envelope()["data"]["status"], json!("COMPLETED"));
        assert_eq!(events[2].envelope()["data"]["results"], json!({"ok": true}));
        assert!(s.deliveries.take().is_empty());
    }

    /// A run shorter than the gap between two checks: one check notices both transitions, and
    /// each event carries the invocation as it read in its own status.
    #[test]
    fn the_running_event_says_running_when_the_end_is_noticed_with_it() {
        let mut s = state_with_webhook(&[
            "functions.invocations.running",
            "functions.invocations.completed",
        ]);
        let now = s.clock.now();
        let script = FunctionScript::new("t").with_results(json!({"ok": true}));
        let (_, version, _) = s.publish(script, now);
        let run = Run {
            time: Duration::ZERO,
            ended: Ended::Completed(Some(json!({"ok": true}))),
            logs: Vec::new(),
        };
        let id = s
            .start_invocation(version, Map::new(), Duration::from_secs(900), run)
            .expect("the version exists");
        s.notice_transitions();
        let events = s.deliveries.take();
        let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "functions.invocations.running",
                "functions.invocations.completed"
            ]
        );
        let running = &events[0].envelope()["data"];
        assert_eq!(running["id"], json!(id));
        assert_eq!(running["status"], json!("RUNNING"));
        assert_eq!(running["updatedAt"], running["startedAt"]);
        assert!(running.get("endedAt").is_none(), "{running}");
        assert!(running.get("results").is_none(), "{running}");
        let completed = &events[1].envelope()["data"];
        assert_eq!(completed["status"], json!("COMPLETED"));
        assert_eq!(completed["results"], json!({"ok": true}));
        assert_eq!(completed["endedAt"], completed["startedAt"]);
    }

    #[test]
    fn a_run_past_the_timeout_fails_timed_out_at_expiry() {
        let mut s = State::new(usize::MAX);
        let now = s.clock.now();
        let script = FunctionScript::new("slow").with_run_time(Duration::from_secs(120));
        let (_, version, _) = s.publish(script, now);
        let run = Run {
            time: Duration::from_secs(120),
            ended: Ended::Completed(None),
            logs: Vec::new(),
        };
        let id = s
            .start_invocation(version, Map::new(), Duration::from_secs(60), run)
            .expect("the version exists");
        s.clock.advance(Duration::from_secs(61));
        let inv = &s.invocations[&id];
        let v = inv.json(s.clock.now(), true);
        assert_eq!(v["status"], json!("FAILED"));
        assert_eq!(v["cause"]["code"], json!("TIMED_OUT"));
        assert_eq!(v["endedAt"], v["expiresAt"]);
    }
}
