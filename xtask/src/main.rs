//! `cargo xtask`: maintainers' tooling for bb-api.

#[path = "../../bb-api/codegen.rs"]
mod codegen;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => {
            let text = match std::fs::read_to_string(codegen::SPEC_PATH) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", codegen::SPEC_PATH);
                    return std::process::ExitCode::FAILURE;
                }
            };
            match codegen::parse_spec(&text).and_then(|s| codegen::generate(&s, "crate")) {
                Ok(g) => {
                    print!("{}\n// ---- httpmock ----\n{}", g.client, g.httpmock);
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: cargo xtask generate");
            std::process::ExitCode::FAILURE
        }
    }
}
