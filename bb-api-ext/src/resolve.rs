//! A Function given by id or name, to its id: names are looked up by listing the project's
//! Functions, once per client (a Function keeps its id when it is published again).

use std::sync::Arc;

use bb_api::types::Function;
use futures_util::StreamExt;
use uuid::Uuid;

use crate::context::Context;
use crate::error::Error;
use crate::ids::FunctionRef;
use crate::paginate::{ListRequest, OffsetList};
use crate::transport::operation::FUNCTIONS_LIST;
use crate::validate::{Validator, max_typo_distance};

/// The project's Functions, as [`crate::Functions::list`] returns them.
pub(crate) fn list(ctx: Arc<Context>) -> OffsetList<Function> {
    OffsetList::new(
        ctx,
        ListRequest {
            op: &FUNCTIONS_LIST,
            args: Vec::new(),
            query: Vec::new(),
        },
    )
}

/// The id of `function`, looking a name up (once per client).
pub(crate) async fn resolve(ctx: &Arc<Context>, function: &FunctionRef) -> Result<Uuid, Error> {
    match function {
        FunctionRef::Id(id) => Ok(*id),
        FunctionRef::Name(name) => match ctx.cached_name(name) {
            Some(id) => Ok(id),
            None => find_by_name(ctx, name).await.map(|f| f.id),
        },
    }
}

/// The one Function named `name`; see [`crate::Functions::find_by_name`].
pub(crate) async fn find_by_name(ctx: &Arc<Context>, name: &str) -> Result<Function, Error> {
    let mut v = Validator::new();
    v.field("name", |v| FunctionRef::Name(name.to_owned()).check(v));
    v.finish(())?;
    let mut matches = Vec::new();
    let mut others = Vec::new();
    let mut all = list(ctx.clone()).stream();
    while let Some(function) = all.next().await {
        let function = function?;
        if function.name == name {
            matches.push(function);
        } else {
            others.push(function.name);
        }
    }
    match matches.len() {
        1 => {
            let function = matches.remove(0);
            ctx.cache_name(name, function.id);
            Ok(function)
        }
        0 => Err(Error::FunctionNameNotFound {
            name: name.to_owned(),
            similar: similar_names(name, others),
        }),
        _ => Err(Error::FunctionNameAmbiguous {
            name: name.to_owned(),
            ids: matches.iter().map(|f| f.id).collect(),
        }),
    }
}

/// Names close to `name`, closest first: same letters in another case, or a small edit distance.
fn similar_names(name: &str, others: Vec<String>) -> Vec<String> {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(usize, String)> = others
        .into_iter()
        .filter_map(|other| {
            let lower = other.to_lowercase();
            let distance = strsim::levenshtein(&wanted, &lower);
            let close = distance <= max_typo_distance(&wanted)
                || (wanted.len() >= 3 && lower.contains(&wanted));
            close.then_some((distance, other))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_are_close_in_spelling_or_contain_the_name() {
        let others = [
            "scrape-title",
            "Scrape-Title-v2",
            "fill-form",
            "screenshot",
            "title",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            similar_names("scrape-titel", others.clone()),
            ["scrape-title", "Scrape-Title-v2"]
        );
        assert_eq!(
            similar_names("scrape", others.clone()),
            ["scrape-title", "Scrape-Title-v2"]
        );
        assert!(similar_names("zzz", others).is_empty());
    }
}
