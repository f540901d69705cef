//! Changes of one operation: parameters, request body, responses and security.

use std::collections::BTreeSet;

use serde_json::Value;

use super::doc::Doc;
use super::finding::Found;
use super::schema::SchemaWalk;
use super::verdict::Direction;
use super::verdict::Verdict::{self, Breaking, NonBreaking, Review};

/// One side of an operation: the document, the operation and its path item.
pub struct OpSide<'a> {
    pub doc: &'a Doc,
    pub op: &'a Value,
    pub item: &'a Value,
}

/// Every change between two versions of an operation.
pub fn compare(old: &OpSide<'_>, new: &OpSide<'_>) -> Vec<Found> {
    let mut found = Vec::new();
    let id = |s: &OpSide<'_>| {
        s.op.get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let (Some(o), Some(n)) = (id(old), id(new))
        && o != n
    {
        found.push(found_at(
            "",
            "operation-id-changed",
            Breaking,
            format!(
                "operationId changed from `{o}` to `{n}`: the Rust method and builder are renamed"
            ),
        ));
    }
    parameters(old, new, &mut found);
    request_body(old, new, &mut found);
    responses(old, new, &mut found);
    security(old, new, &mut found);
    found
}

fn found_at(at: &str, rule: &str, verdict: Verdict, message: String) -> Found {
    Found {
        at: at.to_string(),
        rule: rule.to_string(),
        verdict,
        message,
    }
}

/// Parameters by `(in, name)`: the path item's, overridden by the operation's.
fn params<'a>(side: &OpSide<'a>) -> Vec<((String, String), &'a Value)> {
    let mut out: Vec<((String, String), &Value)> = Vec::new();
    for list in [side.item.get("parameters"), side.op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = side.doc.follow(p);
            let field = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let key = (field("in"), field("name"));
            out.retain(|(k, _)| *k != key);
            out.push((key, p));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn is_required(value: &Value) -> bool {
    value
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn parameters(old: &OpSide<'_>, new: &OpSide<'_>, found: &mut Vec<Found>) {
    let (op, np) = (params(old), params(new));
    let keys: BTreeSet<&(String, String)> = op.iter().chain(np.iter()).map(|(k, _)| k).collect();
    for key in keys {
        let at = format!("parameter `{}` ({})", key.1, key.0);
        let o = op.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        let n = np.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        match (o, n) {
            (None, Some(n)) if is_required(n) => found.push(found_at(
                &at,
                "parameter-added-required",
                Breaking,
                format!(
                    "required {} parameter `{}` added: every call must now set it",
                    key.0, key.1
                ),
            )),
            (None, Some(_)) => found.push(found_at(
                &at,
                "parameter-added",
                NonBreaking,
                format!("optional {} parameter `{}` added", key.0, key.1),
            )),
            (Some(_), None) => found.push(found_at(
                &at,
                "parameter-removed",
                Breaking,
                format!(
                    "{} parameter `{}` removed: its builder setter disappears",
                    key.0, key.1
                ),
            )),
            (Some(o), Some(n)) => {
                if !is_required(o) && is_required(n) {
                    found.push(found_at(
                        &at,
                        "parameter-made-required",
                        Breaking,
                        format!(
                            "{} parameter `{}` became required: calls that do not set it fail",
                            key.0, key.1
                        ),
                    ));
                } else if is_required(o) && !is_required(n) {
                    found.push(found_at(
                        &at,
                        "parameter-made-optional",
                        NonBreaking,
                        format!("{} parameter `{}` became optional", key.0, key.1),
                    ));
                }
                if let (Some(os), Some(ns)) = (o.get("schema"), n.get("schema")) {
                    let mut walk = SchemaWalk::new(old.doc, new.doc, Direction::Request);
                    walk.compare(&at, os, ns);
                    found.extend(walk.found);
                }
            }
            (None, None) => {}
        }
    }
}

/// The media type compared: `application/json` if present, else the first one.
fn media(content: Option<&Value>) -> (BTreeSet<String>, Option<&Value>) {
    let Some(map) = content.and_then(Value::as_object) else {
        return (BTreeSet::new(), None);
    };
    let types = map.keys().cloned().collect();
    let chosen = map.get("application/json").or_else(|| map.values().next());
    (types, chosen.and_then(|m| m.get("schema")))
}

fn request_body(old: &OpSide<'_>, new: &OpSide<'_>, found: &mut Vec<Found>) {
    let at = "request body";
    let o = old.op.get("requestBody").map(|b| old.doc.follow(b));
    let n = new.op.get("requestBody").map(|b| new.doc.follow(b));
    match (o, n) {
        (None, Some(n)) if is_required(n) => found.push(found_at(
            at,
            "request-body-added-required",
            Breaking,
            "required request body added: every call must now send it".into(),
        )),
        (None, Some(_)) => found.push(found_at(
            at,
            "request-body-added",
            NonBreaking,
            "optional request body added".into(),
        )),
        (Some(_), None) => found.push(found_at(
            at,
            "request-body-removed",
            Breaking,
            "request body removed: the builder's `body` setters disappear".into(),
        )),
        (Some(o), Some(n)) => {
            if !is_required(o) && is_required(n) {
                found.push(found_at(
                    at,
                    "request-body-made-required",
                    Breaking,
                    "request body became required".into(),
                ));
            }
            let ((ot, os), (nt, ns)) = (media(o.get("content")), media(n.get("content")));
            if ot != nt {
                found.push(found_at(
                    at,
                    "request-content-type-changed",
                    Review,
                    format!("content types changed from {} to {}", list(&ot), list(&nt)),
                ));
            }
            if let (Some(os), Some(ns)) = (os, ns) {
                let mut walk = SchemaWalk::new(old.doc, new.doc, Direction::Request);
                walk.compare(at, os, ns);
                found.extend(walk.found);
            }
        }
        (None, None) => {}
    }
}

fn list(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// A status code and its response.
type Status<'a> = (String, &'a Value);

/// `(status, response)` of an operation, `$ref`s followed, split into success (2xx) and others.
fn statuses<'a>(side: &OpSide<'a>) -> (Vec<(String, &'a Value)>, BTreeSet<String>) {
    let mut success = Vec::new();
    let mut other = BTreeSet::new();
    if let Some(map) = side.op.get("responses").and_then(Value::as_object) {
        for (code, response) in map {
            if code.starts_with('2') {
                success.push((code.clone(), side.doc.follow(response)));
            } else {
                other.insert(code.clone());
            }
        }
    }
    (success, other)
}

fn responses(old: &OpSide<'_>, new: &OpSide<'_>, found: &mut Vec<Found>) {
    let ((os, oe), (ns, ne)) = (statuses(old), statuses(new));
    let codes = |s: &[(String, &Value)]| s.iter().map(|(c, _)| c.clone()).collect::<BTreeSet<_>>();
    let (oc, nc) = (codes(&os), codes(&ns));
    if oc != nc {
        found.push(found_at("responses", "success-status-changed", Breaking, format!(
            "success status changed from {} to {}: the generated client accepts only the documented statuses, so old clients treat the new one as an unexpected response",
            list(&oc), list(&nc)
        )));
    }
    let pairs: Vec<(&Status, &Status)> = if os.len() == 1 && ns.len() == 1 {
        vec![(&os[0], &ns[0])]
    } else {
        os.iter()
            .filter_map(|o| ns.iter().find(|n| n.0 == o.0).map(|n| (o, n)))
            .collect()
    };
    for ((_, o), (code, n)) in pairs {
        let at = format!("response {code}");
        let (_, o_schema) = media(o.get("content"));
        let (_, n_schema) = media(n.get("content"));
        match (o_schema, n_schema) {
            (None, Some(_)) => found.push(found_at(
                &at,
                "response-body-added",
                Review,
                "response body added: the method's return type changes from `ResponseValue<()>`"
                    .into(),
            )),
            (Some(_), None) => found.push(found_at(
                &at,
                "response-body-removed",
                Breaking,
                "response body removed: the method's return type becomes `ResponseValue<()>`"
                    .into(),
            )),
            (Some(os), Some(ns)) => {
                let mut walk = SchemaWalk::new(old.doc, new.doc, Direction::Response);
                walk.compare(&at, os, ns);
                found.extend(walk.found);
            }
            (None, None) => {}
        }
    }
    if oe != ne {
        found.push(found_at("responses", "error-responses-changed", Review, format!(
            "documented error statuses changed from {} to {}: the error type of the Rust method may change",
            list(&oe), list(&ne)
        )));
    }
}

/// The effective security requirements: the operation's, else the document's.
fn requirements(side: &OpSide<'_>) -> BTreeSet<String> {
    let reqs = side
        .op
        .get("security")
        .or_else(|| side.doc.root().get("security"));
    reqs.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|req| {
            if req.is_empty() {
                return "none".to_string();
            }
            req.iter()
                .map(|(name, scopes)| match scopes.as_array() {
                    Some(s) if !s.is_empty() => format!("{name}{scopes}"),
                    _ => name.clone(),
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect()
}

fn security(old: &OpSide<'_>, new: &OpSide<'_>, found: &mut Vec<Found>) {
    let (o, n) = (requirements(old), requirements(new));
    if o != n {
        found.push(found_at("security", "security-changed", Breaking, format!(
            "security requirements changed from [{}] to [{}]: clients must send different credentials",
            o.iter().cloned().collect::<Vec<_>>().join(" | "),
            n.iter().cloned().collect::<Vec<_>>().join(" | ")
        )));
    }
}
