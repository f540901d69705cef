//! The one place that says how bindings are generated from the spec.
//!
//! Compiled twice: by `bb-api/build.rs` (with `#[path]`) and by `xtask`. Both must produce the same
//! code from the same spec, so every generator setting lives here and nowhere else.

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

/// Path of the spec, relative to the workspace root.
#[allow(dead_code)]
pub const SPEC_PATH: &str = "openapi/browserbase.yaml";

/// Path of the spec's packaged copy, relative to the bb-api crate: `cargo package` takes nothing
/// from outside a crate, so the published crate builds from this byte-identical copy of
/// [`SPEC_PATH`] (`cargo xtask regen` writes it, `cargo xtask check` fails when it differs).
#[allow(dead_code)]
pub const PACKAGED_SPEC_PATH: &str = "spec/browserbase.yaml";

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
    let mut client: syn::File =
        syn::parse2(client).map_err(|e| format!("generated code does not parse: {e}"))?;
    gate_client(&mut client);
    Ok(Generated {
        client: prettyplease::unparse(&client),
        httpmock: format_tokens(httpmock)?,
    })
}

/// Puts everything but the types themselves behind bb-api's feature `client` (default on): the `Client`
/// with its request builders (`builder`, `prelude`, the `progenitor_client` imports) and the
/// types' builders (`types::builder`, `Type::builder()`). bb-api-ext sends requests through its own
/// transport and uses only the types, so its users compile about a fifth of the generated code
/// (the builders are four fifths of it, and grow with every operation and schema).
fn gate_client(file: &mut syn::File) {
    let gate: syn::Attribute = syn::parse_quote!(#[cfg(feature = "client")]);
    for item in &mut file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" => {
                for inner in m.content.iter_mut().flat_map(|(_, items)| items.iter_mut()) {
                    let gated = match inner {
                        syn::Item::Mod(b) if b.ident == "builder" => Some(&mut b.attrs),
                        // `impl Type { pub fn builder() -> builder::Type }`, an impl of its own.
                        syn::Item::Impl(i)
                            if i.trait_.is_none()
                                && !i.items.is_empty()
                                && i.items.iter().all(|f| {
                                    matches!(f, syn::ImplItem::Fn(f) if f.sig.ident == "builder")
                                }) =>
                        {
                            Some(&mut i.attrs)
                        }
                        _ => None,
                    };
                    if let Some(attrs) = gated {
                        attrs.push(gate.clone());
                    }
                }
            }
            syn::Item::Use(u) => u.attrs.push(gate.clone()),
            syn::Item::Struct(s) => s.attrs.push(gate.clone()),
            syn::Item::Impl(i) => i.attrs.push(gate.clone()),
            syn::Item::Mod(m) => m.attrs.push(gate.clone()),
            _ => {}
        }
    }
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

/// The spec extension saying whether repeating an operation is harmless (`true` for reads and
/// for writes the API documents as idempotent). The transport retries only these after a request
/// may have reached the server. Every operation must carry it (`cargo xtask check`).
pub const X_IDEMPOTENT: &str = "x-bb-idempotent";

/// The spec extension naming an operation in a user's words ("get invocation"), for error
/// messages. Every operation must carry it (`cargo xtask check`).
pub const X_WHAT: &str = "x-bb-what";

/// What the operation table says of one operation, read from the spec.
pub struct OperationFacts {
    /// The operationId, such as `Functions_invoke`.
    pub id: String,
    /// Upper-case method, such as `POST`.
    pub method: String,
    /// The path template, such as `/v1/functions/{id}/invoke`.
    pub path: String,
    /// Path parameter names, in the order of the template.
    pub path_params: Vec<String>,
    /// Query parameter names, in the order of the spec.
    pub query_params: Vec<String>,
    /// The 2xx statuses the spec documents.
    pub success: Vec<u16>,
    /// Request body content types.
    pub request_types: Vec<String>,
    /// Content types of the success responses.
    pub response_types: Vec<String>,
    /// `x-bb-idempotent`, `None` when absent or not a boolean.
    pub idempotent: Option<bool>,
    /// `x-bb-what`, `None` when absent, empty or not a string.
    pub what: Option<String>,
}

/// Every operation of the spec, in the spec's order. Parameters, request bodies and responses
/// given by `$ref` are resolved against the spec's components.
pub fn operation_facts(spec: &openapiv3::OpenAPI) -> Vec<OperationFacts> {
    use openapiv3::{Parameter, ReferenceOr, StatusCode};
    let components = spec.components.as_ref();
    let parameter = |p: &ReferenceOr<Parameter>| -> Option<Parameter> {
        match p {
            ReferenceOr::Item(p) => Some(p.clone()),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                match components?.parameters.get(name)? {
                    ReferenceOr::Item(p) => Some(p.clone()),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        }
    };
    let mut out = Vec::new();
    for (path, item) in spec.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let params: Vec<Parameter> = item
                .parameters
                .iter()
                .chain(op.parameters.iter())
                .filter_map(parameter)
                .collect();
            let names = |want_path: bool| -> Vec<String> {
                params
                    .iter()
                    .filter_map(|p| match p {
                        Parameter::Path { parameter_data, .. } if want_path => {
                            Some(parameter_data.name.clone())
                        }
                        Parameter::Query { parameter_data, .. } if !want_path => {
                            Some(parameter_data.name.clone())
                        }
                        _ => None,
                    })
                    .collect()
            };
            // Path parameters in the order the template names them.
            let declared = names(true);
            let path_params: Vec<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .filter(|name| declared.iter().any(|d| d == name))
                .map(str::to_owned)
                .collect();
            let request_types = match &op.request_body {
                Some(ReferenceOr::Item(body)) => body.content.keys().cloned().collect(),
                Some(ReferenceOr::Reference { reference }) => reference
                    .strip_prefix("#/components/requestBodies/")
                    .and_then(|name| components?.request_bodies.get(name))
                    .and_then(|b| b.as_item())
                    .map(|b| b.content.keys().cloned().collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            let mut success = Vec::new();
            let mut response_types: Vec<String> = Vec::new();
            for (status, response) in op.responses.responses.iter() {
                let StatusCode::Code(code) = status else {
                    continue;
                };
                if !(200..300).contains(code) {
                    continue;
                }
                success.push(*code);
                let response = match response {
                    ReferenceOr::Item(r) => Some(r),
                    ReferenceOr::Reference { reference } => reference
                        .strip_prefix("#/components/responses/")
                        .and_then(|name| components?.responses.get(name))
                        .and_then(|r| r.as_item()),
                };
                for t in response.into_iter().flat_map(|r| r.content.keys()) {
                    if !response_types.contains(t) {
                        response_types.push(t.clone());
                    }
                }
            }
            out.push(OperationFacts {
                id: op.operation_id.clone().unwrap_or_default(),
                method: method.to_uppercase(),
                path: path.clone(),
                path_params,
                query_params: names(false),
                success,
                request_types,
                response_types,
                idempotent: op.extensions.get(X_IDEMPOTENT).and_then(|v| v.as_bool()),
                what: op
                    .extensions
                    .get(X_WHAT)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_owned),
            })
        }
    }
    out
}

/// `operation: missing x-bb-…` for every operation that lacks a fact the transport needs
/// (`x-bb-idempotent` as a boolean, `x-bb-what` as a non-empty string).
pub fn missing_facts(spec: &openapiv3::OpenAPI) -> Vec<String> {
    let mut missing = Vec::new();
    for op in operation_facts(spec) {
        let name = format!("{} ({} {})", op.id, op.method, op.path);
        if op.idempotent.is_none() {
            missing.push(format!("{name} lacks {X_IDEMPOTENT} (true or false)"));
        }
        if op.what.is_none() {
            missing.push(format!(
                "{name} lacks {X_WHAT} (its name in a user's words, such as \"get invocation\")"
            ));
        }
    }
    missing
}

/// `Functions_listVersions` → `FUNCTIONS_LIST_VERSIONS`.
pub fn const_name(operation_id: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in operation_id.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

/// `Functions_listVersions` → `FunctionsListVersions`.
pub fn variant_name(operation_id: &str) -> String {
    operation_id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The operation table as formatted Rust source, included by `bb-api/src/operations.rs`: one
/// `pub const` `Operation` per operation (named by [`const_name`]), `ALL`, and the enum
/// `OperationId` with one variant per operation (named by [`variant_name`]).
///
/// Fails, naming every operation and the extension it lacks, when an operation has no
/// operationId, `x-bb-idempotent` or `x-bb-what`: the transport cannot call it safely without them.
pub fn operation_table(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let facts = operation_facts(spec);
    let mut problems = missing_facts(spec);
    for op in &facts {
        if op.id.is_empty() {
            problems.push(format!("{} {} has no operationId", op.method, op.path));
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "the spec lacks facts the operation table needs; add them in openapi/local-edits.yaml and run `cargo xtask regen`:\n  {}",
            problems.join("\n  ")
        ));
    }
    let strings = |items: &[String]| -> String {
        let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
        format!("&[{}]", quoted.join(", "))
    };
    let mut src = String::new();
    for op in &facts {
        let what = op.what.as_deref().unwrap_or_default();
        let success: Vec<String> = op.success.iter().map(u16::to_string).collect();
        src.push_str(&format!(
            "#[doc = {doc:?}]\npub const {name}: Operation = Operation {{ id: {id:?}, method: ::reqwest::Method::{method}, path: {path:?}, path_params: {pp}, query_params: {qp}, success: &[{success}], request_types: {rq}, response_types: {rs}, idempotent: {idem}, what: {what:?} }};\n",
            doc = format!("`{} {}`: {what}.", op.method, op.path),
            name = const_name(&op.id),
            id = op.id,
            method = op.method,
            path = op.path,
            pp = strings(&op.path_params),
            qp = strings(&op.query_params),
            success = success.join(", "),
            rq = strings(&op.request_types),
            rs = strings(&op.response_types),
            idem = op.idempotent.unwrap_or(false),
        ));
    }
    let consts: Vec<String> = facts
        .iter()
        .map(|op| format!("&{}", const_name(&op.id)))
        .collect();
    src.push_str(&format!(
        "/// Every operation of the spec, in the spec's order.\npub const ALL: &[&Operation] = &[{}];\n",
        consts.join(", ")
    ));
    let variants: String = facts
        .iter()
        .map(|op| {
            format!(
                "#[doc = {doc:?}]\n{},\n",
                variant_name(&op.id),
                doc = format!(
                    "`{} {}`: {}.",
                    op.method,
                    op.path,
                    op.what.as_deref().unwrap_or_default()
                )
            )
        })
        .collect();
    let all_variants: Vec<String> = facts
        .iter()
        .map(|op| format!("Self::{}", variant_name(&op.id)))
        .collect();
    let arms: String = facts
        .iter()
        .map(|op| {
            format!(
                "Self::{} => &{},\n",
                variant_name(&op.id),
                const_name(&op.id)
            )
        })
        .collect();
    src.push_str(&format!(
        "/// One operation of the spec, named after its operationId.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum OperationId {{\n{variants}}}\n\
         impl OperationId {{\n\
         /// Every operation, in the spec's order.\n\
         pub const ALL: &[OperationId] = &[{all}];\n\
         /// What the spec says of it.\n\
         pub const fn operation(self) -> &'static Operation {{ match self {{\n{arms}}} }}\n\
         }}\n",
        all = all_variants.join(", "),
    ));
    let file: syn::File = syn::parse_str(&src)
        .map_err(|e| format!("the generated operation table does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
