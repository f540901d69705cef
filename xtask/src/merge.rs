//! Merging a partial spec (some operations and their components) into a whole one.

use serde_norway::{Mapping, Value};

/// Copies every operation and every component of `part` into `whole`, replacing same-named ones
/// in place (their position is kept) and appending new ones. Everything else of `whole` (other
/// operations and components, `info`, `servers`, `security`, `tags`) is kept; top-level keys that
/// `whole` lacks are taken from `part`.
pub fn merge_into(whole: &mut Value, part: &Value) -> Result<(), String> {
    let part = part
        .as_mapping()
        .ok_or("the imported document is not a mapping")?;
    let whole = whole
        .as_mapping_mut()
        .ok_or("the existing spec is not a mapping")?;
    for (key, value) in part {
        match key.as_str() {
            Some("paths") => merge_level(whole, key, value, 2)?,
            Some("components") => merge_level(whole, key, value, 2)?,
            _ => {
                if !whole.contains_key(key) {
                    whole.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Ok(())
}

/// Merges `value` into `whole[key]`, descending `depth` levels of mappings before replacing.
/// (`paths` → path → method; `components` → section → name.)
fn merge_level(
    whole: &mut Mapping,
    key: &Value,
    value: &Value,
    depth: usize,
) -> Result<(), String> {
    let name = key.as_str().unwrap_or("?").to_string();
    if depth == 0 || !whole.contains_key(key) {
        whole.insert(key.clone(), value.clone());
        return Ok(());
    }
    let source = value
        .as_mapping()
        .ok_or_else(|| format!("`{name}` of the imported document is not a mapping"))?;
    let target = whole
        .get_mut(key)
        .and_then(Value::as_mapping_mut)
        .ok_or_else(|| format!("`{name}` of the existing spec is not a mapping"))?;
    for (k, v) in source {
        merge_level(target, k, v, depth - 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).unwrap_or(Value::Null)
    }

    #[test]
    fn operations_and_components_are_replaced_in_place_and_others_kept() {
        let mut whole = yaml(
            "openapi: 3.0.0\ninfo: {title: old}\npaths:\n  /a: {get: {operationId: a1}, post: {operationId: keep}}\n  /b: {get: {operationId: b}}\ncomponents:\n  schemas: {A: {type: string}, B: {type: integer}}\n",
        );
        let part = yaml(
            "openapi: 3.0.0\ninfo: {title: new}\nservers: []\npaths:\n  /a: {get: {operationId: a2}}\n  /c: {get: {operationId: c}}\ncomponents:\n  schemas: {A: {type: boolean}, C: {type: number}}\n  securitySchemes: {K: {type: apiKey}}\n",
        );
        assert_eq!(merge_into(&mut whole, &part), Ok(()));
        let expected = yaml(
            "openapi: 3.0.0\ninfo: {title: old}\npaths:\n  /a: {get: {operationId: a2}, post: {operationId: keep}}\n  /b: {get: {operationId: b}}\n  /c: {get: {operationId: c}}\ncomponents:\n  schemas: {A: {type: boolean}, B: {type: integer}, C: {type: number}}\n  securitySchemes: {K: {type: apiKey}}\nservers: []\n",
        );
        assert_eq!(
            serde_norway::to_string(&whole).ok(),
            serde_norway::to_string(&expected).ok()
        );
    }
}
