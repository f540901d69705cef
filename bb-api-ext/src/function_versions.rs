//! The versions of one Function, newest by `createdAt` being the one an invocation runs.

use std::sync::Arc;

use bb_api::types::FunctionVersion;

use crate::context::Context;
use crate::error::Error;
use crate::ids::FunctionRef;
use crate::paginate::{ListRequest, ListStream, MAX_OFFSET_LIMIT, OffsetList, Page};
use crate::resolve::resolve;
use crate::transport::operation::FUNCTIONS_LIST_VERSIONS;

/// The versions of one Function; from [`crate::Functions::versions`].
#[must_use = "a list does nothing until streamed or paged"]
pub struct FunctionVersions {
    ctx: Arc<Context>,
    function: FunctionRef,
    page_size: u32,
}

impl std::fmt::Debug for FunctionVersions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionVersions")
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

impl FunctionVersions {
    pub(crate) fn new(ctx: Arc<Context>, function: FunctionRef) -> Self {
        Self {
            ctx,
            function,
            page_size: MAX_OFFSET_LIMIT,
        }
    }

    /// Items per request, 1 to 100 (default 100).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_OFFSET_LIMIT);
        self
    }

    async fn list(&self) -> Result<OffsetList<FunctionVersion>, Error> {
        let id = resolve(&self.ctx, &self.function).await?;
        Ok(OffsetList::new(
            self.ctx.clone(),
            ListRequest {
                op: &FUNCTIONS_LIST_VERSIONS,
                args: vec![id.to_string()],
                query: Vec::new(),
            },
        )
        .page_size(self.page_size))
    }

    /// Every version.
    ///
    /// # Errors
    /// A name that does not resolve; the list's request errors.
    pub async fn stream(self) -> Result<ListStream<FunctionVersion>, Error> {
        Ok(self.list().await?.stream())
    }

    /// One page, starting at `offset`.
    ///
    /// # Errors
    /// A name that does not resolve; the request's errors.
    pub async fn page(&self, offset: u64) -> Result<Page<FunctionVersion>, Error> {
        self.list().await?.page(offset).await
    }

    /// The newest version: the one an invocation runs.
    ///
    /// # Errors
    /// A name that does not resolve; the request's errors; `Ok(None)` for a Function with no
    /// version.
    pub async fn latest(&self) -> Result<Option<FunctionVersion>, Error> {
        let all = self.list().await?.stream().try_collect().await?;
        Ok(all.into_iter().max_by_key(|v| v.created_at))
    }
}
