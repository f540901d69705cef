//! Capturing `tracing` output: every span and event at TRACE, formatted into a buffer, and a count
//! of the client's attempts (its `bb_api.request` spans) and retries (`retrying` events).
//!
//! One global subscriber (installed on first use) formats everything at TRACE and hands it to the
//! capture of the thread it happens on, if that thread has one. A global subscriber rather than a
//! thread-local default: with per-thread defaults, tests running in parallel race on tracing's
//! global callsite-interest cache and a capture can miss spans. Use it from a current-thread
//! runtime (`#[tokio::test]`'s default), where every task of a test is polled on the test's thread.

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};

use tracing::{Event, Subscriber, span};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{EnvFilter, Layer, fmt};

thread_local! {
    static CURRENT: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

fn current() -> Option<Captured> {
    CURRENT.with(|c| c.borrow().clone())
}

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

/// Ends the capture on drop.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// Captures at TRACE, from every target (the client's, reqwest's, hyper's…), on this thread until
/// the guard is dropped.
pub fn capture() -> (Captured, CaptureGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let fmt_layer = fmt::layer()
            .with_writer(|| ThreadWriter)
            .with_ansi(false)
            .with_target(true)
            .with_span_events(fmt::format::FmtSpan::FULL);
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new("trace"))
            .with(fmt_layer)
            .with(Counter);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global tracing subscriber in the test binaries");
    });
    let captured = Captured::default();
    CURRENT.with(|c| *c.borrow_mut() = Some(captured.clone()));
    (captured, CaptureGuard(()))
}

/// Writes into the current thread's capture, or nowhere.
struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(captured) = current()
            && let Ok(mut text) = captured.text.lock()
        {
            text.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Counter;

impl<S: Subscriber> Layer<S> for Counter {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "bb_api.request"
            && let Some(captured) = current()
        {
            captured.attempts.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut visitor = MessageIs("retrying", false);
        event.record(&mut visitor);
        if visitor.1
            && let Some(captured) = current()
        {
            captured.retries.fetch_add(1, Ordering::SeqCst);
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
