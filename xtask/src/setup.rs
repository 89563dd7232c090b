//! Installs what the demo and the tests need, each step only when missing:
//! the WASM target, the AWS emulator (moto, in a venv in the cache),
//! Chromium (Debian's package), and the browser tests' npm packages.

use crate::paths::Paths;
use crate::process::{check, step};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The emulator version the tests were written against.
pub const MOTO_VERSION: &str = "5.2.5";
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub fn wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target");
    check(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The emulator's `moto_server` executable, installed if missing. A marker
/// written after a complete install makes an interrupted one start over.
pub fn moto(paths: &Paths) -> anyhow::Result<PathBuf> {
    let venv = paths.cache.join(format!("moto-{MOTO_VERSION}"));
    let marker = venv.join(".signoff-complete");
    let server = venv.join("bin/moto_server");
    if marker.exists() && server.exists() {
        return Ok(server);
    }
    step(&format!(
        "installing the AWS emulator (moto {MOTO_VERSION}) into {}",
        venv.display()
    ));
    if venv.exists() {
        std::fs::remove_dir_all(&venv)?;
    }
    std::fs::create_dir_all(&paths.cache)?;
    check(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    check(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("moto[server]=={MOTO_VERSION}"),
    ]))?;
    std::fs::write(&marker, MOTO_VERSION)?;
    Ok(server)
}

/// Debian's Chromium, for the browser tests.
pub fn chromium() -> anyhow::Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    if !is_root() {
        bail!("Chromium is missing: run `sudo apt-get install -y chromium` (the browser tests use {CHROMIUM})");
    }
    step("installing Chromium (Debian package)");
    check(Command::new("apt-get").args(["update", "-qq"]))?;
    check(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// The browser tests' npm packages, reinstalled when the lock file changes.
pub fn npm_packages(paths: &Paths) -> anyhow::Result<()> {
    let dir = paths.root.join("end2end");
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("installing the browser tests' npm packages");
    check(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
    )
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
