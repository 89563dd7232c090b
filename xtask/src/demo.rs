//! `cargo xtask demo`: the whole product on one machine, with sample reviews.

use crate::paths::Paths;
use crate::process::{ensure_port_free, step};
use crate::{emulator, site, stack};

pub const DASHBOARD_PORT: u16 = 3000;
pub const EMULATOR_PORT: u16 = 5000;

pub fn run(paths: &Paths) -> anyhow::Result<()> {
    ensure_port_free(DASHBOARD_PORT, "the dashboard")?;
    ensure_port_free(EMULATOR_PORT, "the AWS emulator")?;
    site::build(paths, site::Profile::Debug)?;
    let runs = paths.runs();
    std::fs::create_dir_all(&runs)?;
    let emulator = emulator::start(paths, EMULATOR_PORT, &runs.join("demo-emulator.log"))?;
    // The emulator starts empty, so the demo's database does too: reviews
    // from an earlier run would point at executions that no longer exist.
    let database = runs.join("demo.db");
    stack::fresh_database(&database)?;
    let queue_url = stack::seed(paths, &emulator.url, "signoff-intake", "model-release-demo")?;
    step("starting Signoff");
    let mut server = stack::serve(
        paths,
        DASHBOARD_PORT,
        &database,
        &emulator.url,
        &queue_url,
        None,
    )?;
    eprintln!(
        "\n  Signoff demo is running: http://127.0.0.1:{DASHBOARD_PORT}\n\n  \
         AWS emulator:  {}  (Step Functions, SQS, S3)\n  \
         Database:      {}\n  \
         Stop with Ctrl-C.\n",
        emulator.url,
        database.display()
    );
    let status = server.wait()?;
    drop(emulator);
    if !status.success() {
        anyhow::bail!("signoff serve exited ({status})");
    }
    Ok(())
}
