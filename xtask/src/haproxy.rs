//! HAProxy in front of the demo's replicas (`cargo xtask demo --postgres
//! --replicas N`): one address, http://127.0.0.1:3000, for people, the
//! OpenID provider and the Slack stand-in; requests go round-robin to the
//! replicas whose `GET /readyz` answers 200, and the live event stream
//! (`/api/events`, one long response) is given an hour. It runs in the
//! foreground (`haproxy -f CFG -db`), its configuration and its request log
//! in the runs directory, and stops with the demo.

use crate::process::{check, start_service, step, Service};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// A running HAProxy, stopped when dropped.
pub struct Haproxy {
    pub service: Service,
    /// Its statistics page: each replica's state and request count.
    pub stats_url: String,
}

/// Writes the configuration for `backend_ports` to `config_path`, checks
/// it (`haproxy -c`), starts `haproxy` on 127.0.0.1:`listen_port` (its
/// statistics on `stats_port`), its output in `log`, and waits until a
/// replica answers `/readyz` through it.
pub fn start(
    haproxy: &Path,
    listen_port: u16,
    backend_ports: &[u16],
    stats_port: u16,
    config_path: &Path,
    log: &Path,
) -> anyhow::Result<Haproxy> {
    step(&format!(
        "starting HAProxy on 127.0.0.1:{listen_port} in front of {} replicas (config: {}, log: {})",
        backend_ports.len(),
        config_path.display(),
        log.display()
    ));
    std::fs::write(config_path, config(listen_port, backend_ports, stats_port))
        .with_context(|| format!("writing {}", config_path.display()))?;
    check(
        Command::new(haproxy)
            .args(["-c", "-q", "-f"])
            .arg(config_path),
    )
    .with_context(|| format!("checking {}", config_path.display()))?;
    let mut command = Command::new(haproxy);
    command.arg("-f").arg(config_path).arg("-db");
    let service = start_service("haproxy", &mut command, Some(log), listen_port, "/readyz")
        .with_context(|| format!("starting HAProxy (log: {})", log.display()))?;
    Ok(Haproxy {
        service,
        stats_url: format!("http://127.0.0.1:{stats_port}/"),
    })
}

/// The configuration: a frontend on loopback `listen_port`, one backend
/// server per port in `backend_ports` (`replica-1`, …) checked on
/// `/readyz`, and the statistics page on `stats_port`.
pub fn config(listen_port: u16, backend_ports: &[u16], stats_port: u16) -> String {
    let mut config = format!(
        "# Written by cargo xtask demo --postgres: HAProxy in front of the replicas.

global
    # In the foreground (-db): the request log goes to the demo's log file.
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option dontlognull
    # The replicas see who asked (X-Forwarded-For).
    option forwardfor
    # A request a replica could not take goes to another.
    option redispatch
    retries 2
    timeout connect 5s
    timeout http-request 10s
    timeout http-keep-alive 10s
    # The live event stream (/api/events) is one long response, a comment
    # every 15 seconds: an hour before either side counts as idle.
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h

frontend signoff
    bind 127.0.0.1:{listen_port}
    default_backend replicas

backend replicas
    balance roundrobin
    # A replica takes requests while its database and workers are up.
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2
"
    );
    for (index, port) in backend_ports.iter().enumerate() {
        // Writing to a String cannot fail.
        let _ = writeln!(config, "    server replica-{} 127.0.0.1:{port}", index + 1);
    }
    let _ = write!(
        config,
        "
listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
    stats refresh 5s
"
    );
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_balances_every_replica_checked_on_readyz() {
        let config = config(3000, &[41001, 41002, 41003], 41999);
        assert!(config.contains("\n    bind 127.0.0.1:3000\n"), "{config}");
        assert!(config.contains("\n    balance roundrobin\n"), "{config}");
        for (name, port) in [
            ("replica-1", 41001),
            ("replica-2", 41002),
            ("replica-3", 41003),
        ] {
            assert!(
                config.contains(&format!("\n    server {name} 127.0.0.1:{port}\n")),
                "{name} on {port}: {config}"
            );
        }
        assert_eq!(config.matches("    server ").count(), 3, "{config}");
        assert!(config.contains("\n    default-server check "), "{config}");
        assert!(
            config.contains("\n    http-check send meth GET uri /readyz\n"),
            "{config}"
        );
        assert!(config.contains("\n    http-check expect status 200\n"));
        assert!(config.contains("\n    option forwardfor\n"));
        for timeout in ["client", "server", "tunnel"] {
            assert!(
                config.contains(&format!("\n    timeout {timeout} 1h\n")),
                "{timeout}: {config}"
            );
        }
        assert!(config.contains("\n    bind 127.0.0.1:41999\n    stats enable\n"));
    }

    /// Checks the rendered configuration with the real HAProxy. Needs it
    /// (`apt-get install haproxy`):
    /// `cargo test -p xtask -- --ignored haproxy_accepts_the_config`
    #[test]
    #[ignore = "needs HAProxy installed"]
    fn haproxy_accepts_the_config() {
        let path = std::env::temp_dir().join(format!("signoff-haproxy-{}.cfg", std::process::id()));
        std::fs::write(&path, config(3000, &[41001, 41002], 41999)).expect("a config file");
        let checked = Command::new(crate::setup::HAPROXY)
            .args(["-c", "-f"])
            .arg(&path)
            .output()
            .expect("haproxy runs");
        let _ = std::fs::remove_file(&path);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
        assert!(checked.status.success(), "{said}");
        assert!(!said.contains("WARNING"), "{said}");
    }
}
