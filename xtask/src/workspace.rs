//! Where the workspace is and where its files live.

use std::path::{Path, PathBuf};

use crate::codegen;

/// Path of the checked-in listing of bb-api's generated public API, relative to the workspace root.
pub const PUBLIC_API_PATH: &str = "bb-api/public-api.txt";

/// The workspace this xtask works on.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The workspace given by `--root`, or the one xtask was built in.
    pub fn new(root: Option<PathBuf>) -> Self {
        let root = root.unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        });
        Self { root }
    }

    /// The workspace root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The spec, `openapi/browserbase.yaml`.
    pub fn spec_path(&self) -> PathBuf {
        self.root.join(codegen::SPEC_PATH)
    }

    /// The spec's packaged copy inside bb-api, `bb-api/spec/browserbase.yaml`.
    pub fn packaged_spec_path(&self) -> PathBuf {
        self.root.join("bb-api").join(codegen::PACKAGED_SPEC_PATH)
    }

    /// The deliberate local edits applied on every regen, `openapi/local-edits.yaml`.
    pub fn local_edits_path(&self) -> PathBuf {
        self.root.join(crate::local_edits::LOCAL_EDITS_PATH)
    }

    /// The checked-in public API listing, `bb-api/public-api.txt`.
    pub fn public_api_path(&self) -> PathBuf {
        self.root.join(PUBLIC_API_PATH)
    }
}
