//! Function versions: get one, and list the invocations that ran it.

use std::sync::Arc;

use bb_api::open::InvocationStatus;
use bb_api::types::{FunctionVersion, Invocation};

use crate::context::Context;
use crate::error::Error;
use crate::functions::OffsetList;
use crate::ids::IdInput;
use crate::paginate::ListRequest;
use crate::transport::operation::{FUNCTION_VERSIONS_GET, FUNCTION_VERSIONS_LIST_INVOCATIONS};

/// Function versions; from [`crate::Client::versions`]. A version is what one publish of a
/// Function created; the newest one runs.
#[derive(Clone)]
pub struct Versions {
    pub(crate) ctx: Arc<Context>,
}

impl std::fmt::Debug for Versions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Versions").finish_non_exhaustive()
    }
}

impl Versions {
    /// Gets a version by id.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`].
    pub async fn get(&self, id: impl Into<IdInput>) -> Result<FunctionVersion, Error> {
        self.ctx.get_by_id(&FUNCTION_VERSIONS_GET, id.into()).await
    }

    /// Lists the invocations of a version, newest first; filter with
    /// [`VersionInvocations::status`].
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent).
    pub fn invocations(&self, version: impl Into<IdInput>) -> Result<VersionInvocations, Error> {
        let id = version.into().parse("id")?;
        Ok(VersionInvocations {
            list: OffsetList::new(
                self.ctx.clone(),
                ListRequest {
                    op: &FUNCTION_VERSIONS_LIST_INVOCATIONS,
                    args: vec![id.to_string()],
                    query: Vec::new(),
                },
            ),
        })
    }
}

/// The invocations of one version; `.status(…)` filters, then `.stream()` or `.page(offset)`.
#[must_use = "a list does nothing until streamed or paged"]
#[derive(Debug)]
pub struct VersionInvocations {
    list: OffsetList<Invocation>,
}

impl VersionInvocations {
    /// Only invocations with this status.
    pub fn status(self, status: InvocationStatus) -> Self {
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

    /// Every matching invocation.
    pub fn stream(self) -> crate::ListStream<Invocation> {
        self.list.stream()
    }

    /// One page, starting at `offset`.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn page(&self, offset: u64) -> Result<crate::Page<Invocation>, Error> {
        self.list.page(offset).await
    }
}
