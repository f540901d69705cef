//! Webhook deliveries: a background task that notices invocation transitions on the fake's clock
//! and POSTs each queued event, signed like Browserbase signs it, to its webhook's endpoint when
//! that is plain http on loopback, retrying a few times when the receiver does not answer 2xx.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::delivery_log::DeliveryAttempt;
use super::server::Shared;
use super::state::{State, WebhookEvent};
use crate::webhooks::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, WebhookSecret, sign};

/// The pauses before the second, third and fourth attempts at an unacknowledged delivery. The
/// real service waits 5 s, 5 min, 30 min…; a test cannot, so these are short and few.
pub(crate) const RETRY_DELAYS: [Duration; 3] = [
    Duration::from_millis(50),
    Duration::from_millis(250),
    Duration::from_secs(1),
];

/// How long a receiver has to answer, as Browserbase allows.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// Deliveries sent at the same time, at most.
const MAX_IN_FLIGHT: usize = 64;

/// An event ready to send: where, what, and the secrets to sign it with.
struct Job {
    event: WebhookEvent,
    endpoint: reqwest::Url,
    /// The current secret and those still in their grace window: one signature each.
    secrets: Vec<WebhookSecret>,
    body: Bytes,
}

/// Runs until `stop` changes or its sender is dropped; in-flight deliveries are then aborted.
pub(crate) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let http = match reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            tracing::warn!(
                error = &e as &dyn std::error::Error,
                "the fake cannot deliver webhooks"
            );
            return;
        }
    };
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut in_flight = JoinSet::new();
    loop {
        let (jobs, next) = {
            let mut state = shared.state();
            state.notice_transitions();
            (jobs(&mut state), state.next_transition())
        };
        for job in jobs {
            let (http, shared, permits) = (http.clone(), Arc::clone(&shared), Arc::clone(&permits));
            in_flight.spawn(async move {
                // Closed only when the task ends, which aborts this one too.
                if let Ok(_permit) = permits.acquire_owned().await {
                    deliver(&http, &shared, &job).await;
                }
            });
        }
        let due = async {
            match next {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = stop.changed() => break,
            () = shared.wake.notified() => {}
            () = due => {}
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    in_flight.shutdown().await;
}

/// The queued events that can be delivered now: their webhook still exists and its endpoint is
/// plain http on loopback (anything else could leave the machine, so the fake never sends it).
fn jobs(state: &mut State) -> Vec<Job> {
    let now = state.clock.now();
    let events = state.deliveries.take();
    events
        .into_iter()
        .filter_map(|event| {
            let webhook = state.webhooks.iter().find(|w| w.id == event.webhook_id)?;
            let endpoint = reqwest::Url::parse(&webhook.endpoint)
                .ok()
                .filter(|u| u.scheme() == "http" && crate::validate::is_loopback(u))?;
            let secrets = std::iter::once(&webhook.secret)
                .chain(
                    webhook
                        .previous
                        .iter()
                        .filter(|(_, until)| *until > now)
                        .map(|(s, _)| s),
                )
                .cloned()
                .collect();
            let body = Bytes::from(event.envelope().to_string());
            Some(Job {
                event,
                endpoint,
                secrets,
                body,
            })
        })
        .collect()
}

/// Delivers one event: retried until a 2xx or the retries run out; then sent once more when the
/// fake is configured to duplicate deliveries.
async fn deliver(http: &reqwest::Client, shared: &Shared, job: &Job) {
    let copies = if shared.duplicate_deliveries { 2 } else { 1 };
    let mut attempt = 0;
    for _ in 0..copies {
        let mut delays = RETRY_DELAYS.iter();
        loop {
            attempt += 1;
            let seq = shared.delivery_log.sent(DeliveryAttempt {
                event_id: job.event.id,
                webhook_id: job.event.webhook_id,
                event_type: job.event.event_type.to_string(),
                resource_id: job.event.resource_id,
                endpoint: job.endpoint.to_string(),
                attempt,
                status: None,
                in_flight: true,
            });
            let status = post(http, job).await;
            shared.delivery_log.answered(seq, status);
            if status.is_some_and(|s| (200..300).contains(&s)) {
                break;
            }
            match delays.next() {
                Some(delay) => tokio::time::sleep(*delay).await,
                // Given up: the event is lost, as a real one is after its last retry.
                None => return,
            }
        }
    }
}

/// One POST with the Standard Webhooks headers, signed now; the status, or `None` without one.
async fn post(http: &reqwest::Client, job: &Job) -> Option<u16> {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let id = job.event.id.to_string();
    let signature = job
        .secrets
        .iter()
        .map(|secret| sign(secret, &id, timestamp, &job.body))
        .collect::<Vec<_>>()
        .join(" ");
    let request = http
        .post(job.endpoint.clone())
        .header(HEADER_ID, &id)
        .header(HEADER_TIMESTAMP, timestamp.to_string())
        .header(HEADER_SIGNATURE, signature)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(job.body.clone());
    let exchange = async {
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        // Read the (ignored) answer so the connection can be reused.
        let _ = response.bytes().await;
        Some(status)
    };
    tokio::time::timeout(ANSWER_TIMEOUT, exchange)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FunctionScript;
    use crate::testing::state::{Run, WebhookRecord, minus, plus};
    use crate::webhooks::EventType;
    use chrono::{DateTime, Utc};
    use serde_json::Map;
    use uuid::Uuid;

    fn secret(text: &str) -> WebhookSecret {
        WebhookSecret::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn webhook(
        state: &mut State,
        endpoint: &str,
        previous: Vec<(WebhookSecret, DateTime<Utc>)>,
    ) -> Uuid {
        let (id, seq, now) = (Uuid::new_v4(), state.next_seq(), state.clock.now());
        state.webhooks.push(WebhookRecord {
            id,
            seq,
            endpoint: endpoint.to_owned(),
            event_types: vec![EventType::FunctionsInvocationsPending],
            created: now,
            updated: now,
            secret: secret("whsec_Y3VycmVudA=="),
            previous,
        });
        id
    }

    /// Only events of webhooks that still exist, with plain http loopback endpoints, become jobs;
    /// each is signed by the current secret and the previous ones still in their grace window.
    #[test]
    fn jobs_go_only_to_existing_loopback_http_webhooks_with_their_valid_secrets() {
        let mut state = State::new(usize::MAX);
        let now = state.clock.now();
        let hour = Duration::from_secs(3600);
        let https = webhook(&mut state, "https://hooks.example.com/bb", Vec::new());
        let remote_http = webhook(&mut state, "http://hooks.example.com/bb", Vec::new());
        let expired = webhook(
            &mut state,
            "http://127.0.0.1:9/expired",
            vec![(secret("whsec_b2xk"), minus(now, hour))],
        );
        let in_grace = webhook(
            &mut state,
            "http://localhost:9/grace",
            vec![(secret("whsec_b2xk"), plus(now, hour))],
        );
        let deleted = webhook(&mut state, "http://127.0.0.1:9/deleted", Vec::new());
        let script = FunctionScript::new("f");
        let run = Run::from_script(&script, &Map::new());
        let (_, version, _) = state.publish(script, now);
        let invocation = state
            .start_invocation(version, Map::new(), hour, run)
            .expect("the version exists");
        // The pending event is queued for all five; then one webhook is deleted.
        state.webhooks.retain(|w| w.id != deleted);

        let jobs = jobs(&mut state);
        let to: Vec<(Uuid, &str)> = jobs
            .iter()
            .map(|j| (j.event.webhook_id, j.endpoint.as_str()))
            .collect();
        assert_eq!(
            to,
            [
                (expired, "http://127.0.0.1:9/expired"),
                (in_grace, "http://localhost:9/grace"),
            ],
            "not {https} (https), {remote_http} (not loopback) or {deleted} (deleted)"
        );
        let secrets = |job: &Job| -> Vec<String> {
            job.secrets
                .iter()
                .map(WebhookSecret::expose_secret)
                .collect()
        };
        assert_eq!(secrets(&jobs[0]), ["whsec_Y3VycmVudA=="]);
        assert_eq!(secrets(&jobs[1]), ["whsec_Y3VycmVudA==", "whsec_b2xk"]);
        for job in &jobs {
            assert_eq!(job.event.resource_id, invocation);
            assert_eq!(job.body, job.event.envelope().to_string());
        }
        assert!(super::jobs(&mut state).is_empty(), "the queue was drained");
    }
}
