//! The public API of a library crate, read from its sources (`crate_tree`): every item a user can
//! name through public modules and `pub use` re-exports, with its fields, variants, methods (with
//! signatures), trait impls (derives included) and the `cfg`s it needs. Types in signatures are
//! written by their public path (or their full path outside the crate), whatever the source
//! imported, so moving code between modules does not change the listing.

use std::collections::{BTreeMap, BTreeSet};

use syn::punctuated::Punctuated;
use syn::{
    Attribute, Fields, GenericArgument, Generics, ImplItem, Item, Meta, PathArguments, ReturnType,
    Signature, Token, TraitItem, Type, TypeParamBound, WherePredicate,
};

use crate::api_listing::{ApiItem, derivable_name, fn_line, is_pub, pub_only_unnamed};
use crate::crate_tree::{
    Crate, Target, cfg_predicates, item_attrs, item_name, item_vis, use_entries,
};
use crate::rust_text;

/// A name users can reach: its public path and what it names.
#[derive(Debug, Clone)]
struct Export {
    path: Vec<String>,
    target: Target,
    /// The `cfg`s of the modules and `use`s on the way.
    cfgs: Vec<String>,
}

/// The sorted public API listing of `krate`.
pub fn listing(krate: &Crate) -> Vec<ApiItem> {
    let mut exports = Vec::new();
    walk(krate, 0, &[], &[], &mut BTreeSet::new(), &mut exports);
    let mut canonical: BTreeMap<Target, Vec<String>> = BTreeMap::new();
    for export in &exports {
        if matches!(export.target, Target::External(_)) {
            continue;
        }
        let better =
            |current: &Vec<String>| (export.path.len(), &export.path) < (current.len(), current);
        match canonical.get(&export.target) {
            Some(current) if !better(current) => {}
            _ => {
                canonical.insert(export.target.clone(), export.path.clone());
            }
        }
    }
    let names = Names {
        krate,
        canonical: canonical
            .into_iter()
            .map(|(target, path)| (target, path.join("::")))
            .collect(),
    };
    let mut lister = Lister {
        names: &names,
        out: Vec::new(),
    };
    for export in &exports {
        lister.export(export);
    }
    lister.impls();
    lister.macros();
    let mut items = lister.out;
    items.sort_by_key(ApiItem::order);
    items.dedup();
    items
}

/// Collects the exports of module `module` reached at public path `prefix`.
fn walk(
    krate: &Crate,
    module: usize,
    prefix: &[String],
    cfgs: &[String],
    seen: &mut BTreeSet<(usize, Vec<String>)>,
    out: &mut Vec<Export>,
) {
    if prefix.len() > 16 || !seen.insert((module, prefix.to_vec())) {
        return;
    }
    let Some(m) = krate.modules.get(module) else {
        return;
    };
    let at = |name: &str| {
        let mut path = prefix.to_vec();
        path.push(name.to_string());
        path
    };
    for item in &m.items {
        if !item_vis(item).is_some_and(is_pub) {
            continue;
        }
        let mut item_cfgs = cfgs.to_vec();
        item_cfgs.extend(item_attrs(item).map(cfg_predicates).unwrap_or_default());
        match item {
            Item::Mod(declaration) => {
                let name = declaration.ident.to_string();
                if let Some(child) = m.children.get(&name) {
                    out.push(Export {
                        path: at(&name),
                        target: Target::Module(*child),
                        cfgs: item_cfgs.clone(),
                    });
                    walk(krate, *child, &at(&name), &item_cfgs, seen, out);
                }
            }
            Item::Use(u) => {
                for entry in use_entries(u) {
                    let target = krate
                        .resolve(module, &entry.path)
                        .unwrap_or_else(|| Target::External(entry.path.clone()));
                    match (&entry.alias, target) {
                        (None, Target::Module(source)) => {
                            walk(krate, source, prefix, &item_cfgs, seen, out);
                        }
                        (None, Target::External(mut full)) => {
                            full.push("*".to_string());
                            out.push(Export {
                                path: at("*"),
                                target: Target::External(full),
                                cfgs: item_cfgs.clone(),
                            });
                        }
                        (None, Target::Item { .. }) => {}
                        (Some(alias), Target::Module(source)) => {
                            out.push(Export {
                                path: at(alias),
                                target: Target::Module(source),
                                cfgs: item_cfgs.clone(),
                            });
                            walk(krate, source, &at(alias), &item_cfgs, seen, out);
                        }
                        (Some(alias), target) => out.push(Export {
                            path: at(alias),
                            target,
                            cfgs: item_cfgs.clone(),
                        }),
                    }
                }
            }
            _ => {
                if let Some(name) = item_name(item) {
                    out.push(Export {
                        path: at(&name),
                        target: Target::Item { module, name },
                        cfgs: item_cfgs,
                    });
                }
            }
        }
    }
}

/// The crate and the public path of every exported item and module (the shortest, then the
/// first in order).
struct Names<'a> {
    krate: &'a Crate,
    canonical: BTreeMap<Target, String>,
}

struct Lister<'a> {
    names: &'a Names<'a>,
    out: Vec<ApiItem>,
}

impl<'a> Lister<'a> {
    fn push(&mut self, key: String, line: String, suffix: &str) {
        self.out.push(ApiItem {
            key,
            line: format!("{line}{suffix}"),
        });
    }

    fn canon(&self, module: usize) -> Canon<'a> {
        let names: &'a Names<'a> = self.names;
        Canon {
            krate: names.krate,
            canonical: &names.canonical,
            module,
            hits: 0,
        }
    }

    fn export(&mut self, export: &Export) {
        let path = export.path.join("::");
        let marks = suffix(&export.cfgs, &[]);
        match &export.target {
            Target::External(full) => {
                let full = full.join("::");
                self.push(
                    format!("use {path}"),
                    format!("use {path} = {full}"),
                    &marks,
                );
            }
            target => {
                let Some(canonical) = self.names.canonical.get(target).cloned() else {
                    return;
                };
                if canonical != path {
                    self.push(
                        format!("use {path}"),
                        format!("use {path} = {canonical}"),
                        &marks,
                    );
                    return;
                }
                match target {
                    Target::Module(_) => {
                        self.push(format!("mod {path}"), format!("mod {path}"), &marks)
                    }
                    Target::Item { module, name } => {
                        let definitions: Vec<Item> = self
                            .names
                            .krate
                            .definitions(*module, name)
                            .into_iter()
                            .cloned()
                            .collect();
                        for item in &definitions {
                            let mut cfgs = self.names.krate.modules[*module].cfgs.clone();
                            cfgs.extend(item_attrs(item).map(cfg_predicates).unwrap_or_default());
                            for cfg in &export.cfgs {
                                if !cfgs.contains(cfg) {
                                    cfgs.push(cfg.clone());
                                }
                            }
                            self.item(&path, *module, item, &cfgs);
                        }
                    }
                    Target::External(_) => {}
                }
            }
        }
    }

    /// The lines of item `item` (defined in `module`), listed at `path`.
    fn item(&mut self, path: &str, module: usize, item: &Item, cfgs: &[String]) {
        let owner = path.rsplit_once("::").map_or("", |(o, _)| o);
        match item {
            Item::Struct(s) => {
                let mut s = s.clone();
                let mut canon = self.canon(module);
                canon.generics(&mut s.generics);
                for field in s.fields.iter_mut() {
                    canon.ty(&mut field.ty);
                }
                let tuple = match &s.fields {
                    Fields::Unnamed(f) => rust_text::fields(&Fields::Unnamed(pub_only_unnamed(f))),
                    _ => String::new(),
                };
                let generics = rust_text::generics(&s.generics);
                self.push(
                    format!("struct {path}"),
                    format!("struct {path}{generics}{tuple}"),
                    &suffix(cfgs, &s.attrs),
                );
                let fields: Vec<syn::Field> = s.fields.iter().cloned().collect();
                self.derives(path, module, &s.attrs, &fields, cfgs);
                if let Fields::Named(named) = &s.fields {
                    for field in named.named.iter().filter(|f| is_pub(&f.vis)) {
                        if let Some(ident) = &field.ident {
                            self.push(
                                format!("field {path}::{ident}"),
                                format!("field {path}::{ident}: {}", rust_text::ty(&field.ty)),
                                &suffix(cfgs, &field.attrs),
                            );
                        }
                    }
                }
            }
            Item::Union(u) => {
                let mut u = u.clone();
                let mut canon = self.canon(module);
                canon.generics(&mut u.generics);
                let generics = rust_text::generics(&u.generics);
                self.push(
                    format!("union {path}"),
                    format!("union {path}{generics}"),
                    &suffix(cfgs, &u.attrs),
                );
                let fields: Vec<syn::Field> = u.fields.named.iter().cloned().collect();
                self.derives(path, module, &u.attrs, &fields, cfgs);
                for field in u.fields.named.iter_mut().filter(|f| is_pub(&f.vis)) {
                    canon.ty(&mut field.ty);
                    if let Some(ident) = &field.ident {
                        self.push(
                            format!("field {path}::{ident}"),
                            format!("field {path}::{ident}: {}", rust_text::ty(&field.ty)),
                            &suffix(cfgs, &field.attrs),
                        );
                    }
                }
            }
            Item::Enum(e) => {
                let mut e = e.clone();
                let mut canon = self.canon(module);
                canon.generics(&mut e.generics);
                self.push(
                    format!("enum {path}"),
                    format!("enum {path}{}", rust_text::generics(&e.generics)),
                    &suffix(cfgs, &e.attrs),
                );
                let mut all_fields = Vec::new();
                for variant in e.variants.iter_mut() {
                    for field in variant.fields.iter_mut() {
                        canon.ty(&mut field.ty);
                    }
                    all_fields.extend(variant.fields.iter().cloned());
                    let mut shown = variant.fields.clone();
                    shown.iter_mut().for_each(|f| f.attrs.clear());
                    let mut variant_cfgs = cfgs.to_vec();
                    variant_cfgs.extend(cfg_predicates(&variant.attrs));
                    self.push(
                        format!("variant {path}::{}", variant.ident),
                        format!(
                            "variant {path}::{}{}",
                            variant.ident,
                            rust_text::fields(&shown)
                        ),
                        &suffix(&variant_cfgs, &variant.attrs),
                    );
                }
                self.derives(path, module, &e.attrs, &all_fields, cfgs);
            }
            Item::Trait(t) => {
                let mut t = t.clone();
                let mut canon = self.canon(module);
                canon.generics(&mut t.generics);
                canon.bounds(&mut t.supertraits);
                let supertraits = if t.supertraits.is_empty() {
                    String::new()
                } else {
                    let bound: syn::TypeImplTrait = syn::TypeImplTrait {
                        attrs: Vec::new(),
                        impl_token: Default::default(),
                        bounds: t.supertraits.clone(),
                    };
                    let text = rust_text::ty(&Type::ImplTrait(bound));
                    format!(": {}", text.trim_start_matches("impl "))
                };
                self.push(
                    format!("trait {path}"),
                    format!(
                        "trait {path}{}{supertraits}",
                        rust_text::generics(&t.generics)
                    ),
                    &suffix(cfgs, &t.attrs),
                );
                for trait_item in t.items.iter_mut() {
                    match trait_item {
                        TraitItem::Fn(f) => {
                            canon.sig(&mut f.sig);
                            let (key, line) = fn_line(path, &f.sig);
                            self.push(key, line, &suffix(cfgs, &f.attrs));
                        }
                        TraitItem::Type(ty) => {
                            canon.bounds(&mut ty.bounds);
                            let bounds = if ty.bounds.is_empty() {
                                String::new()
                            } else {
                                let bound = syn::TypeImplTrait {
                                    attrs: Vec::new(),
                                    impl_token: Default::default(),
                                    bounds: ty.bounds.clone(),
                                };
                                let text = rust_text::ty(&Type::ImplTrait(bound));
                                format!(": {}", text.trim_start_matches("impl "))
                            };
                            self.push(
                                format!("type {path}::{}", ty.ident),
                                format!("type {path}::{}{bounds}", ty.ident),
                                &suffix(cfgs, &ty.attrs),
                            );
                        }
                        TraitItem::Const(c) => {
                            canon.ty(&mut c.ty);
                            self.push(
                                format!("const {path}::{}", c.ident),
                                format!("const {path}::{}: {}", c.ident, rust_text::ty(&c.ty)),
                                &suffix(cfgs, &c.attrs),
                            );
                        }
                        _ => {}
                    }
                }
            }
            Item::Fn(f) => {
                let mut sig = f.sig.clone();
                self.canon(module).sig(&mut sig);
                let (key, line) = fn_line(owner, &sig);
                self.push(key, line, &suffix(cfgs, &f.attrs));
            }
            Item::Const(c) => {
                let mut ty = (*c.ty).clone();
                self.canon(module).ty(&mut ty);
                self.push(
                    format!("const {path}"),
                    format!("const {path}: {}", rust_text::ty(&ty)),
                    &suffix(cfgs, &c.attrs),
                );
            }
            Item::Static(s) => {
                let mut ty = (*s.ty).clone();
                self.canon(module).ty(&mut ty);
                self.push(
                    format!("static {path}"),
                    format!("static {path}: {}", rust_text::ty(&ty)),
                    &suffix(cfgs, &s.attrs),
                );
            }
            Item::Type(t) => {
                let mut t = t.clone();
                let mut canon = self.canon(module);
                canon.generics(&mut t.generics);
                canon.ty(&mut t.ty);
                self.push(
                    format!("type {path}"),
                    format!(
                        "type {path}{} = {}",
                        rust_text::generics(&t.generics),
                        rust_text::ty(&t.ty)
                    ),
                    &suffix(cfgs, &t.attrs),
                );
            }
            _ => {}
        }
    }

    /// `impl Trait for path` per derived trait. `thiserror::Error` implements `std::error::Error`
    /// and `Display`, plus `From` for each `#[from]` field.
    fn derives(
        &mut self,
        path: &str,
        module: usize,
        attrs: &[Attribute],
        fields: &[syn::Field],
        cfgs: &[String],
    ) {
        let marks = suffix(cfgs, &[]);
        for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let mut names = Vec::new();
            let parsed = attr.parse_nested_meta(|meta| {
                names.push(meta.path.clone());
                Ok(())
            });
            if parsed.is_err() {
                continue;
            }
            for mut derive in names {
                let written: Vec<String> = derive
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let resolved = self.names.krate.resolve(module, &written);
                if resolved == Some(Target::External(vec!["thiserror".into(), "Error".into()])) {
                    for line in [
                        format!("impl std::error::Error for {path}"),
                        format!("impl std::fmt::Display for {path}"),
                    ] {
                        self.push(line.clone(), line, &marks);
                    }
                    for field in fields
                        .iter()
                        .filter(|f| f.attrs.iter().any(|a| a.path().is_ident("from")))
                    {
                        let line = format!("impl From<{}> for {path}", rust_text::ty(&field.ty));
                        self.push(line.clone(), line, &marks);
                    }
                    continue;
                }
                self.canon(module).path(&mut derive);
                let text = rust_text::path(&derive);
                let name = derivable_name(&text).map_or(text.clone(), str::to_string);
                let line = format!("impl {name} for {path}");
                self.push(line.clone(), line, &marks);
            }
        }
    }

    /// Methods of inherent impls and the trait impls of exported types (wherever the impl is).
    fn impls(&mut self) {
        let krate: &'a Crate = self.names.krate;
        for (module, m) in krate.modules.iter().enumerate() {
            for item in &m.items {
                let Item::Impl(imp) = item else {
                    continue;
                };
                let mut cfgs = m.cfgs.clone();
                cfgs.extend(cfg_predicates(&imp.attrs));
                let self_target = self_type_path(&imp.self_ty)
                    .and_then(|segments| krate.resolve(module, &segments));
                let self_public = self_target
                    .as_ref()
                    .and_then(|t| self.names.canonical.get(t))
                    .cloned();
                let self_private =
                    matches!(self_target, Some(Target::Item { .. })) && self_public.is_none();
                if self_private {
                    continue;
                }
                match &imp.trait_ {
                    None => {
                        let Some(owner) = self_public else {
                            continue;
                        };
                        for impl_item in &imp.items {
                            match impl_item {
                                ImplItem::Fn(f) if is_pub(&f.vis) => {
                                    let mut sig = f.sig.clone();
                                    self.canon(module).sig(&mut sig);
                                    let (key, line) = fn_line(&owner, &sig);
                                    let mut fn_cfgs = cfgs.clone();
                                    fn_cfgs.extend(cfg_predicates(&f.attrs));
                                    self.push(key, line, &suffix(&fn_cfgs, &f.attrs));
                                }
                                ImplItem::Const(c) if is_pub(&c.vis) => {
                                    let mut ty = c.ty.clone();
                                    self.canon(module).ty(&mut ty);
                                    self.push(
                                        format!("const {owner}::{}", c.ident),
                                        format!(
                                            "const {owner}::{}: {}",
                                            c.ident,
                                            rust_text::ty(&ty)
                                        ),
                                        &suffix(&cfgs, &c.attrs),
                                    );
                                }
                                _ => {}
                            }
                        }
                    }
                    Some((trait_path, _)) => {
                        let written: Vec<String> = trait_path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect();
                        let trait_target = krate.resolve(module, &written);
                        if matches!(trait_target, Some(Target::Item { .. }))
                            && trait_target
                                .as_ref()
                                .and_then(|t| self.names.canonical.get(t))
                                .is_none()
                        {
                            continue; // a private trait: its impls are not nameable
                        }
                        let mut shown = imp.clone();
                        shown.attrs.clear();
                        shown.items.clear();
                        let mut canon = self.canon(module);
                        canon.generics(&mut shown.generics);
                        canon.ty(&mut shown.self_ty);
                        let mut trait_text = String::new();
                        if let Some((path, _)) = &mut shown.trait_ {
                            canon.path(path);
                            trait_text = rust_text::path(path);
                        }
                        if canon.hits == 0 {
                            continue; // nothing of this crate's public API in it
                        }
                        let mut header = rust_text::impl_header(&shown);
                        if let Some(short) = derivable_name(&trait_text) {
                            header = header.replacen(&trait_text, short, 1);
                        }
                        let line = format!("impl{header}");
                        self.push(line.clone(), line, &suffix(&cfgs, &[]));
                    }
                }
            }
        }
    }

    /// `#[macro_export]` macros, which live at the crate root whatever module defines them.
    fn macros(&mut self) {
        let krate: &'a Crate = self.names.krate;
        for m in &krate.modules {
            for item in &m.items {
                if let Item::Macro(mac) = item
                    && let Some(ident) = &mac.ident
                    && mac.attrs.iter().any(|a| a.path().is_ident("macro_export"))
                {
                    let mut cfgs = m.cfgs.clone();
                    cfgs.extend(cfg_predicates(&mac.attrs));
                    self.push(
                        format!("macro {ident}"),
                        format!("macro {ident}!"),
                        &suffix(&cfgs, &mac.attrs),
                    );
                }
            }
        }
    }
}

/// The path of a type an impl is for (`&'a Foo<T>` → `Foo`), if it is a plain path.
fn self_type_path(ty: &Type) -> Option<Vec<String>> {
    match ty {
        Type::Reference(r) => self_type_path(&r.elem),
        Type::Paren(p) => self_type_path(&p.elem),
        Type::Group(g) => self_type_path(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let mut segments: Vec<String> = Vec::new();
            if p.path.leading_colon.is_some() {
                segments.push(String::new());
            }
            segments.extend(p.path.segments.iter().map(|s| s.ident.to_string()));
            Some(segments)
        }
        _ => None,
    }
}

/// The markers after a line: ` #[cfg(…)]` per condition, then `#[doc(hidden)]`,
/// `#[non_exhaustive]` and `#[deprecated]` when the item has them.
fn suffix(cfgs: &[String], attrs: &[Attribute]) -> String {
    let mut text = String::new();
    let mut seen = BTreeSet::new();
    let own = cfg_predicates(attrs);
    for cfg in cfgs.iter().chain(own.iter()) {
        if seen.insert(cfg.clone()) {
            text.push_str(&format!(" #[cfg({cfg})]"));
        }
    }
    let hidden = attrs.iter().any(|a| match &a.meta {
        Meta::List(list) if list.path.is_ident("doc") => list
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .is_ok_and(|metas| metas.iter().any(|m| m.path().is_ident("hidden"))),
        _ => false,
    });
    if hidden {
        text.push_str(" #[doc(hidden)]");
    }
    for marker in ["non_exhaustive", "deprecated"] {
        if attrs.iter().any(|a| a.path().is_ident(marker)) {
            text.push_str(&format!(" #[{marker}]"));
        }
    }
    text
}

/// Rewrites the paths in types of one module to their public (or full external) paths.
struct Canon<'a> {
    krate: &'a Crate,
    canonical: &'a BTreeMap<Target, String>,
    module: usize,
    /// How many paths named an exported item of the crate.
    hits: usize,
}

impl Canon<'_> {
    fn path(&mut self, path: &mut syn::Path) {
        for segment in path.segments.iter_mut() {
            self.arguments(&mut segment.arguments);
        }
        let mut written: Vec<String> = Vec::new();
        if path.leading_colon.is_some() {
            written.push(String::new());
        }
        written.extend(path.segments.iter().map(|s| s.ident.to_string()));
        let Some(target) = self.krate.resolve(self.module, &written) else {
            return;
        };
        let replacement = match &target {
            Target::External(full) if *full != written => Some(full.join("::")),
            Target::External(_) => None,
            Target::Item { module, name } => match self.canonical.get(&target) {
                Some(public) => {
                    self.hits += 1;
                    Some(public.clone())
                }
                // Not nameable by users: shown by its path inside the crate.
                None => {
                    let mut inner = vec!["crate".to_string()];
                    inner.extend(self.krate.modules[*module].path.iter().cloned());
                    inner.push(name.clone());
                    Some(inner.join("::"))
                }
            },
            Target::Module(_) => None,
        };
        if let Some(text) = replacement
            && let Ok(mut new) = syn::parse_str::<syn::Path>(&text)
        {
            if let (Some(last), Some(old)) = (new.segments.last_mut(), path.segments.last()) {
                last.arguments = old.arguments.clone();
            }
            *path = new;
        }
    }

    fn arguments(&mut self, arguments: &mut PathArguments) {
        match arguments {
            PathArguments::AngleBracketed(args) => {
                for arg in args.args.iter_mut() {
                    match arg {
                        GenericArgument::Type(ty) => self.ty(ty),
                        GenericArgument::AssocType(assoc) => self.ty(&mut assoc.ty),
                        GenericArgument::Constraint(c) => self.bounds(&mut c.bounds),
                        _ => {}
                    }
                }
            }
            PathArguments::Parenthesized(args) => {
                for input in args.inputs.iter_mut() {
                    self.ty(&mut input.ty);
                }
                self.output(&mut args.output);
            }
            PathArguments::None => {}
        }
    }

    fn output(&mut self, output: &mut ReturnType) {
        if let ReturnType::Type(_, ty) = output {
            self.ty(ty);
        }
    }

    fn ty(&mut self, ty: &mut Type) {
        match ty {
            Type::Path(p) => match &mut p.qself {
                Some(qself) => {
                    self.ty(&mut qself.ty);
                    for segment in p.path.segments.iter_mut() {
                        self.arguments(&mut segment.arguments);
                    }
                }
                None => self.path(&mut p.path),
            },
            Type::Reference(r) => self.ty(&mut r.elem),
            Type::Slice(s) => self.ty(&mut s.elem),
            Type::Array(a) => self.ty(&mut a.elem),
            Type::Ptr(p) => self.ty(&mut p.elem),
            Type::Paren(p) => self.ty(&mut p.elem),
            Type::Group(g) => self.ty(&mut g.elem),
            Type::Tuple(t) => t.elems.iter_mut().for_each(|e| self.ty(e)),
            Type::ImplTrait(i) => self.bounds(&mut i.bounds),
            Type::TraitObject(o) => self.bounds(&mut o.bounds),
            Type::FnPtr(f) => {
                for input in f.inputs.iter_mut() {
                    self.ty(&mut input.ty);
                }
                self.output(&mut f.output);
            }
            _ => {}
        }
    }

    fn bounds(&mut self, bounds: &mut Punctuated<TypeParamBound, Token![+]>) {
        for bound in bounds.iter_mut() {
            if let TypeParamBound::Trait(t) = bound {
                self.path(&mut t.path);
            }
        }
    }

    fn generics(&mut self, generics: &mut Generics) {
        for param in generics.params.iter_mut() {
            match param {
                syn::GenericParam::Type(t) => {
                    self.bounds(&mut t.bounds);
                    if let Some((_, ty)) = &mut t.default {
                        self.ty(ty);
                    }
                }
                syn::GenericParam::Const(c) => self.ty(&mut c.ty),
                _ => {}
            }
        }
        if let Some(clause) = &mut generics.where_clause {
            for predicate in clause.predicates.iter_mut() {
                if let WherePredicate::Type(p) = predicate {
                    self.ty(&mut p.bounded_ty);
                    self.bounds(&mut p.bounds);
                }
            }
        }
    }

    fn sig(&mut self, sig: &mut Signature) {
        self.generics(&mut sig.generics);
        for input in sig.inputs.iter_mut() {
            if let syn::FnArg::Typed(arg) = input {
                self.ty(&mut arg.ty);
            }
        }
        self.output(&mut sig.output);
    }
}
