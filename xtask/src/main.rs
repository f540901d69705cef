//! `cargo xtask`: maintainers' tooling for bb-api. See `xtask/README.md` and `cargo xtask help`.

#[path = "../../bb-api/codegen.rs"]
mod codegen;

mod api_diff;
mod api_listing;
mod build_time;
mod check;
mod cli;
mod compare;
mod crate_listing;
mod crate_tree;
mod diff_cmd;
mod docs_page;
mod ext_listing;
mod import_graph;
mod local_edits;
mod merge;
mod preset_schema;
mod regen;
mod report;
mod rust_text;
mod select;
mod source;
mod spec_diff;
mod validate;
mod workspace;

use std::process::ExitCode;

use cli::Command;
use workspace::Workspace;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(e) => {
            eprintln!("error: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let ws = Workspace::new(cli.root);
    let result = match &cli.command {
        Command::Regen {
            from,
            mode,
            only,
            format,
        } => regen::run(&ws, from.as_deref(), *mode, only, *format),
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => diff_cmd::run(&ws, old.as_deref(), new.as_deref(), *format, *fail_on),
        Command::Check => check::run(&ws),
        Command::ApiListing { write } => ext_listing::run(&ws, *write),
        Command::BuildTime { json, touch } => build_time::run(ws.root(), *json, touch.as_deref()),
        Command::Generate => generate(&ws),
        Command::PresetSchema => preset_schema::run(&ws),
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask generate`: prints the generated client and httpmock helpers.
fn generate(ws: &Workspace) -> Result<bool, String> {
    let path = ws.spec_path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spec = codegen::parse_spec(&text)?;
    let generated = codegen::generate(&spec, "crate")?;
    print!(
        "{}\n// ---- httpmock ----\n{}",
        generated.client, generated.httpmock
    );
    Ok(true)
}
