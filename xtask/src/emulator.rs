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
    // moto_server's own entry point, run by the venv's Python after one
    // setting: Python hands the interpreter between threads every 5 ms by
    // default, and after SendTaskSuccess the resumed execution's thread
    // often held it that long before the request's thread could answer
    // (every such call 4 or 9 ms, at random). Every 0.2 ms, an answer
    // takes the time its work takes.
    let mut command = Command::new(moto.with_file_name("python3"));
    command.args([
        "-c",
        "import sys; sys.setswitchinterval(0.0002); \
         sys.argv[0] = 'moto_server'; \
         from moto.server import main; sys.exit(main())",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ]);
    // Its request recorder (which the integration tests use to count what
    // reached S3) writes beside the log, not into the working directory.
    command.env(
        "MOTO_RECORDER_FILEPATH",
        log.with_extension("recording.jsonl"),
    );
    let service = start_service(
        "the AWS emulator",
        &mut command,
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
