//! The running stack for the demo and the browser tests: seed the emulator
//! through `signoff seed`, then serve with `signoff serve` (one server, or
//! several replicas sharing one PostgreSQL database).

use crate::paths::Paths;
use crate::process::{spawn_logged, step, wait_until_ready, Service};
use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Days of decided reviews written into a fresh stack's database before
/// it is served, so the lead's overview has weeks to chart.
pub const HISTORY_DAYS: u32 = 45;

/// Provisions the intake queue and the example state machine from deploy/,
/// starts the sample executions and writes [`HISTORY_DAYS`] of decided
/// reviews into the fresh database at `database_url` (`sqlite://…` or
/// `postgres://…`; see [`sqlite_url`]); returns the intake queue URL.
pub fn seed(
    paths: &Paths,
    emulator_url: &str,
    queue_name: &str,
    machine_name: &str,
    database_url: &str,
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
            database_url,
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

/// The `--database-url` of a SQLite file.
pub fn sqlite_url(database: &Path) -> String {
    format!("sqlite://{}", database.display())
}

/// How long a server may take to answer once started.
const SERVE_PATIENCE: Duration = Duration::from_secs(30);

/// One `signoff serve`: where it listens, and where people reach it.
pub struct Server<'a> {
    /// The loopback port it listens on.
    pub port: u16,
    /// What it gives the OpenID provider and Slack as its address: itself
    /// (`http://127.0.0.1:PORT`), or the proxy in front of its replicas.
    pub public_url: &'a str,
    /// Its output, or `None` for this process's terminal.
    pub log: Option<&'a Path>,
}

/// Starts `signoff serve` and waits until it answers.
pub fn serve(
    paths: &Paths,
    server: &Server,
    database_url: &str,
    backends: &Backends,
) -> anyhow::Result<Service> {
    let mut service = spawn(paths, server, database_url, backends)?;
    wait_until_answering(&mut service, server.port)?;
    Ok(service)
}

/// Starts `signoff serve` without waiting for it: several replicas start
/// (and run their migrations) at once; then [`wait_until_answering`].
pub fn spawn(
    paths: &Paths,
    server: &Server,
    database_url: &str,
    backends: &Backends,
) -> anyhow::Result<Service> {
    let port = server.port;
    let mut command = Command::new(paths.server_binary());
    command
        .arg("serve")
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("SIGNOFF_SITE_ROOT", paths.site())
        .env("SIGNOFF_INTAKE_QUEUE_URL", backends.queue_url)
        .env("SIGNOFF_INTAKE_WAIT_SECONDS", "2")
        .env("AWS_ENDPOINT_URL", backends.emulator_url)
        .env("SIGNOFF_PUBLIC_URL", server.public_url)
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
    spawn_logged("signoff serve", &mut command, server.log)
}

/// Waits until the server [`spawn`]ed on `port` answers `/healthz`.
pub fn wait_until_answering(service: &mut Service, port: u16) -> anyhow::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_until_ready(service, addr, "/healthz", SERVE_PATIENCE)
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
