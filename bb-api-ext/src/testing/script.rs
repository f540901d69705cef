//! How a fake Function behaves when invoked: its results or failure, log lines, timing, and the
//! params schema its versions carry.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::InvocationCauseCode as CauseCode;

type ResultsFn = dyn Fn(&Map<String, Value>) -> Value + Send + Sync;
type OutcomeFn = dyn Fn(&Map<String, Value>) -> Outcome + Send + Sync;

/// What one Function does when invoked, published to a [`FakeBrowserbase`] with
/// [`FakeBrowserbase::add_function`].
///
/// By default it completes at once without results. An invocation is `PENDING` for
/// [`queue time`](Self::with_queue_time), `RUNNING` for [`run time`](Self::with_run_time), then
/// `COMPLETED` or `FAILED`; its log lines appear spread over the run.
///
/// ```
/// use std::time::Duration;
/// use bb_api_ext::InvocationCauseCode;
/// use bb_api_ext::testing::FunctionScript;
///
/// let checkout = FunctionScript::new("checkout")
///     .with_run_time(Duration::from_secs(3))
///     .with_logs(["Opening the cart", "Clicking #place-order"])
///     .with_failure(InvocationCauseCode::WorkloadError, "Timed out waiting for #place-order");
/// assert_eq!(checkout.name(), "checkout");
/// ```
///
/// [`FakeBrowserbase`]: super::FakeBrowserbase
/// [`FakeBrowserbase::add_function`]: super::FakeBrowserbase::add_function
#[derive(Clone)]
pub struct FunctionScript {
    pub(crate) name: String,
    pub(crate) id: Option<Uuid>,
    behaviour: Behaviour,
    pub(crate) logs: Vec<String>,
    pub(crate) queue_time: Duration,
    pub(crate) run_time: Duration,
    pub(crate) user_params_schema: Option<Value>,
    pub(crate) session_create_params: Option<Value>,
    /// Files each invocation's session downloads, synced when it ends.
    pub(crate) downloads: Vec<(String, bytes::Bytes)>,
}

#[derive(Clone)]
enum Behaviour {
    Results(Option<Value>),
    ResultsFrom(Arc<ResultsFn>),
    OutcomeFrom(Arc<OutcomeFn>),
    Fails { code: CauseCode, message: String },
}

/// How an invocation ends.
#[derive(Debug, Clone)]
pub(crate) enum Ended {
    /// `COMPLETED`, with results unless the Function returned nothing.
    Completed(Option<Value>),
    /// `FAILED`, with the cause.
    Failed { code: CauseCode, message: String },
}

impl FunctionScript {
    /// A Function named `name` that completes at once without results.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            id: None,
            behaviour: Behaviour::Results(None),
            logs: Vec::new(),
            queue_time: Duration::ZERO,
            run_time: Duration::ZERO,
            user_params_schema: None,
            session_create_params: None,
            downloads: Vec::new(),
        }
    }

    /// Each invocation's browser session downloads a file `name` holding `content`; it is listed
    /// by the session's downloads once the invocation ends (when Browserbase syncs them).
    pub fn with_download(
        mut self,
        name: impl Into<String>,
        content: impl Into<bytes::Bytes>,
    ) -> Self {
        self.downloads.push((name.into(), content.into()));
        self
    }

    /// The Function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id to give the Function when its name is new to the fake (by default a random one). A
    /// name the fake already has keeps its id; an id another Function has is not reused.
    pub fn with_id(mut self, id: Uuid) -> Self {
        self.id = Some(id);
        self
    }

    /// Completes with these results; `null` completes without results.
    pub fn with_results(mut self, results: Value) -> Self {
        self.behaviour = Behaviour::Results(Some(results).filter(|r| !r.is_null()));
        self
    }

    /// Completes with results computed from the invocation's params (`null`: without results).
    pub fn with_results_from(
        mut self,
        results: impl Fn(&Map<String, Value>) -> Value + Send + Sync + 'static,
    ) -> Self {
        self.behaviour = Behaviour::ResultsFrom(Arc::new(results));
        self
    }

    /// Ends each invocation as `outcome` decides from its params: completed with results, or
    /// failed with a cause, each with its own log lines if it gives some. For fan-out tests where
    /// some inputs fail and others do not.
    ///
    /// ```
    /// use bb_api_ext::InvocationCauseCode;
    /// use bb_api_ext::testing::{FunctionScript, Outcome};
    /// use serde_json::json;
    ///
    /// let scrape = FunctionScript::new("scrape-title").with_outcome(|params| {
    ///     match params.get("url").and_then(|u| u.as_str()) {
    ///         Some(url) if url.contains("broken") => {
    ///             Outcome::failed(InvocationCauseCode::WorkloadError, "net::ERR_NAME_NOT_RESOLVED")
    ///                 .with_logs([format!("Navigating to {url}"), "Navigation failed".into()])
    ///         }
    ///         Some(url) => Outcome::completed(json!({"title": url})),
    ///         None => Outcome::failed(InvocationCauseCode::WorkloadError, "url is required"),
    ///     }
    /// });
    /// # let _ = scrape;
    /// ```
    pub fn with_outcome(
        mut self,
        outcome: impl Fn(&Map<String, Value>) -> Outcome + Send + Sync + 'static,
    ) -> Self {
        self.behaviour = Behaviour::OutcomeFrom(Arc::new(outcome));
        self
    }

    /// Fails with this cause (`WORKLOAD_ERROR` is what a Function that throws gets).
    pub fn with_failure(mut self, code: CauseCode, message: impl Into<String>) -> Self {
        self.behaviour = Behaviour::Fails {
            code,
            message: message.into(),
        };
        self
    }

    /// The log lines each invocation writes, in order.
    pub fn with_logs<I>(mut self, lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.logs = lines.into_iter().map(Into::into).collect();
        self
    }

    /// How long an invocation stays `PENDING` (default 0).
    pub fn with_queue_time(mut self, d: Duration) -> Self {
        self.queue_time = d;
        self
    }

    /// How long an invocation stays `RUNNING` (default 0). Past its session timeout it fails
    /// with `TIMED_OUT` instead.
    pub fn with_run_time(mut self, d: Duration) -> Self {
        self.run_time = d;
        self
    }

    /// The version's `userParamsSchema`: a JSON Schema object, as zod's `toJSONSchema` writes it.
    /// Params that break its `required` or `type` (`enum`, nested `properties` and `items`
    /// included) make the invocation fail with `WORKLOAD_ERROR` and a log line naming the field.
    pub fn with_user_params_schema(mut self, schema: Value) -> Self {
        self.user_params_schema = Some(schema);
        self
    }

    /// The version's `sessionCreateParams` (its session configuration).
    pub fn with_session_create_params(mut self, params: Value) -> Self {
        self.session_create_params = Some(params);
        self
    }

    /// How an invocation with these params ends, and the lines it logs.
    pub(crate) fn outcome(&self, params: &Map<String, Value>) -> (Ended, Vec<String>) {
        let ended = match &self.behaviour {
            Behaviour::Results(r) => Ended::Completed(r.clone()),
            Behaviour::ResultsFrom(f) => Ended::Completed(Some(f(params)).filter(|r| !r.is_null())),
            Behaviour::OutcomeFrom(f) => {
                let outcome = f(params);
                let logs = outcome.logs.unwrap_or_else(|| self.logs.clone());
                return (outcome.ended, logs);
            }
            Behaviour::Fails { code, message } => Ended::Failed {
                code: code.clone(),
                message: message.clone(),
            },
        };
        (ended, self.logs.clone())
    }
}

impl fmt::Debug for FunctionScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let behaviour = match &self.behaviour {
            Behaviour::Results(Some(_)) => "completes with results".to_owned(),
            Behaviour::Results(None) => "completes without results".to_owned(),
            Behaviour::ResultsFrom(_) => "completes with results computed from params".to_owned(),
            Behaviour::OutcomeFrom(_) => "ends as its params decide".to_owned(),
            Behaviour::Fails { code, .. } => format!("fails with {code}"),
        };
        f.debug_struct("FunctionScript")
            .field("name", &self.name)
            .field("behaviour", &behaviour)
            .field("queue_time", &self.queue_time)
            .field("run_time", &self.run_time)
            .field("logs", &self.logs.len())
            .finish_non_exhaustive()
    }
}

/// How one invocation ends, as the function given to [`FunctionScript::with_outcome`] decides
/// from its params.
#[derive(Debug, Clone)]
pub struct Outcome {
    ended: Ended,
    logs: Option<Vec<String>>,
}

impl Outcome {
    /// `COMPLETED` with these results (`null`: without results).
    pub fn completed(results: Value) -> Self {
        Self {
            ended: Ended::Completed(Some(results).filter(|r| !r.is_null())),
            logs: None,
        }
    }

    /// `FAILED` with this cause (`WORKLOAD_ERROR` is what a Function that throws gets).
    pub fn failed(code: CauseCode, message: impl Into<String>) -> Self {
        Self {
            ended: Ended::Failed {
                code,
                message: message.into(),
            },
            logs: None,
        }
    }

    /// The log lines this invocation writes, in place of the script's
    /// [`with_logs`](FunctionScript::with_logs).
    pub fn with_logs<I>(mut self, lines: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.logs = Some(lines.into_iter().map(Into::into).collect());
        self
    }
}

/// What [`FakeBrowserbase::add_function`](super::FakeBrowserbase::add_function) published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Published {
    /// The Function (the same as before when the name was already there).
    pub function_id: Uuid,
    /// The new version, which is now the one that runs.
    pub version_id: Uuid,
    /// The build that published it.
    pub build_id: Uuid,
}
