//! Files that stream through the client: one file uploaded as a multipart part, and a download
//! written to disk or any writer. Each area (extensions, certificates, downloads, and later
//! session uploads and recordings) says only what is particular to it.

mod disk_writer;
pub(crate) mod download;
pub(crate) mod upload;

pub use upload::FileSource;

/// A name from the server made safe as one path component: anything but letters, digits, `.`,
/// `-` and `_` becomes `_` (no separators, no `..` escape from the folder).
pub(crate) fn safe_component(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.chars().all(|c| c == '.') {
        s.replace('.', "_")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::safe_component;

    #[test]
    fn server_names_become_one_safe_path_component() {
        assert_eq!(safe_component("report.pdf"), "report.pdf");
        assert_eq!(safe_component("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_component(".."), "__");
        assert_eq!(safe_component("a b\\c"), "a_b_c");
    }
}
