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
    CONTEXTS_CREATE = "Contexts_create", POST "/v1/contexts", idempotent: false, "create context";
    CONTEXTS_GET = "Contexts_get", GET "/v1/contexts/{id}", idempotent: true, "get context";
    /// Issues a fresh upload URL and key pair: a repeat leaves the caller with the newest.
    CONTEXTS_UPDATE = "Contexts_update", PUT "/v1/contexts/{id}", idempotent: true, "update context";
    CONTEXTS_DELETE = "Contexts_delete", DELETE "/v1/contexts/{id}", idempotent: true, "delete context";
    /// Not repeated once its body may have been sent: each upload makes another extension.
    EXTENSIONS_UPLOAD = "Extensions_upload", POST "/v1/extensions", idempotent: false, "upload extension";
    EXTENSIONS_GET = "Extensions_get", GET "/v1/extensions/{id}", idempotent: true, "get extension";
    EXTENSIONS_DELETE = "Extensions_delete", DELETE "/v1/extensions/{id}", idempotent: true, "delete extension";
    /// Not repeated once its body may have been sent: each upload makes another certificate.
    CERTIFICATES_UPLOAD = "Certificates_upload", POST "/v1/certificates", idempotent: false, "upload certificate";
    CERTIFICATES_LIST = "Certificates_list", GET "/v1/certificates", idempotent: true, "list certificates";
    CERTIFICATES_GET = "Certificates_get", GET "/v1/certificates/{id}", idempotent: true, "get certificate";
    CERTIFICATES_DELETE = "Certificates_delete", DELETE "/v1/certificates/{id}", idempotent: true, "delete certificate";
    DOWNLOADS_LIST = "Downloads_list", GET "/v1/downloads", idempotent: true, "list downloads";
    DOWNLOADS_GET = "Downloads_get", GET "/v1/downloads/{id}", idempotent: true, "get download";
    DOWNLOADS_DELETE = "Downloads_delete", DELETE "/v1/downloads/{id}", idempotent: true, "delete download";
    PROJECTS_LIST = "Projects_list", GET "/v1/projects", idempotent: true, "list projects";
    PROJECTS_GET = "Projects_get", GET "/v1/projects/{id}", idempotent: true, "get project";
    PROJECTS_USAGE = "Projects_usage", GET "/v1/projects/{id}/usage", idempotent: true, "get usage of project";
}

/// Operations of the spec deliberately left to the raw bindings (`bb-api`), with the reason.
/// The areas an invocation uses are imported and wrapped in steps.
#[cfg(test)]
pub(crate) const RAW_ONLY: &[(&str, &str)] = &[
    (
        "Sessions_list",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_create",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_get",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_update",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_getDebug",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_getLogs",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_getRecording",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_createRecordingDownloads",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_listRecordingDownloads",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_getReplay",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_getReplayPage",
        "imported with the Sessions area; wrapped next",
    ),
    (
        "Sessions_uploadFile",
        "imported with the Sessions area; wrapped next",
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

    /// (method, path) of every operation in the spec, by operationId.
    fn spec_operations() -> BTreeMap<String, (String, String)> {
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
                    ops.insert(id.to_owned(), (method, path.to_owned()));
                }
            }
        }
        ops
    }

    #[test]
    fn every_spec_operation_is_wrapped_or_raw_only_and_every_wrapped_one_matches_the_spec() {
        let spec = spec_operations();
        for (id, (method, path)) in &spec {
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
            assert_eq!(
                op.idempotent,
                op.method != Method::POST || op.id.ends_with("attachSecret"),
                "{}",
                op.id
            );
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
