//! Where things are: the workspace, cargo's target directory (which may be
//! outside the clone via CARGO_TARGET_DIR), and the tool cache.

use anyhow::Context;
use std::path::PathBuf;

pub struct Paths {
    pub root: PathBuf,
    pub target: PathBuf,
    /// Tools installed for the project (the emulator's venv), kept across clones.
    pub cache: PathBuf,
}

impl Paths {
    pub fn discover() -> anyhow::Result<Self> {
        // At run time, from `cargo run` (the `cargo xtask` alias): clones
        // sharing one CARGO_TARGET_DIR share one xtask binary, and the path
        // baked in at compile time would be whichever clone built it last.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .context("xtask has no parent directory")?
            .to_path_buf();
        let metadata = crate::process::cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(&root)
            .output()
            .context("running cargo metadata")?;
        let metadata: serde_json::Value =
            serde_json::from_slice(&metadata.stdout).context("reading cargo metadata")?;
        let target = metadata["target_directory"]
            .as_str()
            .map(PathBuf::from)
            .context("cargo metadata has no target_directory")?;
        let cache = std::env::var_os("SIGNOFF_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("signoff"))
            })
            .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/signoff")))
            .context("set SIGNOFF_CACHE_DIR or HOME")?;
        Ok(Self {
            root,
            target,
            cache,
        })
    }

    /// The built site the server serves (`pkg/` inside).
    pub fn site(&self) -> PathBuf {
        self.target.join("site")
    }

    /// The `signoff` binary of the debug build.
    pub fn server_binary(&self) -> PathBuf {
        self.target.join("debug/signoff")
    }

    /// Scratch space for runs (demo database, test databases).
    pub fn runs(&self) -> PathBuf {
        self.target.join("signoff-runs")
    }
}
