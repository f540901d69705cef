//! Builds: what publishing a Function created; list, get, read logs, wait for one to end.

use std::sync::Arc;
use std::time::Duration;

use bb_api::open::FunctionBuildStatus;
use bb_api::types::{FunctionBuild, FunctionBuildsGetLogsResponse};

use crate::context::Context;
use crate::error::Error;
use crate::functions::OffsetList;
use crate::ids::IdInput;
use crate::paginate::ListRequest;
use crate::transport::operation::{
    FUNCTION_BUILDS_GET, FUNCTION_BUILDS_GET_LOGS, FUNCTION_BUILDS_LIST,
};
use crate::wait::Wait;

/// How long a build wait lasts by default: the official CLI gives up after 100 polls 2 s apart.
pub const DEFAULT_BUILD_WAIT: Duration = Duration::from_secs(10 * 60);

/// Builds of the project; from [`crate::Client::builds`].
#[derive(Clone)]
pub struct Builds {
    pub(crate) ctx: Arc<Context>,
}

impl std::fmt::Debug for Builds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builds").finish_non_exhaustive()
    }
}

impl Builds {
    /// Lists the project's builds; filter with `.status(…)`, then `.stream()` or `.page(offset)`.
    pub fn list(&self) -> BuildList {
        BuildList {
            list: OffsetList::new(
                self.ctx.clone(),
                ListRequest {
                    op: &FUNCTION_BUILDS_LIST,
                    args: Vec::new(),
                    query: Vec::new(),
                },
            ),
        }
    }

    /// Gets a build by id.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn get(&self, id: impl Into<IdInput>) -> Result<FunctionBuild, Error> {
        self.ctx.get_by_id(&FUNCTION_BUILDS_GET, id.into()).await
    }

    /// The log lines of a build.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn logs(
        &self,
        id: impl Into<IdInput>,
    ) -> Result<FunctionBuildsGetLogsResponse, Error> {
        self.ctx
            .get_by_id(&FUNCTION_BUILDS_GET_LOGS, id.into())
            .await
    }

    /// Waits for a build to end (default deadline [`DEFAULT_BUILD_WAIT`]); `FAILED` is
    /// [`Error::BuildFailed`].
    pub fn wait(&self, id: impl Into<IdInput>) -> Wait<FunctionBuild> {
        Wait::build(self.ctx.clone(), id.into(), DEFAULT_BUILD_WAIT)
    }
}

/// The project's builds, optionally filtered by status.
#[must_use = "a list does nothing until streamed or paged"]
#[derive(Debug)]
pub struct BuildList {
    list: OffsetList<FunctionBuild>,
}

impl BuildList {
    /// Only builds with this status.
    pub fn status(self, status: FunctionBuildStatus) -> Self {
        Self {
            list: self.list.filter("status", status.as_str().to_owned()),
        }
    }

    /// Items per request, 1 to 100 (default 100).
    pub fn page_size(self, n: u32) -> Self {
        Self {
            list: self.list.page_size(n),
        }
    }

    /// Every matching build.
    pub fn stream(self) -> crate::ListStream<FunctionBuild> {
        self.list.stream()
    }

    /// One page, starting at `offset`.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn page(&self, offset: u64) -> Result<crate::Page<FunctionBuild>, Error> {
        self.list.page(offset).await
    }
}
