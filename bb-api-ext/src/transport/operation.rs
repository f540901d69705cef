//! The operation table: every operation of the spec, with what the transport needs to know of
//! it (method, path template, whether it is idempotent, its name in a user's words). It is
//! generated from `openapi/browserbase.yaml` by bb-api (`bb_api::operations`); nothing here
//! repeats a path or a method.

pub(crate) use bb_api::operations::*;

/// Operations of the spec deliberately left to the raw bindings (`bb-api`), with the reason.
/// The areas an invocation uses are imported and wrapped in steps.
#[cfg(test)]
pub(crate) const RAW_ONLY: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    /// POSTs the API documents as idempotent, with the reason: any other POST marked
    /// `x-bb-idempotent: true` in the spec is a mistake that would repeat a write.
    const IDEMPOTENT_POSTS: &[(&str, &str)] = &[
        (
            "Functions_attachSecret",
            "attaching an attached secret succeeds",
        ),
        (
            "Sessions_update",
            "its one status, REQUEST_RELEASE: releasing a released session changes nothing",
        ),
        (
            "Sessions_createRecordingDownloads",
            "documented as re-enqueueing every page: a repeat does no harm",
        ),
    ];

    #[test]
    fn only_documented_writes_are_idempotent() {
        for op in ALL {
            let documented = IDEMPOTENT_POSTS.iter().any(|(id, _)| *id == op.id);
            if op.method == Method::POST {
                assert_eq!(op.idempotent, documented, "{}: x-bb-idempotent", op.id);
            } else {
                assert!(!documented, "{} is not a POST", op.id);
            }
            if op.method == Method::GET || op.method == Method::HEAD {
                assert!(op.idempotent, "{}: a read is idempotent", op.id);
            }
        }
    }

    #[test]
    fn every_operation_has_its_own_name_in_user_words() {
        let mut seen = std::collections::BTreeSet::new();
        for op in ALL {
            assert!(
                seen.insert(op.what),
                "{}: {:?} names two operations",
                op.id,
                op.what
            );
            assert!(
                !op.what.contains('_') && !op.what.contains(op.id),
                "{}: {:?} must not be the operationId",
                op.id,
                op.what
            );
        }
    }

    /// The `.rs` files of `bb-api-ext/src` outside `testing/` and this file, as text.
    fn crate_sources() -> String {
        let mut text = String::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable") {
                let path = entry.expect("a directory entry").path();
                if path.ends_with("testing") || path.ends_with("transport/operation.rs") {
                    continue;
                }
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    text.push_str(&std::fs::read_to_string(&path).expect("a readable source"));
                }
            }
        }
        text
    }

    #[test]
    fn every_operation_is_wrapped_or_raw_only() {
        let sources = crate_sources();
        for op in ALL {
            // The const's name: `Functions_listVersions` is `FUNCTIONS_LIST_VERSIONS`.
            let mut name = String::new();
            let mut prev_lower = false;
            for c in op.id.chars() {
                if c.is_ascii_uppercase() && prev_lower {
                    name.push('_');
                }
                prev_lower = c.is_ascii_lowercase();
                name.push(c.to_ascii_uppercase());
            }
            let used = sources.match_indices(name.as_str()).any(|(at, _)| {
                let next = sources[at + name.len()..].chars().next();
                let prev = sources[..at].chars().last();
                !next.is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
                    && !prev.is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
            });
            let raw = RAW_ONLY.iter().any(|(id, _)| *id == op.id);
            assert!(
                used != raw,
                "{} ({} {}) must be either used by bb-api-ext (as {name}) or listed in RAW_ONLY, not {}",
                op.id,
                op.method,
                op.path,
                if raw { "both" } else { "neither" }
            );
        }
        for (id, _) in RAW_ONLY {
            assert!(
                ALL.iter().any(|op| op.id == *id),
                "{id} is listed raw-only but not in the spec"
            );
        }
    }
}
