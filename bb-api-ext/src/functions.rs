//! Functions: list them, get one by id or name, invoke one, list its versions and secrets.

use std::sync::Arc;

use bb_api::types::{Function, FunctionVersion};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::fanout::FanOut;
use crate::ids::FunctionRef;
use crate::invoke::Invoke;
use crate::paginate::{self, ListRequest, ListStream, MAX_OFFSET_LIMIT, Page};
use crate::secrets::FunctionSecrets;
use crate::transport::operation::{FUNCTIONS_GET, FUNCTIONS_LIST, FUNCTIONS_LIST_VERSIONS};
use crate::validate::{Validator, max_typo_distance};

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
        OffsetList::new(
            self.ctx.clone(),
            ListRequest {
                op: &FUNCTIONS_LIST,
                args: Vec::new(),
                query: Vec::new(),
            },
        )
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
        let mut v = Validator::new();
        v.field("name", |v| FunctionRef::Name(name.to_owned()).check(v));
        v.finish(())?;
        let mut matches = Vec::new();
        let mut others = Vec::new();
        let mut all = self.list().stream();
        while let Some(function) = all.next().await {
            let function = function?;
            if function.name == name {
                matches.push(function);
            } else {
                others.push(function.name);
            }
        }
        match matches.len() {
            1 => {
                let function = matches.remove(0);
                self.ctx.cache_name(name, function.id);
                Ok(function)
            }
            0 => Err(Error::FunctionNameNotFound {
                name: name.to_owned(),
                similar: similar_names(name, others),
            }),
            _ => Err(Error::FunctionNameAmbiguous {
                name: name.to_owned(),
                ids: matches.iter().map(|f| f.id).collect(),
            }),
        }
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
        FunctionVersions {
            ctx: self.ctx.clone(),
            function: function.into(),
            page_size: MAX_OFFSET_LIMIT,
        }
    }

    /// The secrets attached to a Function: list, attach, detach.
    pub fn secrets(&self, function: impl Into<FunctionRef>) -> FunctionSecrets {
        FunctionSecrets::new(self.ctx.clone(), function.into())
    }
}

/// The id of `function`, looking a name up (once per client).
pub(crate) async fn resolve(ctx: &Arc<Context>, function: &FunctionRef) -> Result<Uuid, Error> {
    match function {
        FunctionRef::Id(id) => Ok(*id),
        FunctionRef::Name(name) => match ctx.cached_name(name) {
            Some(id) => Ok(id),
            None => Functions { ctx: ctx.clone() }
                .find_by_name(name)
                .await
                .map(|f| f.id),
        },
    }
}

/// Names close to `name`, closest first: same letters in another case, or a small edit distance.
fn similar_names(name: &str, others: Vec<String>) -> Vec<String> {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(usize, String)> = others
        .into_iter()
        .filter_map(|other| {
            let lower = other.to_lowercase();
            let distance = strsim::levenshtein(&wanted, &lower);
            let close = distance <= max_typo_distance(&wanted)
                || (wanted.len() >= 3 && lower.contains(&wanted));
            close.then_some((distance, other))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// An offset-paginated list: `.stream()` for every item, `.page(offset)` for one page.
#[must_use = "a list does nothing until streamed or paged"]
pub struct OffsetList<T> {
    ctx: Arc<Context>,
    request: ListRequest,
    page_size: u32,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for OffsetList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OffsetList")
            .field("operation", &self.request.op.id)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl<T> OffsetList<T>
where
    T: serde::de::DeserializeOwned + paginate::HasId + Send + 'static,
{
    pub(crate) fn new(ctx: Arc<Context>, request: ListRequest) -> Self {
        Self {
            ctx,
            request,
            page_size: MAX_OFFSET_LIMIT,
            _item: std::marker::PhantomData,
        }
    }

    pub(crate) fn filter(mut self, key: &'static str, value: String) -> Self {
        self.request.query.retain(|(k, _)| *k != key);
        self.request.query.push((key, value));
        self
    }

    /// Items per request, 1 to 100 (default 100, the most the API allows, so the fewest requests).
    /// Values outside are clamped.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_OFFSET_LIMIT);
        self
    }

    /// Every item, fetched page by page as the stream is read.
    pub fn stream(self) -> ListStream<T> {
        paginate::offset_stream(self.ctx, self.request, self.page_size)
    }

    /// One page, starting at `offset`.
    ///
    /// # Errors
    /// The request's errors ([`Error::NotFound`], [`Error::RateLimited`], …).
    pub async fn page(&self, offset: u64) -> Result<Page<T>, Error> {
        self.request
            .offset_page(&self.ctx, offset, self.page_size)
            .await
    }
}

/// The versions of one Function; from [`Functions::versions`].
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_are_close_in_spelling_or_contain_the_name() {
        let others = [
            "scrape-title",
            "Scrape-Title-v2",
            "fill-form",
            "screenshot",
            "title",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            similar_names("scrape-titel", others.clone()),
            ["scrape-title", "Scrape-Title-v2"]
        );
        assert_eq!(
            similar_names("scrape", others.clone()),
            ["scrape-title", "Scrape-Title-v2"]
        );
        assert!(similar_names("zzz", others).is_empty());
    }
}
