//! Imports flow one way: the module graph of a crate, read from its sources with syn
//! (`crate_tree`), must have no circle. An edge `a -> b` is any path in `a` (a `use`, or a path in
//! code such as `crate::b::f()`) that names module `b` or an item defined in it; paths are
//! followed through re-exports to where the item is defined. Paths to a module's own ancestors
//! (its facade) and to the crate root are not edges, nor is test-only code.

use std::collections::BTreeMap;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::Item;

use crate::crate_tree::{Crate, Target, use_entries};

/// Every path a module's items write that starts at `crate`, `super` or `self`, as segments.
fn written_paths(items: &[Item]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for item in items {
        match item {
            Item::Use(u) => paths.extend(use_entries(u).into_iter().map(|e| e.path)),
            // A `mod` declaration is the parent's own child, not an import.
            Item::Mod(_) => {}
            other => scan(other.to_token_stream(), &mut paths),
        }
    }
    paths
}

/// Finds `crate :: a :: b …` (or `super`, `self`) sequences in tokens, groups included.
fn scan(tokens: TokenStream, paths: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        if let TokenTree::Group(g) = &tokens[i] {
            scan(g.stream(), paths);
        }
        let starts = matches!(&tokens[i], TokenTree::Ident(id) if id == "crate" || id == "super" || id == "self");
        if !starts {
            i += 1;
            continue;
        }
        let mut path = vec![tokens[i].to_string()];
        let mut j = i + 1;
        // `::` is two `:` puncts, then an identifier.
        while j + 2 < tokens.len()
            && matches!(&tokens[j], TokenTree::Punct(p) if p.as_char() == ':')
            && matches!(&tokens[j + 1], TokenTree::Punct(p) if p.as_char() == ':')
            && let TokenTree::Ident(id) = &tokens[j + 2]
        {
            path.push(id.to_string());
            j += 3;
        }
        if path.len() > 1 {
            paths.push(path);
        }
        i = j.max(i + 1);
    }
}

/// The module a path leads to (the module itself, or the one defining the item it names),
/// trying shorter prefixes when the full path names an enum variant or an associated item.
fn target_module(krate: &Crate, from: usize, path: &[String]) -> Option<usize> {
    (1..=path.len())
        .rev()
        .find_map(|len| match krate.resolve(from, &path[..len]) {
            Some(Target::Module(m)) => Some(Some(m)),
            Some(Target::Item { module, .. }) => Some(Some(module)),
            Some(Target::External(_)) => Some(None),
            None => None,
        })
        .flatten()
}

fn is_ancestor(krate: &Crate, ancestor: usize, of: usize) -> bool {
    let mut at = krate.modules[of].parent;
    while let Some(m) = at {
        if m == ancestor {
            return true;
        }
        at = krate.modules[m].parent;
    }
    false
}

/// The module graph: for each module, the modules it uses, each with the first path that does.
pub fn edges(krate: &Crate) -> Vec<BTreeMap<usize, String>> {
    let mut edges = vec![BTreeMap::new(); krate.modules.len()];
    for (from, module) in krate.modules.iter().enumerate().skip(1) {
        for path in written_paths(&module.items) {
            let Some(to) = target_module(krate, from, &path) else {
                continue;
            };
            if to != 0 && to != from && !is_ancestor(krate, to, from) {
                edges[from].entry(to).or_insert_with(|| path.join("::"));
            }
        }
    }
    edges
}

fn name(krate: &Crate, module: usize) -> String {
    krate.modules[module].path.join("::")
}

/// One line per circle (a strongly connected set of modules): its modules and the paths that
/// join them, `a -> b (crate::b::X)`. Empty when imports flow one way.
pub fn circles(krate: &Crate) -> Vec<String> {
    let edges = edges(krate);
    let n = edges.len();
    // Tarjan's algorithm, iterative: index, lowlink, on-stack.
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut found = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>)> =
            vec![(root, edges[root].keys().copied().collect())];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((v, pending)) = work.last_mut() {
            let v = *v;
            if let Some(w) = pending.pop() {
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, edges[w].keys().copied().collect()));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _)) = work.last() {
                low[*parent] = low[*parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                if members.len() > 1 {
                    members.sort_by_key(|m| name(krate, *m));
                    let joins: Vec<String> = members
                        .iter()
                        .flat_map(|a| {
                            edges[*a]
                                .iter()
                                .filter(|(b, _)| members.contains(b))
                                .map(|(b, path)| {
                                    format!("{} -> {} ({path})", name(krate, *a), name(krate, *b))
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    found.push(joins.join(", "));
                }
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(files: &[(&str, &str)]) -> (tempfile::TempDir, Crate) {
        let dir = tempfile::tempdir().expect("a temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write");
        }
        let krate = Crate::load(&dir.path().join("lib.rs")).expect("loads");
        (dir, krate)
    }

    #[test]
    fn a_circle_through_uses_and_code_paths_is_found_and_one_way_imports_are_not() {
        let (_dir, k) = krate(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\npub use a::A;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            ("b.rs", "pub struct B;\npub fn f() { crate::c::g(); }\n"),
            (
                "c.rs",
                "pub fn g() { let _ = crate::A; }\n#[cfg(test)]\nmod tests { use crate::b::B; }\n",
            ),
        ]);
        assert_eq!(
            circles(&k),
            ["a -> b (crate::b::B), b -> c (crate::c::g), c -> a (crate::A)"]
        );
        let (_dir, k) = krate(&[
            ("lib.rs", "mod a;\nmod b;\nmod t;\n"),
            ("a.rs", "use crate::b::B;\n"),
            (
                "b.rs",
                "pub struct B;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
            ),
            ("t/mod.rs", "mod s;\npub struct T;\nfn f() { s::x(); }\n"),
            ("t/s.rs", "use super::T;\npub fn x() {}\n"),
        ]);
        assert!(circles(&k).is_empty(), "{:?}", circles(&k));
    }
}
