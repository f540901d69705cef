//! The secrets attached to a Function: list them, attach one, detach one. Attached secrets reach
//! the Function's code as `context.secrets` from its next invocation on.

use std::sync::Arc;

use bb_api::types::Secret;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::ids::{FunctionRef, IdInput, id_text};
use crate::paginate::{self, CursorPage, ListRequest, ListStream};
use crate::resolve::resolve;
use crate::transport::Call;
use crate::transport::operation::{
    FUNCTIONS_ATTACH_SECRET, FUNCTIONS_DETACH_SECRET, FUNCTIONS_LIST_SECRETS,
};

/// The largest `limit` the secrets list accepts.
const MAX_SECRETS_LIMIT: u32 = 1000;

/// The secrets of one Function; from [`crate::Functions::secrets`].
#[derive(Clone)]
pub struct FunctionSecrets {
    ctx: Arc<Context>,
    function: FunctionRef,
}

impl std::fmt::Debug for FunctionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionSecrets")
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

impl FunctionSecrets {
    pub(crate) fn new(ctx: Arc<Context>, function: FunctionRef) -> Self {
        Self { ctx, function }
    }

    /// Lists the attached secrets (names only, never values); narrow it with
    /// [`SecretList::created_between`], then `.stream()` or `.page(cursor)`.
    pub fn list(&self) -> SecretList {
        SecretList {
            secrets: self.clone(),
            start_at: None,
            end_at: None,
            page_size: MAX_SECRETS_LIMIT,
        }
    }

    /// Attaches the project secret `secret_id` (the `id` returned when the secret was created).
    /// Attaching an attached secret succeeds.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); [`Error::NotFound`] when
    /// the Function or the secret does not exist in the project.
    pub async fn attach(&self, secret_id: impl Into<IdInput>) -> Result<(), Error> {
        let secret = secret_id.into().parse("secretId")?;
        let function = resolve(&self.ctx, &self.function).await?;
        let mut buf = Uuid::encode_buffer();
        let args = [id_text(&function, &mut buf)];
        let body = Bytes::from(format!(r#"{{"secretId":"{secret}"}}"#));
        let mut call = Call::new(&FUNCTIONS_ATTACH_SECRET, &args);
        call.body = Some(&body);
        self.ctx.transport.call_no_content(call).await
    }

    /// Detaches a secret. Detaching a secret that is not attached succeeds.
    ///
    /// # Errors
    /// A validation error for an id that is not a UUID (nothing sent); the request's errors.
    pub async fn detach(&self, secret_id: impl Into<IdInput>) -> Result<(), Error> {
        let secret = secret_id.into().parse("secretId")?;
        let function = resolve(&self.ctx, &self.function).await?;
        let (mut f, mut s) = (Uuid::encode_buffer(), Uuid::encode_buffer());
        let args = [id_text(&function, &mut f), id_text(&secret, &mut s)];
        let call = Call::new(&FUNCTIONS_DETACH_SECRET, &args);
        self.ctx.transport.call_no_content(call).await
    }
}

/// The attached secrets of a Function, page by page with cursors.
#[must_use = "a list does nothing until streamed or paged"]
#[derive(Debug)]
pub struct SecretList {
    secrets: FunctionSecrets,
    start_at: Option<DateTime<Utc>>,
    end_at: Option<DateTime<Utc>>,
    page_size: u32,
}

impl SecretList {
    /// Only secrets created in this range (both ends inclusive; either may be open).
    pub fn created_between(
        mut self,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Self {
        self.start_at = start;
        self.end_at = end;
        self
    }

    /// Items per request, 1 to 1000 (default 1000, the most the API allows).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_SECRETS_LIMIT);
        self
    }

    async fn request(&self) -> Result<ListRequest, Error> {
        let function = resolve(&self.secrets.ctx, &self.secrets.function).await?;
        let mut query = Vec::new();
        if let Some(at) = self.start_at {
            query.push(("startAt", at.to_rfc3339_opts(SecondsFormat::Millis, true)));
        }
        if let Some(at) = self.end_at {
            query.push(("endAt", at.to_rfc3339_opts(SecondsFormat::Millis, true)));
        }
        Ok(ListRequest {
            op: &FUNCTIONS_LIST_SECRETS,
            args: vec![function.to_string()],
            query,
        })
    }

    /// Every attached secret.
    ///
    /// # Errors
    /// A Function name that does not resolve.
    pub async fn stream(self) -> Result<ListStream<Secret>, Error> {
        let request = self.request().await?;
        Ok(paginate::cursor_stream(
            self.secrets.ctx.clone(),
            request,
            self.page_size,
        ))
    }

    /// One page: the first with `None`, then the `next_cursor` of the page before.
    ///
    /// # Errors
    /// A Function name that does not resolve; the request's errors.
    pub async fn page(&self, cursor: Option<&str>) -> Result<CursorPage<Secret>, Error> {
        let request = self.request().await?;
        request
            .cursor_page(&self.secrets.ctx, cursor, self.page_size)
            .await
    }
}
