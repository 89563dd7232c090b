//! Installs what the demo and the tests need, each step only when missing:
//! the WASM target, the AWS emulator (moto) and the SMTP server (aiosmtpd)
//! in one venv in the cache, Chromium (Debian's package), and the browser
//! tests' npm packages.

use crate::paths::Paths;
use crate::process::{check, step};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The emulator version the tests were written against.
pub const MOTO_VERSION: &str = "5.2.5";
/// The SMTP server the e-mail tests send to (PyPI `aiosmtpd`), in the
/// emulator's venv.
pub const AIOSMTPD_VERSION: &str = "1.4.6";
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

/// What the venv's marker holds once everything below is installed. A venv
/// whose marker says less (an older checkout's) gains what it lacks.
fn venv_contents() -> String {
    format!("moto {MOTO_VERSION}; aiosmtpd {AIOSMTPD_VERSION}")
}

/// What the venv needs, from its marker (`None`: absent) and whether the
/// emulator's executable is there.
#[derive(Debug, PartialEq, Eq)]
enum VenvPlan {
    /// Complete, as this version of the step installs it.
    Ready,
    /// Complete as an earlier version of this step left it (moto alone):
    /// keep it, add what is missing.
    Extend,
    /// Missing or interrupted: start over.
    Install,
}

fn venv_plan(marked: Option<&str>, server_exists: bool) -> VenvPlan {
    match marked {
        _ if !server_exists => VenvPlan::Install,
        Some(marked) if marked == venv_contents() => VenvPlan::Ready,
        Some(_) => VenvPlan::Extend,
        None => VenvPlan::Install,
    }
}

/// The emulator's `moto_server` executable, installed if missing, with the
/// SMTP server beside it. A marker written after a complete install makes
/// an interrupted one start over.
pub fn moto(paths: &Paths) -> anyhow::Result<PathBuf> {
    let venv = paths.cache.join(format!("moto-{MOTO_VERSION}"));
    let marker = venv.join(".signoff-complete");
    let server = venv.join("bin/moto_server");
    let marked = std::fs::read_to_string(&marker).ok();
    match venv_plan(marked.as_deref(), server.exists()) {
        VenvPlan::Ready => return Ok(server),
        VenvPlan::Extend => {
            if !python_has(&venv, "aiosmtpd") {
                step(&format!(
                    "adding the SMTP server (aiosmtpd {AIOSMTPD_VERSION}) to {}",
                    venv.display()
                ));
                pip_install(&venv, &[&format!("aiosmtpd=={AIOSMTPD_VERSION}")])?;
            }
            std::fs::write(&marker, venv_contents())?;
            return Ok(server);
        }
        VenvPlan::Install => {}
    }
    step(&format!(
        "installing the AWS emulator (moto {MOTO_VERSION}) and the SMTP server (aiosmtpd {AIOSMTPD_VERSION}) into {}",
        venv.display()
    ));
    if venv.exists() {
        std::fs::remove_dir_all(&venv)?;
    }
    std::fs::create_dir_all(&paths.cache)?;
    check(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    pip_install(
        &venv,
        &[
            &format!("moto[server]=={MOTO_VERSION}"),
            &format!("aiosmtpd=={AIOSMTPD_VERSION}"),
        ],
    )?;
    std::fs::write(&marker, venv_contents())?;
    Ok(server)
}

/// The venv's Python (which runs the SMTP server), installed if missing.
pub fn venv_python(paths: &Paths) -> anyhow::Result<PathBuf> {
    Ok(moto(paths)?.with_file_name("python3"))
}

fn pip_install(venv: &Path, requirements: &[&str]) -> anyhow::Result<()> {
    check(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(requirements),
    )
}

/// Whether the venv's Python can import `module`.
fn python_has(venv: &Path, module: &str) -> bool {
    Command::new(venv.join("bin/python3"))
        .args(["-c", &format!("import {module}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_complete_venv_is_extended_and_an_incomplete_one_reinstalled() {
        assert_eq!(venv_plan(Some(&venv_contents()), true), VenvPlan::Ready);
        // The marker this step wrote before the SMTP server joined.
        assert_eq!(venv_plan(Some(MOTO_VERSION), true), VenvPlan::Extend);
        assert_eq!(venv_plan(None, true), VenvPlan::Install);
        assert_eq!(venv_plan(Some(&venv_contents()), false), VenvPlan::Install);
        assert_eq!(venv_plan(Some(MOTO_VERSION), false), VenvPlan::Install);
    }
}
