//! `cargo xtask regen [--from PATH] [--only SELECTOR]...`: import (merging docs pages, or only the
//! selected operations, into the existing spec), apply `openapi/local-edits.yaml`, validate, write
//! the spec and the public API listing in canonical form, and report what changed.

use std::path::Path;

use crate::api_listing;
use crate::cli::MergeMode;
use crate::codegen;
use crate::compare;
use crate::local_edits::{self, LOCAL_EDITS_PATH};
use crate::merge;
use crate::report::Format;
use crate::select::{self, Selector};
use crate::source::{self, SpecInput};
use crate::validate;
use crate::workspace::{PUBLIC_API_PATH, Workspace};

/// Runs `regen`. Returns `true` (it fails only with an error).
pub fn run(
    ws: &Workspace,
    from: Option<&str>,
    mode: MergeMode,
    only: &[Selector],
    format: Format,
) -> Result<bool, String> {
    let spec_path = ws.spec_path();
    let existing_text = std::fs::read_to_string(&spec_path).ok();
    let existing = match &existing_text {
        Some(text) => Some(source::parse(&spec_path.display().to_string(), text)?.0),
        None => None,
    };
    let doc = match from {
        None => existing
            .clone()
            .ok_or_else(|| format!("{} does not exist; use --from", spec_path.display()))?,
        Some(arg) => {
            let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
            let loaded = SpecInput::from_arg(arg, &cwd)?.load(arg)?;
            if only.is_empty() {
                let merge = match mode {
                    MergeMode::Auto => loaded.partial,
                    MergeMode::Merge => true,
                    MergeMode::Replace => false,
                };
                match (&existing, merge) {
                    (Some(base), true) => {
                        let mut doc = base.clone();
                        merge::merge_into(&mut doc, &loaded.doc)?;
                        doc
                    }
                    _ => loaded.doc,
                }
            } else {
                merge_selected(existing.as_ref(), &loaded.doc, only, arg)?
            }
        }
    };
    let mut doc = doc;
    if let Some(edits) = read_local_edits(ws)? {
        let waiting = local_edits::apply_to_spec(&mut doc, &edits);
        eprintln!("applied {LOCAL_EDITS_PATH}");
        if !waiting.is_empty() {
            eprintln!(
                "edits waiting for an import of what they edit: {}",
                waiting.join(", ")
            );
        }
    }
    let valid = validate::validate(&doc)?;
    let listing = api_listing::listing(&valid.generated.client, &valid.generated.httpmock)?;
    let listing_text = api_listing::listing_text(api_listing::LISTING_HEADER, &listing);

    let wrote_spec = write_if_changed(&spec_path, &valid.text)?;
    let wrote_copy = write_if_changed(&ws.packaged_spec_path(), &valid.text)?;
    let wrote_api = write_if_changed(&ws.public_api_path(), &listing_text)?;
    eprintln!("{}: {}", codegen::SPEC_PATH, status(wrote_spec));
    eprintln!(
        "bb-api/{} (the packaged copy): {}",
        codegen::PACKAGED_SPEC_PATH,
        status(wrote_copy)
    );
    eprintln!("{PUBLIC_API_PATH}: {}", status(wrote_api));
    if wrote_spec {
        eprintln!("bb-api regenerates its bindings from the spec on its next build.");
    }
    if !valid.missing_facts.is_empty() {
        eprintln!(
            "warning: bb-api will not build until {LOCAL_EDITS_PATH} gives these operations their facts (then run `cargo xtask regen` again):\n  {}",
            valid.missing_facts.join("\n  ")
        );
    }

    if let Some(before) = existing {
        let report = compare::compare("spec before regen", &before, "spec after regen", &doc)?;
        print!("{}", report.render(format)?);
    }
    Ok(true)
}

/// Merges the operations of `source` chosen by `only` (with their components) into `existing`, or,
/// without an existing spec, into the source's own top-level keys (`info`, `servers`, …).
fn merge_selected(
    existing: Option<&serde_norway::Value>,
    source: &serde_norway::Value,
    only: &[Selector],
    label: &str,
) -> Result<serde_norway::Value, String> {
    let mut selection = select::select(source, only).map_err(|e| format!("{label}: {e}"))?;
    let mut base = match existing {
        Some(doc) => doc.clone(),
        None => {
            let mut skeleton = source.clone();
            if let Some(map) = skeleton.as_mapping_mut() {
                map.shift_remove("paths");
                map.shift_remove("components");
            }
            skeleton
        }
    };
    let pinned = select::keep_source_security(&mut selection, source, &base);
    eprintln!(
        "selected {} operation(s) of {label}: {}",
        selection.operations.len(),
        selection.operations.join(", ")
    );
    eprintln!(
        "with {} component(s): {}",
        selection.components.len(),
        if selection.components.is_empty() {
            "none".to_string()
        } else {
            selection.components.join(", ")
        }
    );
    if !pinned.is_empty() {
        eprintln!(
            "the source's document-level security differs from the spec's: written onto {}",
            pinned.join(", ")
        );
    }
    merge::merge_into(&mut base, &selection.doc)?;
    Ok(base)
}

/// The local edits, if the workspace has them.
pub fn read_local_edits(ws: &Workspace) -> Result<Option<serde_norway::Value>, String> {
    let path = ws.local_edits_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    serde_norway::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{}: invalid YAML: {e}", path.display()))
}

/// `written` or `unchanged`, as `regen` and `api-listing --write` report a file.
pub(crate) fn status(wrote: bool) -> &'static str {
    if wrote { "written" } else { "unchanged" }
}

/// Writes `text` to `path` unless it already holds exactly that; returns whether it wrote.
pub fn write_if_changed(path: &Path, text: &str) -> Result<bool, String> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == text) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}
