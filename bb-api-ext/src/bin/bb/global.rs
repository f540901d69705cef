//! The flags every command takes, and the one place a client is built from them.

use bb_api_ext::Client;

/// Flags every command takes.
#[derive(clap::Args, Debug)]
pub struct GlobalArgs {
    /// Print JSON: one object per line (lists: one line per item). No progress bars.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The client the flags and the environment ask for: `BROWSERBASE_API_KEY` (required) and
/// `BROWSERBASE_BASE_URL` (optional). A missing key is a configuration error (exit 2, nothing
/// sent).
pub fn client(_global: &GlobalArgs) -> Result<Client, bb_api_ext::Error> {
    Client::from_env()
}
