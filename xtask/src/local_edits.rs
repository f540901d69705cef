//! Deliberate local edits to the imported spec (`openapi/local-edits.yaml`), kept as a JSON Merge
//! Patch (RFC 7386, written in YAML; `null` deletes a key) and applied by every `regen`, so that
//! importing a new docs page does not silently undo them.

use serde_norway::{Mapping, Value};

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
