//! The running stack for the demo and the browser tests: seed the emulator
//! through `signoff seed`, then serve with `signoff serve`.

use crate::paths::Paths;
use crate::process::{start_service, step, Service};
use anyhow::{bail, Context};
use std::path::Path;
use std::process::Command;

/// Days of decided reviews written into a fresh stack's database before
/// it is served, so the lead's overview has weeks to chart.
pub const HISTORY_DAYS: u32 = 45;

/// Provisions the intake queue and the example state machine from deploy/,
/// starts the sample executions and writes [`HISTORY_DAYS`] of decided
/// reviews into the fresh `database`; returns the intake queue URL.
pub fn seed(
    paths: &Paths,
    emulator_url: &str,
    queue_name: &str,
    machine_name: &str,
    database: &Path,
) -> anyhow::Result<String> {
    step("creating the intake queue and state machine, starting sample executions");
    let output = Command::new(paths.server_binary())
        .args([
            "seed",
            "--queue-name",
            queue_name,
            "--state-machine-name",
            machine_name,
            "--history-days",
            &HISTORY_DAYS.to_string(),
            "--database-url",
            &format!("sqlite://{}", database.display()),
        ])
        .env("AWS_ENDPOINT_URL", emulator_url)
        .env("RUST_LOG", "warn")
        .current_dir(&paths.root)
        .output()
        .context("running signoff seed")?;
    if !output.status.success() {
        bail!(
            "signoff seed failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("SIGNOFF_INTAKE_QUEUE_URL="))
        .map(str::to_owned)
        .context("signoff seed printed no queue URL")
}

/// Where `signoff seed` stores the samples' artefacts: the one bucket the
/// demo and the browser tests open.
pub const DEMO_BUCKET: &str = "signoff-demo-artefacts";

/// What `signoff serve` talks to.
pub struct Backends<'a> {
    pub emulator_url: &'a str,
    pub queue_url: &'a str,
    pub issuer: &'a str,
    /// Where notifications go, when they are on.
    pub notify: Option<NotifyBackends<'a>>,
}

/// The Slack stand-in and the SMTP server notifications reach.
pub struct NotifyBackends<'a> {
    pub slack_api_url: &'a str,
    pub smtp_url: &'a str,
}

/// Starts `signoff serve` on `port` and waits until it answers.
pub fn serve(
    paths: &Paths,
    port: u16,
    database: &Path,
    backends: &Backends,
    log: Option<&Path>,
) -> anyhow::Result<Service> {
    let mut command = Command::new(paths.server_binary());
    command
        .arg("serve")
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .env("SIGNOFF_SITE_ROOT", paths.site())
        .env("SIGNOFF_INTAKE_QUEUE_URL", backends.queue_url)
        .env("SIGNOFF_INTAKE_WAIT_SECONDS", "2")
        .env("AWS_ENDPOINT_URL", backends.emulator_url)
        .env("SIGNOFF_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("SIGNOFF_OIDC_ISSUER", backends.issuer)
        .env("SIGNOFF_OIDC_CLIENT_SECRET", crate::identity::CLIENT_SECRET)
        .env("SIGNOFF_ROLE_MAP", crate::identity::DEMO_ROLE_MAP)
        // The demo's approval policy: end2end/signoff-demo.toml.
        .env(
            "SIGNOFF_CONFIG",
            paths.root.join("end2end/signoff-demo.toml"),
        )
        // Artefacts only from the bucket the seed stores them in
        // (server/src/seed.rs, DEMO_BUCKET).
        .env("SIGNOFF_ARTEFACT_BUCKETS", DEMO_BUCKET)
        // The samples' rates and latencies are better lower.
        .env(
            "SIGNOFF_METRIC_DIRECTIONS",
            // The credit-risk sample then shows each source of a
            // direction: its threshold (gini), this (ks), the request
            // (approval_rate); the forecast's bias, which none names, is neutral.
            "ks=higher",
        )
        .current_dir(&paths.root);
    if let Some(notify) = &backends.notify {
        // end2end/signoff-demo.toml routes every review to the stand-in's
        // channel and to the reviewers' address; its buttons decide.
        command
            .env("SIGNOFF_SLACK_API_URL", notify.slack_api_url)
            .env("SIGNOFF_SLACK_BOT_TOKEN", crate::slack::TEST_TOKEN)
            .env(
                "SIGNOFF_SLACK_SIGNING_SECRET",
                crate::slack::TEST_SIGNING_SECRET,
            )
            .env("SIGNOFF_SMTP_URL", notify.smtp_url)
            .env("SIGNOFF_EMAIL_FROM", "Signoff demo <signoff@example.com>")
            // Messages follow a click within a fraction of a second.
            .env("SIGNOFF_DELIVERY_INTERVAL_MS", "250");
    }
    start_service("signoff serve", &mut command, log, port, "/healthz")
}

/// Removes a SQLite database and its WAL files, so a run starts empty.
pub fn fresh_database(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = path.with_file_name(format!(
            "{}{suffix}",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("signoff.db")
        ));
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    Ok(())
}
