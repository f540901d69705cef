//! A stable, sorted listing of the public API in generated code: one line per type, field, enum
//! variant, method, trait impl and re-export. `bb-api/public-api.txt` is this listing, and
//! `api_diff` compares two of them.

use similar::TextDiff;
use syn::{Fields, ImplItem, Item, Signature, TraitItem, UseTree, Visibility};

use crate::rust_text;

/// One public item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiItem {
    /// What identifies the item across versions, e.g. `fn types::Invocation::builder`.
    pub key: String,
    /// The item's listing line, e.g. `fn types::Invocation::builder() -> builder::Invocation`.
    pub line: String,
}

impl ApiItem {
    /// The kind: `struct`, `enum`, `field`, `variant`, `fn`, `impl`, `trait`, `use`, `type`,
    /// `const`, `static`.
    pub fn kind(&self) -> &str {
        let first = self.key.split(' ').next().unwrap_or_default();
        // `impl<'de>` is an impl.
        first.split('<').next().unwrap_or(first)
    }

    /// The path of the item without its kind, e.g. `types::Invocation::builder`.
    pub fn path(&self) -> &str {
        self.key.split_once(' ').map_or("", |(_, p)| p)
    }

    /// Listing order: grouped by the type an item belongs to (the type itself first, then its
    /// fields and variants, methods, and trait impls), types in path order.
    pub fn order(&self) -> (String, u8, String) {
        let path = self.path();
        let owner = || path.rsplit_once("::").map_or(path, |(o, _)| o).to_string();
        let (group, rank) = match self.kind() {
            "field" | "variant" => (owner(), 1),
            "fn" => (owner(), 2),
            // Associated consts and types (`const Owner::NAME`) go with their owner's methods.
            "const" | "type" | "static" if path.contains("::") => (owner(), 2),
            "impl" => {
                let ty = path.rsplit_once(" for ").map_or(path, |(_, t)| t);
                let ty = ty.trim_start_matches('&').split('<').next().unwrap_or(ty);
                (ty.to_string(), 3)
            }
            _ => (path.to_string(), 0),
        };
        (group, rank, self.key.clone())
    }
}

/// The header of `bb-api/public-api.txt`.
pub const LISTING_HEADER: &str = "# Public API of bb-api, generated from openapi/browserbase.yaml (the `mock` module needs the\n# `httpmock` feature). Written by `cargo xtask regen`, checked by `cargo xtask check`; do not edit.\n";

/// The listing of the generated client (crate root) and httpmock helpers (`mock::`), sorted.
pub fn listing(client: &str, httpmock: &str) -> Result<Vec<ApiItem>, String> {
    let mut items = Vec::new();
    collect_file(client, "", &mut items).map_err(|e| format!("generated client: {e}"))?;
    collect_file(httpmock, "mock::", &mut items).map_err(|e| format!("generated httpmock: {e}"))?;
    items.sort_by_key(ApiItem::order);
    items.dedup();
    Ok(items)
}

/// The text of a listing file: `header` ([`LISTING_HEADER`] for `bb-api/public-api.txt`), then
/// one line per item.
pub fn listing_text(header: &str, items: &[ApiItem]) -> String {
    let mut text = header.to_string();
    for item in items {
        text.push_str(&item.line);
        text.push('\n');
    }
    text
}

/// For `check`: the unified diff from the checked-in listing at `path` to the fresh one, whose
/// origin `fresh_from` names (`generated from the spec`).
pub fn stale_diff(path: &str, checked_in: &str, fresh: &str, fresh_from: &str) -> String {
    TextDiff::from_lines(checked_in, fresh)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{path} (checked in)"),
            &format!("{path} ({fresh_from})"),
        )
        .to_string()
}

fn collect_file(source: &str, prefix: &str, out: &mut Vec<ApiItem>) -> Result<(), String> {
    let file = syn::parse_file(source).map_err(|e| format!("does not parse: {e}"))?;
    collect_items(&file.items, prefix, out);
    Ok(())
}

fn collect_items(items: &[Item], prefix: &str, out: &mut Vec<ApiItem>) {
    for item in items {
        match item {
            Item::Mod(m) if is_pub(&m.vis) => {
                if let Some((_, inner)) = &m.content {
                    collect_items(inner, &format!("{prefix}{}::", m.ident), out);
                }
            }
            Item::Struct(s) if is_pub(&s.vis) => {
                let path = format!("{prefix}{}", s.ident);
                let generics = rust_text::generics(&s.generics);
                let tuple = match &s.fields {
                    Fields::Unnamed(f) => rust_text::fields(&Fields::Unnamed(pub_only_unnamed(f))),
                    _ => String::new(),
                };
                push(
                    out,
                    format!("struct {path}"),
                    format!("struct {path}{generics}{tuple}"),
                );
                push_derives(out, &path, &s.attrs);
                if let Fields::Named(named) = &s.fields {
                    for field in named.named.iter().filter(|f| is_pub(&f.vis)) {
                        if let Some(ident) = &field.ident {
                            push(
                                out,
                                format!("field {path}::{ident}"),
                                format!("field {path}::{ident}: {}", rust_text::ty(&field.ty)),
                            );
                        }
                    }
                }
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let path = format!("{prefix}{}", e.ident);
                push(
                    out,
                    format!("enum {path}"),
                    format!("enum {path}{}", rust_text::generics(&e.generics)),
                );
                push_derives(out, &path, &e.attrs);
                for v in &e.variants {
                    push(
                        out,
                        format!("variant {path}::{}", v.ident),
                        format!(
                            "variant {path}::{}{}",
                            v.ident,
                            rust_text::fields(&v.fields)
                        ),
                    );
                }
            }
            Item::Impl(imp) => {
                let self_ty = qualify(prefix, &rust_text::ty(&imp.self_ty));
                let self_path = strip_generics(&self_ty).to_string();
                if let Some((trait_path, _)) = &imp.trait_ {
                    let mut header = rust_text::impl_header(imp);
                    let written = rust_text::path(trait_path);
                    if let Some(short) = derivable_name(&written) {
                        header = header.replacen(&written, short, 1);
                    }
                    let line = match header.rsplit_once(" for ") {
                        Some((head, _)) => format!("impl{head} for {self_ty}"),
                        None => format!("impl{header}"),
                    };
                    push(out, line.clone(), line);
                } else {
                    for f in imp.items.iter().filter_map(|i| match i {
                        ImplItem::Fn(f) if is_pub(&f.vis) => Some(f),
                        _ => None,
                    }) {
                        push_fn(out, &self_path, &f.sig);
                    }
                }
            }
            Item::Trait(t) if is_pub(&t.vis) => {
                let path = format!("{prefix}{}", t.ident);
                push(
                    out,
                    format!("trait {path}"),
                    format!("trait {path}{}", rust_text::generics(&t.generics)),
                );
                for f in t.items.iter().filter_map(|i| match i {
                    TraitItem::Fn(f) => Some(f),
                    _ => None,
                }) {
                    push_fn(out, &path, &f.sig);
                }
            }
            Item::Use(u) if is_pub(&u.vis) => {
                let mut uses = Vec::new();
                flatten_use(&u.tree, String::new(), &mut uses);
                for (name, target) in uses {
                    push(
                        out,
                        format!("use {prefix}{name}"),
                        format!("use {prefix}{name} = {target}"),
                    );
                }
            }
            Item::Fn(f) if is_pub(&f.vis) => push_fn(out, prefix.trim_end_matches("::"), &f.sig),
            Item::Type(t) if is_pub(&t.vis) => push(
                out,
                format!("type {prefix}{}", t.ident),
                format!(
                    "type {prefix}{}{} = {}",
                    t.ident,
                    rust_text::generics(&t.generics),
                    rust_text::ty(&t.ty)
                ),
            ),
            Item::Const(c) if is_pub(&c.vis) => push(
                out,
                format!("const {prefix}{}", c.ident),
                format!("const {prefix}{}: {}", c.ident, rust_text::ty(&c.ty)),
            ),
            Item::Static(s) if is_pub(&s.vis) => push(
                out,
                format!("static {prefix}{}", s.ident),
                format!("static {prefix}{}: {}", s.ident, rust_text::ty(&s.ty)),
            ),
            _ => {}
        }
    }
}

fn push(out: &mut Vec<ApiItem>, key: String, line: String) {
    out.push(ApiItem { key, line });
}

/// A function or method; `owner` is its type or trait (empty for a free function at the root).
fn push_fn(out: &mut Vec<ApiItem>, owner: &str, sig: &Signature) {
    let (key, line) = fn_line(owner, sig);
    push(out, key, line);
}

/// `fn owner::name` and its line, e.g. `async fn Client::send(self) -> Result<(), Error>`;
/// `owner` is the function's type, trait or module (empty for a free function at the root).
/// The name is swapped for a placeholder before the signature is split at it, so a qualifier
/// that contains the name (`async fn sync`) stays whole.
pub(crate) fn fn_line(owner: &str, sig: &Signature) -> (String, String) {
    let name = sig.ident.to_string();
    let path = if owner.is_empty() {
        name.clone()
    } else {
        format!("{owner}::{name}")
    };
    let mut placeholder = sig.clone();
    placeholder.ident = syn::Ident::new("__listed_fn__", sig.ident.span());
    let text = rust_text::signature(&placeholder);
    let (qualifiers, rest) = text.split_once("__listed_fn__").unwrap_or(("", ""));
    (format!("fn {path}"), format!("{qualifiers}fn {path}{rest}"))
}

pub(crate) fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// The public fields of a tuple struct (private ones as `_`), e.g. `(String)`.
pub(crate) fn pub_only_unnamed(fields: &syn::FieldsUnnamed) -> syn::FieldsUnnamed {
    let mut fields = fields.clone();
    for field in fields.unnamed.iter_mut() {
        field.attrs.clear();
        if !is_pub(&field.vis) {
            field.ty = syn::parse_quote!(_);
        }
    }
    fields
}

/// The std traits `#[derive]` can implement, by the name a derive usually writes.
const DERIVABLE: [&str; 9] = [
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Eq",
    "Hash",
    "Ord",
    "PartialEq",
    "PartialOrd",
];

/// `Default` for `::std::default::Default` (or `core::…`), so a hand-written impl and a derive of
/// the same std trait list alike.
pub(crate) fn derivable_name(path: &str) -> Option<&'static str> {
    let trimmed = path.trim_start_matches("::");
    if !(trimmed.starts_with("std::") || trimmed.starts_with("core::")) {
        return None;
    }
    let last = trimmed.rsplit("::").next()?;
    DERIVABLE.iter().copied().find(|name| *name == last)
}

/// One `impl Trait for path` line per derived trait: a derive is an impl like any other.
fn push_derives(out: &mut Vec<ApiItem>, path: &str, attrs: &[syn::Attribute]) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let mut names = Vec::new();
        let parsed = attr.parse_nested_meta(|meta| {
            names.push(rust_text::path(&meta.path));
            Ok(())
        });
        if parsed.is_ok() {
            for name in names {
                let line = format!("impl {name} for {path}");
                push(out, line.clone(), line);
            }
        }
    }
}

/// The path of a type named inside module `prefix` (`types::builder::`), relative to the crate
/// root: `super::X` → `types::X`, `::std::string::String` stays, `&Client` → `&Client`.
fn qualify(prefix: &str, ty: &str) -> String {
    if let Some(rest) = ty.strip_prefix('&') {
        let (lifetime, rest) = match rest.strip_prefix('\'') {
            Some(r) => r.split_once(' ').map_or(("", rest), |(l, r)| (l, r)),
            None => ("", rest),
        };
        let (mutability, rest) = rest
            .strip_prefix("mut ")
            .map_or(("", rest), |r| ("mut ", r));
        let lifetime = if lifetime.is_empty() {
            String::new()
        } else {
            format!("'{lifetime} ")
        };
        return format!("&{lifetime}{mutability}{}", qualify(prefix, rest));
    }
    if ty.starts_with("::") {
        return ty.to_string();
    }
    if let Some(rest) = ty.strip_prefix("crate::") {
        return rest.to_string();
    }
    let mut modules: Vec<&str> = prefix.split("::").filter(|m| !m.is_empty()).collect();
    let mut rest = ty;
    loop {
        if let Some(r) = rest.strip_prefix("super::") {
            modules.pop();
            rest = r;
        } else if let Some(r) = rest.strip_prefix("self::") {
            rest = r;
        } else {
            break;
        }
    }
    modules.push(rest);
    modules.join("::")
}

fn flatten_use(tree: &UseTree, prefix: String, out: &mut Vec<(String, String)>) {
    match tree {
        UseTree::Path(p) => flatten_use(&p.tree, format!("{prefix}{}::", p.ident), out),
        UseTree::Name(n) => out.push((n.ident.to_string(), format!("{prefix}{}", n.ident))),
        UseTree::Rename(r) => out.push((r.rename.to_string(), format!("{prefix}{}", r.ident))),
        UseTree::Glob(_) => out.push(("*".to_string(), format!("{prefix}*"))),
        UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix.clone(), out);
            }
        }
    }
}

fn strip_generics(ty: &str) -> &str {
    ty.split('<').next().unwrap_or(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"
        pub mod types {
            #[derive(Debug, Clone, ::serde::Serialize)]
            pub struct Thing {
                pub id: ::std::option::Option<::std::string::String>,
                secret: u8,
            }
            impl Thing {
                pub fn builder() -> builder::Thing { Default::default() }
                fn private(&self) {}
            }
            #[derive(Clone, Copy)]
            pub enum Color { Red, Custom(String) }
            impl ::std::default::Default for Color { fn default() -> Self { Color::Red } }
            impl ::std::fmt::Display for Color {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { Ok(()) }
            }
            pub struct Wrapper(::std::string::String);
            impl From<Thing> for ::std::string::String { fn from(_: Thing) -> Self { todo!() } }
            pub mod builder {
                pub struct Thing;
                impl From<super::Thing> for Thing { fn from(_: super::Thing) -> Self { Thing } }
            }
        }
        impl Hooks for &Client {}
        pub struct Client { pub(crate) baseurl: String }
        impl Client {
            pub fn get_thing(&self) -> builder::GetThing<'_> { todo!() }
            pub async fn send(self) -> Result<(), ()> { Ok(()) }
        }
        pub use progenitor_client::{ByteStream, Error as ClientError};
        mod private { pub struct Hidden; }
    "#;

    #[test]
    fn lists_public_items_sorted_with_signatures() {
        let items = listing(
            SOURCE,
            "pub trait MockServerExt { fn thing<F>(&self, f: F) -> u8; }",
        )
        .unwrap_or_default();
        let lines: Vec<&str> = items.iter().map(|i| i.line.as_str()).collect();
        assert_eq!(
            lines,
            [
                "impl From<Thing> for ::std::string::String",
                "use ByteStream = progenitor_client::ByteStream",
                "struct Client",
                "fn Client::get_thing(&self) -> builder::GetThing<'_>",
                "async fn Client::send(self) -> Result<(), ()>",
                "impl Hooks for &Client",
                "use ClientError = progenitor_client::Error",
                "trait mock::MockServerExt",
                "fn mock::MockServerExt::thing<F>(&self, f: F) -> u8",
                "enum types::Color",
                "variant types::Color::Custom(String)",
                "variant types::Color::Red",
                "impl ::std::fmt::Display for types::Color",
                "impl Clone for types::Color",
                "impl Copy for types::Color",
                "impl Default for types::Color",
                "struct types::Thing",
                "field types::Thing::id: ::std::option::Option<::std::string::String>",
                "fn types::Thing::builder() -> builder::Thing",
                "impl ::serde::Serialize for types::Thing",
                "impl Clone for types::Thing",
                "impl Debug for types::Thing",
                "struct types::Wrapper(_)",
                "struct types::builder::Thing",
                "impl From<super::Thing> for types::builder::Thing",
            ]
        );
    }

    #[test]
    fn a_qualifier_containing_the_name_stays_whole() {
        let source = "
            pub struct Client;
            impl Client {
                pub async fn sync(&self) -> u8 { 0 }
                pub unsafe fn safe(&self) {}
                pub const fn on(self) -> Self { self }
            }
        ";
        let items = listing(source, "").unwrap_or_default();
        let lines: Vec<&str> = items.iter().map(|i| i.line.as_str()).collect();
        assert_eq!(
            lines,
            [
                "struct Client",
                "const fn Client::on(self) -> Self",
                "unsafe fn Client::safe(&self)",
                "async fn Client::sync(&self) -> u8",
            ]
        );
    }
}
