//! The examples' one way to a client, and one way to print an error.
//!
//! With `BROWSERBASE_API_KEY` set, the real API (or `BROWSERBASE_BASE_URL`); without it, the
//! embedded fake (`bb_api_ext::testing`) with its demo data, which the caller keeps alive.

use bb_api_ext::testing::FakeBrowserbase;
use bb_api_ext::{Client, Error};

/// Why no client could be had.
pub enum ConnectError {
    /// The environment's client configuration is wrong (an empty key, a bad base URL).
    Config(Error),
    /// The fake could not start.
    Fake(std::io::Error),
}

/// Whether a real API key is set.
pub fn real() -> bool {
    std::env::var(bb_api_ext::API_KEY_ENV).is_ok_and(|k| !k.trim().is_empty())
}

/// The client, and the fake it talks to when no key is set.
pub async fn connect() -> Result<(Client, Option<FakeBrowserbase>), ConnectError> {
    if real() {
        let client = Client::from_env().map_err(ConnectError::Config)?;
        return Ok((client, None));
    }
    let fake = FakeBrowserbase::demo().await.map_err(ConnectError::Fake)?;
    Ok((fake.client(), Some(fake)))
}

/// Prints the error, then its causes, one per line: each cause is a `source()`, not part of the
/// message above it.
pub fn print_error(e: &Error) {
    eprintln!("error: {e}");
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        eprintln!("  caused by: {c}");
        cause = c.source();
    }
}

/// Prints why no client could be had, and the exit status for it: 2 for a bad configuration
/// (nothing was sent), 1 for a fake that could not start.
pub fn connect_failed(e: &ConnectError) -> std::process::ExitCode {
    match e {
        ConnectError::Config(e) => {
            print_error(e);
            std::process::ExitCode::from(2)
        }
        ConnectError::Fake(e) => {
            eprintln!("error: could not start the fake Browserbase server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
