//! Generates the bindings and the operation table from `openapi/browserbase.yaml` into `OUT_DIR`
//! at build time.
//!
//! In the workspace it reads `openapi/browserbase.yaml` itself, the source of truth; a packaged
//! crate (crates.io, `cargo package`'s verification) has no workspace around it and reads its copy,
//! `spec/browserbase.yaml`, which `cargo xtask check` keeps identical.

#[path = "codegen.rs"]
mod codegen;

use std::path::PathBuf;

fn main() -> Result<(), String> {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let spec_path = spec_path(&manifest_dir);
    // Only the spec and the generator's own sources may trigger regeneration.
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=codegen.rs");

    let text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec = codegen::parse_spec(&text)?;
    let generated = codegen::generate(&spec, "crate")?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    std::fs::write(out_dir.join("client.rs"), generated.client).map_err(|e| e.to_string())?;
    std::fs::write(out_dir.join("httpmock.rs"), generated.httpmock).map_err(|e| e.to_string())?;
    let table = codegen::operation_table(&spec)?;
    std::fs::write(out_dir.join("operations.rs"), table).map_err(|e| e.to_string())?;
    Ok(())
}

/// The workspace's spec when this crate sits in the workspace, else the packaged copy.
fn spec_path(manifest_dir: &std::path::Path) -> PathBuf {
    let in_workspace = manifest_dir.join("..").join(codegen::SPEC_PATH);
    if manifest_dir.join("..").join("Cargo.toml").is_file() && in_workspace.is_file() {
        in_workspace
    } else {
        manifest_dir.join(codegen::PACKAGED_SPEC_PATH)
    }
}
