//! One-line, canonically spaced text of Rust fragments (types, signatures, impl headers), printed
//! through prettyplease so spacing does not depend on how the code was written.

use syn::{Fields, Generics, Item, ItemImpl, Signature, Type};

/// `Option<Vec<String>>`.
pub fn ty(ty: &Type) -> String {
    let item: Item = syn::parse_quote!(type __T = #ty;);
    let text = item_line(item);
    text.trim_start_matches("type __T = ")
        .trim_end_matches(';')
        .to_string()
}

/// `name<T>(mut self, value: T) -> Self where T: Into<X>`.
pub fn signature(sig: &Signature) -> String {
    let item: Item = syn::parse_quote!(#sig {});
    let text = item_line(item);
    let text = text.trim_end_matches("{}").trim_end();
    // Drop qualifiers before `fn` (const/async/unsafe stay visible), then the `fn ` itself.
    text.split_once("fn ")
        .map(|(quals, rest)| format!("{quals}{rest}"))
        .unwrap_or_else(|| text.to_string())
}

/// `<'de> ::serde::Deserialize<'de> for X` of an impl block, without its items.
pub fn impl_header(imp: &ItemImpl) -> String {
    let mut header = imp.clone();
    header.attrs.clear();
    header.items.clear();
    let text = item_line(Item::Impl(header));
    text.trim_start_matches("impl")
        .trim_end_matches("{}")
        .trim_end()
        .to_string()
}

/// `<'a>` (with its where clause, if any) of an item's generics; empty when there are none.
pub fn generics(generics: &Generics) -> String {
    let where_clause = &generics.where_clause;
    let item: Item = syn::parse_quote!(struct __T #generics #where_clause;);
    let text = item_line(item);
    text.trim_start_matches("struct __T")
        .trim_end_matches(';')
        .to_string()
}

/// `(String, _)` or ` { a: u8 }` of a tuple or named field list; empty for none.
pub fn fields(fields: &Fields) -> String {
    let item: Item = match fields {
        Fields::Named(named) => syn::parse_quote!(struct __T #named),
        Fields::Unnamed(unnamed) => syn::parse_quote!(struct __T #unnamed;),
        Fields::Unit => return String::new(),
    };
    let text = item_line(item);
    text.trim_start_matches("struct __T")
        .trim_end_matches(';')
        .to_string()
}

/// A path or any other token-level fragment, e.g. `::std::fmt::Display`.
pub fn path(path: &syn::Path) -> String {
    let ty: Type = syn::parse_quote!(#path);
    self::ty(&ty)
}

/// An item printed by prettyplease and folded onto one line.
fn item_line(item: Item) -> String {
    let file: syn::File = syn::parse_quote!(#item);
    one_line(&prettyplease::unparse(&file))
}

/// Folds prettyplease's multi-line layout (trailing commas, indented lists) onto one line.
fn one_line(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        (", )", ")"),
        (", >", ">"),
        (", ]", "]"),
        (", }", " }"),
        (", {}", " {}"),
        ("( ", "("),
        (" )", ")"),
        ("< ", "<"),
        (" >", ">"),
        ("[ ", "["),
        (" ]", "]"),
    ] {
        s = s.replace(from, to);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    use syn::{ItemFn, ItemStruct};

    #[test]
    fn long_signatures_fold_onto_one_line() {
        let f: ItemFn = syn::parse_quote! {
            pub fn body<V>(mut self, value: V) -> Self
            where
                V: std::convert::TryInto<types::FunctionsInvokeBodyWithAVeryLongNameIndeed>,
                <V as std::convert::TryInto<types::FunctionsInvokeBodyWithAVeryLongNameIndeed>>::Error: std::fmt::Display,
            { self }
        };
        assert_eq!(
            signature(&f.sig),
            "body<V>(mut self, value: V) -> Self where V: std::convert::TryInto<types::FunctionsInvokeBodyWithAVeryLongNameIndeed>, <V as std::convert::TryInto<types::FunctionsInvokeBodyWithAVeryLongNameIndeed>>::Error: std::fmt::Display"
        );
    }

    #[test]
    fn types_impls_and_fields_are_compact() {
        let t: Type = syn::parse_quote!(::std::option::Option<::std::string::String>);
        assert_eq!(ty(&t), "::std::option::Option<::std::string::String>");
        let imp: ItemImpl = syn::parse_quote!(
            impl<'de> ::serde::Deserialize<'de> for X {
                fn a() {}
            }
        );
        assert_eq!(impl_header(&imp), "<'de> ::serde::Deserialize<'de> for X");
        let s: ItemStruct = syn::parse_quote!(
            struct S(pub ::std::string::String, u8);
        );
        assert_eq!(fields(&s.fields), "(pub ::std::string::String, u8)");
        let g: ItemStruct = syn::parse_quote!(
            struct S<'a> {
                x: &'a u8,
            }
        );
        assert_eq!(generics(&g.generics), "<'a>");
    }
}
