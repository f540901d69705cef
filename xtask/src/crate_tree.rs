//! A library crate's module tree, read from its source files with syn (nothing is compiled): every
//! module with its items and the `cfg`s it is compiled under, and the resolution of paths (`use`s,
//! type names) to the items they name. Macros are not expanded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Meta, Token, UseTree, Visibility};

/// How deep `mod` nesting and `use` chains are followed (guards against cycles).
const MAX_DEPTH: usize = 32;

/// One module: the crate root, a `mod x;` file or an inline `mod x { … }`.
pub struct Module {
    /// Its path from the crate root (empty for the root).
    pub path: Vec<String>,
    /// The enclosing module.
    pub parent: Option<usize>,
    /// Its items without those compiled only for tests; a `mod` item keeps its declaration (the
    /// body is the child module).
    pub items: Vec<Item>,
    /// The `cfg` predicates it is compiled under, outermost first (`feature = "httpmock"`).
    pub cfgs: Vec<String>,
    /// Child modules by name.
    pub children: BTreeMap<String, usize>,
}

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// An item (struct, enum, fn, trait, …) defined in a module of the crate.
    Item { module: usize, name: String },
    /// A module of the crate.
    Module(usize),
    /// Something outside the crate (or a prelude or generic name), as a full path.
    External(Vec<String>),
}

/// One name brought in by a `use`: `alias` for `path`, or every public name of `path` (glob).
#[derive(Debug, Clone, PartialEq)]
pub struct UseEntry {
    /// The name it is known by in the module (`None` for a glob).
    pub alias: Option<String>,
    /// The path as written (`""` first for a leading `::`).
    pub path: Vec<String>,
}

/// A crate's modules; index 0 is the root.
pub struct Crate {
    pub modules: Vec<Module>,
}

impl Crate {
    /// Reads the crate whose root file is `root` (e.g. `src/lib.rs`), following `mod x;` to
    /// `x.rs` or `x/mod.rs` (or `#[path]`), skipping `#[cfg(test)]` items.
    pub fn load(root: &Path) -> Result<Self, String> {
        let items = parse_file(root)?;
        let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut krate = Self {
            modules: Vec::new(),
        };
        let start = ModuleSource {
            path: Vec::new(),
            parent: None,
            items,
            cfgs: Vec::new(),
            file: root.to_path_buf(),
            child_dir: dir,
        };
        krate.add_module(start, 0)?;
        Ok(krate)
    }

    fn add_module(&mut self, mut source: ModuleSource, depth: usize) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{}: modules nested deeper than {MAX_DEPTH} (a #[path] cycle?)",
                source.file.display()
            ));
        }
        let index = self.modules.len();
        self.modules.push(Module {
            path: source.path.clone(),
            parent: source.parent,
            items: Vec::new(),
            cfgs: source.cfgs.clone(),
            children: BTreeMap::new(),
        });
        let mut kept = Vec::new();
        let items = std::mem::take(&mut source.items);
        for mut item in items {
            if item_attrs(&item).is_some_and(is_test_only) {
                continue;
            }
            if let Item::Mod(declaration) = &mut item {
                let name = declaration.ident.to_string();
                let mut cfgs = source.cfgs.clone();
                cfgs.extend(cfg_predicates(&declaration.attrs));
                let mut path = source.path.clone();
                path.push(name.clone());
                let child = match declaration.content.take() {
                    Some((_, inner)) => ModuleSource {
                        path,
                        parent: Some(index),
                        items: inner,
                        cfgs,
                        file: source.file.clone(),
                        child_dir: source.child_dir.join(&name),
                    },
                    None => {
                        let file = module_file(&declaration.attrs, &name, &source)?;
                        let mod_rs_like = path_attr(&declaration.attrs).is_some()
                            || file.file_name().is_some_and(|f| f == "mod.rs");
                        let child_dir = if mod_rs_like {
                            file.parent().unwrap_or(Path::new(".")).to_path_buf()
                        } else {
                            source.child_dir.join(&name)
                        };
                        ModuleSource {
                            path,
                            parent: Some(index),
                            items: parse_file(&file)?,
                            cfgs,
                            file,
                            child_dir,
                        }
                    }
                };
                let child = self.add_module(child, depth + 1)?;
                self.modules[index].children.insert(name, child);
            }
            kept.push(item);
        }
        self.modules[index].items = kept;
        Ok(index)
    }

    /// What `name` means inside module `module`: an item or module defined there, a `use`d name,
    /// or a name a glob `use` brings in.
    #[cfg(test)]
    pub fn lookup(&self, module: usize, name: &str) -> Option<Target> {
        self.lookup_depth(module, name, 0)
    }

    fn lookup_depth(&self, module: usize, name: &str, depth: usize) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        let m = self.modules.get(module)?;
        if let Some(child) = m.children.get(name) {
            return Some(Target::Module(*child));
        }
        if m.items
            .iter()
            .any(|item| item_name(item).as_deref() == Some(name))
        {
            return Some(Target::Item {
                module,
                name: name.to_string(),
            });
        }
        let uses: Vec<UseEntry> = m
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Use(u) => Some(use_entries(u)),
                _ => None,
            })
            .flatten()
            .collect();
        if let Some(entry) = uses.iter().find(|e| e.alias.as_deref() == Some(name)) {
            return self.resolve_depth(module, &entry.path, depth + 1);
        }
        for glob in uses.iter().filter(|e| e.alias.is_none()) {
            if let Some(Target::Module(source)) = self.resolve_depth(module, &glob.path, depth + 1)
                && let Some(found) = self.lookup_depth(source, name, depth + 1)
            {
                return Some(found);
            }
        }
        None
    }

    /// What a path written in module `from` names. `None` when it leads into an item (an enum
    /// variant, an associated item) or a module lacks the name.
    pub fn resolve(&self, from: usize, path: &[String]) -> Option<Target> {
        self.resolve_depth(from, path, 0)
    }

    fn resolve_depth(&self, from: usize, path: &[String], depth: usize) -> Option<Target> {
        let (first, rest) = path.split_first()?;
        let mut current = match first.as_str() {
            "" => return Some(Target::External(rest.to_vec())),
            "crate" => Target::Module(0),
            "self" => Target::Module(from),
            "super" => Target::Module(self.modules.get(from)?.parent?),
            name => match self.lookup_depth(from, name, depth) {
                Some(target) => target,
                None => return Some(Target::External(path.to_vec())),
            },
        };
        for segment in rest {
            current = match current {
                Target::Module(m) => match segment.as_str() {
                    "self" => Target::Module(m),
                    "super" => Target::Module(self.modules.get(m)?.parent?),
                    name => self.lookup_depth(m, name, depth)?,
                },
                Target::External(mut full) => {
                    full.push(segment.clone());
                    Target::External(full)
                }
                Target::Item { .. } => return None,
            };
        }
        Some(current)
    }

    /// The items named `name` defined in `module` (several when `cfg`s choose between them).
    pub fn definitions(&self, module: usize, name: &str) -> Vec<&Item> {
        self.modules
            .get(module)
            .map(|m| {
                m.items
                    .iter()
                    .filter(|item| {
                        !matches!(item, Item::Mod(_)) && item_name(item).as_deref() == Some(name)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A module about to be added.
struct ModuleSource {
    path: Vec<String>,
    parent: Option<usize>,
    items: Vec<Item>,
    cfgs: Vec<String>,
    /// The file the module's items are in.
    file: PathBuf,
    /// Where `mod x;` inside it looks for `x.rs` and `x/mod.rs`.
    child_dir: PathBuf,
}

fn parse_file(path: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    syn::parse_file(&text)
        .map(|file| file.items)
        .map_err(|e| format!("{}: does not parse: {e}", path.display()))
}

/// The file of `mod name;` declared in `source`.
fn module_file(attrs: &[Attribute], name: &str, source: &ModuleSource) -> Result<PathBuf, String> {
    if let Some(path) = path_attr(attrs) {
        let base = source.file.parent().unwrap_or(Path::new("."));
        return Ok(base.join(path));
    }
    let flat = source.child_dir.join(format!("{name}.rs"));
    let nested = source.child_dir.join(name).join("mod.rs");
    if flat.is_file() {
        Ok(flat)
    } else if nested.is_file() {
        Ok(nested)
    } else {
        Err(format!(
            "{}: `mod {name};` but neither {} nor {} exists",
            source.file.display(),
            flat.display(),
            nested.display()
        ))
    }
}

/// The value of `#[path = "…"]`.
fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The predicates of an item's `#[cfg(…)]` attributes, as text (`feature = "httpmock"`).
pub fn cfg_predicates(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::List(list) if list.path.is_ident("cfg") => {
                Some(compact(&list.tokens.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// `any (feature = "a" , test)` → `any(feature = "a", test)`.
fn compact(text: &str) -> String {
    text.replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
}

/// Whether an item is compiled only for tests: `#[cfg(test)]` or `#[cfg(all(test, …))]`.
fn is_test_only(attrs: &[Attribute]) -> bool {
    fn test_only(meta: &Meta) -> bool {
        match meta {
            Meta::Path(path) => path.is_ident("test"),
            Meta::List(list) if list.path.is_ident("all") => list
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .is_ok_and(|metas| metas.iter().any(test_only)),
            _ => false,
        }
    }
    attrs.iter().any(|attr| match &attr.meta {
        Meta::List(list) if list.path.is_ident("cfg") => {
            list.parse_args::<Meta>().is_ok_and(|meta| test_only(&meta))
        }
        _ => false,
    })
}

/// The attributes of an item, if it has any.
pub fn item_attrs(item: &Item) -> Option<&[Attribute]> {
    Some(match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => return None,
    })
}

/// The visibility of an item, if it has one.
pub fn item_vis(item: &Item) -> Option<&Visibility> {
    Some(match item {
        Item::Const(i) => &i.vis,
        Item::Enum(i) => &i.vis,
        Item::Fn(i) => &i.vis,
        Item::Mod(i) => &i.vis,
        Item::Static(i) => &i.vis,
        Item::Struct(i) => &i.vis,
        Item::Trait(i) => &i.vis,
        Item::TraitAlias(i) => &i.vis,
        Item::Type(i) => &i.vis,
        Item::Union(i) => &i.vis,
        Item::Use(i) => &i.vis,
        _ => return None,
    })
}

/// The name an item defines (`None` for impls, uses, …).
pub fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Macro(i) => i.ident.as_ref()?,
        Item::Mod(i) => &i.ident,
        Item::Static(i) => &i.ident,
        Item::Struct(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::TraitAlias(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The names a `use` item brings in.
pub fn use_entries(item: &syn::ItemUse) -> Vec<UseEntry> {
    let mut out = Vec::new();
    let start = if item.leading_colon.is_some() {
        vec![String::new()]
    } else {
        Vec::new()
    };
    flatten(&item.tree, start, &mut out);
    out
}

fn flatten(tree: &UseTree, prefix: Vec<String>, out: &mut Vec<UseEntry>) {
    let with = |name: String| {
        let mut path = prefix.clone();
        path.push(name);
        path
    };
    match tree {
        UseTree::Path(p) => flatten(&p.tree, with(p.ident.to_string()), out),
        UseTree::Name(n) if n.ident == "self" => {
            if let Some(last) = prefix.last() {
                out.push(UseEntry {
                    alias: Some(last.clone()),
                    path: prefix.clone(),
                });
            }
        }
        UseTree::Name(n) => out.push(UseEntry {
            alias: Some(n.ident.to_string()),
            path: with(n.ident.to_string()),
        }),
        UseTree::Rename(r) if r.rename == "_" => {}
        UseTree::Rename(r) => out.push(UseEntry {
            alias: Some(r.rename.to_string()),
            path: if r.ident == "self" {
                prefix.clone()
            } else {
                with(r.ident.to_string())
            },
        }),
        UseTree::Glob(_) => out.push(UseEntry {
            alias: None,
            path: prefix,
        }),
        UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix.clone(), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_from(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Crate, String>) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("dir");
            }
            std::fs::write(path, text).expect("write");
        }
        let krate = Crate::load(&dir.path().join("lib.rs"));
        (dir, krate)
    }

    fn strings(path: &str) -> Vec<String> {
        path.split("::").map(str::to_string).collect()
    }

    #[test]
    fn modules_come_from_files_inline_blocks_and_path_attributes() {
        let (_dir, krate) = crate_from(&[
            (
                "lib.rs",
                "mod a;\npub mod b;\n#[path = \"elsewhere/c_impl.rs\"] mod c;\nmod d { pub mod e; }\n#[cfg(test)] mod tests;\n#[cfg(feature = \"x\")] pub mod f { pub struct F; }\n",
            ),
            ("a.rs", "pub struct A;\n"),
            ("b/mod.rs", "pub mod inner;\n"),
            ("b/inner.rs", "pub struct Inner;\n"),
            ("elsewhere/c_impl.rs", "pub struct C;\n"),
            ("d/e.rs", "pub struct E;\n"),
        ]);
        let krate = krate.unwrap_or_else(|e| panic!("{e}"));
        let paths: Vec<String> = krate.modules.iter().map(|m| m.path.join("::")).collect();
        assert_eq!(paths, ["", "a", "b", "b::inner", "c", "d", "d::e", "f"]);
        let f = krate
            .modules
            .iter()
            .find(|m| m.path == ["f"])
            .map(|m| m.cfgs.clone());
        assert_eq!(f, Some(vec!["feature = \"x\"".to_string()]));
    }

    #[test]
    fn a_missing_module_file_is_an_error_naming_both_candidates() {
        let (dir, krate) = crate_from(&[("lib.rs", "mod gone;\n")]);
        let err = krate.err().unwrap_or_default();
        let root = dir.path().display();
        assert_eq!(
            err,
            format!(
                "{root}/lib.rs: `mod gone;` but neither {root}/gone.rs nor {root}/gone/mod.rs exists"
            )
        );
    }

    #[test]
    fn paths_resolve_through_uses_globs_and_relative_segments() {
        let (_dir, krate) = crate_from(&[
            (
                "lib.rs",
                "mod a;\nmod b;\npub use a::{Thing as Renamed, self as amod};\nuse std::time::Duration;\npub use b::*;\n",
            ),
            ("a.rs", "pub struct Thing;\nuse super::b::Other;\n"),
            (
                "b.rs",
                "pub struct Other;\npub(crate) use crate::a::Thing;\n",
            ),
        ]);
        let krate = krate.unwrap_or_else(|e| panic!("{e}"));
        let a = krate.lookup(0, "a");
        let thing = Some(Target::Item {
            module: 1,
            name: "Thing".into(),
        });
        assert_eq!(krate.lookup(0, "Renamed"), thing);
        assert_eq!(krate.lookup(0, "amod"), a);
        assert_eq!(
            krate.lookup(0, "Duration"),
            Some(Target::External(strings("std::time::Duration")))
        );
        // Through the glob of b, which re-imports Thing.
        assert_eq!(
            krate.lookup(0, "Other"),
            Some(Target::Item {
                module: 2,
                name: "Other".into()
            })
        );
        assert_eq!(
            krate.resolve(1, &strings("Other")),
            krate.lookup(0, "Other")
        );
        assert_eq!(krate.resolve(2, &strings("super::a::Thing")), thing);
        assert_eq!(krate.resolve(2, &strings("Thing")), thing);
        assert_eq!(
            krate.resolve(0, &strings("String")),
            Some(Target::External(strings("String")))
        );
        assert_eq!(krate.resolve(0, &strings("a::Missing")), None);
    }
}
