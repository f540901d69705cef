//! `cargo xtask build-time`: clean build, no-op rebuild and rebuild after touching an unrelated
//! file, of bb-api and bb-api-ext, in a fresh target directory. Run by hand, not in CI.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

/// The packages measured.
const PACKAGES: [&str; 2] = ["bb-api", "bb-api-ext"];

/// One measured build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// `clean`, `no-op` or `touch`.
    pub run: String,
    pub seconds: f64,
    /// Crates cargo compiled (its `Compiling` lines).
    pub compiled: usize,
}

/// Runs the three builds and prints a table (or one JSON line).
pub fn run(root: &Path, json: bool, touch: Option<&str>) -> Result<bool, String> {
    let touch = touch.unwrap_or("README.md");
    let touched = root.join(touch);
    let target = std::env::temp_dir().join(format!("xtask-build-time-{}", std::process::id()));
    eprintln!(
        "building {} in a fresh target dir {} (this takes a while)",
        PACKAGES.join(" + "),
        target.display()
    );
    let result = measure_all(root, &target, &touched);
    if let Err(e) = std::fs::remove_dir_all(&target) {
        eprintln!("warning: could not remove {}: {e}", target.display());
    }
    let runs = result?;
    if json {
        println!("{}", json_line(&runs, touch)?);
    } else {
        print!("{}", table(&runs, touch));
    }
    Ok(true)
}

fn measure_all(root: &Path, target: &Path, touched: &Path) -> Result<Vec<Measurement>, String> {
    let clean = build(root, target, "clean")?;
    let noop = build(root, target, "no-op")?;
    std::fs::File::options()
        .append(true)
        .open(touched)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| format!("cannot touch {}: {e}", touched.display()))?;
    let touch = build(root, target, "touch")?;
    Ok(vec![clean, noop, touch])
}

fn build(root: &Path, target: &Path, run: &str) -> Result<Measurement, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.arg("build");
    for p in PACKAGES {
        cmd.args(["-p", p]);
    }
    cmd.arg("--target-dir")
        .arg(target)
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo build ({run}) failed:\n{stderr}"));
    }
    Ok(measurement(run, elapsed, &stderr))
}

/// A measurement from a build's duration and its stderr.
pub fn measurement(run: &str, elapsed: Duration, stderr: &str) -> Measurement {
    Measurement {
        run: run.to_string(),
        seconds: (elapsed.as_secs_f64() * 10.0).round() / 10.0,
        compiled: count_compiling(stderr),
    }
}

/// How many crates a cargo build compiled: its `Compiling name vX` lines.
pub fn count_compiling(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling "))
        .count()
}

fn title(run: &str, touch: &str) -> String {
    match run {
        "clean" => "clean build".to_string(),
        "no-op" => "no-op rebuild".to_string(),
        _ => format!("rebuild after touching {touch}"),
    }
}

/// The table printed by default.
pub fn table(runs: &[Measurement], touch: &str) -> String {
    let titles: Vec<String> = runs.iter().map(|r| title(&r.run, touch)).collect();
    let width = titles.iter().map(String::len).max().unwrap_or(0).max(5);
    let mut out = format!("{:<width$}  {:>8}  {:>8}\n", "build", "seconds", "compiled");
    for (run, title) in runs.iter().zip(&titles) {
        out.push_str(&format!(
            "{title:<width$}  {:>8.1}  {:>8}\n",
            run.seconds, run.compiled
        ));
    }
    out
}

/// The `--json` line.
pub fn json_line(runs: &[Measurement], touch: &str) -> Result<String, String> {
    let value = serde_json::json!({
        "packages": PACKAGES,
        "touched": touch,
        "runs": runs,
    });
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STDERR: &str = "   Compiling proc-macro2 v1.0.95\n   Compiling bb-api v0.1.0 (/w/bb-api)\n    Finished `dev` profile [unoptimized + debuginfo] target(s) in 1m 02s\nwarning: Compiling is a word\n";

    #[test]
    fn counts_compiling_lines_only() {
        assert_eq!(count_compiling(STDERR), 2);
        assert_eq!(count_compiling("    Finished `dev` profile\n"), 0);
    }

    #[test]
    fn formats_table_and_json() {
        let runs = vec![
            measurement("clean", Duration::from_millis(62_340), STDERR),
            measurement("no-op", Duration::from_millis(260), ""),
            measurement("touch", Duration::from_millis(310), ""),
        ];
        assert_eq!(
            table(&runs, "README.md"),
            "build                              seconds  compiled\n\
             clean build                           62.3         2\n\
             no-op rebuild                          0.3         0\n\
             rebuild after touching README.md       0.3         0\n"
        );
        assert_eq!(
            json_line(&runs, "README.md").unwrap_or_default(),
            r#"{"packages":["bb-api","bb-api-ext"],"runs":[{"compiled":2,"run":"clean","seconds":62.3},{"compiled":0,"run":"no-op","seconds":0.3},{"compiled":0,"run":"touch","seconds":0.3}],"touched":"README.md"}"#
        );
    }
}
