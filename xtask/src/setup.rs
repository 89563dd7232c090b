//! Installs what the demo and the tests need, each step only when missing:
//! the WASM target, the AWS emulator (moto) and the SMTP server (aiosmtpd)
//! in one venv in the cache, Chromium, PostgreSQL and HAProxy (Debian's
//! packages), and the browser tests' npm packages.

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
/// Where Debian's PostgreSQL packages put each major version's programs
/// (`15/bin/initdb`, …).
pub const POSTGRESQL_LIB: &str = "/usr/lib/postgresql";
/// Debian's HAProxy, in front of the demo's replicas.
pub const HAPROXY: &str = "/usr/sbin/haproxy";

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

/// The `bin` directory (`initdb`, `pg_ctl`) of the newest PostgreSQL
/// installed, Debian's `postgresql` package installed first if there is none.
/// (Installing it starts a system cluster on port 5432 on some machines:
/// harmless, the tests run throwaway clusters of their own.)
pub fn postgres() -> anyhow::Result<PathBuf> {
    if let Some(bin) = installed_postgres() {
        return Ok(bin);
    }
    if !is_root() {
        bail!("PostgreSQL is missing: run `sudo apt-get install -y postgresql` (the tests run a throwaway cluster with its {POSTGRESQL_LIB}/*/bin/initdb and pg_ctl)");
    }
    step("installing PostgreSQL (Debian package)");
    check(Command::new("apt-get").args(["update", "-qq"]))?;
    check(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    installed_postgres().with_context(|| {
        format!("the postgresql package is installed but there is no {POSTGRESQL_LIB}/*/bin/initdb")
    })
}

/// Debian's HAProxy, for `cargo xtask demo --postgres --replicas N`.
/// (Installing it may start a system haproxy service: harmless, Debian's
/// default configuration binds no port; the demo runs one of its own.)
pub fn haproxy() -> anyhow::Result<PathBuf> {
    let haproxy = PathBuf::from(HAPROXY);
    if haproxy.exists() {
        return Ok(haproxy);
    }
    if !is_root() {
        bail!("HAProxy is missing: run `sudo apt-get install -y haproxy` (the demo's replicas are served behind {HAPROXY})");
    }
    step("installing HAProxy (Debian package)");
    check(Command::new("apt-get").args(["update", "-qq"]))?;
    check(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "haproxy"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    if !haproxy.exists() {
        bail!("the haproxy package is installed but there is no {HAPROXY}");
    }
    Ok(haproxy)
}

/// The newest `POSTGRESQL_LIB/VERSION/bin` that has an `initdb`.
fn installed_postgres() -> Option<PathBuf> {
    let lib = Path::new(POSTGRESQL_LIB);
    let versions: Vec<String> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|version| lib.join(version).join("bin/initdb").is_file())
        .collect();
    let newest = newest_version(versions.iter().map(String::as_str))?;
    Some(lib.join(newest).join("bin"))
}

/// The highest of PostgreSQL version directory names (`9.6`, `15`, …),
/// compared number by number; names that are not versions are ignored.
fn newest_version<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .filter_map(|name| {
            let numbers: Result<Vec<u32>, _> = name.split('.').map(str::parse).collect();
            Some((numbers.ok()?, name))
        })
        .max()
        .map(|(_, name)| name)
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

/// Whether this runs as root (effective uid 0).
pub fn is_root() -> bool {
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

    #[test]
    fn the_newest_postgresql_is_chosen_by_number_not_by_name() {
        assert_eq!(newest_version(["9.6", "15", "16", "10"]), Some("16"));
        assert_eq!(newest_version(["9.6", "10"]), Some("10"));
        assert_eq!(newest_version(["15", "common", "16.beta"]), Some("15"));
        assert_eq!(newest_version(["common"]), None);
        assert_eq!(newest_version([]), None);
    }
}
