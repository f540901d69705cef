//! `cargo xtask api-listing [--write]`: the public API of bb-api-ext, read from its sources
//! (`crate_tree`, `crate_listing`), kept in `bb-api-ext/public-api.txt`; `check` keeps it honest.

use crate::api_listing;
use crate::crate_listing;
use crate::crate_tree::Crate;
use crate::regen::{self, write_if_changed};
use crate::workspace::Workspace;

/// The listing, relative to the workspace root.
pub const EXT_LISTING_PATH: &str = "bb-api-ext/public-api.txt";

/// The crate root it is read from, relative to the workspace root.
const EXT_ROOT: &str = "bb-api-ext/src/lib.rs";

/// The header of `bb-api-ext/public-api.txt`.
pub const EXT_LISTING_HEADER: &str = "# Public API of bb-api-ext, read from its sources: paths from the crate root, types by their public path;\n# ` #[cfg(...)]` marks what needs a feature. Written by `cargo xtask api-listing --write`, checked by\n# `cargo xtask check`; do not edit.\n";

/// How the checked-in listing compares with the sources.
#[derive(Debug, PartialEq)]
pub enum Status {
    /// The workspace has no `bb-api-ext/src/lib.rs`.
    Absent,
    /// Up to date, with this many items.
    UpToDate(usize),
    /// Out of date: the unified diff from the checked-in listing to the fresh one.
    Stale(String),
}

/// The listing text of the workspace's bb-api-ext and its item count.
pub fn listing(ws: &Workspace) -> Result<(String, usize), String> {
    let krate = Crate::load(&ws.root().join(EXT_ROOT))?;
    let items = crate_listing::listing(&krate);
    Ok((
        api_listing::listing_text(EXT_LISTING_HEADER, &items),
        items.len(),
    ))
}

/// Runs `api-listing`: prints the listing, or with `write` stores it.
pub fn run(ws: &Workspace, write: bool) -> Result<bool, String> {
    let (text, count) = listing(ws)?;
    if write {
        let wrote = write_if_changed(&ws.root().join(EXT_LISTING_PATH), &text)?;
        eprintln!(
            "{EXT_LISTING_PATH}: {} ({count} items)",
            regen::status(wrote)
        );
    } else {
        print!("{text}");
    }
    Ok(true)
}

/// For `check`: the checked-in listing against the one the sources give.
pub fn status(ws: &Workspace) -> Result<Status, String> {
    if !ws.root().join(EXT_ROOT).is_file() {
        return Ok(Status::Absent);
    }
    let (expected, count) = listing(ws)?;
    let actual = std::fs::read_to_string(ws.root().join(EXT_LISTING_PATH)).unwrap_or_default();
    if actual == expected {
        return Ok(Status::UpToDate(count));
    }
    Ok(Status::Stale(api_listing::stale_diff(
        EXT_LISTING_PATH,
        &actual,
        &expected,
        "from the sources",
    )))
}
