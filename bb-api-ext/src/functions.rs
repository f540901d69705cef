//! Functions: list them, get one by id or name, invoke one, list its versions and secrets. The
//! handle only: name lookup is `resolve.rs`, the versions list `function_versions.rs`, the list
//! type `paginate.rs`, below the invoke and secrets handles that use them too.

use std::sync::Arc;

use bb_api::types::Function;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::fanout::FanOut;
pub use crate::function_versions::FunctionVersions;
use crate::ids::FunctionRef;
use crate::invoke::Invoke;
pub use crate::paginate::OffsetList;
pub(crate) use crate::resolve::resolve;
use crate::secrets::FunctionSecrets;
use crate::transport::operation::FUNCTIONS_GET;

/// Functions of the API key's project; from [`crate::Client::functions`].
#[derive(Clone)]
pub struct Functions {
    pub(crate) ctx: Arc<Context>,
}

impl std::fmt::Debug for Functions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Functions").finish_non_exhaustive()
    }
}

impl Functions {
    /// Lists the project's Functions: `.stream()` for all of them, `.page(offset)` for one page.
    pub fn list(&self) -> OffsetList<Function> {
        crate::resolve::list(self.ctx.clone())
    }

    /// Gets a Function by id or by name.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id; [`Error::FunctionNameNotFound`] (with close names)
    /// or [`Error::FunctionNameAmbiguous`] for a name.
    pub async fn get(&self, function: impl Into<FunctionRef>) -> Result<Function, Error> {
        match function.into() {
            FunctionRef::Name(name) => self.find_by_name(&name).await,
            FunctionRef::Id(id) => self.ctx.get_by_id(&FUNCTIONS_GET, id.into()).await,
        }
    }

    /// Finds the one Function with exactly this name (as given to `defineFn`), listing the
    /// project's Functions. The id is cached for the client's lifetime: a Function keeps its id
    /// when it is published again.
    ///
    /// # Errors
    /// [`Error::FunctionNameNotFound`] listing close names when none matches;
    /// [`Error::FunctionNameAmbiguous`] when several do.
    pub async fn find_by_name(&self, name: &str) -> Result<Function, Error> {
        crate::resolve::find_by_name(&self.ctx, name).await
    }

    /// The id of a Function given by id or name; names are looked up once per client.
    ///
    /// # Errors
    /// As [`Self::find_by_name`].
    pub async fn resolve(&self, function: impl Into<FunctionRef>) -> Result<Uuid, Error> {
        resolve(&self.ctx, &function.into()).await
    }

    /// Starts an invocation of a Function given by id or name; see [`Invoke`].
    pub fn invoke(&self, function: impl Into<FunctionRef>) -> Invoke {
        Invoke::new(self.ctx.clone(), function.into())
    }

    /// Invokes a Function once for each of `inputs` (each one the params of one invocation), with
    /// bounded concurrency; see [`FanOut`].
    pub fn invoke_many<P: serde::Serialize>(
        &self,
        function: impl Into<FunctionRef>,
        inputs: impl IntoIterator<Item = P>,
    ) -> FanOut {
        FanOut::new(self.ctx.clone(), function.into(), inputs)
    }

    /// Lists the versions of a Function, newest first as the API orders them.
    pub fn versions(&self, function: impl Into<FunctionRef>) -> FunctionVersions {
        FunctionVersions::new(self.ctx.clone(), function.into())
    }

    /// The secrets attached to a Function: list, attach, detach.
    pub fn secrets(&self, function: impl Into<FunctionRef>) -> FunctionSecrets {
        FunctionSecrets::new(self.ctx.clone(), function.into())
    }
}
