//! `cargo xtask test`: every test, on the real parts, from one build.
//! 1. formatting; 2. the site and server (debug, built once);
//! 3. unit and integration tests (`cargo test`) against a fresh emulator;
//! 4. browser tests (Playwright, Debian's Chromium) against a served demo stack;
//! 5. clippy, for the server build and for the WASM build.

use crate::paths::Paths;
use crate::process::{cargo, check, free_port, step};
use crate::{emulator, setup, site, stack};
use std::process::Command;
use std::time::Instant;

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    let started = Instant::now();
    setup::chromium()?;
    setup::npm_packages(paths)?;
    setup::moto(paths)?;

    step("checking formatting (cargo fmt --check)");
    check(
        cargo()
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(&paths.root),
    )?;

    site::build(paths, site::Profile::Debug)?;
    let runs = paths.runs();
    std::fs::create_dir_all(&runs)?;
    let emulator = emulator::start(paths, free_port()?, &runs.join("test-emulator.log"))?;

    step("unit and integration tests (cargo test)");
    check(
        cargo()
            .args([
                "test", "-p", "app", "-p", "server", "--lib", "--bins", "--tests",
            ])
            .env("SIGNOFF_TEST_AWS_ENDPOINT", &emulator.url)
            .current_dir(&paths.root),
    )?;

    step("browser tests (Playwright in Chromium)");
    let database = runs.join("e2e.db");
    stack::fresh_database(&database)?;
    let queue_url = stack::seed(paths, &emulator.url, "e2e-intake", "e2e-model-release")?;
    let port = free_port()?;
    let server_log = runs.join("e2e-server.log");
    let server = stack::serve(
        paths,
        port,
        &database,
        &emulator.url,
        &queue_url,
        Some(&server_log),
    )?;
    let browser = check(
        Command::new("npx")
            .args(["playwright", "test"])
            .env("SIGNOFF_BASE_URL", format!("http://127.0.0.1:{port}"))
            .env("SIGNOFF_AWS_ENDPOINT", &emulator.url)
            .current_dir(paths.root.join("end2end")),
    );
    drop(server);
    drop(emulator);
    if browser.is_err() {
        eprintln!("server log: {}", server_log.display());
    }
    browser?;

    step("lints (cargo clippy -D warnings, native and WASM)");
    check(
        cargo()
            .args([
                "clippy",
                "-p",
                "app",
                "-p",
                "server",
                "-p",
                "xtask",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .current_dir(&paths.root),
    )?;
    check(
        cargo()
            .arg("clippy")
            .args(site::WASM_PACKAGE)
            .args(["--", "-D", "warnings"])
            .current_dir(&paths.root),
    )?;
    eprintln!("==> all tests passed in {:.0?}", started.elapsed());
    Ok(())
}
