//! A scripted raw HTTP/1.1 server on 127.0.0.1 for faults httpmock cannot express: resets, early
//! closes, stalls mid-response, bodies streamed in pieces, huge bodies, echoes of the request.
//!
//! Each accepted connection runs one [`Script`] of [`Step`]s, taken from a list (connection `i`
//! gets script `i`) or from a function of the connection's index. The server accepts at most a
//! configured number of connections, then closes its listener (a further connection is refused),
//! and everything it runs stops when the [`FaultServer`] is dropped. Every connection is also
//! bounded in time ([`CONNECTION_LIMIT`]) and every read in size.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The longest any one connection is served, stalls included.
pub const CONNECTION_LIMIT: Duration = Duration::from_secs(30);
/// The largest request (head and body) the server reads.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// One action on a connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reads one whole request (head, then a `content-length` body) and records it.
    ReadRequest,
    /// Writes these bytes.
    Write(Vec<u8>),
    /// Writes a response whose body is the request last read (head and body, as received),
    /// with this status and `content-type: application/json`.
    EchoRequest {
        /// The response status.
        status: u16,
    },
    /// Writes `len` bytes of `b' '` in chunks of 64 KiB, counting what the kernel accepted, and
    /// records whether all of it was written.
    Stream {
        /// How many bytes.
        len: u64,
    },
    /// Waits.
    Sleep(Duration),
    /// Closes the connection cleanly (FIN). Also what happens after the last step.
    Close,
    /// Resets the connection (RST, through `SO_LINGER` 0).
    Reset,
}

/// What one connection does, step by step.
#[derive(Debug, Clone, Default)]
pub struct Script {
    steps: Vec<Step>,
}

impl Script {
    /// An empty script: accept, then close.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a step.
    pub fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Reads the request, answers with `status`, these headers and `body` (with
    /// `content-length` and `connection: close`), then closes.
    pub fn respond(status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Self {
        Self::new()
            .then(Step::ReadRequest)
            .then(Step::Write(response(status, headers, body.as_ref())))
    }

    /// Reads the request and answers `status` with a JSON body.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::respond(
            status,
            &[("content-type", "application/json")],
            body.to_string(),
        )
    }

    /// Closes as soon as accepted, without reading.
    pub fn close_at_once() -> Self {
        Self::new().then(Step::Close)
    }

    /// Resets as soon as accepted, without reading.
    pub fn reset_at_once() -> Self {
        Self::new().then(Step::Reset)
    }

    /// Reads the whole request, then resets.
    pub fn read_then_reset() -> Self {
        Self::new().then(Step::ReadRequest).then(Step::Reset)
    }

    /// Reads the whole request, then closes without answering.
    pub fn read_then_close() -> Self {
        Self::new().then(Step::ReadRequest).then(Step::Close)
    }

    /// Reads the request, waits `delay`, then answers like [`Script::respond`].
    pub fn delayed(delay: Duration, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Self {
        Self::new()
            .then(Step::ReadRequest)
            .then(Step::Sleep(delay))
            .then(Step::Write(response(status, headers, body)))
    }
}

/// `HTTP/1.1 {status}` with these headers, `content-length`, `connection: close` and `body`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = head(status, headers);
    // `head` ends with the blank line: put content-length before it.
    out.truncate(out.len() - 2);
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A response head: status line, these headers, `connection: close`, and the blank line. Add
/// `content-length` (or `transfer-encoding`) yourself.
pub fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The request line and headers, as text, without the blank line.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request line, such as `POST /v1/functions/…/invoke HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }

    /// The values of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect()
    }
}

#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    bytes_streamed: AtomicU64,
    streams_completed: AtomicUsize,
    stream_write_failed: AtomicBool,
}

type ScriptSource = Box<dyn Fn(usize) -> Script + Send + Sync>;

/// The server; dropping it stops everything it runs.
pub struct FaultServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Serves `scripts`, one connection each and in order; then refuses connections.
    pub async fn start(scripts: impl IntoIterator<Item = Script>) -> Self {
        let scripts: Vec<Script> = scripts.into_iter().collect();
        let max = scripts.len();
        Self::start_with(max, move |i| scripts[i].clone()).await
    }

    /// Serves up to `max_connections` connections, connection `i` (from 0) with `script(i)`.
    pub async fn start_with(
        max_connections: usize,
        script: impl Fn(usize) -> Script + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let stats = Arc::new(Stats::default());
        let script: Arc<ScriptSource> = Arc::new(Box::new(script));
        let task = tokio::spawn(accept_loop(
            listener,
            max_connections,
            script,
            Arc::clone(&stats),
        ));
        Self { addr, stats, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Whole requests read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.stats
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Bytes of [`Step::Stream`] bodies the peer accepted, over all connections.
    pub fn bytes_streamed(&self) -> u64 {
        self.stats.bytes_streamed.load(Ordering::SeqCst)
    }

    /// How many [`Step::Stream`] bodies were written to the end.
    pub fn streams_completed(&self) -> usize {
        self.stats.streams_completed.load(Ordering::SeqCst)
    }

    /// Whether a [`Step::Stream`] write failed because the peer closed or reset.
    pub fn stream_write_failed(&self) -> bool {
        self.stats.stream_write_failed.load(Ordering::SeqCst)
    }

    /// Waits (at most `limit`) until `done(self)` holds; returns whether it did. For facts the
    /// server learns after the client has returned, such as a failed write.
    pub async fn wait_until(&self, limit: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if done(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    max: usize,
    script: Arc<ScriptSource>,
    stats: Arc<Stats>,
) {
    let mut connections = JoinSet::new();
    for i in 0..max {
        let Ok((stream, _)) = listener.accept().await else {
            break;
        };
        stats.connections.fetch_add(1, Ordering::SeqCst);
        let steps = script(i).steps;
        let stats = Arc::clone(&stats);
        connections.spawn(async move {
            let _ = tokio::time::timeout(CONNECTION_LIMIT, serve(stream, steps, &stats)).await;
        });
    }
    // Stop accepting (further connections are refused), but finish the connections in flight.
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn serve(mut stream: TcpStream, steps: Vec<Step>, stats: &Stats) {
    let mut last: Option<Recorded> = None;
    for step in steps {
        match step {
            Step::ReadRequest => match read_request(&mut stream).await {
                Some(request) => {
                    if let Ok(mut all) = stats.requests.lock() {
                        all.push(request.clone());
                    }
                    last = Some(request);
                }
                None => return,
            },
            Step::Write(bytes) => {
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Step::EchoRequest { status } => {
                let mut body = Vec::new();
                if let Some(r) = &last {
                    body.extend_from_slice(r.head.as_bytes());
                    body.extend_from_slice(b"\r\n\r\n");
                    body.extend_from_slice(&r.body);
                }
                let bytes = response(status, &[("content-type", "application/json")], &body);
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Step::Stream { len } => {
                let chunk = vec![b' '; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    let n = left.min(chunk.len() as u64) as usize;
                    if stream.write_all(&chunk[..n]).await.is_err() {
                        stats.stream_write_failed.store(true, Ordering::SeqCst);
                        return;
                    }
                    stats.bytes_streamed.fetch_add(n as u64, Ordering::SeqCst);
                    left -= n as u64;
                }
                stats.streams_completed.fetch_add(1, Ordering::SeqCst);
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
            Step::Close => {
                let _ = stream.shutdown().await;
                return;
            }
            Step::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// Reads a request head and its `content-length` body; `None` if the peer closed first or the
/// request is too big.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_REQUEST_BYTES {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut recorded = Recorded {
        head,
        body: buf[head_end + 4..].to_vec(),
    };
    let length: usize = recorded
        .header("content-length")
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST_BYTES {
        return None;
    }
    while recorded.body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        recorded.body.extend_from_slice(&chunk[..n]);
    }
    Some(recorded)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A port on 127.0.0.1 that nothing listens on: bound, then released.
pub fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
