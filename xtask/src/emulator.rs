//! The local AWS emulator (moto server) for the demo and the tests.

use crate::paths::Paths;
use crate::process::{http, start_service, step, Service};
use crate::setup;
use anyhow::bail;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

pub struct Emulator {
    pub url: String,
    _service: Service,
}

/// Starts moto on `port` with real state machine execution switched on
/// (off by default: executions would never reach the callback task).
pub fn start(paths: &Paths, port: u16, log: &Path) -> anyhow::Result<Emulator> {
    let moto = setup::moto(paths)?;
    step(&format!(
        "starting the AWS emulator on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let service = start_service(
        "the AWS emulator",
        Command::new(moto).args(["-H", "127.0.0.1", "-p", &port.to_string()]),
        Some(log),
        port,
        "/moto-api/data.json",
    )?;
    let config = r#"{"stepfunctions":{"execute_state_machine":true}}"#;
    let (status, body) = http(
        SocketAddr::from(([127, 0, 0, 1], port)),
        "POST",
        "/moto-api/config",
        config,
    )?;
    if !(200..300).contains(&status) {
        bail!("the emulator refused its configuration ({status}): {body}");
    }
    Ok(Emulator {
        url: format!("http://127.0.0.1:{port}"),
        _service: service,
    })
}
