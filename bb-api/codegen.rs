//! The one place that says how bindings are generated from the spec.
//!
//! Compiled twice: by `bb-api/build.rs` (with `#[path]`) and by `xtask`. Both must produce the same
//! code from the same spec, so every generator setting lives here and nowhere else.

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

/// Path of the spec, relative to the workspace root.
#[allow(dead_code)]
pub const SPEC_PATH: &str = "openapi/browserbase.yaml";

/// Schemas generated as open enums (`Unknown(String)` for values newer than the spec).
pub const OPEN_ENUMS: [&str; 8] = [
    "InvocationStatus",
    "FunctionBuildStatus",
    "InvocationCauseCode",
    "FunctionBuildCauseCode",
    "WebhookEventType",
    "SessionStatus",
    "SessionRegion",
    "RecordingDownloadStatus",
];

/// The schema of a webhook signing secret (create's and rotate's responses), generated as
/// `signing_secret::WebhookSigningSecret` (`bb-api/src/signing_secret.rs`), whose `Debug` does
/// not show it.
pub const SIGNING_SECRET: &str = "WebhookSigningSecret";

/// The schemas of a session's signing key and of the connect URL that embeds it (create's and
/// get's responses), generated as the types of `bb-api/src/session_secret.rs`, whose `Debug` does
/// not show them.
pub const SESSION_SECRETS: [&str; 2] = ["SessionSigningKey", "SessionConnectUrl"];

/// The generated client and its typed httpmock helpers, each formatted Rust source.
pub struct Generated {
    /// Types and the `Client` (builder interface).
    pub client: String,
    /// `httpmock` helpers (`MockServerExt`, per-operation `When`/`Then`).
    pub httpmock: String,
}

/// The generator settings shared by build.rs and xtask.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Lets request/response types live in `HashSet`s and be compared in tests.
        .with_derive("PartialEq");
    // Values the API adds over time must not fail a whole response: these schemas (named in
    // `openapi/local-edits.yaml`) become the open enums of `bb-api/src/open.rs`.
    for name in OPEN_ENUMS {
        settings.with_replacement(
            name,
            format!("crate::open::{name}"),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    // A `String` would print the secret in the responses' derived `Debug`.
    settings.with_replacement(
        SIGNING_SECRET,
        format!("crate::signing_secret::{SIGNING_SECRET}"),
        std::iter::empty(),
    );
    for name in SESSION_SECRETS {
        settings.with_replacement(
            name,
            format!("crate::session_secret::{name}"),
            std::iter::empty(),
        );
    }
    settings
}

/// Parses an OpenAPI 3.0.x document from YAML or JSON text (JSON is a subset of YAML).
pub fn parse_spec(text: &str) -> Result<openapiv3::OpenAPI, String> {
    let spec: openapiv3::OpenAPI = serde_norway::from_str(text)
        .map_err(|e| format!("the spec does not parse as OpenAPI: {e}"))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!(
            "the spec declares openapi {:?}; progenitor generates from 3.0.x only",
            spec.openapi
        ));
    }
    Ok(spec)
}

/// Generates the client and the httpmock helpers from a parsed spec.
///
/// `crate_path` is the path by which the httpmock module names the generated crate
/// (`crate` from inside bb-api).
pub fn generate(spec: &openapiv3::OpenAPI, crate_path: &str) -> Result<Generated, String> {
    let spec = &for_progenitor(spec);
    let settings = settings();
    let mut generator = Generator::new(&settings);
    let client = generator
        .generate_tokens(spec)
        .map_err(|e| format!("progenitor could not generate the client: {e}"))?;
    let httpmock = generator
        .httpmock(spec, crate_path)
        .map_err(|e| format!("progenitor could not generate the httpmock helpers: {e}"))?;
    Ok(Generated {
        client: format_tokens(client)?,
        httpmock: format_tokens(httpmock)?,
    })
}

/// Request content types progenitor cannot generate a body for: their operations get a raw method
/// without a body, and bb-api-ext builds the body itself (streaming multipart).
pub const UNGENERATED_REQUEST_TYPES: [&str; 1] = ["multipart/form-data"];

/// The spec as progenitor is given it: request bodies whose only content types are
/// [`UNGENERATED_REQUEST_TYPES`] are left out (progenitor 0.15 refuses `multipart/form-data`).
/// The spec itself keeps them: it stays the source of truth for the wire format.
fn for_progenitor(spec: &openapiv3::OpenAPI) -> openapiv3::OpenAPI {
    let mut spec = spec.clone();
    for (_, item) in spec.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            let only_ungenerated = match &op.request_body {
                Some(openapiv3::ReferenceOr::Item(body)) => {
                    !body.content.is_empty()
                        && body
                            .content
                            .keys()
                            .all(|t| UNGENERATED_REQUEST_TYPES.contains(&t.as_str()))
                }
                _ => false,
            };
            if only_ungenerated {
                op.request_body = None;
            }
        }
    }
    spec
}

fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
