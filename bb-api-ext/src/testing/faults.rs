//! Failure injection: the next N requests (to one operation, or to any) answer with a fault
//! instead of being served.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::StatusCode;
use uuid::Uuid;

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
    /// Only requests whose path names this resource (a Function's id), when set.
    resource: Option<String>,
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
    /// Arms `fault` for the next `times` requests to `operation` (any request when `None`) whose
    /// path names `resource` (any path when `None`).
    pub(crate) fn arm(
        &self,
        operation: Option<Operation>,
        resource: Option<Uuid>,
        fault: Fault,
        times: usize,
    ) {
        if times == 0 {
            return;
        }
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        list.push(Armed {
            operation,
            resource: resource.map(|r| r.to_string()),
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

    /// The fault for a request to `operation` (`None`: a request that matched no route) at
    /// `path`, using up one of its times.
    pub(crate) fn take(&self, operation: Option<Operation>, path: &str) -> Option<Fault> {
        if !self.any_armed() {
            return None;
        }
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        let i = list.iter().position(|a| {
            (a.operation.is_none() || a.operation == operation)
                && a.resource
                    .as_ref()
                    .is_none_or(|r| path.contains(r.as_str()))
        })?;
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
        assert_eq!(f.take(None, "/"), None);
        f.arm(Some(Operation::FunctionsInvoke), None, Fault::Hang, 1);
        f.arm(None, None, Fault::CloseConnection, 2);
        assert_eq!(
            f.take(Some(Operation::FunctionsList), "/"),
            Some(Fault::CloseConnection)
        );
        assert_eq!(
            f.take(Some(Operation::FunctionsInvoke), "/"),
            Some(Fault::Hang)
        );
        assert_eq!(
            f.take(Some(Operation::FunctionsInvoke), "/"),
            Some(Fault::CloseConnection)
        );
        assert!(!f.any_armed());
        assert_eq!(f.take(None, "/"), None);
    }

    #[test]
    fn a_resource_scoped_fault_takes_only_requests_naming_it() {
        let f = Faults::default();
        let id = Uuid::from_u128(7);
        f.arm(Some(Operation::FunctionsInvoke), Some(id), Fault::Hang, 1);
        let other = format!("/functions/{}/invoke", Uuid::from_u128(8));
        assert_eq!(f.take(Some(Operation::FunctionsInvoke), &other), None);
        assert_eq!(f.take(Some(Operation::FunctionsList), "/functions"), None);
        let mine = format!("/functions/{id}/invoke");
        assert_eq!(
            f.take(Some(Operation::FunctionsInvoke), &mine),
            Some(Fault::Hang)
        );
        assert!(!f.any_armed());
    }
}
