//! What dev mode is, below the transport and the errors that both use it: the operations the
//! local development server `bb dev` serves, and why a dev-mode call did not run. How its answers
//! map onto the production API's is `dev.rs`.

use bb_api::operations::FUNCTIONS_INVOKE;
use uuid::Uuid;

/// The operations `bb dev` serves, by operationId: the one place that says so. Every other call of
/// a dev-mode client fails at once with [`DevModeError::Unsupported`].
pub(crate) const SERVED: &[&str] = &[FUNCTIONS_INVOKE.id];

/// Why a dev-mode call did not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DevModeError {
    /// `bb dev` does not serve this operation; nothing was sent.
    #[error(
        "{what} is not served by `bb dev`, which only invokes Functions by name; nothing was sent (use a client for the Browserbase API, Client::from_env, for it)"
    )]
    Unsupported {
        /// The operation, in a user's words: "list Functions".
        what: &'static str,
    },
    /// `bb dev` knows Functions by name only; nothing was sent.
    #[error(
        "`bb dev` invokes Functions by name (the name given to defineFn), not by id {id}; nothing was sent"
    )]
    InvokeById {
        /// The id given.
        id: Uuid,
    },
    /// The entrypoint `bb dev` runs defines no Function with this name (404).
    #[error(
        "Function {name:?} not found: the entrypoint `bb dev` runs does not define it with defineFn (check the name, and that `bb dev` runs the right file){}",
        server_says(message)
    )]
    FunctionNotFound {
        /// The name invoked.
        name: String,
        /// The server's message, bounded.
        message: Option<String>,
    },
}

fn server_says(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!("; the server says: {m}"))
        .unwrap_or_default()
}
