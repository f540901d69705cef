//! Reading an OpenAPI document as JSON: following `$ref`s, flattening `allOf`, listing operations.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::validate::METHODS;

/// How deep `$ref` chains and `allOf` nesting are followed before giving up (cycles).
const MAX_DEPTH: usize = 32;

/// An OpenAPI document.
pub struct Doc {
    root: Value,
}

/// A schema with its `$ref` followed and its `allOf` merged.
pub struct SchemaView {
    /// The component name the schema was reached through, if it was a `$ref`.
    pub name: Option<String>,
    /// The schema, `allOf` members merged into one object.
    pub schema: Map<String, Value>,
}

impl Doc {
    /// Wraps a document converted from YAML.
    pub fn new(doc: &serde_norway::Value) -> Result<Self, String> {
        let root = serde_json::to_value(doc)
            .map_err(|e| format!("the spec is not JSON-compatible: {e}"))?;
        Ok(Self { root })
    }

    /// The document root.
    pub fn root(&self) -> &Value {
        &self.root
    }

    /// `(path, method, operation, path item)` of every operation, in document order.
    pub fn operations(&self) -> Vec<(String, String, &Value, &Value)> {
        let mut ops = Vec::new();
        if let Some(paths) = self.root.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let item = self.follow(item);
                for method in METHODS {
                    if let Some(op) = item.get(method) {
                        ops.push((path.clone(), method.to_string(), op, item));
                    }
                }
            }
        }
        ops
    }

    /// `components.<section>` as a map (empty when absent).
    pub fn components(&self, section: &str) -> Map<String, Value> {
        self.root
            .get("components")
            .and_then(|c| c.get(section))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// Follows a `$ref` chain (any kind of component) to the referenced value.
    pub fn follow<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    /// A schema with its `$ref` followed and its `allOf` members merged.
    pub fn view(&self, schema: &Value) -> SchemaView {
        let name = schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(|r| r.rsplit('/').next().unwrap_or(r).to_string());
        SchemaView {
            name,
            schema: self.flatten(self.follow(schema), 0),
        }
    }

    fn flatten(&self, schema: &Value, depth: usize) -> Map<String, Value> {
        let mut own = schema.as_object().cloned().unwrap_or_default();
        let Some(Value::Array(members)) = own.remove("allOf") else {
            return own;
        };
        if depth >= MAX_DEPTH {
            return own;
        }
        let mut merged = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut properties = Map::new();
        let parts = std::iter::once(own).chain(
            members
                .iter()
                .map(|m| self.flatten(self.follow(m), depth + 1)),
        );
        for part in parts {
            for (key, value) in part {
                match (key.as_str(), value) {
                    ("properties", Value::Object(props)) => properties.extend(props),
                    ("required", Value::Array(names)) => {
                        for n in names {
                            if !required.contains(&n) {
                                required.push(n);
                            }
                        }
                    }
                    (_, value) => {
                        merged.entry(key).or_insert(value);
                    }
                }
            }
        }
        if !properties.is_empty() {
            merged.insert("properties".into(), Value::Object(properties));
            merged
                .entry("type")
                .or_insert_with(|| Value::String("object".into()));
        }
        if !required.is_empty() {
            merged.insert("required".into(), Value::Array(required));
        }
        merged
    }

    /// Names of the component schemas reachable from any operation.
    pub fn schemas_used_by_operations(&self) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut refs = Vec::new();
        for (_, _, op, item) in self.operations() {
            collect_refs(op, &mut refs);
            if let Some(params) = item.get("parameters") {
                collect_refs(params, &mut refs);
            }
        }
        while let Some(r) = refs.pop() {
            if !seen.insert(r.clone()) {
                continue;
            }
            if let Some(target) = r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                collect_refs(target, &mut refs);
            }
        }
        seen.iter()
            .filter_map(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string)
            .collect()
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        let yaml: serde_norway::Value = serde_norway::from_str(text).unwrap_or_default();
        Doc::new(&yaml).unwrap_or(Doc { root: Value::Null })
    }

    #[test]
    fn all_of_members_are_merged_through_refs() {
        let d = doc(
            "components:\n  schemas:\n    A: {type: object, properties: {a: {type: string}}, required: [a]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}, {properties: {b: {type: integer}}, required: [b]}]}\n",
        );
        let view = d.view(&serde_json::json!({"$ref": "#/components/schemas/B"}));
        assert_eq!(view.name.as_deref(), Some("B"));
        assert_eq!(
            Value::Object(view.schema),
            serde_json::json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]})
        );
    }

    #[test]
    fn reachable_schemas_follow_refs_transitively() {
        let d = doc(
            "paths:\n  /x:\n    get:\n      responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}}\ncomponents:\n  schemas:\n    A: {properties: {b: {$ref: '#/components/schemas/B'}}}\n    B: {type: string}\n    C: {type: string}\n",
        );
        let used: Vec<String> = d.schemas_used_by_operations().into_iter().collect();
        assert_eq!(used, ["A", "B"]);
    }
}
