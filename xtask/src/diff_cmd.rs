//! `cargo xtask diff [OLD] [NEW]`.

use crate::codegen;
use crate::compare;
use crate::report::Format;
use crate::source::SpecInput;
use crate::spec_diff::Verdict;
use crate::workspace::Workspace;

/// Prints the report; returns `false` when `fail_on` is set and a change at least that bad exists.
pub fn run(
    ws: &Workspace,
    old: Option<&str>,
    new: Option<&str>,
    format: Format,
    fail_on: Option<Verdict>,
) -> Result<bool, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let committed = format!("HEAD:{}", codegen::SPEC_PATH);
    let working_tree = format!("{} (working tree)", codegen::SPEC_PATH);
    let (old_input, old_label) = match old {
        Some(arg) => (SpecInput::from_arg(arg, &cwd)?, arg.to_string()),
        None => (
            SpecInput::Git {
                dir: ws.root().to_path_buf(),
                spec: committed.clone(),
            },
            committed,
        ),
    };
    let (new_input, new_label) = match new {
        Some(arg) => (SpecInput::from_arg(arg, &cwd)?, arg.to_string()),
        None => (SpecInput::File(ws.spec_path()), working_tree),
    };
    let old = old_input.load(&old_label)?;
    let new = new_input.load(&new_label)?;
    let report = compare::compare(&old.label, &old.doc, &new.label, &new.doc)?;
    print!("{}", report.render(format)?);
    Ok(fail_on.is_none_or(|threshold| report.verdict < threshold))
}
