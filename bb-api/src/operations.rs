//! The operation table: what the spec says of every operation, generated from
//! `openapi/browserbase.yaml` by `build.rs` (see `codegen::operation_table`).
//!
//! One `pub const` per operation, named after its operationId in SCREAMING_SNAKE
//! ([`FUNCTIONS_INVOKE`]), [`ALL`] of them, and [`OperationId`], one variant per operation. Two
//! facts the API's document lacks come from spec extensions added in `openapi/local-edits.yaml`:
//! `x-bb-idempotent` ([`Operation::idempotent`]) and `x-bb-what` ([`Operation::what`]).
//! `bb-api-ext`'s transport calls and its test server routes by this table, so an operation added
//! to the spec is known everywhere.

use reqwest::Method;

/// One operation of the spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's operationId, such as `Functions_invoke`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template as the spec writes it, such as `/v1/functions/{id}/invoke`.
    pub path: &'static str,
    /// The names of the path's `{…}` parameters, in the template's order.
    pub path_params: &'static [&'static str],
    /// The names of the query parameters the spec documents.
    pub query_params: &'static [&'static str],
    /// The 2xx statuses the spec documents.
    pub success: &'static [u16],
    /// The request body's content types (empty when there is no body).
    pub request_types: &'static [&'static str],
    /// The success responses' content types (empty when they have no body).
    pub response_types: &'static [&'static str],
    /// `x-bb-idempotent`: whether repeating it is harmless (reads, and writes the API documents
    /// as idempotent). Only these are retried once a request may have reached the server.
    pub idempotent: bool,
    /// `x-bb-what`: what it does in a user's words, for error messages ("get invocation").
    pub what: &'static str,
}

impl Operation {
    /// The path's segments with the `{…}` placeholders filled by `args` in order; `None` when the
    /// number of arguments does not match the template's.
    pub fn segments<'a>(&'a self, args: &'a [&'a str]) -> Option<Vec<&'a str>> {
        let mut args = args.iter();
        let segments: Option<Vec<&str>> = self
            .path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if is_param(segment) {
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

    /// The path parameters of a request path (no query) this operation's template matches, in
    /// the template's order; `None` when it does not match. Empty segments never match.
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<&'p str>> {
        let mut template = self.path.trim_start_matches('/').split('/');
        let mut params = Vec::new();
        for segment in path.strip_prefix('/')?.split('/') {
            let expected = template.next()?;
            if segment.is_empty() {
                return None;
            }
            if is_param(expected) {
                params.push(segment);
            } else if expected != segment {
                return None;
            }
        }
        template.next().is_none().then_some(params)
    }

    /// Whether the template's segment `index` is literal (not a `{…}` parameter). Among the
    /// templates that match a path, the one with a literal segment where the others have a
    /// parameter, first from the left, is the more specific: `/v1/functions/builds` lists builds
    /// rather than getting Function `builds`.
    pub fn literal_segments(&self) -> impl Iterator<Item = bool> + '_ {
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|s| !is_param(s))
    }
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// The operation `method path` (a path without its query) is among those `candidates` accepts,
/// the most specific one when several templates match (see [`Operation::literal_segments`]),
/// with its path parameters in the template's order.
pub fn route<'p>(
    method: &str,
    path: &'p str,
    candidates: impl Fn(OperationId) -> bool,
) -> Option<(OperationId, Vec<&'p str>)> {
    OperationId::ALL
        .iter()
        .filter(|id| id.operation().method.as_str() == method && candidates(**id))
        .filter_map(|id| Some((*id, id.operation().match_path(path)?)))
        .max_by(|(a, _), (b, _)| {
            a.operation()
                .literal_segments()
                .cmp(b.operation().literal_segments())
        })
}

impl OperationId {
    /// The spec's operationId, such as `Functions_invoke`.
    pub const fn operation_id(self) -> &'static str {
        self.operation().id
    }
}

impl std::fmt::Display for OperationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.operation_id())
    }
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));

#[cfg(test)]
mod tests {
    use super::*;

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

    fn route_all<'p>(method: &str, path: &'p str) -> Option<(OperationId, Vec<&'p str>)> {
        route(method, path, |_| true)
    }

    #[test]
    fn route_prefers_literal_segments_and_returns_parameters_in_order() {
        assert_eq!(
            route_all("GET", "/v1/functions/builds"),
            Some((OperationId::FunctionBuildsList, vec![]))
        );
        assert_eq!(
            route_all("GET", "/v1/functions/b1"),
            Some((OperationId::FunctionsGet, vec!["b1"]))
        );
        assert_eq!(
            route_all("GET", "/v1/functions/versions/v1/invocations"),
            Some((OperationId::FunctionVersionsListInvocations, vec!["v1"]))
        );
        assert_eq!(
            route_all("DELETE", "/v1/functions/f/secrets/s"),
            Some((OperationId::FunctionsDetachSecret, vec!["f", "s"]))
        );
        assert_eq!(route_all("PUT", "/v1/functions"), None);
        assert_eq!(
            route("GET", "/v1/functions/builds", |id| id
                != OperationId::FunctionBuildsList),
            Some((OperationId::FunctionsGet, vec!["builds"]))
        );
        assert_eq!(route_all("GET", "/v1/functions/"), None);
        assert_eq!(route_all("GET", "/v1//functions"), None);
        assert_eq!(route_all("GET", "v1/functions"), None);
    }

    #[test]
    fn every_variant_names_its_own_operation_and_every_operation_has_a_variant() {
        assert_eq!(OperationId::ALL.len(), ALL.len());
        for (id, op) in OperationId::ALL.iter().zip(ALL) {
            assert_eq!(id.operation().id, op.id);
            assert_eq!(id.to_string(), op.id);
        }
        assert_eq!(FUNCTIONS_INVOKE.path_params, ["id"]);
        assert_eq!(FUNCTIONS_INVOKE.success, [202]);
        assert_eq!(FUNCTIONS_INVOKE.request_types, ["application/json"]);
        assert_eq!(FUNCTIONS_INVOKE.idempotent, WEBHOOKS_CREATE.idempotent);
        assert_ne!(FUNCTIONS_INVOKE.idempotent, FUNCTIONS_GET.idempotent);
        assert_eq!(FUNCTIONS_INVOKE.what, "invoke Function");
        assert_eq!(WEBHOOKS_CREATE.success, [201]);
        assert_eq!(WEBHOOKS_DELETE.response_types, [] as [&str; 0]);
    }
}
