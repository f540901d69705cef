//! The operation table: every operation of the spec this crate calls, with what the transport
//! needs to know of it. A test checks it against `openapi/browserbase.yaml` both ways.

use reqwest::Method;

/// One operation of the spec.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The spec's operationId, for logs and `ApiError::operation`.
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    /// The path template as the spec writes it; `{name}` segments are filled in order.
    pub(crate) path: &'static str,
    /// Whether repeating it is harmless (reads, and writes the API documents as idempotent).
    pub(crate) idempotent: bool,
    /// What it does, in a user's words, for error messages: "get invocation".
    pub(crate) what: &'static str,
}

macro_rules! operations {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $method:ident $path:literal, idempotent: $idem:literal, $what:literal; )+) => {
        $( $(#[$doc])* pub(crate) const $name: Operation = Operation {
            id: $id,
            method: Method::$method,
            path: $path,
            idempotent: $idem,
            what: $what,
        }; )+

        /// Every operation this crate wraps.
        #[cfg(test)]
        pub(crate) const WRAPPED: &[&Operation] = &[$(&$name),+];
    };
}

operations! {
    FUNCTIONS_LIST = "Functions_list", GET "/v1/functions", idempotent: true, "list Functions";
    FUNCTIONS_GET = "Functions_get", GET "/v1/functions/{id}", idempotent: true, "get Function";
    /// Starts a billed browser session: never repeated where the server may have started it.
    FUNCTIONS_INVOKE = "Functions_invoke", POST "/v1/functions/{id}/invoke", idempotent: false, "invoke Function";
    FUNCTIONS_LIST_VERSIONS = "Functions_listVersions", GET "/v1/functions/{id}/versions", idempotent: true, "list versions of Function";
    FUNCTION_VERSIONS_GET = "FunctionVersions_get", GET "/v1/functions/versions/{id}", idempotent: true, "get Function version";
    FUNCTION_VERSIONS_LIST_INVOCATIONS = "FunctionVersions_listInvocations", GET "/v1/functions/versions/{id}/invocations", idempotent: true, "list invocations of Function version";
    INVOCATIONS_GET = "Invocations_get", GET "/v1/functions/invocations/{id}", idempotent: true, "get invocation";
    INVOCATIONS_GET_LOGS = "Invocations_getLogs", GET "/v1/functions/invocations/{id}/logs", idempotent: true, "get logs of invocation";
    FUNCTION_BUILDS_LIST = "FunctionBuilds_list", GET "/v1/functions/builds", idempotent: true, "list builds";
    FUNCTION_BUILDS_GET = "FunctionBuilds_get", GET "/v1/functions/builds/{id}", idempotent: true, "get build";
    FUNCTION_BUILDS_GET_LOGS = "FunctionBuilds_getLogs", GET "/v1/functions/builds/{id}/logs", idempotent: true, "get logs of build";
    FUNCTIONS_LIST_SECRETS = "Functions_listSecrets", GET "/v1/functions/{id}/secrets", idempotent: true, "list secrets of Function";
    /// Documented as idempotent: attaching an attached secret succeeds.
    FUNCTIONS_ATTACH_SECRET = "Functions_attachSecret", POST "/v1/functions/{id}/secrets", idempotent: true, "attach secret to Function";
    /// Documented as idempotent: detaching a detached secret succeeds.
    FUNCTIONS_DETACH_SECRET = "Functions_detachSecret", DELETE "/v1/functions/{id}/secrets/{secretId}", idempotent: true, "detach secret from Function";
    /// Not repeated: a second create of the same endpoint is a conflict.
    WEBHOOKS_CREATE = "Webhooks_create", POST "/v1/webhooks", idempotent: false, "create webhook";
    WEBHOOKS_LIST = "Webhooks_list", GET "/v1/webhooks", idempotent: true, "list webhooks";
    WEBHOOKS_GET = "Webhooks_get", GET "/v1/webhooks/{id}", idempotent: true, "get webhook";
    /// Sets fields to given values: repeating it changes nothing more.
    WEBHOOKS_UPDATE = "Webhooks_update", PATCH "/v1/webhooks/{id}", idempotent: true, "update webhook";
    /// Repeating it leaves the same state; a repeat after a delete that landed answers 404.
    WEBHOOKS_DELETE = "Webhooks_delete", DELETE "/v1/webhooks/{id}", idempotent: true, "delete webhook";
    /// Not repeated: each rotation issues another secret and retires one more.
    WEBHOOKS_ROTATE_SECRET = "Webhooks_rotateSecret", POST "/v1/webhooks/{id}/secret", idempotent: false, "rotate signing secret of webhook";
    SESSIONS_LIST = "Sessions_list", GET "/v1/sessions", idempotent: true, "list sessions";
    /// Starts a billed browser session: never repeated where the server may have started it.
    SESSIONS_CREATE = "Sessions_create", POST "/v1/sessions", idempotent: false, "create session";
    SESSIONS_GET = "Sessions_get", GET "/v1/sessions/{id}", idempotent: true, "get session";
    /// `REQUEST_RELEASE`: releasing a released session changes nothing.
    SESSIONS_UPDATE = "Sessions_update", POST "/v1/sessions/{id}", idempotent: true, "release session";
    SESSIONS_GET_DEBUG = "Sessions_getDebug", GET "/v1/sessions/{id}/debug", idempotent: true, "get live URLs of session";
    SESSIONS_GET_LOGS = "Sessions_getLogs", GET "/v1/sessions/{id}/logs", idempotent: true, "get logs of session";
    SESSIONS_GET_RECORDING = "Sessions_getRecording", GET "/v1/sessions/{id}/recording", idempotent: true, "get recording of session";
    /// Documented as re-enqueueing every page: a repeat does no harm.
    SESSIONS_CREATE_RECORDING_DOWNLOADS = "Sessions_createRecordingDownloads", POST "/v1/sessions/{id}/recording/downloads", idempotent: true, "request recording downloads of session";
    SESSIONS_LIST_RECORDING_DOWNLOADS = "Sessions_listRecordingDownloads", GET "/v1/sessions/{id}/recording/downloads", idempotent: true, "list recording downloads of session";
    SESSIONS_GET_REPLAY = "Sessions_getReplay", GET "/v1/sessions/{id}/replays", idempotent: true, "get replay of session";
    SESSIONS_GET_REPLAY_PAGE = "Sessions_getReplayPage", GET "/v1/sessions/{id}/replays/{pageId}", idempotent: true, "get replay page of session";
}

/// Operations of the spec deliberately left to the raw bindings (`bb-api`), with the reason.
/// The areas an invocation uses are imported and wrapped in steps.
#[cfg(test)]
pub(crate) const RAW_ONLY: &[(&str, &str)] = &[
    (
        "Certificates_upload",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Certificates_list",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Certificates_get",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Certificates_delete",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Contexts_create",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Contexts_get",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Contexts_update",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Contexts_delete",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Downloads_list",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Downloads_get",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Downloads_delete",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Extensions_upload",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Extensions_get",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Extensions_delete",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Projects_list",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Projects_get",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Projects_usage",
        "imported with contexts, extensions, certificates, downloads and projects; wrapped next",
    ),
    (
        "Sessions_uploadFile",
        "waits for the streaming multipart upload module (one for every upload)",
    ),
];

impl Operation {
    /// The path's segments with the `{…}` placeholders filled by `args` in order; `None` when the
    /// number of arguments does not match (a bug in this crate, reported as a config error).
    pub(crate) fn segments<'a>(&'a self, args: &'a [&'a str]) -> Option<Vec<&'a str>> {
        let mut args = args.iter();
        let segments: Option<Vec<&str>> = self
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    args.next().copied()
                } else {
                    Some(segment)
                }
            })
            .collect();
        if args.next().is_some() {
            return None;
        }
        segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// (method, path, x-bb-idempotent, x-bb-what) of every operation in the spec, by operationId.
    fn spec_operations() -> BTreeMap<String, (String, String, Option<bool>, Option<String>)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/browserbase.yaml");
        let text = std::fs::read_to_string(path).expect("the spec is readable");
        let spec: serde_norway::Value = serde_norway::from_str(&text).expect("the spec parses");
        let mut ops = BTreeMap::new();
        let paths = spec["paths"].as_mapping().expect("paths");
        for (path, item) in paths {
            let path = path.as_str().expect("path text");
            for (method, op) in item.as_mapping().expect("path item") {
                let method = method.as_str().expect("method").to_uppercase();
                if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                    let idempotent = op.get("x-bb-idempotent").and_then(|v| v.as_bool());
                    let what = op
                        .get("x-bb-what")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned);
                    ops.insert(id.to_owned(), (method, path.to_owned(), idempotent, what));
                }
            }
        }
        ops
    }

    #[test]
    fn every_spec_operation_is_wrapped_or_raw_only_and_every_wrapped_one_matches_the_spec() {
        let spec = spec_operations();
        for (id, (method, path, _, _)) in &spec {
            let wrapped = WRAPPED.iter().find(|op| op.id == id);
            let raw = RAW_ONLY.iter().any(|(raw, _)| raw == id);
            assert!(
                wrapped.is_some() != raw,
                "{id} ({method} {path}) must be either wrapped by bb-api-ext or listed in RAW_ONLY, not {}",
                if raw { "both" } else { "neither" }
            );
            if let Some(op) = wrapped {
                assert_eq!(op.method.as_str(), method, "{id}: method");
                assert_eq!(op.path, path, "{id}: path");
            }
        }
        for op in WRAPPED {
            assert!(
                spec.contains_key(op.id),
                "{} is wrapped but not in the spec",
                op.id
            );
            // The spec's facts where it states them; else only reads and the documented
            // idempotent attach are repeatable.
            let (_, _, idempotent, what) = &spec[op.id];
            assert_eq!(
                op.idempotent,
                idempotent.unwrap_or(op.method != Method::POST || op.id.ends_with("attachSecret")),
                "{}: idempotent",
                op.id
            );
            if let Some(what) = what {
                assert_eq!(op.what, what, "{}: what", op.id);
            }
        }
        for (id, _) in RAW_ONLY {
            assert!(
                spec.contains_key(*id),
                "{id} is listed raw-only but not in the spec"
            );
        }
    }

    #[test]
    fn segments_fill_placeholders_in_order() {
        assert_eq!(
            FUNCTIONS_DETACH_SECRET.segments(&["f", "s"]),
            Some(vec!["v1", "functions", "f", "secrets", "s"])
        );
        assert_eq!(FUNCTIONS_LIST.segments(&[]), Some(vec!["v1", "functions"]));
        assert_eq!(FUNCTIONS_GET.segments(&[]), None);
        assert_eq!(FUNCTIONS_GET.segments(&["a", "b"]), None);
    }
}
