//! `cargo xtask demo`: the whole product on one machine, with sample reviews.

use crate::paths::Paths;
use crate::process::{ensure_port_free, step};
use crate::{emulator, identity, setup, site, stack};

pub const DASHBOARD_PORT: u16 = 3000;
pub const EMULATOR_PORT: u16 = 5000;
pub const PROVIDER_PORT: u16 = 9000;

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    ensure_port_free(DASHBOARD_PORT, "the dashboard")?;
    ensure_port_free(EMULATOR_PORT, "the AWS emulator")?;
    ensure_port_free(PROVIDER_PORT, "the OpenID provider")?;
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
    let database = runs.join("demo.db");
    stack::fresh_database(&database)?;
    let queue_url = stack::seed(paths, &emulator.url, "signoff-intake", "model-release-demo")?;
    step("starting Signoff");
    let backends = stack::Backends {
        emulator_url: &emulator.url,
        queue_url: &queue_url,
        issuer: &provider.issuer,
    };
    let mut server = stack::serve(paths, DASHBOARD_PORT, &database, &backends, None)?;
    eprintln!(
        "\n  Signoff demo is running: {dashboard}\n\n  \
         Sign in as ada / ada-demo (a reviewer); README.md lists every demo user.\n  \
         AWS emulator:     {}  (Step Functions, SQS, S3)\n  \
         OpenID provider:  {}\n  \
         Database:         {}\n  \
         Stop with Ctrl-C.\n",
        emulator.url,
        provider.issuer,
        database.display()
    );
    let status = server.wait()?;
    drop(provider);
    drop(emulator);
    if !status.success() {
        anyhow::bail!("signoff serve exited ({status})");
    }
    Ok(())
}
