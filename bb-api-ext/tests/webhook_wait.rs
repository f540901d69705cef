//! The whole webhook flow on 127.0.0.1: a webhook registered with the fake, the `webhook_receiver`
//! example receiving its signed deliveries (verified with `Verifier`) and handing them to the
//! client's hub, and event-driven waits that end on the terminal event with no polling request;
//! a lost delivery caught by the polling fallback; duplicates; the hub's bounded memory.

#[allow(
    dead_code,
    reason = "the example's main and argument parsing are not used here"
)]
#[path = "../examples/webhook_receiver.rs"]
mod receiver;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bb_api_ext::testing::{FakeBrowserbase, FakeConfig, FunctionScript};
use bb_api_ext::webhooks::{Event, EventType, Verifier, WebhookHub};
use bb_api_ext::{Client, Error, Invocation, InvocationCauseCode, InvocationStatus, PollSchedule};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Bounds every wait in this file (real time).
const PATIENCE: Duration = Duration::from_secs(20);

const INVOCATION_TYPES: [EventType; 4] = [
    EventType::FunctionsInvocationsPending,
    EventType::FunctionsInvocationsRunning,
    EventType::FunctionsInvocationsCompleted,
    EventType::FunctionsInvocationsFailed,
];

/// Invokes `function_id` with no params or settings.
async fn invoke(client: &Client, function_id: Uuid) -> Invocation {
    client
        .functions()
        .invoke(function_id)
        .send()
        .await
        .expect("invoked")
}

/// A fake with a registered webhook whose endpoint is the example receiver, which feeds the
/// client's hub with every first-time event that `forward` accepts.
struct Flow {
    fake: FakeBrowserbase,
    client: Client,
    hub: WebhookHub,
    /// Every event the receiver accepted (verified, first time), in arrival order.
    received: Arc<Mutex<Vec<Event>>>,
    receiver: JoinHandle<()>,
}

impl Drop for Flow {
    fn drop(&mut self) {
        self.receiver.abort();
    }
}

impl Flow {
    async fn start(config: FakeConfig, forward: impl Fn(&Event) -> bool + Send + 'static) -> Self {
        let fake = FakeBrowserbase::start_with(config)
            .await
            .unwrap_or_else(|e| panic!("fake: {e}"));
        let client = fake.client();
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let created = client
            .webhooks()
            .create(format!("http://{addr}/browserbase"), INVOCATION_TYPES)
            .await
            .unwrap_or_else(|e| panic!("register the receiver: {e}"));
        let verifier = Verifier::new(created.secret);
        let hub = client.webhook_events();
        let received: Arc<Mutex<Vec<Event>>> = Arc::default();
        let (sink, to_hub) = (Arc::clone(&received), hub.clone());
        let receiver = tokio::spawn(receiver::serve(
            listener,
            verifier,
            receiver::Options::default(),
            move |event| {
                if forward(&event) {
                    to_hub.deliver(&event);
                }
                if let Ok(mut events) = sink.lock() {
                    events.push(event);
                }
            },
        ));
        Self {
            fake,
            client,
            hub,
            received,
            receiver,
        }
    }

    fn received(&self) -> Vec<Event> {
        self.received.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// The event types received for `id`, sorted.
    fn types_for(&self, id: Uuid) -> Vec<String> {
        let mut types: Vec<String> = self
            .received()
            .iter()
            .filter(|e| e.resource_uuid() == Some(id))
            .map(|e| e.event_type.to_string())
            .collect();
        types.sort();
        types
    }

    /// Polls (bounded) until `done` holds.
    async fn until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let started = tokio::time::Instant::now();
        while !done(self) {
            assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn invoke(&self, function_id: Uuid) -> Invocation {
        invoke(&self.client, function_id).await
    }

    fn invocation_gets(&self) -> usize {
        self.fake
            .requests_to("GET", "/v1/functions/invocations/")
            .len()
    }
}

#[tokio::test]
async fn invoke_receive_and_wait_without_a_single_poll() {
    let flow = Flow::start(FakeConfig::empty(), |_| true).await;
    let scrape = flow.fake.add_function(
        FunctionScript::new("scrape-title")
            .with_run_time(Duration::from_millis(300))
            .with_results(json!({"title": "Example Domain"})),
    );
    let broken = flow.fake.add_function(
        FunctionScript::new("broken")
            .with_queue_time(Duration::from_millis(100))
            .with_failure(InvocationCauseCode::WorkloadError, "selector not found"),
    );
    let invocations = flow.client.invocations();
    let a = flow.invoke(scrape.function_id).await;
    let b = flow.invoke(scrape.function_id).await;
    let c = flow.invoke(broken.function_id).await;
    let requests_after_invokes = flow.fake.requests().len();
    assert_eq!(a.status, InvocationStatus::Pending);

    // A wait on an invocation in hand, one by id, one that fails: all at once, all by events.
    let max = PATIENCE;
    let (ra, rb, rc) = tokio::join!(
        invocations.wait_for(a.clone()).via(&flow.hub).max_wait(max),
        invocations.wait(b.id).via(&flow.hub).max_wait(max),
        invocations
            .wait(c.id.to_string())
            .via(&flow.hub)
            .max_wait(max),
    );
    let ra = ra.expect("completed");
    assert_eq!(ra.id, a.id);
    assert_eq!(ra.status, InvocationStatus::Completed);
    assert_eq!(ra.results, Some(json!({"title": "Example Domain"})));
    assert_eq!(rb.expect("completed").id, b.id);
    let Err(Error::InvocationFailed(failed)) = rc else {
        panic!("expected InvocationFailed, got {rc:?}");
    };
    assert_eq!(failed.id, c.id);
    let cause = failed.cause.as_ref().expect("a cause");
    assert_eq!(cause.code, Some(InvocationCauseCode::WorkloadError));
    assert_eq!(cause.message.as_deref(), Some("selector not found"));

    // Not one request to the API after the invokes: the waits learned everything from events.
    assert_eq!(flow.invocation_gets(), 0, "{:#?}", flow.fake.requests());
    assert_eq!(flow.fake.requests().len(), requests_after_invokes);
    assert_eq!(flow.hub.waiting(), 0, "every wait left the hub");

    // Every transition reached the receiver, signed and verified, acknowledged at once.
    flow.until("every event", |f| f.received().len() == 9).await;
    let lifecycle = |last: &str| {
        let mut t = vec![
            "functions.invocations.pending".to_owned(),
            "functions.invocations.running".to_owned(),
            format!("functions.invocations.{last}"),
        ];
        t.sort();
        t
    };
    assert_eq!(flow.types_for(a.id), lifecycle("completed"));
    assert_eq!(flow.types_for(b.id), lifecycle("completed"));
    assert_eq!(flow.types_for(c.id), lifecycle("failed"));
    // The fake logs an attempt when it sends it; its status once the receiver has answered.
    let deliveries = flow.fake.settled_deliveries(PATIENCE).await;
    assert_eq!(deliveries.len(), 9, "{deliveries:#?}");
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == Some(200) && d.attempt == 1),
        "{deliveries:#?}"
    );
    for event in flow.received() {
        let attempt = deliveries
            .iter()
            .find(|d| d.event_id.to_string() == event.id);
        assert!(
            attempt.is_some(),
            "{} was not delivered by the fake",
            event.id
        );
        // The payload is the invocation as a get returns it.
        assert_eq!(event.data["id"], json!(event.resource_id));
    }

    // A wait that starts after its terminal event arrived ends at once, still without a poll.
    let late = invocations
        .wait(a.id)
        .via(&flow.hub)
        .max_wait(max)
        .await
        .expect("kept event");
    assert_eq!(late.status, InvocationStatus::Completed);
    assert_eq!(flow.invocation_gets(), 0);
}

/// The hub never hears of one invocation's end (the receiver lost it): the wait's polling
/// fallback finds it, once, after the fallback interval.
#[tokio::test(start_paused = true)]
async fn a_lost_delivery_is_caught_by_the_polling_fallback() {
    let lost = Arc::new(Mutex::new(None::<Uuid>));
    let lost_id = Arc::clone(&lost);
    let flow = Flow::start(FakeConfig::empty(), move |event| {
        let lost = lost_id.lock().ok().and_then(|l| *l);
        !(event.event_type.is_terminal() && event.resource_uuid() == lost)
    })
    .await;
    let f = flow.fake.add_function(
        FunctionScript::new("slow")
            .with_run_time(Duration::from_secs(5))
            .with_results(json!({"ok": true})),
    );
    let inv = flow.invoke(f.function_id).await;
    if let Ok(mut l) = lost.lock() {
        *l = Some(inv.id);
    }
    let started = tokio::time::Instant::now();
    let done = flow
        .client
        .invocations()
        .wait_for(inv.clone())
        .via(&flow.hub)
        .await
        .expect("the fallback poll finds it");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert_eq!(done.results, Some(json!({"ok": true})));
    // One poll, at the fallback's interval (30 s, spread by up to 15 s per id): not at the 5 s
    // the run took.
    assert_eq!(flow.invocation_gets(), 1);
    let waited = started.elapsed();
    assert!(
        waited >= bb_api_ext::webhooks::DEFAULT_EVENT_FALLBACK,
        "{waited:?}"
    );
    assert!(waited <= Duration::from_secs(46), "{waited:?}");
    // The completed event did reach the receiver: only the hand-off was lost.
    assert!(
        flow.types_for(inv.id)
            .contains(&"functions.invocations.completed".to_owned())
    );
    assert_eq!(flow.hub.waiting(), 0);
}

/// A terminal event whose `data` is not the invocation makes the wait get it, once.
#[tokio::test]
async fn a_terminal_event_without_the_invocation_gets_it_once() {
    let flow = Flow::start(FakeConfig::empty(), |_| false).await;
    // Ends at once, so the get agrees with the event.
    let f = flow.fake.add_function(FunctionScript::new("quick"));
    let inv = flow.invoke(f.function_id).await;
    let hub = flow.hub.clone();
    let id = inv.id;
    let feeder = tokio::spawn(async move {
        // The receiver forwards nothing; hand the hub a terminal event with an opaque payload
        // once the wait is waiting (bounded: false if it never is).
        let started = tokio::time::Instant::now();
        while hub.waiting() == 0 {
            if started.elapsed() >= PATIENCE {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        hub.deliver(&Event::new(
            "evt_opaque",
            EventType::FunctionsInvocationsCompleted,
            id.to_string(),
            json!({"status": "COMPLETED"}),
        ))
    });
    let done = tokio::time::timeout(
        PATIENCE,
        flow.client.invocations().wait_for(inv).via(&flow.hub),
    )
    .await
    .expect("bounded")
    .expect("completed");
    assert_eq!(done.status, InvocationStatus::Completed);
    assert!(feeder.await.unwrap_or(false), "the wait was waiting");
    assert_eq!(flow.invocation_gets(), 1);
}

/// Every event is delivered twice: the receiver acknowledges both and processes one, the waits
/// end once, and repeats handed to the hub after the waits ended are kept only boundedly.
#[tokio::test]
async fn duplicate_deliveries_change_nothing() {
    let flow = Flow::start(FakeConfig::empty().with_duplicate_deliveries(true), |_| {
        true
    })
    .await;
    let f = flow.fake.add_function(
        FunctionScript::new("dup")
            .with_run_time(Duration::from_millis(100))
            .with_results(json!({"n": 1})),
    );
    let mut waits = Vec::new();
    for _ in 0..5 {
        let inv = flow.invoke(f.function_id).await;
        waits.push(
            flow.client
                .invocations()
                .wait_for(inv)
                .via(&flow.hub)
                .max_wait(PATIENCE)
                .into_future(),
        );
    }
    for done in futures_util::future::join_all(waits).await {
        assert_eq!(done.expect("completed").results, Some(json!({"n": 1})));
    }
    assert_eq!(flow.invocation_gets(), 0);
    // 5 invocations × 3 events, each POSTed twice and acknowledged twice, processed once.
    flow.until("every duplicate", |f| f.fake.deliveries().len() == 30)
        .await;
    flow.until("every event", |f| f.received().len() == 15)
        .await;
    let deliveries = flow.fake.settled_deliveries(PATIENCE).await;
    assert!(
        deliveries.iter().all(|d| d.status == Some(200)),
        "{deliveries:#?}"
    );
    for event in flow.received() {
        let copies: Vec<u32> = deliveries
            .iter()
            .filter(|d| d.event_id.to_string() == event.id)
            .map(|d| d.attempt)
            .collect();
        assert_eq!(copies, [1, 2], "{}", event.id);
    }
    // A receiver without deduplication would hand the hub every copy: harmless, and bounded.
    assert_eq!(flow.hub.recent(), 5, "one terminal event per invocation");
    for event in flow.received().iter().chain(flow.received().iter()) {
        assert!(!flow.hub.deliver(event), "no wait is waiting any more");
    }
    assert_eq!(flow.hub.waiting(), 0);
    assert_eq!(flow.hub.recent(), 5, "one terminal event per invocation");
}

/// A wait that gives up has the polling wait's error, with the invocation as its events last
/// showed it; a dropped wait leaves the hub.
#[tokio::test]
async fn a_wait_via_events_times_out_like_a_polling_one_and_leaves_the_hub() {
    let flow = Flow::start(FakeConfig::empty(), |_| true).await;
    let f = flow
        .fake
        .add_function(FunctionScript::new("long").with_run_time(Duration::from_secs(600)));
    let inv = flow.invoke(f.function_id).await;
    flow.until("the running event", |f| f.types_for(inv.id).len() == 2)
        .await;
    let err = flow
        .client
        .invocations()
        .wait(inv.id)
        .via(&flow.hub)
        // No fallback poll within the deadline.
        .poll_schedule(PollSchedule::every(Duration::from_secs(60)))
        .max_wait(Duration::from_millis(300))
        .await
        .expect_err("times out");
    let Error::WaitTimeout { id, waited, last } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*id, inv.id);
    assert!(*waited >= Duration::from_millis(300), "{waited:?}");
    // The running event came before the wait began and was not kept (only terminal ones are).
    assert!(last.is_none(), "{last:?}");
    assert_eq!(flow.invocation_gets(), 0);

    // Now with the running event arriving during the wait: it is what was last seen.
    let queued = flow.fake.add_function(
        FunctionScript::new("queued")
            .with_queue_time(Duration::from_millis(100))
            .with_run_time(Duration::from_secs(600)),
    );
    let inv = flow.invoke(queued.function_id).await;
    let err = flow
        .client
        .invocations()
        .wait_for(inv.clone())
        .via(&flow.hub)
        .max_wait(Duration::from_millis(500))
        .await
        .expect_err("times out");
    let Error::WaitTimeout {
        last: Some(last), ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(last.status, InvocationStatus::Running);
    assert!(
        err.to_string().starts_with(&format!(
            "invocation {} still RUNNING after waiting",
            inv.id
        )),
        "{err}"
    );

    // Dropped before it ends: its place in the hub goes with it.
    let mut wait = Box::pin(
        flow.client
            .invocations()
            .wait(inv.id)
            .via(&flow.hub)
            .into_future(),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(50), &mut wait)
            .await
            .is_err()
    );
    assert_eq!(flow.hub.waiting(), 1, "the wait registered with the hub");
    drop(wait);
    assert_eq!(flow.hub.waiting(), 0);
    assert_eq!(flow.invocation_gets(), 0);
}

/// A receiver that answers each delivery with the next status of a script (then 200), and keeps
/// what it got: headers and raw body.
struct ScriptedReceiver {
    url: String,
    got: Arc<Mutex<Vec<(hyper::HeaderMap, bytes::Bytes)>>>,
    task: JoinHandle<()>,
}

impl Drop for ScriptedReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedReceiver {
    async fn start(statuses: Vec<u16>) -> Self {
        use http_body_util::{BodyExt, Full};
        use hyper_util::rt::TokioIo;

        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let url = format!(
            "http://{}/hook",
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("addr: {e}"))
        );
        let got: Arc<Mutex<Vec<(hyper::HeaderMap, bytes::Bytes)>>> = Arc::default();
        let script = Arc::new(Mutex::new(std::collections::VecDeque::from(statuses)));
        let sink = Arc::clone(&got);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (sink, script) = (Arc::clone(&sink), Arc::clone(&script));
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (sink, script) = (Arc::clone(&sink), Arc::clone(&script));
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                if let Ok(mut got) = sink.lock() {
                                    got.push((parts.headers, body));
                                }
                                let status = script
                                    .lock()
                                    .ok()
                                    .and_then(|mut s| s.pop_front())
                                    .unwrap_or(200);
                                let mut response =
                                    hyper::Response::new(Full::new(bytes::Bytes::new()));
                                *response.status_mut() = hyper::StatusCode::from_u16(status)
                                    .unwrap_or(hyper::StatusCode::OK);
                                Ok::<_, std::convert::Infallible>(response)
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, got, task }
    }

    fn got(&self) -> Vec<(hyper::HeaderMap, bytes::Bytes)> {
        self.got.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// A wait `.via(&hub)` ends when the receiver hands the hub the event, which can be before the
/// receiver answers the fake: the attempt is listed from when it was sent, so `deliveries()`
/// straight after the wait has it (in flight), and `settled_deliveries` has its status.
#[tokio::test]
async fn deliveries_list_the_attempt_a_wait_ended_on() {
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;

    /// How long the receiver holds its answer after handing the event to the hub.
    const HOLD: Duration = Duration::from_secs(1);

    let fake = FakeBrowserbase::start()
        .await
        .unwrap_or_else(|e| panic!("fake: {e}"));
    let f = fake.add_function(FunctionScript::new("quick").with_results(json!({"ok": 1})));
    let client = fake.client();
    let hub = client.webhook_events();
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let created = client
        .webhooks()
        .create(
            format!("http://{addr}/hook"),
            [EventType::FunctionsInvocationsCompleted],
        )
        .await
        .expect("registered");
    let verifier = Verifier::new(created.secret);
    let to_hub = hub.clone();
    let receiver = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (verifier, to_hub) = (verifier.clone(), to_hub.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let (verifier, to_hub) = (verifier.clone(), to_hub.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            // hyper's headers are the `HeaderMap` the verifier takes.
                            if let Ok(event) = verifier.verify(&parts.headers, &body) {
                                to_hub.deliver(&event);
                            }
                            tokio::time::sleep(HOLD).await;
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                bytes::Bytes::new(),
                            )))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let invocation = invoke(&client, f.function_id).await;
    let done = client
        .invocations()
        .wait(invocation.id)
        .via(&hub)
        .max_wait(PATIENCE)
        .await
        .expect("completed");
    assert_eq!(done.results, Some(json!({"ok": 1})));
    let listed = fake.deliveries();
    let summary: Vec<(Uuid, &str, u32, Option<u16>, bool)> = listed
        .iter()
        .map(|d| {
            let t = d.event_type.as_str();
            (d.resource_id, t, d.attempt, d.status, d.in_flight)
        })
        .collect();
    assert_eq!(
        summary,
        [(
            invocation.id,
            "functions.invocations.completed",
            1,
            None,
            true
        )],
        "listed while the receiver holds its answer"
    );
    let settled = fake.settled_deliveries(PATIENCE).await;
    assert_eq!(settled.len(), 1, "{settled:#?}");
    assert_eq!(
        (settled[0].status, settled[0].in_flight),
        (Some(200), false)
    );
    receiver.abort();
}

/// Until `done` holds of the fake's delivery log (bounded).
async fn until_deliveries(
    fake: &FakeBrowserbase,
    done: impl Fn(&[bb_api_ext::testing::DeliveryAttempt]) -> bool,
) {
    let started = tokio::time::Instant::now();
    while !done(&fake.deliveries()) {
        assert!(
            started.elapsed() < PATIENCE,
            "timed out: {:#?}",
            fake.deliveries()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Unacknowledged deliveries are retried with the same event id, signed afresh, and given up
/// after four attempts; after a rotation each delivery carries a signature by each secret still
/// valid.
#[tokio::test]
async fn deliveries_are_retried_then_given_up_and_signed_by_every_valid_secret() {
    let fake = FakeBrowserbase::start()
        .await
        .unwrap_or_else(|e| panic!("fake: {e}"));
    let f = fake.add_function(FunctionScript::new("quick").with_results(json!({"ok": 1})));
    let client = fake.client();
    // First event: 500, then 200. Second: never acknowledged.
    let receiver = ScriptedReceiver::start(vec![500, 200, 500, 503, 500, 500]).await;
    let created = client
        .webhooks()
        .create(&receiver.url, [EventType::FunctionsInvocationsCompleted])
        .await
        .expect("registered");
    let old = Verifier::new(created.secret.clone());

    let first = invoke(&client, f.function_id).await;
    until_deliveries(&fake, |d| d.len() == 2).await;
    let second = invoke(&client, f.function_id).await;
    // Four attempts (50 ms, 250 ms, 1 s apart), then nothing more.
    until_deliveries(&fake, |d| d.len() == 6).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let deliveries = fake.deliveries();
    let summary: Vec<(Uuid, u32, Option<u16>)> = deliveries
        .iter()
        .map(|d| (d.resource_id, d.attempt, d.status))
        .collect();
    assert_eq!(
        summary,
        [
            (first.id, 1, Some(500)),
            (first.id, 2, Some(200)),
            (second.id, 1, Some(500)),
            (second.id, 2, Some(503)),
            (second.id, 3, Some(500)),
            (second.id, 4, Some(500)),
        ]
    );
    // Every attempt of an event has its id; each verifies with the secret `create` returned.
    let got = receiver.got();
    assert_eq!(got.len(), 6);
    for ((headers, body), attempt) in got.iter().zip(&deliveries) {
        assert_eq!(
            headers.get("webhook-id").and_then(|v| v.to_str().ok()),
            Some(attempt.event_id.to_string().as_str())
        );
        assert_eq!(
            headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
        let event = old
            .verify(headers, body)
            .expect("signed with the webhook's secret");
        assert_eq!(event.id, attempt.event_id.to_string());
        assert_eq!(event.event_type, EventType::FunctionsInvocationsCompleted);
        assert_eq!(event.data["status"], json!("COMPLETED"));
        assert_eq!(event.data["results"], json!({"ok": 1}));
    }

    // One more invoke, and the delivery it brings (the `n`th).
    let deliver_next = async |n: usize| {
        invoke(&client, f.function_id).await;
        until_deliveries(&fake, |d| d.len() == n).await;
        receiver.got().pop().expect("a delivery")
    };

    // After a rotation, both the old and the new secret verify (the grace window).
    let new = Verifier::new(
        client
            .webhooks()
            .rotate_secret(&created.webhook.id)
            .await
            .expect("rotated"),
    );
    let (headers, body) = deliver_next(7).await;
    let signatures = headers
        .get("webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        signatures
            .split(' ')
            .filter(|s| s.starts_with("v1,"))
            .count(),
        2,
        "{signatures}"
    );
    assert!(old.verify(&headers, &body).is_ok());
    assert!(new.verify(&headers, &body).is_ok());
    // Revoked: only the new secret signs.
    let newest = Verifier::new(
        client
            .webhooks()
            .rotate_secret(&created.webhook.id)
            .revoke_immediately(true)
            .await
            .expect("rotated"),
    );
    let (headers, body) = deliver_next(8).await;
    assert!(newest.verify(&headers, &body).is_ok());
    assert!(new.verify(&headers, &body).is_err());
    assert!(old.verify(&headers, &body).is_err());
}
