//! Reading a spec from a YAML/JSON file, a Markdown docs page, or a git revision (`REV:PATH`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

use crate::{docs_page, merge};

/// A spec document as read, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// How the input was named by the user (for reports).
    pub label: String,
    /// The document, key order as in the source.
    pub doc: Value,
    /// Whether it came from a docs page, which holds only some operations and their components.
    pub partial: bool,
}

/// Where a spec is read from.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecInput {
    /// A file on disk.
    File(PathBuf),
    /// `git show REV:PATH`, run in `dir`.
    Git { dir: PathBuf, spec: String },
}

impl SpecInput {
    /// Interprets a command-line argument: an existing file (relative to `cwd`), else `REV:PATH`.
    pub fn from_arg(arg: &str, cwd: &Path) -> Result<Self, String> {
        let path = cwd.join(arg);
        if path.is_file() {
            return Ok(Self::File(path));
        }
        if arg.contains(':') {
            return Ok(Self::Git {
                dir: cwd.to_path_buf(),
                spec: arg.to_string(),
            });
        }
        Err(format!(
            "{arg}: no such file (and not a git revision of the form REV:PATH)"
        ))
    }

    /// Reads and parses the spec.
    pub fn load(&self, label: &str) -> Result<LoadedSpec, String> {
        let (name, text) = match self {
            Self::File(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            ),
            Self::Git { dir, spec } => (spec.clone(), git_show(dir, spec)?),
        };
        let (doc, partial) = parse(&name, &text).map_err(|e| format!("{label}: {e}"))?;
        Ok(LoadedSpec {
            label: label.to_string(),
            doc,
            partial,
        })
    }
}

fn git_show(dir: &Path, spec: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("show")
        .arg(spec)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git show {spec} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("git show {spec}: not UTF-8: {e}"))
}

/// Parses a spec text by the kind its name says: Markdown page, JSON, else YAML.
pub fn parse(name: &str, text: &str) -> Result<(Value, bool), String> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".mdx") {
        let mut docs = docs_page::openapi_blocks(text)
            .map_err(|e| format!("{name}: {e}"))?
            .into_iter();
        let mut doc = docs
            .next()
            .ok_or_else(|| format!("{name}: no OpenAPI block"))?;
        for more in docs {
            merge::merge_into(&mut doc, &more)?;
        }
        return Ok((doc, true));
    }
    let doc: Value = if lower.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| format!("{name}: invalid JSON: {e}"))?
    } else {
        serde_norway::from_str(text).map_err(|e| format!("{name}: invalid YAML: {e}"))?
    };
    if !doc.is_mapping() {
        return Err(format!("{name}: the document is not a mapping"));
    }
    Ok((doc, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_key_order() {
        let (doc, partial) =
            parse("a.json", r#"{"openapi":"3.0.0","b":1,"a":2}"#).unwrap_or((Value::Null, true));
        assert!(!partial);
        let keys: Vec<_> = doc
            .as_mapping()
            .map(|m| m.keys().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["openapi", "b", "a"]);
    }

    #[test]
    fn a_missing_file_without_colon_is_not_a_revision() {
        let cwd = Path::new("/nonexistent-dir-for-xtask-test");
        assert!(SpecInput::from_arg("spec.yaml", cwd).is_err());
        assert_eq!(
            SpecInput::from_arg("HEAD~1:openapi/x.yaml", cwd),
            Ok(SpecInput::Git {
                dir: cwd.to_path_buf(),
                spec: "HEAD~1:openapi/x.yaml".into()
            })
        );
    }
}
