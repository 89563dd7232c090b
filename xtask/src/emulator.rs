//! The local AWS emulator (moto server) for the demo and the tests.

use crate::paths::Paths;
use crate::process::{http, step, wait_until_ready, Service};
use crate::setup;
use anyhow::bail;
use std::fs::File;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

pub struct Emulator {
    pub url: String,
    _service: Service,
}

/// Starts moto on `port` with real state machine execution switched on
/// (off by default: executions would never reach the callback task).
pub fn start(paths: &Paths, port: u16, log: &std::path::Path) -> anyhow::Result<Emulator> {
    let moto = setup::moto(paths)?;
    step(&format!(
        "starting the AWS emulator on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let log = File::create(log)?;
    let mut service = Service::spawn(
        "the AWS emulator",
        Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(log.try_clone()?)
            .stderr(log),
    )?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_until_ready(
        &mut service,
        addr,
        "/moto-api/data.json",
        Duration::from_secs(30),
    )?;
    let (status, body) = http(
        addr,
        "POST",
        "/moto-api/config",
        r#"{"stepfunctions":{"execute_state_machine":true}}"#,
    )?;
    if !(200..300).contains(&status) {
        bail!("the emulator refused its configuration ({status}): {body}");
    }
    Ok(Emulator {
        url: format!("http://127.0.0.1:{port}"),
        _service: service,
    })
}
