//! Failure injection: the next N requests (to one operation, or to any) answer with a fault
//! instead of being served.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::StatusCode;

use super::routes::Operation;

/// What an injected fault does to a request. The request is still recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 Too Many Requests` with `Retry-After: <retry_after_secs>` and a JSON error body.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// This status (a 5xx, say) with a JSON error body `{statusCode, error, message}`.
    Status(StatusCode),
    /// Reads the request and never answers: the client's timeouts (or dropping the fake) end it.
    Hang,
    /// Reads the request, then closes the connection without answering.
    CloseConnection,
}

struct Armed {
    operation: Option<Operation>,
    fault: Fault,
    remaining: usize,
}

/// The armed faults, first armed first used.
#[derive(Default)]
pub(crate) struct Faults {
    /// Whether any fault is armed: the one check the fast path makes.
    armed: AtomicBool,
    list: Mutex<Vec<Armed>>,
}

impl Faults {
    /// Arms `fault` for the next `times` requests to `operation` (any request when `None`).
    pub(crate) fn arm(&self, operation: Option<Operation>, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.push(Armed {
            operation,
            fault,
            remaining: times,
        });
        self.armed.store(true, Ordering::Release);
    }

    pub(crate) fn clear(&self) {
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.clear();
        self.armed.store(false, Ordering::Release);
    }

    pub(crate) fn any_armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// The fault for a request to `operation` (`None`: a request that matched no route), using
    /// up one of its times.
    pub(crate) fn take(&self, operation: Option<Operation>) -> Option<Fault> {
        if !self.any_armed() {
            return None;
        }
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let i = list
            .iter()
            .position(|a| a.operation.is_none() || a.operation == operation)?;
        let fault = list[i].fault.clone();
        list[i].remaining -= 1;
        if list[i].remaining == 0 {
            list.remove(i);
        }
        if list.is_empty() {
            self.armed.store(false, Ordering::Release);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_used_up_in_order_and_by_scope() {
        let f = Faults::default();
        assert_eq!(f.take(None), None);
        f.arm(Some(Operation::FunctionsInvoke), Fault::Hang, 1);
        f.arm(None, Fault::CloseConnection, 2);
        assert_eq!(
            f.take(Some(Operation::FunctionsList)),
            Some(Fault::CloseConnection)
        );
        assert_eq!(f.take(Some(Operation::FunctionsInvoke)), Some(Fault::Hang));
        assert_eq!(
            f.take(Some(Operation::FunctionsInvoke)),
            Some(Fault::CloseConnection)
        );
        assert!(!f.any_armed());
        assert_eq!(f.take(None), None);
    }
}
