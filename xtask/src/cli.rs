//! The command line: `cargo xtask <command> [options]`.

use std::path::PathBuf;

use crate::report::Format;
use crate::select::Selector;
use crate::spec_diff::Verdict;

/// Usage text.
pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  regen [--from PATH [--merge | --replace] [--only SELECTOR]...] [--format text|md|json]
        Import a spec (YAML/JSON file or Markdown docs page; pages are merged into the existing
        spec, files replace it unless --merge), validate it, write openapi/browserbase.yaml in
        canonical form and bb-api/public-api.txt, and print the change report.
        --only (repeatable, implies --merge) imports only the operations it selects, with every
        component they reference and the security schemes they use. SELECTOR is a path prefix
        (/v1/webhooks: that path and the paths below it), tag:NAME or op:OPERATION_ID.
  diff [OLD] [NEW] [--format text|md|json] [--fail-on breaking|review]
        Compare two specs (files, docs pages or git revisions REV:PATH; default: the committed
        spec against the working tree) and classify every change for clients of bb-api.
  check
        CI: the spec validates, progenitor generates from it, it carries the edits of
        openapi/local-edits.yaml, every operation has x-bb-idempotent and x-bb-what,
        bb-api/public-api.txt and bb-api-ext/public-api.txt (where present) are up to date. (The test suite checks openapi/session-preset.schema.json.)
  api-listing [--write]
        Print the public API of bb-api-ext (from its sources); --write stores it in
        bb-api-ext/public-api.txt.
  build-time [--json] [--touch PATH]
        Clean, no-op and touched rebuild times of bb-api and bb-api-ext (run by hand).
  generate
        Print the generated client and httpmock helpers.
  preset-schema
        Write openapi/session-preset.schema.json, the JSON Schema of session preset files, by
        running its up-to-date test in bb-api-tests in write mode.

options for every command:
  --root DIR   the workspace to work on (default: the one xtask was built in)

exit status: 0 success; 1 check failed or --fail-on matched; 2 usage or input error";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Cli {
    pub root: Option<PathBuf>,
    pub command: Command,
}

/// How `regen` combines the source with the existing spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMode {
    /// Merge docs pages, replace with whole files.
    Auto,
    Merge,
    Replace,
}

/// A command and its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Regen {
        from: Option<String>,
        mode: MergeMode,
        /// `--only` selectors; empty means every operation of the source.
        only: Vec<Selector>,
        format: Format,
    },
    Diff {
        old: Option<String>,
        new: Option<String>,
        format: Format,
        fail_on: Option<Verdict>,
    },
    Check,
    ApiListing {
        write: bool,
    },
    BuildTime {
        json: bool,
        touch: Option<String>,
    },
    Generate,
    PresetSchema,
    Help,
}

/// Parses the arguments after `cargo xtask`.
pub fn parse(args: &[String]) -> Result<Cli, String> {
    let mut root = None;
    let mut positional = Vec::new();
    let mut from = None;
    let mut mode = MergeMode::Auto;
    let mut format = Format::Text;
    let mut fail_on = None;
    let mut json = false;
    let mut touch = None;
    let mut only = Vec::new();
    let mut write = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--root" => root = Some(PathBuf::from(value()?)),
            "--from" => from = Some(value()?),
            "--merge" => mode = MergeMode::Merge,
            "--replace" => mode = MergeMode::Replace,
            "--only" => only.push(Selector::parse(&value()?)?),
            "--write" => write = true,
            "--format" => {
                let v = value()?;
                format = Format::parse(&v)
                    .ok_or_else(|| format!("unknown format {v:?} (text, md, json)"))?;
            }
            "--fail-on" => {
                let v = value()?;
                fail_on = Some(
                    Verdict::parse(&v)
                        .filter(|v| *v != Verdict::NonBreaking)
                        .ok_or_else(|| format!("--fail-on takes breaking or review, not {v:?}"))?,
                );
            }
            "--json" => json = true,
            "--touch" => touch = Some(value()?),
            "-h" | "--help" => positional.insert(0, "help".to_string()),
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => positional.push(arg.clone()),
        }
    }
    let mut positional = positional.into_iter();
    let name = positional.next().unwrap_or_else(|| "help".to_string());
    let rest: Vec<String> = positional.collect();
    let no_args = |cmd: Command| -> Result<Command, String> {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(format!("{name} takes no arguments, got {}", rest.join(" ")))
        }
    };
    let command = match name.as_str() {
        "regen" => {
            if !only.is_empty() && from.is_none() {
                return Err("--only selects operations of the --from spec; give --from".into());
            }
            if !only.is_empty() && mode == MergeMode::Replace {
                return Err(
                    "--only merges the selected operations; it cannot be combined with --replace"
                        .into(),
                );
            }
            no_args(Command::Regen {
                from,
                mode,
                only,
                format,
            })?
        }
        "diff" => {
            if rest.len() > 2 {
                return Err("diff takes at most two specs: OLD NEW".to_string());
            }
            let mut specs = rest.iter().cloned();
            Command::Diff {
                old: specs.next(),
                new: specs.next(),
                format,
                fail_on,
            }
        }
        "check" => no_args(Command::Check)?,
        "api-listing" => no_args(Command::ApiListing { write })?,
        "build-time" => no_args(Command::BuildTime { json, touch })?,
        "generate" => no_args(Command::Generate)?,
        "preset-schema" => no_args(Command::PresetSchema)?,
        "help" => Command::Help,
        other => return Err(format!("unknown command {other:?}")),
    };
    Ok(Cli { root, command })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn diff_takes_two_specs_and_options_anywhere() {
        assert_eq!(
            parse(&args(
                "diff a.yaml --fail-on breaking HEAD:b.yaml --format=md --root /w"
            )),
            Ok(Cli {
                root: Some(PathBuf::from("/w")),
                command: Command::Diff {
                    old: Some("a.yaml".into()),
                    new: Some("HEAD:b.yaml".into()),
                    format: Format::Markdown,
                    fail_on: Some(Verdict::Breaking),
                },
            })
        );
    }

    #[test]
    fn only_is_repeatable_and_needs_a_merging_import() {
        assert_eq!(
            parse(&args(
                "regen --from spec.yaml --only /v1/webhooks --only=op:Functions_listSecrets"
            )),
            Ok(Cli {
                root: None,
                command: Command::Regen {
                    from: Some("spec.yaml".into()),
                    mode: MergeMode::Auto,
                    only: vec![
                        Selector::PathPrefix("/v1/webhooks".into()),
                        Selector::OperationId("Functions_listSecrets".into()),
                    ],
                    format: Format::Text,
                },
            })
        );
        assert_eq!(
            parse(&args("regen --only /v1/webhooks")),
            Err("--only selects operations of the --from spec; give --from".into())
        );
        assert!(parse(&args("regen --from s.yaml --replace --only /x")).is_err());
        assert!(parse(&args("regen --from s.yaml --only x")).is_err());
        assert_eq!(
            parse(&args("api-listing --write")),
            Ok(Cli {
                root: None,
                command: Command::ApiListing { write: true },
            })
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(parse(&args("diff --fail-on non-breaking")).is_err());
        assert!(parse(&args("diff a b c")).is_err());
        assert!(parse(&args("regen --from")).is_err());
        assert!(parse(&args("check extra")).is_err());
        assert!(parse(&args("frobnicate")).is_err());
        assert!(parse(&args("diff --format xml")).is_err());
    }
}
