//! Deliberate local edits to the imported spec (`openapi/local-edits.yaml`), kept as a JSON Merge
//! Patch (RFC 7386, written in YAML; `null` deletes a key) and applied by every `regen`, so that
//! importing a new docs page does not silently undo them.

use serde_norway::{Mapping, Value};

use crate::validate::METHODS;

/// Applies the local edits to a spec, except edits whose target the spec does not have (yet):
/// an edit to an operation (or a whole path item) the spec lacks, or to a component it lacks,
/// waits until an import brings it. A component schema the edits define whole (the edit has
/// `type`, `enum`, `$ref`, `allOf`, `anyOf` or `oneOf`) is added. Returns the waiting edits
/// (`paths./v1/x.get`, `components.schemas.X`), so a partial import (a docs page, `--only`) does
/// not get half an operation or a stub schema out of edits meant for a later import.
pub fn apply_to_spec(doc: &mut Value, edits: &Value) -> Vec<String> {
    let mut waiting = Vec::new();
    let applicable = applicable(doc, edits, &mut waiting);
    apply(doc, &applicable);
    waiting
}

/// The part of `edits` whose targets exist in `doc` (see `apply_to_spec`).
fn applicable(doc: &Value, edits: &Value, waiting: &mut Vec<String>) -> Value {
    let Value::Mapping(edits) = edits else {
        return edits.clone();
    };
    let mut out = edits.clone();
    if let Some(Value::Mapping(paths)) = out.get_mut("paths") {
        let doc_paths = doc.get("paths");
        paths.retain(|path, item_edit| {
            let name = path.as_str().unwrap_or_default();
            let Some(doc_item) = doc_paths.and_then(|p| p.get(name)) else {
                waiting.push(format!("paths.{name}"));
                return false;
            };
            if let Value::Mapping(item_edit) = item_edit {
                item_edit.retain(|method, _| {
                    let method = method.as_str().unwrap_or_default();
                    let absent = METHODS.contains(&method) && doc_item.get(method).is_none();
                    if absent {
                        waiting.push(format!("paths.{name}.{method}"));
                    }
                    !absent
                });
            }
            true
        });
    }
    if let Some(Value::Mapping(components)) = out.get_mut("components") {
        for (section, entries) in components.iter_mut() {
            let section = section.as_str().unwrap_or_default();
            let Value::Mapping(entries) = entries else {
                continue;
            };
            let doc_section = doc.get("components").and_then(|c| c.get(section));
            entries.retain(|name, edit| {
                let name = name.as_str().unwrap_or_default();
                let keep = doc_section.and_then(|s| s.get(name)).is_some()
                    || (section == "schemas" && defines_schema(edit));
                if !keep {
                    waiting.push(format!("components.{section}.{name}"));
                }
                keep
            });
        }
        // A section left with nothing to add is not created.
        components.retain(|section, entries| {
            let empty = entries.as_mapping().is_some_and(Mapping::is_empty);
            let exists = doc
                .get("components")
                .and_then(|c| c.get(section.as_str().unwrap_or_default()))
                .is_some();
            !empty || exists
        });
    }
    Value::Mapping(out)
}

/// Whether a schema edit is a whole schema rather than a patch of one.
fn defines_schema(edit: &Value) -> bool {
    ["type", "enum", "$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|key| edit.get(key).is_some_and(|v| !v.is_null()))
}

/// Path of the local edits, relative to the workspace root.
pub const LOCAL_EDITS_PATH: &str = "openapi/local-edits.yaml";

/// Applies a merge patch: mappings merge key by key (existing keys keep their position, new keys
/// are appended), `null` removes a key, anything else replaces the target.
pub fn apply(target: &mut Value, patch: &Value) {
    let Value::Mapping(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_mapping() {
        *target = Value::Mapping(Mapping::new());
    }
    if let Value::Mapping(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.shift_remove(key);
            } else if let Some(existing) = target.get_mut(key) {
                apply(existing, value);
            } else {
                let mut fresh = Value::Null;
                apply(&mut fresh, value);
                target.insert(key.clone(), fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn edits_wait_for_the_operations_and_components_they_patch() {
        let mut doc = yaml(
            "paths:\n  /a:\n    get: {operationId: a, x-codeSamples: []}\ncomponents:\n  schemas:\n    A: {type: object}\n",
        );
        let edits = yaml(
            "paths:\n  /a:\n    get: {x-codeSamples: null}\n    post: {x-codeSamples: null}\n  /b:\n    get: {summary: x}\ncomponents:\n  schemas:\n    A: {description: edited}\n    B: {properties: {c: {minLength: null}}}\n    Status: {type: string, enum: [X]}\n  parameters:\n    P: {description: x}\n",
        );
        let waiting = apply_to_spec(&mut doc, &edits);
        assert_eq!(
            waiting,
            [
                "paths./a.post",
                "paths./b",
                "components.schemas.B",
                "components.parameters.P"
            ]
        );
        assert_eq!(
            serde_norway::to_string(&doc).unwrap_or_default(),
            "paths:\n  /a:\n    get:\n      operationId: a\ncomponents:\n  schemas:\n    A:\n      type: object\n      description: edited\n    Status:\n      type: string\n      enum:\n      - X\n"
        );
        // Once the targets are there, the same edits apply in full.
        let mut full = yaml(
            "paths:\n  /a:\n    get: {operationId: a}\n    post: {operationId: p}\n  /b:\n    get: {operationId: b}\ncomponents:\n  schemas:\n    A: {type: object}\n    B: {properties: {c: {type: string, minLength: 1}}}\n  parameters:\n    P: {name: p, in: query}\n",
        );
        assert!(apply_to_spec(&mut full, &edits).is_empty());
        assert_eq!(
            full["components"]["schemas"]["B"]["properties"]["c"],
            yaml("{type: string}")
        );
        assert_eq!(full["paths"]["/b"]["get"]["summary"], yaml("x"));
    }

    #[test]
    fn merge_patch_replaces_in_place_deletes_nulls_and_is_idempotent() {
        let mut doc = yaml("a: {x: 1, default: 900, y: 2}\nb: [1]\n");
        let patch = yaml("a: {default: null, x: 3, z: {w: null, v: 1}}\nb: [2]\n");
        apply(&mut doc, &patch);
        let once = serde_norway::to_string(&doc).unwrap_or_default();
        assert_eq!(once, "a:\n  x: 3\n  y: 2\n  z:\n    v: 1\nb:\n- 2\n");
        apply(&mut doc, &patch);
        assert_eq!(serde_norway::to_string(&doc).unwrap_or_default(), once);
    }
}
