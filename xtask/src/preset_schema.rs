//! `cargo xtask preset-schema`: writes `openapi/session-preset.schema.json`, the JSON Schema of a
//! session preset file, so that editors validate and complete team presets.
//!
//! The text comes from bb-api-ext's session types and the spec's descriptions; the test target
//! `tests/tests/preset_schema` generates it, checks the committed file in every test run, and
//! writes it when this command runs that test with `BB_API_WRITE_PRESET_SCHEMA=1`. xtask itself
//! does not build bb-api or bb-api-ext, so `diff` and `check` still run when a spec change breaks
//! them.

use std::process::Command;

use crate::workspace::Workspace;

/// Where the preset schema is kept, relative to the workspace root.
pub const PRESET_SCHEMA_PATH: &str = "openapi/session-preset.schema.json";

/// The environment variable that turns the up-to-date test into the writer.
const WRITE_VAR: &str = "BB_API_WRITE_PRESET_SCHEMA";

/// `cargo ARGS`: the test that checks, or with [`WRITE_VAR`] writes, the file.
const TEST_ARGS: [&str; 7] = [
    "test",
    "-q",
    "-p",
    "bb-api-tests",
    "--test",
    "preset_schema",
    "the_committed_preset_schema_is_up_to_date",
];

/// How many lines of the test run's output a failure shows.
const TAIL_LINES: usize = 40;

/// Runs the test in write mode in the workspace root, then says whether the file changed.
pub fn run(ws: &Workspace) -> Result<bool, String> {
    let path = ws.root().join(PRESET_SCHEMA_PATH);
    let before = std::fs::read(&path).ok();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let command = command_line();
    let output = Command::new(&cargo)
        .args(TEST_ARGS)
        .env(WRITE_VAR, "1")
        .current_dir(ws.root())
        .output()
        .map_err(|e| format!("cannot run `{command}` (cargo: {cargo}): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(failure(
            &command,
            &output.status.to_string(),
            &stdout,
            &stderr,
        ));
    }
    if !ran_one_test(&stdout) {
        return Err(format!(
            "`{command}` ran no test (was the test renamed?); the last lines of its stdout:\n{}",
            tail(&stdout, TAIL_LINES)
        ));
    }
    let after = std::fs::read(&path).map_err(|e| {
        format!("`{command}` succeeded but {PRESET_SCHEMA_PATH} cannot be read: {e}")
    })?;
    println!("{}", outcome(before.as_deref(), &after));
    Ok(true)
}

/// The command as a maintainer would type it.
fn command_line() -> String {
    format!("{WRITE_VAR}=1 cargo {}", TEST_ARGS.join(" "))
}

/// What the command prints, from the file's bytes before (if it existed) and after.
fn outcome(before: Option<&[u8]>, after: &[u8]) -> String {
    if before == Some(after) {
        format!("{PRESET_SCHEMA_PATH} unchanged")
    } else {
        format!("wrote {PRESET_SCHEMA_PATH}")
    }
}

/// Whether libtest's summary says exactly one test ran and passed (a renamed test would leave
/// the filter matching none, and cargo would still succeed).
fn ran_one_test(stdout: &str) -> bool {
    stdout
        .lines()
        .any(|l| l.starts_with("test result: ok. 1 passed;"))
}

/// The error for a failed test run: its stderr's tail (compile errors, cargo's message) and, when
/// there is any, its stdout's tail (where libtest prints a test's panic).
fn failure(command: &str, status: &str, stdout: &str, stderr: &str) -> String {
    let mut message = format!(
        "`{command}` failed ({status}); the last lines of its stderr:\n{}",
        tail(stderr, TAIL_LINES)
    );
    if !stdout.trim().is_empty() {
        message.push_str("\nthe last lines of its stdout:\n");
        message.push_str(&tail(stdout, TAIL_LINES));
    }
    message
}

/// The last `count` lines of `text`, without trailing blank lines.
fn tail(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_whether_the_file_changed() {
        assert_eq!(
            outcome(Some(b"{}\n"), b"{}\n"),
            "openapi/session-preset.schema.json unchanged"
        );
        assert_eq!(
            outcome(Some(b"{}\n"), b"{\"a\": 1}\n"),
            "wrote openapi/session-preset.schema.json"
        );
        assert_eq!(
            outcome(None, b"{}\n"),
            "wrote openapi/session-preset.schema.json"
        );
    }

    #[test]
    fn the_command_is_the_up_to_date_test_in_write_mode() {
        assert_eq!(
            command_line(),
            "BB_API_WRITE_PRESET_SCHEMA=1 cargo test -q -p bb-api-tests --test preset_schema the_committed_preset_schema_is_up_to_date"
        );
    }

    #[test]
    fn only_one_passed_test_counts_as_a_run() {
        assert!(ran_one_test(
            "\nrunning 1 test\n.\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 7 filtered out; finished in 0.01s\n\n"
        ));
        assert!(!ran_one_test(
            "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 8 filtered out; finished in 0.00s\n\n"
        ));
        assert!(!ran_one_test(""));
    }

    #[test]
    fn a_failed_run_is_an_error_naming_the_command_with_cargos_stderr() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ws = Workspace::new(Some(dir.path().to_path_buf()));
        let error = run(&ws).expect_err("no workspace to test there");
        let start = "`BB_API_WRITE_PRESET_SCHEMA=1 cargo test -q -p bb-api-tests --test preset_schema the_committed_preset_schema_is_up_to_date` failed (exit status: 101); the last lines of its stderr:\nerror: could not find `Cargo.toml` in ";
        assert!(error.starts_with(start), "{error}");
        assert!(!dir.path().join(PRESET_SCHEMA_PATH).exists());
    }

    #[test]
    fn a_failure_shows_the_tails_of_stderr_and_stdout() {
        let stderr: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let message = failure("cmd", "exit status: 101", "panicked at x\n\n", &stderr);
        let expected_stderr: Vec<String> = (11..=50).map(|i| format!("line {i}")).collect();
        assert_eq!(
            message,
            format!(
                "`cmd` failed (exit status: 101); the last lines of its stderr:\n{}\nthe last lines of its stdout:\npanicked at x",
                expected_stderr.join("\n")
            )
        );
        assert_eq!(
            failure("cmd", "exit status: 101", "  \n", "error: no\n"),
            "`cmd` failed (exit status: 101); the last lines of its stderr:\nerror: no"
        );
    }
}
