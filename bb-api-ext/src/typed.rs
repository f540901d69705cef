//! A Function typed by its params and results: a thin layer over [`Invoke`] that serializes a `P`
//! and decodes the results into an `O`.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bb_api::types::Invocation;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::PollSchedule;
use crate::context::Context;
use crate::error::Error;
use crate::ids::FunctionRef;
use crate::invoke::{Invoke, PreparedInvoke};
use crate::results::decode_results;
use crate::session::SessionCreateParamsBuilder;

/// A Function typed by its params `P` and its results `O`; from [`crate::Client::function`].
///
/// Invoking takes a `P` (serialized once, checked like any params) and waiting returns an `O`:
/// the results decoded, or [`Error::Results`] keeping the raw JSON when they are not an `O`. A
/// Function that returned nothing has `null` results, which decode into `()` or an `Option`.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::SessionCreateParams;
///
/// #[derive(serde::Serialize)]
/// struct Params<'a> { url: &'a str, selector: Option<&'a str> }
/// #[derive(serde::Deserialize)]
/// struct Title { title: String }
///
/// let scrape = client.function::<Params, Title>("scrape-title");
/// let title = scrape
///     .invoke(Params { url: "https://example.com", selector: None })
///     .session(SessionCreateParams::builder().timeout_secs(120))
///     .send_and_wait()
///     .await?;
/// println!("{}", title.title);
/// # Ok(()) }
/// ```
pub struct TypedFunction<P, O> {
    ctx: Arc<Context>,
    function: FunctionRef,
    _types: PhantomData<fn(P) -> O>,
}

impl<P, O> Clone for TypedFunction<P, O> {
    fn clone(&self) -> Self {
        Self {
            ctx: self.ctx.clone(),
            function: self.function.clone(),
            _types: PhantomData,
        }
    }
}

impl<P, O> fmt::Debug for TypedFunction<P, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedFunction")
            .field("function", &self.function)
            .field("params", &std::any::type_name::<P>())
            .field("output", &std::any::type_name::<O>())
            .finish()
    }
}

impl<P, O> TypedFunction<P, O> {
    pub(crate) fn new(ctx: Arc<Context>, function: FunctionRef) -> Self {
        Self {
            ctx,
            function,
            _types: PhantomData,
        }
    }

    /// The Function, as given.
    pub fn function(&self) -> &FunctionRef {
        &self.function
    }
}

impl<P: Serialize, O: DeserializeOwned> TypedFunction<P, O> {
    /// Starts an invocation with these params; configure it further, then send.
    pub fn invoke(&self, params: impl Borrow<P>) -> TypedInvoke<O> {
        let invoke = Invoke::new(self.ctx.clone(), self.function.clone()).params(params.borrow());
        TypedInvoke {
            invoke,
            _output: PhantomData,
        }
    }

    /// The results of an ended invocation of this Function, decoded.
    ///
    /// # Errors
    /// [`Error::Results`], keeping the results as sent, when they are not an `O`.
    pub fn output(&self, invocation: &Invocation) -> Result<O, Error> {
        decode_results(invocation)
    }
}

#[cfg(feature = "schemars")]
impl<P: schemars::JsonSchema, O> TypedFunction<P, O> {
    /// Compares what `P` serializes with the params schema of the Function's newest version, for
    /// a service's own test suite (feature `schemars`); see [`crate::Compatibility`] for what is
    /// compared and what is not. A Function that publishes no schema accepts any params: the
    /// result is compatible, with a note saying so.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// #[derive(serde::Serialize, schemars::JsonSchema)]
    /// struct Params { url: String }
    ///
    /// let report = client.function::<Params, serde_json::Value>("scrape-title").compatibility().await?;
    /// assert!(report.is_compatible(), "{report}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A name that does not resolve; the errors of listing the versions.
    pub async fn compatibility(&self) -> Result<crate::Compatibility, Error> {
        let latest = crate::Functions {
            ctx: self.ctx.clone(),
        }
        .versions(self.function.clone())
        .latest()
        .await?;
        let schema = latest
            .map(|v| v.user_params_schema)
            .filter(|s| !s.is_empty());
        Ok(match schema {
            Some(schema) => crate::Compatibility::check::<P>(&serde_json::Value::Object(schema)),
            None => crate::Compatibility::without_schema(),
        })
    }
}

/// An invocation of a [`TypedFunction`] being configured: [`Invoke`] with typed results.
#[must_use = "an invocation does nothing until sent"]
pub struct TypedInvoke<O> {
    invoke: Invoke,
    _output: PhantomData<fn() -> O>,
}

impl<O> fmt::Debug for TypedInvoke<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedInvoke")
            .field("invoke", &self.invoke)
            .field("output", &std::any::type_name::<O>())
            .finish()
    }
}

impl<O: DeserializeOwned> TypedInvoke<O> {
    fn map(self, f: impl FnOnce(Invoke) -> Invoke) -> Self {
        Self {
            invoke: f(self.invoke),
            _output: PhantomData,
        }
    }

    /// Session settings; see [`Invoke::session`].
    pub fn session(self, session: impl Into<SessionCreateParamsBuilder>) -> Self {
        self.map(|i| i.session(session))
    }

    /// How long [`Self::send_and_wait`] waits; see [`Invoke::max_wait`].
    pub fn max_wait(self, max_wait: Duration) -> Self {
        self.map(|i| i.max_wait(max_wait))
    }

    /// How often [`Self::send_and_wait`] polls; see [`Invoke::poll_schedule`].
    pub fn poll_schedule(self, poll: PollSchedule) -> Self {
        self.map(|i| i.poll_schedule(poll))
    }

    /// Checks the params against the Function's schema first; see [`Invoke::check_params`].
    #[cfg(feature = "params-check")]
    pub fn check_params(self, check: bool) -> Self {
        self.map(|i| i.check_params(check))
    }

    /// Validates and serializes; see [`Invoke::prepare`]. The prepared invoke is untyped: decode
    /// its invocation with [`TypedFunction::output`].
    pub fn prepare(&self) -> Result<PreparedInvoke, Error> {
        self.invoke.prepare()
    }

    /// The untyped invoke, for what this wrapper does not offer.
    pub fn into_invoke(self) -> Invoke {
        self.invoke
    }

    /// Validates, then sends; returns the invocation as accepted (no results yet).
    ///
    /// # Errors
    /// As [`Invoke::send`].
    pub async fn send(self) -> Result<Invocation, Error> {
        self.invoke.send().await
    }

    /// Validates, sends, waits for the invocation to end and decodes its results.
    ///
    /// # Errors
    /// As [`Invoke::send_and_wait`], then [`Error::Results`] (with the results as sent) when
    /// they are not an `O`.
    pub async fn send_and_wait(self) -> Result<O, Error> {
        let invocation = self.invoke.send_and_wait().await?;
        decode_results(&invocation)
    }
}
