//! Capturing `tracing` output: every span and event at TRACE, formatted into a shared buffer, and a
//! count of the client's attempts (its `bb_api.request` spans) and retries (`retrying` events).
//!
//! The subscriber is the current thread's default while the returned guard lives, so use it from a
//! current-thread runtime (`#[tokio::test]`'s default), where every task of the test is polled on
//! the test's thread.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;
use tracing::{Event, Subscriber, span};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// What was captured; cheap to clone, read it any time.
#[derive(Clone, Default)]
pub struct Captured {
    text: Arc<Mutex<Vec<u8>>>,
    attempts: Arc<AtomicUsize>,
    retries: Arc<AtomicUsize>,
}

impl Captured {
    /// Everything formatted so far.
    pub fn text(&self) -> String {
        self.text
            .lock()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default()
    }

    /// `bb_api.request` spans opened: the client's attempts.
    pub fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }

    /// `retrying` events: the retries the client decided on.
    pub fn retries(&self) -> usize {
        self.retries.load(Ordering::SeqCst)
    }
}

/// Captures at TRACE, from every target (the client's, reqwest's, hyper's…), on this thread until
/// the guard is dropped.
pub fn capture() -> (Captured, DefaultGuard) {
    let captured = Captured::default();
    let writer = BufWriter(Arc::clone(&captured.text));
    let fmt_layer = fmt::layer()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_target(true)
        .with_span_events(fmt::format::FmtSpan::FULL);
    let subscriber = tracing_subscriber::registry()
        .with(EnvFilter::new("trace"))
        .with(fmt_layer)
        .with(Counter(captured.clone()));
    let guard = tracing::subscriber::set_default(subscriber);
    (captured, guard)
}

#[derive(Clone)]
struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl io::Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut text) = self.0.lock() {
            text.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Counter(Captured);

impl<S: Subscriber> Layer<S> for Counter {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "bb_api.request" {
            self.0.attempts.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut visitor = MessageIs("retrying", false);
        event.record(&mut visitor);
        if visitor.1 {
            self.0.retries.fetch_add(1, Ordering::SeqCst);
        }
    }
}

struct MessageIs(&'static str, bool);

impl tracing::field::Visit for MessageIs {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && format!("{value:?}") == self.0 {
            self.1 = true;
        }
    }
}
