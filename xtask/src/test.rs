//! `cargo xtask test`: every test, on the real parts, from one build.
//! 1. formatting; 2. clippy, for the server build and for the WASM build
//!    (before the slow stages, so a lint fails the run in minutes);
//!    then the Slack stand-in's own tests (node);
//! 3. the site and server (debug, built once);
//! 4. unit and integration tests (`cargo test`) against a fresh emulator,
//!    the local OpenID provider, the local SMTP server, the Slack stand-in
//!    and a throwaway PostgreSQL cluster; then the integration suite again
//!    with its servers on PostgreSQL;
//! 5. browser tests (Playwright, Debian's Chromium) against a served stack.

use crate::paths::Paths;
use crate::process::{cargo, check, free_port, step};
use crate::{emulator, identity, postgres, setup, site, slack, smtp, stack};
use std::process::Command;
use std::time::Instant;

/// The address integration-test servers give the provider as theirs (the
/// tests follow the provider's redirects themselves, so nothing listens here).
const INTEGRATION_PUBLIC_URL: &str = "http://127.0.0.1:3999";

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    let started = Instant::now();
    setup::chromium()?;
    // Installed (if missing) before the slow stages, not when it starts.
    setup::postgres()?;
    setup::npm_packages(paths)?;
    let moto = setup::moto(paths)?;
    // The WASM lints below need the target before the site build would add it.
    setup::wasm_target()?;

    step("checking formatting (cargo fmt --check)");
    check(
        cargo()
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(&paths.root),
    )?;

    step("lints (cargo clippy -D warnings, native and WASM)");
    clippy(
        paths,
        &["-p", "app", "-p", "server", "-p", "xtask", "--all-targets"],
    )?;
    clippy(paths, &site::WASM_PACKAGE)?;
    step("the Slack stand-in's own tests (node --test end2end/slack/)");
    check(
        Command::new("node")
            .args(["--test", "end2end/slack/"])
            .current_dir(&paths.root),
    )?;
    site::build(paths, site::Profile::Debug)?;
    let runs = paths.runs();
    std::fs::create_dir_all(&runs)?;
    let emulator = emulator::start(paths, free_port()?, &runs.join("test-emulator.log"))?;
    let smtp = smtp::start(
        paths,
        free_port()?,
        &runs.join("test-maildir"),
        &runs.join("test-smtp.log"),
    )?;
    let browser_port = free_port()?;
    let browser_url = format!("http://127.0.0.1:{browser_port}");
    // The stand-in's buttons decide on the browser tests' server; the
    // integration tests name their own server in each interaction.
    let slack = slack::start(
        paths,
        free_port()?,
        &format!("{browser_url}/slack/interactions"),
        &runs.join("test-slack.log"),
    )?;
    let provider = identity::start(
        paths,
        free_port()?,
        &[browser_url.clone(), INTEGRATION_PUBLIC_URL.to_owned()],
        &runs.join("test-oidc.log"),
    )?;
    let postgres = postgres::start(free_port()?, &runs.join("test-postgres.log"))?;

    let python = setup::venv_python(paths)?;
    // What every test run is told of the real parts it may use.
    let parts = |command: &mut Command| {
        command
            // The fault tests print the counts they observed.
            .args(["--", "--show-output"])
            .env("SIGNOFF_TEST_AWS_ENDPOINT", &emulator.url)
            .env("SIGNOFF_TEST_OIDC_ISSUER", &provider.issuer)
            .env("SIGNOFF_TEST_PUBLIC_URL", INTEGRATION_PUBLIC_URL)
            // The e-mail tests send there and read the Maildir back.
            .env("SIGNOFF_TEST_SMTP_URL", &smtp.url)
            .env("SIGNOFF_TEST_MAILDIR", &smtp.maildir)
            // The stories run on PostgreSQL too, each in a database of its
            // own, and so does the second run of the integration suite.
            .env("SIGNOFF_TEST_POSTGRES_URL", &postgres.url)
            // The Slack tests post to the stand-in and read its calls back.
            .env("SIGNOFF_TEST_SLACK_API_URL", &slack.api_url)
            .env("SIGNOFF_TEST_SLACK_TOKEN", slack::TEST_TOKEN)
            .env(
                "SIGNOFF_TEST_SLACK_SIGNING_SECRET",
                slack::TEST_SIGNING_SECRET,
            )
            // The fault tests start emulators of their own, to freeze them.
            .env("SIGNOFF_TEST_MOTO_SERVER", &moto)
            // A notification fault test starts an SMTP server of its own,
            // late, with the venv's Python (which has aiosmtpd).
            .env("SIGNOFF_TEST_PYTHON", &python)
            // The key rotation test starts a provider of its own, to restart it.
            .env(
                "SIGNOFF_TEST_OIDC_PROVIDER",
                paths.root.join("end2end/oidc/provider.mjs"),
            )
            .current_dir(&paths.root);
    };

    step("unit and integration tests (cargo test), servers on SQLite");
    let mut sqlite_run = cargo();
    sqlite_run.args([
        "test",
        "--no-fail-fast",
        "-p",
        "app",
        "-p",
        "server",
        "-p",
        "xtask",
        "--lib",
        "--bins",
        "--tests",
    ]);
    parts(&mut sqlite_run);
    check(&mut sqlite_run)?;

    step("the integration suite again (cargo test), servers on PostgreSQL");
    let mut postgres_run = cargo();
    postgres_run.args(["test", "--no-fail-fast", "-p", "server", "--test", "api"]);
    parts(&mut postgres_run);
    // SQLite's own triggers and search index are tested on SQLite alone.
    postgres_run
        .args(["--skip", "sqlite_only::"])
        .env("SIGNOFF_TEST_ENGINE", "postgres");
    check(&mut postgres_run)?;

    step("browser tests (Playwright in Chromium)");
    let database = runs.join("e2e.db");
    stack::fresh_database(&database)?;
    let database_url = stack::sqlite_url(&database);
    let queue_url = stack::seed(
        paths,
        &emulator.url,
        "e2e-intake",
        "e2e-model-release",
        &database_url,
    )?;
    let server_log = runs.join("e2e-server.log");
    let backends = stack::Backends {
        emulator_url: &emulator.url,
        queue_url: &queue_url,
        issuer: &provider.issuer,
        notify: Some(stack::NotifyBackends {
            slack_api_url: &slack.api_url,
            smtp_url: &smtp.url,
        }),
    };
    let server = stack::serve(
        paths,
        &stack::Server {
            port: browser_port,
            public_url: &browser_url,
            log: Some(&server_log),
        },
        &database_url,
        &backends,
    )?;
    let browser = check(
        Command::new("npx")
            .args(["playwright", "test"])
            .env("SIGNOFF_BASE_URL", &browser_url)
            .env("SIGNOFF_AWS_ENDPOINT", &emulator.url)
            .env("SIGNOFF_OIDC_ISSUER", &provider.issuer)
            .env("SIGNOFF_SLACK_PAGE_URL", &slack.page_url)
            .env("SIGNOFF_MAILDIR", &smtp.maildir)
            .current_dir(paths.root.join("end2end")),
    );
    drop(server);
    drop(slack);
    drop(smtp);
    drop(provider);
    drop(postgres);
    drop(emulator);
    if browser.is_err() {
        eprintln!("server log: {}", server_log.display());
    }
    browser?;

    eprintln!("==> all tests passed in {:.0?}", started.elapsed());
    Ok(())
}

/// `cargo clippy` on `packages`, every warning an error.
fn clippy(paths: &Paths, packages: &[&str]) -> anyhow::Result<()> {
    check(
        cargo()
            .arg("clippy")
            .args(packages)
            .args(["--", "-D", "warnings"])
            .current_dir(&paths.root),
    )
}
