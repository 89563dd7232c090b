//! `cargo xtask demo`: the whole product on one machine, with sample reviews.

use crate::paths::Paths;
use crate::process::{ensure_port_free, step};
use crate::{emulator, identity, setup, site, slack, smtp, stack};

pub const DASHBOARD_PORT: u16 = 3000;
pub const EMULATOR_PORT: u16 = 5000;
pub const PROVIDER_PORT: u16 = 9000;
pub const SLACK_PORT: u16 = 3100;
pub const SMTP_PORT: u16 = 2525;

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    ensure_port_free(DASHBOARD_PORT, "the dashboard")?;
    ensure_port_free(EMULATOR_PORT, "the AWS emulator")?;
    ensure_port_free(PROVIDER_PORT, "the OpenID provider")?;
    ensure_port_free(SLACK_PORT, "the Slack stand-in")?;
    ensure_port_free(SMTP_PORT, "the SMTP server")?;
    setup::npm_packages(paths)?;
    site::build(paths, site::Profile::Debug)?;
    let runs = paths.runs();
    std::fs::create_dir_all(&runs)?;
    let emulator = emulator::start(paths, EMULATOR_PORT, &runs.join("demo-emulator.log"))?;
    let dashboard = format!("http://127.0.0.1:{DASHBOARD_PORT}");
    let provider = identity::start(
        paths,
        PROVIDER_PORT,
        std::slice::from_ref(&dashboard),
        &runs.join("demo-oidc.log"),
    )?;
    // The emulator starts empty, so the demo's database does too: reviews
    // from an earlier run would point at executions that no longer exist.
    let smtp = smtp::start(
        paths,
        SMTP_PORT,
        &runs.join("demo-maildir"),
        &runs.join("demo-smtp.log"),
    )?;
    let slack = slack::start(
        paths,
        SLACK_PORT,
        &format!("{dashboard}/slack/interactions"),
        &runs.join("demo-slack.log"),
    )?;
    let database = runs.join("demo.db");
    stack::fresh_database(&database)?;
    let queue_url = stack::seed(
        paths,
        &emulator.url,
        "signoff-intake",
        "model-release-demo",
        &database,
    )?;
    step("starting Signoff");
    let backends = stack::Backends {
        emulator_url: &emulator.url,
        queue_url: &queue_url,
        issuer: &provider.issuer,
        notify: Some(stack::NotifyBackends {
            slack_api_url: &slack.api_url,
            smtp_url: &smtp.url,
        }),
    };
    let mut server = stack::serve(paths, DASHBOARD_PORT, &database, &backends, None)?;
    eprintln!(
        "\n  Signoff demo is running: {dashboard}\n\n  \
         Sign in as ada / ada-demo (a reviewer); README.md lists every demo user.\n  \
         Slack stand-in:   {}  (the posted messages; its buttons decide)\n  \
         E-mail:           {}  (a Maildir: one file per message)\n  \
         AWS emulator:     {}  (Step Functions, SQS, S3)\n  \
         OpenID provider:  {}\n  \
         Database:         {}\n  \
         Stop with Ctrl-C.\n",
        slack.page_url,
        smtp.maildir.display(),
        emulator.url,
        provider.issuer,
        database.display()
    );
    let status = server.wait()?;
    drop(slack);
    drop(smtp);
    drop(provider);
    drop(emulator);
    if !status.success() {
        anyhow::bail!("signoff serve exited ({status})");
    }
    Ok(())
}
