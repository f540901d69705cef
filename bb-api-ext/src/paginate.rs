//! The API's two pagination styles as streams: offset/limit with a `total` (functions, builds,
//! versions, invocations) and cursors (secrets).
//!
//! The envelopes are written here rather than taken from the generated bindings because the
//! generated ones are one struct per operation with the key fixed (`data` for some, `results` for
//! others) and a required `total`: these accept either key and a missing `total`, so one more
//! renamed key or dropped count does not break listing. `tests/tests/ext_operations.rs` answers
//! through the generated mock helpers, so every page the spec describes must decode here too.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::transport::Call;
use crate::transport::operation::Operation;

/// The largest `limit` the offset-paginated operations accept.
pub(crate) const MAX_OFFSET_LIMIT: u32 = 100;

/// One page of an offset-paginated list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in the API's order.
    pub items: Vec<T>,
    /// How many items the whole list has, as the server counted it for this page.
    pub total: Option<u64>,
}

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CursorPage<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass it back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct OffsetEnvelope<T> {
    #[serde(rename = "data", alias = "results", alias = "downloads")]
    items: Vec<T>,
    #[serde(default)]
    total: Option<u64>,
}

#[derive(Deserialize)]
struct CursorEnvelope<T> {
    #[serde(rename = "data", alias = "results")]
    items: Vec<T>,
    #[serde(default, rename = "nextCursor")]
    next_cursor: Option<String>,
}

/// Items with an id, so a list that shifts while it is read yields each item once.
pub trait HasId {
    /// The id's type.
    type Id: Eq + std::hash::Hash + Send + 'static;
    /// The item's id.
    fn id(&self) -> Self::Id;
}

macro_rules! has_id {
    ($($t:ty),+) => { $( impl HasId for $t { type Id = Uuid; fn id(&self) -> Uuid { self.id } } )+ };
}
has_id!(
    bb_api::types::Function,
    bb_api::types::FunctionVersion,
    bb_api::types::FunctionBuild,
    bb_api::types::Invocation
);

/// Every item of a list, page by page, as a [`Stream`]; stops at the first error.
///
/// ```no_run
/// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
/// use bb_api_ext::StreamExt;
///
/// let mut functions = client.functions().list().stream();
/// while let Some(function) = functions.next().await {
///     println!("{}", function?.name);
/// }
/// // or all at once:
/// let all = client.functions().list().stream().try_collect().await?;
/// # let _ = all; Ok(()) }
/// ```
#[must_use = "a stream does nothing until polled"]
pub struct ListStream<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

impl<T> std::fmt::Debug for ListStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListStream").finish_non_exhaustive()
    }
}

impl<T> Stream for ListStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T: Send + 'static> ListStream<T> {
    /// A stream whose one item is `error` (a list refused before any request).
    pub(crate) fn failed(error: Error) -> Self {
        ListStream {
            inner: Box::pin(stream::iter([Err(error)])),
        }
    }
}

impl<T> ListStream<T> {
    /// A list read some other way than by pages (a list the API returns whole).
    pub(crate) fn from_stream(
        inner: impl Stream<Item = Result<T, Error>> + Send + 'static,
    ) -> Self {
        Self {
            inner: Box::pin(inner),
        }
    }

    /// Every item, in order; the first error ends the collection.
    pub async fn try_collect(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }
}

/// A request to list: the operation, its path arguments and its filters.
pub(crate) struct ListRequest {
    pub(crate) op: &'static Operation,
    pub(crate) args: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
}

impl ListRequest {
    /// One page of an offset list.
    pub(crate) async fn offset_page<T: DeserializeOwned>(
        &self,
        ctx: &Context,
        offset: u64,
        limit: u32,
    ) -> Result<Page<T>, Error> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut query = self.query.clone();
        query.push(("offset", offset.to_string()));
        query.push(("limit", limit.to_string()));
        let mut call = Call::new(self.op, &args);
        call.query = &query;
        let page: OffsetEnvelope<T> = ctx.transport.call(call).await?;
        Ok(Page {
            items: page.items,
            total: page.total,
        })
    }

    /// One page of a cursor list.
    pub(crate) async fn cursor_page<T: DeserializeOwned>(
        &self,
        ctx: &Context,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<CursorPage<T>, Error> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut query = self.query.clone();
        query.push(("limit", limit.to_string()));
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        let mut call = Call::new(self.op, &args);
        call.query = &query;
        let page: CursorEnvelope<T> = ctx.transport.call(call).await?;
        Ok(CursorPage {
            items: page.items,
            // An empty cursor would restart the list: it means the end too.
            next_cursor: page.next_cursor.filter(|c| !c.is_empty()),
        })
    }
}

struct OffsetState<K> {
    ctx: Arc<Context>,
    request: ListRequest,
    limit: u32,
    offset: u64,
    seen: HashSet<K>,
    done: bool,
}

/// Pages from offset 0 with `limit` until a page is empty, the offset reaches the latest `total`,
/// or a page brings nothing new (a server that ignores `offset` would otherwise loop forever).
/// Items already yielded are skipped: a list that grows at its head while it is read shifts older
/// items onto the next page.
pub(crate) fn offset_stream<T>(ctx: Arc<Context>, request: ListRequest, limit: u32) -> ListStream<T>
where
    T: DeserializeOwned + HasId + Send + 'static,
{
    let state = OffsetState {
        ctx,
        request,
        limit,
        offset: 0,
        seen: HashSet::new(),
        done: false,
    };
    let pages = stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        match s.request.offset_page::<T>(&s.ctx, s.offset, s.limit).await {
            Err(e) => {
                s.done = true;
                Some((VecDeque::from([Err(e)]), s))
            }
            Ok(page) => {
                let received = page.items.len() as u64;
                s.offset += received;
                let fresh: VecDeque<Result<T, Error>> = page
                    .items
                    .into_iter()
                    .filter(|item| s.seen.insert(item.id()))
                    .map(Ok)
                    .collect();
                s.done = received == 0
                    || fresh.is_empty()
                    || page.total.is_some_and(|total| s.offset >= total);
                Some((fresh, s))
            }
        }
    });
    ListStream {
        inner: Box::pin(pages.flat_map(stream::iter)),
    }
}

struct CursorState {
    ctx: Arc<Context>,
    request: ListRequest,
    limit: u32,
    cursor: Option<String>,
    used: HashSet<String>,
    done: bool,
}

/// Pages until `nextCursor` is null (or empty, or one already used: a loop guard).
pub(crate) fn cursor_stream<T>(ctx: Arc<Context>, request: ListRequest, limit: u32) -> ListStream<T>
where
    T: DeserializeOwned + Send + 'static,
{
    let state = CursorState {
        ctx,
        request,
        limit,
        cursor: None,
        used: HashSet::new(),
        done: false,
    };
    let pages = stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        match s
            .request
            .cursor_page::<T>(&s.ctx, s.cursor.as_deref(), s.limit)
            .await
        {
            Err(e) => {
                s.done = true;
                Some((VecDeque::from([Err(e)]), s))
            }
            Ok(page) => {
                s.cursor = page.next_cursor.filter(|c| s.used.insert(c.clone()));
                s.done = s.cursor.is_none();
                Some((page.items.into_iter().map(Ok).collect(), s))
            }
        }
    });
    ListStream {
        inner: Box::pin(pages.flat_map(stream::iter)),
    }
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
    T: serde::de::DeserializeOwned + HasId + Send + 'static,
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
        offset_stream(self.ctx, self.request, self.page_size)
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
