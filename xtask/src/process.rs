//! Running commands and background services: progress lines, exit-code
//! checks, children that are killed when dropped, free ports, readiness.

use anyhow::{bail, Context};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Processes of the running services, for the signal handler.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// On Ctrl-C, SIGTERM or SIGHUP, stops every service this xtask started
/// before exiting, so that a demo or test run never leaves the emulator or
/// a server behind (Drop does not run when a signal ends the process).
pub fn stop_services_on_signal() -> anyhow::Result<()> {
    ctrlc::set_handler(|| {
        let pids = RUNNING.lock().map(|pids| pids.clone()).unwrap_or_default();
        for pid in pids {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        eprintln!("\n==> stopped");
        std::process::exit(130);
    })
    .context("installing the signal handler")
}

/// Has the signal handler stop `pid` too: for a service that detaches
/// itself (PostgreSQL's postmaster), which no [`Service`] holds.
pub fn stop_on_signal(pid: u32) {
    if let Ok(mut pids) = RUNNING.lock() {
        pids.push(pid);
    }
}

/// Undoes [`stop_on_signal`], once `pid` has been stopped.
pub fn forget_on_signal(pid: u32) {
    if let Ok(mut pids) = RUNNING.lock() {
        pids.retain(|running| *running != pid);
    }
}

/// A `cargo` command without the variables cargo set for this xtask
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, …). Build scripts such as ring's
/// track some of them; inherited, they make a build from here and one from
/// a shell look different and recompile half the dependency tree.
pub fn cargo() -> Command {
    let mut command = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_run = name.starts_with("CARGO_PKG_")
            || matches!(
                name.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            );
        if set_for_run {
            command.env_remove(name.as_ref());
        }
    }
    command
}

/// Prints a progress line with the time since the command started.
pub fn step(text: &str) {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let elapsed = STARTED.get_or_init(Instant::now).elapsed().as_secs();
    eprintln!("==> [{:>2}:{:02}] {text}", elapsed / 60, elapsed % 60);
}

/// Runs a command to completion; an error names it and its exit status.
pub fn check(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// A background process, killed (and reaped) when dropped.
pub struct Service {
    name: &'static str,
    child: Child,
}

impl Service {
    pub fn spawn(name: &'static str, command: &mut Command) -> anyhow::Result<Self> {
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        stop_on_signal(child.id());
        Ok(Self { name, child })
    }

    /// Fails if the process has already exited.
    pub fn ensure_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("{} exited early ({status})", self.name);
        }
        Ok(())
    }

    /// Waits for the process to exit by itself.
    pub fn wait(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        Ok(self.child.wait()?)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        forget_on_signal(self.child.id());
        if let Ok(None) = self.child.try_wait() {
            // SIGTERM first so the server can shut down gracefully.
            let _ = Command::new("kill")
                .arg(self.child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `count` different ports nothing listens on right now (all bound at once,
/// so none is handed out twice).
pub fn free_ports(count: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()?;
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect()
}

/// Fails if something already listens on `port`.
pub fn ensure_port_free(port: u16, what: &str) -> anyhow::Result<()> {
    if TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!(
            "port {port} is in use, so {what} cannot start there: is another demo still running?"
        );
    }
    Ok(())
}

/// Starts a service that listens on loopback `port`, its output in `log`
/// (or inherited when `None`), and waits until `GET ready_path` answers 200.
pub fn start_service(
    name: &'static str,
    command: &mut Command,
    log: Option<&std::path::Path>,
    port: u16,
    ready_path: &str,
) -> anyhow::Result<Service> {
    let mut service = spawn_logged(name, command, log)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    wait_until_ready(&mut service, addr, ready_path, Duration::from_secs(30))?;
    Ok(service)
}

/// Starts a service that speaks a line protocol (SMTP) on loopback `port`,
/// its output in `log`, and waits until a connection is greeted with a
/// line starting with `greeting` (SMTP's `220`).
pub fn start_line_service(
    name: &'static str,
    command: &mut Command,
    log: &std::path::Path,
    port: u16,
    greeting: &str,
) -> anyhow::Result<Service> {
    let mut service = spawn_logged(name, command, Some(log))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let timeout = Duration::from_secs(30);
    let deadline = Instant::now() + timeout;
    loop {
        service.ensure_running()?;
        if greeted(addr, greeting) {
            return Ok(service);
        }
        if Instant::now() > deadline {
            bail!("{name} did not greet on {addr} within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts a service, its output in `log` (or inherited when `None`),
/// without waiting for it.
pub fn spawn_logged(
    name: &'static str,
    command: &mut Command,
    log: Option<&std::path::Path>,
) -> anyhow::Result<Service> {
    if let Some(log) = log {
        let file = std::fs::File::create(log)?;
        command.stdout(file.try_clone()?).stderr(file);
    }
    Service::spawn(name, command)
}

/// Whether a connection to `addr` is greeted with a line starting with `greeting`.
fn greeted(addr: SocketAddr, greeting: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    if stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .is_err()
    {
        return false;
    }
    let mut line = [0u8; 64];
    let read = stream.read(&mut line).unwrap_or(0);
    // Polite to the server: it logs an abrupt close as an error.
    let _ = stream.write_all(b"QUIT\r\n");
    line[..read].starts_with(greeting.as_bytes())
}

/// Waits until `GET path` on `addr` answers 200, while `service` runs.
pub fn wait_until_ready(
    service: &mut Service,
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        service.ensure_running()?;
        if let Ok((200, _)) = http(addr, "GET", path, "") {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} did not answer on http://{addr}{path} within {timeout:?}",
                service.name
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A minimal HTTP/1.1 request on loopback: returns the status and body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("malformed HTTP response")?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that greets its first connection with `line`.
    fn greeter(line: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().expect("an address");
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let _ = stream.write_all(line);
                let mut rest = Vec::new();
                let _ = stream.read_to_end(&mut rest);
            }
        });
        addr
    }

    #[test]
    fn free_ports_are_all_different() {
        let ports = free_ports(5).expect("five ports");
        let mut distinct = ports.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 5, "{ports:?}");
    }

    #[test]
    fn a_service_is_ready_when_it_greets_as_expected() {
        assert!(greeted(greeter(b"220 localhost ESMTP\r\n"), "220"));
        assert!(!greeted(greeter(b"554 no service\r\n"), "220"));
        let closed = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port");
        assert!(!greeted(closed, "220"), "nothing listens there");
    }
}
