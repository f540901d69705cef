//! `cargo xtask check` (run by `.ci/run`): the spec validates, progenitor generates from it, the
//! spec carries the local edits of `openapi/local-edits.yaml`, every operation has the facts of
//! the operation table (`x-bb-idempotent`, `x-bb-what`), the modules of bb-api-ext and xtask import
//! one another in one direction only (no circle), and the checked-in public API
//! listings `bb-api/public-api.txt` (generated code) and `bb-api-ext/public-api.txt` (sources)
//! are up to date, and bb-api's packaged copy of the spec is identical to it. It builds neither bb-api nor bb-api-ext, so it still runs when a spec change
//! breaks them; the preset schema `openapi/session-preset.schema.json`, which needs bb-api-ext, is
//! checked by the test suite (`tests/tests/preset_schema`).

use crate::api_listing;
use crate::crate_tree::Crate;
use crate::ext_listing::{self, EXT_LISTING_PATH, Status};
use crate::import_graph;
use crate::local_edits::{self, LOCAL_EDITS_PATH};
use crate::regen;
use crate::source;
use crate::validate;
use crate::workspace::{PUBLIC_API_PATH, Workspace};

/// Runs the check; returns `false` (after printing the diff) when the listing is stale.
pub fn run(ws: &Workspace) -> Result<bool, String> {
    let spec_path = ws.spec_path();
    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let (doc, _) = source::parse(&spec_path.display().to_string(), &text)?;
    if let Some(edits) = regen::read_local_edits(ws)? {
        let mut edited = doc.clone();
        local_edits::apply_to_spec(&mut edited, &edits);
        if edited != doc {
            println!(
                "{} lacks edits from {LOCAL_EDITS_PATH} (was it imported without `cargo xtask regen`?); run `cargo xtask regen`",
                crate::codegen::SPEC_PATH
            );
            return Ok(false);
        }
    }
    let valid = validate::validate(&doc)?;
    if !valid.missing_facts.is_empty() {
        println!(
            "operations lack facts the transport needs; add them in {LOCAL_EDITS_PATH} and run `cargo xtask regen`:\n  {}",
            valid.missing_facts.join("\n  ")
        );
        return Ok(false);
    }
    let listing = api_listing::listing(&valid.generated.client, &valid.generated.httpmock)?;
    let expected = api_listing::listing_text(api_listing::LISTING_HEADER, &listing);
    let actual = std::fs::read_to_string(ws.public_api_path()).unwrap_or_default();
    let mut ok = true;
    if actual == expected {
        println!(
            "spec valid, generation succeeds, {PUBLIC_API_PATH} up to date ({} items)",
            listing.len()
        );
    } else {
        let diff = api_listing::stale_diff(
            PUBLIC_API_PATH,
            &actual,
            &expected,
            "generated from the spec",
        );
        println!("{PUBLIC_API_PATH} is out of date; run `cargo xtask regen` and review:\n{diff}");
        ok = false;
    }
    for root in IMPORT_GRAPH_ROOTS {
        let path = ws.root().join(root);
        if !path.is_file() {
            continue;
        }
        let krate = Crate::load(&path)?;
        let circles = import_graph::circles(&krate);
        if circles.is_empty() {
            println!(
                "{root}: imports flow one way ({} modules)",
                krate.modules.len()
            );
        } else {
            println!(
                "{root}: imports go in circles; move what both sides use into a module below both:\n  {}",
                circles.join("\n  ")
            );
            ok = false;
        }
    }
    match ext_listing::status(ws)? {
        Status::Absent => {}
        Status::UpToDate(count) => println!("{EXT_LISTING_PATH} up to date ({count} items)"),
        Status::Stale(diff) => {
            println!(
                "{EXT_LISTING_PATH} is out of date; run `cargo xtask api-listing --write` and review:\n{diff}"
            );
            ok = false;
        }
    }
    let copy = format!("bb-api/{}", crate::codegen::PACKAGED_SPEC_PATH);
    if std::fs::read_to_string(ws.packaged_spec_path())
        .ok()
        .as_deref()
        == Some(text.as_str())
    {
        println!("{copy} is identical to {}", crate::codegen::SPEC_PATH);
    } else {
        println!(
            "{copy} (the copy bb-api's package builds from) differs from {}; run `cargo xtask regen`",
            crate::codegen::SPEC_PATH
        );
        ok = false;
    }
    Ok(ok)
}

/// The crate roots whose module graphs must have no circle (`import_graph`).
const IMPORT_GRAPH_ROOTS: [&str; 2] = ["bb-api-ext/src/lib.rs", "xtask/src/main.rs"];
