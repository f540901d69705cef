//! Projects: list, get, usage, and the project's concurrency, which [`crate::FanOut`] takes as
//! its default limit (read once per client).

use std::fmt;
use std::sync::Arc;

use bb_api::types::{Project, ProjectUsage};

use crate::context::Context;
use crate::error::Error;
use crate::resource_ids::ProjectId;
use crate::transport::Call;
use crate::transport::operation::{PROJECTS_GET, PROJECTS_LIST, PROJECTS_USAGE};

/// Projects; from [`crate::Client::projects`].
#[derive(Clone)]
pub struct Projects {
    pub(crate) ctx: Arc<Context>,
}

impl fmt::Debug for Projects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Projects").finish_non_exhaustive()
    }
}

impl Projects {
    /// Every project the API key can see.
    ///
    /// # Errors
    /// The request's errors.
    pub async fn list(&self) -> Result<Vec<Project>, Error> {
        self.ctx
            .transport
            .call(Call::new(&PROJECTS_LIST, &[]))
            .await
    }

    /// The project `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such project.
    pub async fn get(&self, id: impl Into<ProjectId>) -> Result<Project, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&PROJECTS_GET, &args))
            .await
    }

    /// The API key's own project: the one project [`Self::list`] returns.
    ///
    /// ```no_run
    /// # async fn demo(client: bb_api_ext::Client) -> Result<(), bb_api_ext::Error> {
    /// let project = client.projects().current().await?;
    /// println!("{} runs at most {} sessions at once", project.name, project.concurrency);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::AmbiguousProject`] when the key sees no project or several (name one by id).
    pub async fn current(&self) -> Result<Project, Error> {
        current(&self.ctx).await
    }

    /// The usage of project `id`: browser minutes and proxy bytes.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such project.
    pub async fn usage(&self, id: impl Into<ProjectId>) -> Result<ProjectUsage, Error> {
        let id = id.into();
        let args = [id.as_str()];
        self.ctx
            .transport
            .call(Call::new(&PROJECTS_USAGE, &args))
            .await
    }

    /// The usage of the API key's own project ([`Self::current`]).
    ///
    /// # Errors
    /// As [`Self::current`] and [`Self::usage`].
    pub async fn current_usage(&self) -> Result<ProjectUsage, Error> {
        let project = current(&self.ctx).await?;
        self.usage(project.id).await
    }

    /// How many sessions the API key's project runs at once, read once per client (and its
    /// clones) and then kept.
    ///
    /// # Errors
    /// As [`Self::current`]; a failure is not kept: the next call asks again.
    pub async fn concurrency(&self) -> Result<u64, Error> {
        concurrency(&self.ctx).await
    }
}

async fn current(ctx: &Context) -> Result<Project, Error> {
    let mut projects: Vec<Project> = ctx.transport.call(Call::new(&PROJECTS_LIST, &[])).await?;
    if projects.len() == 1 {
        Ok(projects.remove(0))
    } else {
        Err(Error::AmbiguousProject {
            ids: projects.into_iter().map(|p| p.id).collect(),
        })
    }
}

/// The key's project's concurrency, cached in the client's context.
pub(crate) async fn concurrency(ctx: &Context) -> Result<u64, Error> {
    ctx.project_concurrency
        .get_or_try_init(|| async { current(ctx).await.map(|p| p.concurrency) })
        .await
        .copied()
}
