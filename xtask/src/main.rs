//! Project automation, run as `cargo xtask <command>`:
//!
//! - `demo [--postgres [--replicas N]]`: install what is missing, build,
//!   start the emulator, seed sample reviews and weeks of decided ones, and
//!   serve the dashboard on http://127.0.0.1:3000 (on SQLite; with
//!   `--postgres` on a throwaway PostgreSQL cluster, and with `--replicas N`
//!   as N servers sharing it behind HAProxy);
//! - `test`: install what is missing, build once, run every test (unit,
//!   integration against the emulator, browser tests in Chromium);
//! - `build [--release]`: build the WASM bundle, the site and the server;
//! - `bench`: seed a large database and print latency, size and memory
//!   figures of the release build (docs/benchmarks.md).
//!
//! Everything is installed idempotently: a second run only checks.

mod bench;
mod demo;
mod emulator;
mod haproxy;
mod identity;
mod paths;
mod postgres;
mod process;
mod setup;
mod site;
mod slack;
mod smtp;
mod stack;
mod test;

use anyhow::bail;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo             build and start the demo (dashboard, emulator, sample reviews, decided history)
  demo --postgres [--replicas N]
                   the same on a throwaway PostgreSQL cluster; with N (1 to 9, default 1)
                   replicas sharing it behind HAProxy on port 3000
  test             run every test: unit, integration (emulator), browser (Chromium)
  build [--release]  build the WASM bundle, the site and the server
  bench [--reviews N] [--audit-entries N] [--requests N] [--concurrency N] [--rounds N] [--decisions N] [--slack-reviews N]
        [--pages WORDS]
                   seed 100,000 pending reviews and 1,000,000 audit entries, load the
                   release server, print latency, WASM size and memory figures, and
                   take reviews through the Slack stand-in one at a time
                   (--pages review,queue: only those page rows, no decisions;
                   --pages slack: the Slack rows)
  bench --fuzz-intake N
                   only the intake fuzzer, N generated messages
";

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    process::step("signoff xtask");
    process::stop_services_on_signal()?;
    let paths = paths::Paths::discover()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["demo", ..] => demo::run(&paths, demo::parse(&args[1..])?),
        ["test"] => test::run(&paths),
        ["build"] => site::build(&paths, site::Profile::Debug),
        ["build", "--release"] => site::build(&paths, site::Profile::Release),
        ["bench", ..] => bench::run(&paths, &args[1..]),
        ["help" | "--help" | "-h"] | [] => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}
