//! The flags every command takes, and the one place a client is built from them.

use bb_api_ext::{BASE_URL_ENV, Client, ClientBuilder, Coordinator, DEV_SERVER_URL};

/// Flags every command takes.
#[derive(clap::Args, Debug)]
pub struct GlobalArgs {
    /// Print JSON: one object per line (lists: one line per item). No progress bars.
    #[arg(long, global = true)]
    pub json: bool,

    /// Talk to the local development server `bb dev` instead of the Browserbase API: the URL in
    /// BROWSERBASE_BASE_URL if set, else http://127.0.0.1:14113. No API key is needed; only
    /// `invoke` by name works there.
    #[arg(long, global = true)]
    pub dev: bool,
}

/// The client the flags and the environment ask for: `BROWSERBASE_API_KEY` (required) and
/// `BROWSERBASE_BASE_URL` (optional); with `--dev`, the dev server and no key. A missing key is a
/// configuration error (exit 2, nothing sent).
pub fn client(global: &GlobalArgs) -> Result<Client, bb_api_ext::Error> {
    if global.dev {
        let url = std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEV_SERVER_URL.to_owned());
        return Client::builder().dev_server(url).build();
    }
    Client::from_env()
}

/// The client of [`client`] (without `--dev`), sharing its budget, pauses and events through
/// `coordinator` (`--redis`).
pub fn coordinated_client(coordinator: impl Coordinator) -> Result<Client, bb_api_ext::Error> {
    ClientBuilder::from_env()?.coordinator(coordinator).build()
}
