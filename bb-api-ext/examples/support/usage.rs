//! The examples' one way to refuse their arguments.

use std::process::ExitCode;

/// The parsed arguments, or exit status 2 after printing why not (nothing for `--help`, which
/// parses to an empty reason) and the usage.
pub fn or_usage<T>(parsed: Result<T, String>, usage: &str) -> Result<T, ExitCode> {
    parsed.map_err(|why| {
        if !why.is_empty() {
            eprintln!("error: {why}");
        }
        eprintln!("{usage}");
        ExitCode::from(2)
    })
}
