//! `regen --only`: picking chosen operations out of a source spec, with every component they
//! reference (transitively) and the security schemes they use, and nothing else.

use std::collections::BTreeSet;
use std::fmt;

use serde_norway::{Mapping, Value};

use crate::validate::METHODS;

/// Which operations to take from a source spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `/v1/functions`: that path and every path below it at a `/` boundary (not `/v1/functionsx`).
    PathPrefix(String),
    /// `tag:Functions`: operations whose `tags` include this one.
    Tag(String),
    /// `op:Webhooks_create`: the operation with this operationId.
    OperationId(String),
}

impl Selector {
    /// Parses `/path`, `tag:NAME` or `op:OPERATION_ID`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let named = |kind: &str, name: &str, make: fn(String) -> Self| {
            if name.is_empty() {
                Err(format!(
                    "--only {text:?}: {kind} needs a name after the colon"
                ))
            } else {
                Ok(make(name.to_string()))
            }
        };
        if let Some(tag) = text.strip_prefix("tag:") {
            return named("tag:", tag, Self::Tag);
        }
        if let Some(id) = text.strip_prefix("op:") {
            return named("op:", id, Self::OperationId);
        }
        if text.starts_with('/') {
            let trimmed = text.trim_end_matches('/');
            let prefix = if trimmed.is_empty() { "/" } else { trimmed };
            return Ok(Self::PathPrefix(prefix.to_string()));
        }
        Err(format!(
            "--only {text:?}: a selector is a path prefix (/v1/functions), tag:NAME or op:OPERATION_ID"
        ))
    }

    /// Whether the operation `op` at `path` is selected.
    pub fn matches(&self, path: &str, op: &Value) -> bool {
        match self {
            Self::PathPrefix(prefix) => {
                prefix == "/"
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            }
            Self::Tag(tag) => op
                .get("tags")
                .and_then(Value::as_sequence)
                .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag.as_str()))),
            Self::OperationId(id) => {
                op.get("operationId").and_then(Value::as_str) == Some(id.as_str())
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PathPrefix(prefix) => f.write_str(prefix),
            Self::Tag(tag) => write!(f, "tag:{tag}"),
            Self::OperationId(id) => write!(f, "op:{id}"),
        }
    }
}

/// What `select` took from a source spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// A partial spec: `openapi`, the selected operations under `paths` (with their path items'
    /// own keys, e.g. shared `parameters`), the components they need under `components`, and the
    /// source's document-level `security`. Key order as in the source.
    pub doc: Value,
    /// `GET /v1/x (Op_id)` of every selected operation, in source order.
    pub operations: Vec<String>,
    /// `schemas/Name`, `securitySchemes/Name`, … of every component taken, in source order.
    pub components: Vec<String>,
}

/// Takes the operations matched by any of `selectors` out of `source`, with the components they
/// reference transitively and the security schemes they use. Every selector must match at least
/// one operation, and every `$ref` must point into the source's `components`.
pub fn select(source: &Value, selectors: &[Selector]) -> Result<Selection, String> {
    let paths = source
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or("the source has no `paths` mapping")?;
    let mut matched = vec![false; selectors.len()];
    let mut selected_paths = Mapping::new();
    let mut operations = Vec::new();
    let mut security_names = BTreeSet::new();
    for (path_key, item) in paths {
        let path = path_key.as_str().unwrap_or_default();
        let item = item
            .as_mapping()
            .ok_or_else(|| format!("paths.{path} of the source is not a mapping"))?;
        if item.contains_key("$ref") {
            return Err(format!(
                "paths.{path} is a `$ref`; --only cannot follow path item references"
            ));
        }
        let mut kept = Mapping::new();
        let mut any = false;
        for (key, value) in item {
            let method = key.as_str().unwrap_or_default();
            if !METHODS.contains(&method) {
                // Path-level keys (`parameters`, `summary`, `servers`…) go with any operation.
                kept.insert(key.clone(), value.clone());
                continue;
            }
            let hits: Vec<usize> = selectors
                .iter()
                .enumerate()
                .filter(|(_, s)| s.matches(path, value))
                .map(|(i, _)| i)
                .collect();
            if hits.is_empty() {
                continue;
            }
            for i in hits {
                matched[i] = true;
            }
            any = true;
            kept.insert(key.clone(), value.clone());
            let id = value
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("no operationId");
            operations.push(format!("{} {path} ({id})", method.to_ascii_uppercase()));
            let security = value.get("security").or_else(|| source.get("security"));
            security_names.extend(requirement_names(security));
        }
        if any {
            selected_paths.insert(path_key.clone(), Value::Mapping(kept));
        }
    }
    let unmatched: Vec<String> = selectors
        .iter()
        .zip(&matched)
        .filter(|(_, hit)| !**hit)
        .map(|(s, _)| s.to_string())
        .collect();
    if !unmatched.is_empty() {
        return Err(format!(
            "--only {} matched no operation of the source",
            unmatched.join(", --only ")
        ));
    }

    let paths_value = Value::Mapping(selected_paths);
    let needed = referenced_components(source, &paths_value, &security_names)?;
    let mut components = Mapping::new();
    let mut taken = Vec::new();
    if let Some(sections) = source.get("components").and_then(Value::as_mapping) {
        for (section, entries) in sections {
            let section_name = section.as_str().unwrap_or_default();
            let Some(entries) = entries.as_mapping() else {
                continue;
            };
            let mut kept = Mapping::new();
            for (name, value) in entries {
                let key = (
                    section_name.to_string(),
                    name.as_str().unwrap_or_default().to_string(),
                );
                if needed.contains(&key) {
                    kept.insert(name.clone(), value.clone());
                    taken.push(format!("{}/{}", key.0, key.1));
                }
            }
            if !kept.is_empty() {
                components.insert(section.clone(), Value::Mapping(kept));
            }
        }
    }

    let mut doc = Mapping::new();
    if let Some(version) = source.get("openapi") {
        doc.insert("openapi".into(), version.clone());
    }
    doc.insert("paths".into(), paths_value);
    if !components.is_empty() {
        doc.insert("components".into(), Value::Mapping(components));
    }
    if let Some(security) = source.get("security") {
        doc.insert("security".into(), security.clone());
    }
    Ok(Selection {
        doc: Value::Mapping(doc),
        operations,
        components: taken,
    })
}

/// Makes the selected operations keep the security they had in the source when merged into
/// `target`: an operation without its own `security` inherits the document-level one, so where
/// the source's and the target's document-level `security` differ, the source's is written onto
/// the operation. Returns the operations so pinned (`GET /path`).
pub fn keep_source_security(
    selection: &mut Selection,
    source: &Value,
    target: &Value,
) -> Vec<String> {
    let source_security = source.get("security");
    if source_security == target.get("security") {
        return Vec::new();
    }
    let pinned_value = source_security
        .cloned()
        .unwrap_or(Value::Sequence(Vec::new()));
    let mut pinned = Vec::new();
    let Some(paths) = selection
        .doc
        .get_mut("paths")
        .and_then(Value::as_mapping_mut)
    else {
        return pinned;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_mapping_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let method = method.as_str().unwrap_or_default();
            if !METHODS.contains(&method) {
                continue;
            }
            if let Some(op) = op.as_mapping_mut()
                && !op.contains_key("security")
            {
                op.insert("security".into(), pinned_value.clone());
                pinned.push(format!(
                    "{} {}",
                    method.to_ascii_uppercase(),
                    path.as_str().unwrap_or_default()
                ));
            }
        }
    }
    pinned
}

/// The scheme names of a list of security requirement objects.
fn requirement_names(security: Option<&Value>) -> Vec<String> {
    security
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Value::as_mapping)
        .flat_map(|req| req.keys().filter_map(Value::as_str).map(str::to_string))
        .collect()
}

/// `(section, name)` of every component reachable from `start` through `$ref`s (and
/// discriminator mappings), plus the named security schemes; each must exist in `source`.
fn referenced_components(
    source: &Value,
    start: &Value,
    security_names: &BTreeSet<String>,
) -> Result<BTreeSet<(String, String)>, String> {
    let mut needed = BTreeSet::new();
    for name in security_names {
        if component(source, "securitySchemes", name).is_none() {
            return Err(format!(
                "the selected operations use the security scheme {name:?}, which the source's components.securitySchemes does not define"
            ));
        }
        needed.insert(("securitySchemes".to_string(), name.clone()));
    }
    let mut pending = Vec::new();
    collect_refs(start, &mut pending);
    while let Some(reference) = pending.pop() {
        let (section, name) = component_ref(&reference)?;
        if needed.contains(&(section.clone(), name.clone())) {
            continue;
        }
        let target = component(source, &section, &name).ok_or_else(|| {
            format!(
                "`$ref: {reference}` (needed by the selected operations) is not defined in the source"
            )
        })?;
        collect_refs(target, &mut pending);
        needed.insert((section, name));
    }
    Ok(needed)
}

fn component<'a>(source: &'a Value, section: &str, name: &str) -> Option<&'a Value> {
    source.get("components")?.get(section)?.get(name)
}

/// `(section, name)` of a `#/components/<section>/<name>` reference (JSON Pointer escapes decoded).
fn component_ref(reference: &str) -> Result<(String, String), String> {
    let unsupported = || {
        format!(
            "`$ref: {reference}`: --only follows only local references into #/components/<section>/<name>"
        )
    };
    let rest = reference
        .strip_prefix("#/components/")
        .ok_or_else(unsupported)?;
    let (section, name) = rest.split_once('/').ok_or_else(unsupported)?;
    if name.contains('/') {
        return Err(unsupported());
    }
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    Ok((unescape(section), unescape(name)))
}

/// Every `$ref` string under `value`, and the targets of discriminator mappings (which name
/// schemas without a `$ref` key).
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    (Some("$ref"), Value::String(r)) => out.push(r.clone()),
                    (Some("discriminator"), Value::Mapping(d)) => {
                        let targets = d.get("mapping").and_then(Value::as_mapping);
                        for target in targets.into_iter().flat_map(|m| m.values()) {
                            if let Some(t) = target.as_str() {
                                out.push(if t.starts_with('#') {
                                    t.to_string()
                                } else {
                                    format!("#/components/schemas/{t}")
                                });
                            }
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| collect_refs(v, out)),
        Value::Tagged(tagged) => collect_refs(&tagged.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap_or(Value::Null)
    }

    fn sel(text: &str) -> Selector {
        Selector::parse(text).unwrap_or(Selector::OperationId(String::new()))
    }

    #[test]
    fn selectors_parse_and_reject_unknown_forms() {
        assert_eq!(
            Selector::parse("/v1/functions/"),
            Ok(Selector::PathPrefix("/v1/functions".into()))
        );
        assert_eq!(Selector::parse("/"), Ok(Selector::PathPrefix("/".into())));
        assert_eq!(
            Selector::parse("tag:Functions"),
            Ok(Selector::Tag("Functions".into()))
        );
        assert_eq!(
            Selector::parse("op:Webhooks_create"),
            Ok(Selector::OperationId("Webhooks_create".into()))
        );
        assert_eq!(
            Selector::parse("tag:"),
            Err("--only \"tag:\": tag: needs a name after the colon".into())
        );
        assert_eq!(
            Selector::parse("v1/functions"),
            Err("--only \"v1/functions\": a selector is a path prefix (/v1/functions), tag:NAME or op:OPERATION_ID".into())
        );
        assert_eq!(sel("/v1/x/").to_string(), "/v1/x");
        assert_eq!(sel("tag:A B").to_string(), "tag:A B");
    }

    #[test]
    fn a_path_prefix_matches_at_slash_boundaries_only() {
        let op = Value::Null;
        let prefix = sel("/v1/functions");
        assert!(prefix.matches("/v1/functions", &op));
        assert!(prefix.matches("/v1/functions/{id}/invoke", &op));
        assert!(!prefix.matches("/v1/functionsx", &op));
        assert!(!prefix.matches("/v1/function", &op));
        assert!(!prefix.matches("/v2/functions", &op));
        assert!(sel("/").matches("/anything", &op));
        assert!(sel("/v1/functions/{id}").matches("/v1/functions/{id}/secrets", &op));
    }

    #[test]
    fn tags_and_operation_ids_match_exactly() {
        let op = yaml("operationId: Webhooks_create\ntags: [Webhooks, Admin]\n");
        assert!(sel("tag:Webhooks").matches("/x", &op));
        assert!(sel("tag:Admin").matches("/x", &op));
        assert!(!sel("tag:webhooks").matches("/x", &op));
        assert!(sel("op:Webhooks_create").matches("/x", &op));
        assert!(!sel("op:Webhooks_create2").matches("/x", &op));
        assert!(!sel("tag:Webhooks").matches("/x", &yaml("operationId: a\n")));
    }

    const SOURCE: &str = "\
openapi: 3.0.0
info: {title: t, version: v}
security: [{Key: []}]
paths:
  /a:
    parameters: [{$ref: '#/components/parameters/Shared'}]
    get:
      operationId: A_get
      tags: [A]
      responses: {'200': {$ref: '#/components/responses/AOk'}}
    post:
      operationId: A_create
      requestBody: {$ref: '#/components/requestBodies/ANew'}
      responses: {'201': {description: created}}
  /a/{id}:
    delete:
      operationId: A_delete
      security: [{Other: []}]
      responses: {'204': {description: gone}}
  /ab:
    get:
      operationId: Ab_get
      responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/Unused'}}}}}
components:
  schemas:
    Unused: {type: string}
    Pet:
      type: object
      properties:
        owner: {$ref: '#/components/schemas/Owner'}
        kind: {$ref: '#/components/schemas/Kind'}
    Owner:
      type: object
      properties:
        pets: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    Kind:
      oneOf: [{$ref: '#/components/schemas/Cat'}]
      discriminator: {propertyName: k, mapping: {cat: Cat, dog: '#/components/schemas/Dog'}}
    Cat: {type: object}
    Dog: {type: object}
    Draft: {type: object, properties: {name: {type: string}}}
  parameters:
    Shared: {name: x, in: query, schema: {$ref: '#/components/schemas/Owner'}}
  responses:
    AOk: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  requestBodies:
    ANew: {content: {application/json: {schema: {$ref: '#/components/schemas/Draft'}}}}
  securitySchemes:
    Key: {type: apiKey, in: header, name: K}
    Other: {type: http, scheme: bearer}
    Unused: {type: http, scheme: basic}
";

    #[test]
    fn a_selection_takes_its_components_transitively_and_nothing_else() {
        let source = yaml(SOURCE);
        let selection = select(&source, &[sel("/a")]);
        let Ok(selection) = selection else {
            panic!("{selection:?}");
        };
        assert_eq!(
            selection.operations,
            [
                "GET /a (A_get)",
                "POST /a (A_create)",
                "DELETE /a/{id} (A_delete)"
            ]
        );
        assert_eq!(
            selection.components,
            [
                "schemas/Pet",
                "schemas/Owner",
                "schemas/Kind",
                "schemas/Cat",
                "schemas/Dog",
                "schemas/Draft",
                "parameters/Shared",
                "responses/AOk",
                "requestBodies/ANew",
                "securitySchemes/Key",
                "securitySchemes/Other",
            ]
        );
        let doc = &selection.doc;
        let top: Vec<&str> = doc
            .as_mapping()
            .map(|m| m.keys().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(top, ["openapi", "paths", "components", "security"]);
        let paths: Vec<&str> = doc["paths"]
            .as_mapping()
            .map(|m| m.keys().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(paths, ["/a", "/a/{id}"]);
        // The path item's own parameters travel with its operations.
        assert_eq!(
            doc["paths"]["/a"]["parameters"],
            source["paths"]["/a"]["parameters"]
        );
        assert_eq!(
            doc["components"]["schemas"]["Pet"],
            source["components"]["schemas"]["Pet"]
        );
    }

    #[test]
    fn tags_and_operation_ids_select_single_operations() {
        let source = yaml(SOURCE);
        let Ok(selection) = select(&source, &[sel("tag:A"), sel("op:A_delete")]) else {
            panic!("selection failed");
        };
        assert_eq!(
            selection.operations,
            ["GET /a (A_get)", "DELETE /a/{id} (A_delete)"]
        );
        assert!(selection.doc["paths"]["/a"].get("post").is_none());
        assert!(!selection.components.contains(&"schemas/Draft".to_string()));
        assert!(
            selection
                .components
                .contains(&"securitySchemes/Other".to_string())
        );
    }

    #[test]
    fn a_selector_matching_nothing_and_a_dangling_ref_are_errors() {
        let source = yaml(SOURCE);
        assert_eq!(
            select(&source, &[sel("/a"), sel("tag:Nope"), sel("/b")]),
            Err("--only tag:Nope, --only /b matched no operation of the source".into())
        );
        let broken = yaml(&SOURCE.replace("    Cat: {type: object}\n", ""));
        assert_eq!(
            select(&broken, &[sel("op:A_get")]),
            Err("`$ref: #/components/schemas/Cat` (needed by the selected operations) is not defined in the source".into())
        );
        let external = yaml(&SOURCE.replace("'#/components/schemas/Draft'", "'other.yaml#/Draft'"));
        assert_eq!(
            select(&external, &[sel("op:A_create")]),
            Err("`$ref: other.yaml#/Draft`: --only follows only local references into #/components/<section>/<name>".into())
        );
    }

    #[test]
    fn document_security_is_pinned_only_where_the_target_differs() {
        let source = yaml(SOURCE);
        let Ok(mut selection) = select(&source, &[sel("/a")]) else {
            panic!("selection failed");
        };
        let same = yaml("security: [{Key: []}]\n");
        assert!(keep_source_security(&mut selection, &source, &same).is_empty());
        let other = yaml("security: [{Other: []}]\n");
        assert_eq!(
            keep_source_security(&mut selection, &source, &other),
            ["GET /a", "POST /a"]
        );
        assert_eq!(
            selection.doc["paths"]["/a"]["get"]["security"],
            source["security"]
        );
        // An operation with its own security keeps it.
        assert_eq!(
            selection.doc["paths"]["/a/{id}"]["delete"]["security"],
            yaml("[{Other: []}]")
        );
    }
}
