//! The `webhook_receiver` example end to end on 127.0.0.1: statuses, empty rejection bodies, the
//! 413 before the body is read, deduplication, the worker hand-off and `--max-events` exit, and
//! the 503 of a full queue whose retry is not taken for a duplicate.

#[allow(
    dead_code,
    reason = "the example's main and argument parsing are not used here"
)]
#[path = "../examples/webhook_receiver.rs"]
mod receiver;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bb_api_ext::webhooks::{Event, Verifier, WebhookSecret, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LIMIT: usize = 4096;
/// Bounds every wait in this file.
const PATIENCE: Duration = Duration::from_secs(10);

fn secret() -> WebhookSecret {
    SECRET.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(r#"{{"id":"{id}","type":"{event_type}","resourceId":"res-{id}","data":{{}}}}"#)
        .into_bytes()
}

struct Delivery {
    id: String,
    timestamp: i64,
    signature: String,
    body: Vec<u8>,
}

fn signed(id: &str, body: Vec<u8>) -> Delivery {
    let timestamp = now();
    Delivery {
        id: id.to_owned(),
        timestamp,
        signature: sign(&secret(), id, timestamp, &body),
        body,
    }
}

/// POSTs `d` as Browserbase does; the whole response.
async fn send(client: &reqwest::Client, url: &str, d: &Delivery) -> reqwest::Response {
    client
        .post(url)
        .header("webhook-id", &d.id)
        .header("webhook-timestamp", d.timestamp.to_string())
        .header("webhook-signature", &d.signature)
        .header("content-type", "application/json")
        .body(d.body.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"))
}

/// POSTs `d`; the status and body of the answer.
async fn post(client: &reqwest::Client, url: &str, d: &Delivery) -> (u16, String) {
    let response = send(client, url, d).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Writes `head` and `body` on a raw connection and returns the response's status line.
async fn raw_status_line(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut received = Vec::new();
        let mut buf = [0u8; 1024];
        while !received.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&received).into_owned())
    };
    let text = tokio::time::timeout(PATIENCE, exchange)
        .await
        .unwrap_or_else(|_| panic!("no response within {PATIENCE:?}"))
        .unwrap_or_else(|e| panic!("raw exchange: {e}"));
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn receiver_verifies_acknowledges_deduplicates_and_stops_after_max_events() {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let url = format!("http://{addr}/");
    let processed: Arc<Mutex<Vec<Event>>> = Arc::default();
    let sink = Arc::clone(&processed);
    let options = receiver::Options {
        max_events: Some(3),
        ..receiver::Options::default()
    };
    let verifier = Verifier::new(secret()).with_max_body_bytes(LIMIT);
    let server = tokio::spawn(receiver::serve(listener, verifier, options, move |event| {
        if let Ok(mut events) = sink.lock() {
            events.push(event);
        }
    }));
    let client = reqwest::Client::new();

    // A valid delivery is acknowledged with 200 and an empty body.
    let first = signed("evt_a", body("evt_a", "functions.invocations.completed"));
    assert_eq!(post(&client, &url, &first).await, (200, String::new()));
    // The same event again (a retry): acknowledged, not processed again.
    assert_eq!(post(&client, &url, &first).await, (200, String::new()));

    // Tampered body: 401 with an empty body (nothing echoed).
    let mut tampered = signed("evt_t", body("evt_t", "functions.invocations.completed"));
    tampered.body = body("evt_t", "functions.invocations.failed");
    assert_eq!(post(&client, &url, &tampered).await, (401, String::new()));
    // Missing signature: 401.
    let mut unsigned = signed("evt_u", body("evt_u", "functions.builds.running"));
    unsigned.signature = String::from("v2,abc");
    assert_eq!(post(&client, &url, &unsigned).await, (401, String::new()));
    // Validly signed but not an event: 400, empty body.
    let not_event = signed("evt_n", br#"{"id":"evt_n"}"#.to_vec());
    assert_eq!(post(&client, &url, &not_event).await, (400, String::new()));
    // Not a POST: 405.
    let get = client.get(&url).send().await.map(|r| r.status().as_u16());
    assert_eq!(get.ok(), Some(405));

    // A declared body over the limit is refused before it is read: only 10 of 100 MiB are sent
    // and the 413 still arrives.
    let big = signed("evt_big", vec![b' '; 10]);
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\nwebhook-id: evt_big\r\nwebhook-timestamp: {}\r\n\
         webhook-signature: {}\r\ncontent-length: 104857600\r\n\r\n",
        big.timestamp, big.signature
    );
    assert_eq!(
        raw_status_line(addr, &head, &big.body).await,
        "HTTP/1.1 413 Payload Too Large"
    );
    // A streamed (chunked) body is cut off at the limit: 413 once it passes LIMIT bytes.
    let chunk = vec![b' '; 1024];
    let mut chunked = Vec::new();
    for _ in 0..5 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\nwebhook-id: evt_big\r\nwebhook-timestamp: {}\r\n\
         webhook-signature: {}\r\ntransfer-encoding: chunked\r\n\r\n",
        big.timestamp, big.signature
    );
    assert_eq!(
        raw_status_line(addr, &head, &chunked).await,
        "HTTP/1.1 413 Payload Too Large"
    );

    // Two more events reach max_events = 3: the receiver stops by itself.
    for id in ["evt_b", "evt_c"] {
        let d = signed(id, body(id, "functions.builds.completed"));
        assert_eq!(post(&client, &url, &d).await, (200, String::new()));
    }
    tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap_or_else(|_| panic!("the receiver did not stop after 3 events"))
        .unwrap_or_else(|e| panic!("receiver task: {e}"));

    let processed = processed.lock().map(|e| e.clone()).unwrap_or_default();
    let seen: Vec<(&str, &str, &str)> = processed
        .iter()
        .map(|e| (e.id.as_str(), e.event_type.as_str(), e.resource_id.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("evt_a", "functions.invocations.completed", "res-evt_a"),
            ("evt_b", "functions.builds.completed", "res-evt_b"),
            ("evt_c", "functions.builds.completed", "res-evt_c"),
        ]
    );
}

/// With the worker busy and the queue full, a delivery gets 503 with `Retry-After: 5` and is not
/// marked as seen: its retry, once there is room, is accepted and processed, not dropped as a
/// duplicate. The worker is held on a gate (bounded by PATIENCE), so every step is deterministic.
// Multi-threaded: the gated worker blocks its thread (in block_in_place) while the server runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_and_the_retry_is_not_a_duplicate() {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let url = format!(
        "http://{}/",
        listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"))
    );
    let processed: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&processed);
    // The worker reports each event it takes, then waits for the gate (or PATIENCE).
    let (taken_tx, mut taken) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (gate, gate_rx) = std::sync::mpsc::channel::<()>();
    let options = receiver::Options {
        max_events: Some(3),
        queue: 1,
        ..receiver::Options::default()
    };
    let server = tokio::spawn(receiver::serve(
        listener,
        Verifier::new(secret()),
        options,
        move |event| {
            let _ = taken_tx.send(event.id.clone());
            let _ = tokio::task::block_in_place(|| gate_rx.recv_timeout(PATIENCE));
            if let Ok(mut ids) = sink.lock() {
                ids.push(event.id);
            }
        },
    ));
    let next_taken = async |taken: &mut tokio::sync::mpsc::UnboundedReceiver<String>| {
        tokio::time::timeout(PATIENCE, taken.recv())
            .await
            .unwrap_or_else(|_| panic!("the worker took no event within {PATIENCE:?}"))
            .unwrap_or_default()
    };
    let client = reqwest::Client::new();
    let delivery = |id: &str| signed(id, body(id, "functions.invocations.completed"));
    let (one, two, three) = (delivery("evt_1"), delivery("evt_2"), delivery("evt_3"));

    // evt_1 is taken by the worker, which holds it; evt_2 fills the one-slot queue.
    assert_eq!(post(&client, &url, &one).await, (200, String::new()));
    assert_eq!(next_taken(&mut taken).await, "evt_1");
    assert_eq!(post(&client, &url, &two).await, (200, String::new()));

    // evt_3 finds the queue full: 503, Retry-After: 5, empty body.
    let busy = send(&client, &url, &three).await;
    assert_eq!(busy.status().as_u16(), 503);
    assert_eq!(
        busy.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert_eq!(busy.text().await.unwrap_or_default(), "");

    // The worker finishes evt_1 and takes evt_2: the queue has room again.
    let _ = gate.send(());
    assert_eq!(next_taken(&mut taken).await, "evt_2");
    // The retry of evt_3 is accepted as a first delivery, and processed.
    assert_eq!(post(&client, &url, &three).await, (200, String::new()));
    drop(gate);
    assert_eq!(next_taken(&mut taken).await, "evt_3");
    tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap_or_else(|_| panic!("the receiver did not stop after 3 events"))
        .unwrap_or_else(|e| panic!("receiver task: {e}"));
    let processed = processed.lock().map(|ids| ids.clone()).unwrap_or_default();
    assert_eq!(processed, ["evt_1", "evt_2", "evt_3"]);
}
