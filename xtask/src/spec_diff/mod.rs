//! Spec changes, operation by operation and schema by schema, each classified breaking /
//! non-breaking / review for clients of bb-api. The rule table is documented in
//! `xtask/README.md`.

mod constraints;
mod doc;
mod finding;
mod operation;
mod schema;
mod verdict;

pub use doc::Doc;
pub use finding::SpecChange;
pub use verdict::Verdict;

use std::collections::BTreeSet;

use serde_json::Value;

use operation::OpSide;
use schema::SchemaWalk;
use verdict::Direction;

/// Every classified change from `old` to `new`: operations (in path order), then component
/// schemas that no operation uses, then security schemes.
pub fn diff(old: &Doc, new: &Doc) -> Vec<SpecChange> {
    let mut changes = Vec::new();
    operations(old, new, &mut changes);
    schemas(old, new, &mut changes);
    security_schemes(old, new, &mut changes);
    changes
}

fn operations(old: &Doc, new: &Doc, out: &mut Vec<SpecChange>) {
    let (oops, nops) = (old.operations(), new.operations());
    let mut keys: Vec<(String, String)> = Vec::new();
    for (path, method, _, _) in oops.iter().chain(nops.iter()) {
        let key = (path.clone(), method.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.sort_by_key(|(path, method)| {
        let rank = crate::validate::METHODS.iter().position(|m| m == method);
        (path.clone(), rank)
    });
    for (path, method) in keys {
        let scope = format!("{} {path}", method.to_ascii_uppercase());
        let id_of = |op: &Value| {
            op.get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match (find(&oops, &path, &method), find(&nops, &path, &method)) {
            (None, Some((op, _))) => out.push(scope_change(
                &scope,
                id_of(op),
                "operation-added",
                Verdict::NonBreaking,
                "operation added: a new Client method".into(),
            )),
            (Some((op, _)), None) => out.push(scope_change(
                &scope,
                id_of(op),
                "operation-removed",
                Verdict::Breaking,
                "operation removed: its Client method disappears".into(),
            )),
            (Some((oop, oitem)), Some((nop, nitem))) => {
                let found = operation::compare(
                    &OpSide {
                        doc: old,
                        op: oop,
                        item: oitem,
                    },
                    &OpSide {
                        doc: new,
                        op: nop,
                        item: nitem,
                    },
                );
                let id = id_of(nop);
                out.extend(found.into_iter().map(|f| f.in_scope(&scope, id.as_deref())));
            }
            (None, None) => {}
        }
    }
}

/// The operation and path item at `method path`.
fn find<'a>(
    ops: &[(String, String, &'a Value, &'a Value)],
    path: &str,
    method: &str,
) -> Option<(&'a Value, &'a Value)> {
    ops.iter()
        .find(|(p, m, _, _)| p == path && m == method)
        .map(|(_, _, op, item)| (*op, *item))
}

fn scope_change(
    scope: &str,
    operation_id: Option<String>,
    rule: &str,
    verdict: Verdict,
    message: String,
) -> SpecChange {
    SpecChange {
        scope: scope.to_string(),
        operation_id,
        at: String::new(),
        rule: rule.to_string(),
        verdict,
        message,
    }
}

/// Schemas added or removed, and changes inside schemas that no operation uses (changes inside
/// used ones are reported at the operations, where their direction is known).
fn schemas(old: &Doc, new: &Doc, out: &mut Vec<SpecChange>) {
    let (os, ns) = (old.components("schemas"), new.components("schemas"));
    let used: BTreeSet<String> = old
        .schemas_used_by_operations()
        .into_iter()
        .chain(new.schemas_used_by_operations())
        .collect();
    let names: BTreeSet<&String> = os.keys().chain(ns.keys()).collect();
    for name in names {
        let scope = format!("schema {name}");
        match (os.get(name), ns.get(name)) {
            (None, Some(_)) => out.push(scope_change(&scope, None, "schema-added", Verdict::NonBreaking,
                if crate::codegen::OPEN_ENUMS.contains(&name.as_str()) {
                    format!("component schema added: generated as the open enum `open::{name}` (bb-api/src/open.rs)")
                } else if name == crate::codegen::SIGNING_SECRET {
                    format!("component schema added: generated as `signing_secret::{name}` (bb-api/src/signing_secret.rs)")
                } else if crate::codegen::SESSION_SECRETS.contains(&name.as_str()) {
                    format!("component schema added: generated as `session_secret::{name}` (bb-api/src/session_secret.rs)")
                } else {
                    format!("component schema added: new Rust type `types::{name}` (or a name derived from it)")
                })),
            (Some(_), None) => out.push(scope_change(&scope, None, "schema-removed", Verdict::Breaking,
                format!("component schema removed: the Rust type `types::{name}` disappears"))),
            (Some(_), Some(_)) if !used.contains(name.as_str()) => {
                let reference = Value::String(format!("#/components/schemas/{name}"));
                let reference = serde_json::json!({ "$ref": reference });
                let mut walk = SchemaWalk::new(old, new, Direction::Both);
                walk.compare(name, &reference, &reference);
                out.extend(walk.found.into_iter().map(|f| f.in_scope(&scope, None)));
            }
            _ => {}
        }
    }
}

fn security_schemes(old: &Doc, new: &Doc, out: &mut Vec<SpecChange>) {
    let (os, ns) = (
        old.components("securitySchemes"),
        new.components("securitySchemes"),
    );
    let names: BTreeSet<&String> = os.keys().chain(ns.keys()).collect();
    for name in names {
        let scope = format!("security scheme {name}");
        let change = match (os.get(name), ns.get(name)) {
            (None, Some(_)) => Some((
                "security-scheme-added",
                Verdict::NonBreaking,
                "security scheme added".to_string(),
            )),
            (Some(_), None) => Some((
                "security-scheme-removed",
                Verdict::Breaking,
                "security scheme removed".to_string(),
            )),
            (Some(o), Some(n)) if o != n => Some((
                "security-scheme-changed",
                Verdict::Breaking,
                format!(
                    "security scheme changed from {o} to {n}: clients must send credentials differently"
                ),
            )),
            _ => None,
        };
        if let Some((rule, verdict, message)) = change {
            out.push(scope_change(&scope, None, rule, verdict, message));
        }
    }
}
