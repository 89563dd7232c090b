//! `cargo xtask demo`: the whole product on one machine, with sample reviews.
//!
//! By default one server on a fresh SQLite file. With `--postgres`, a
//! throwaway PostgreSQL cluster holds the database instead; with
//! `--replicas N` as well, N servers share it behind HAProxy (haproxy.rs),
//! which alone listens on the dashboard's port, so sign-in, Slack's buttons
//! and every page reach whichever replica it picks.

use crate::paths::Paths;
use crate::process::{ensure_port_free, free_port, free_ports, step, Service};
use crate::{emulator, haproxy, identity, postgres, setup, site, slack, smtp, stack};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DASHBOARD_PORT: u16 = 3000;
pub const EMULATOR_PORT: u16 = 5000;
pub const PROVIDER_PORT: u16 = 9000;
pub const SLACK_PORT: u16 = 3100;
pub const SMTP_PORT: u16 = 2525;

/// The most replicas `--replicas` starts.
pub const MAX_REPLICAS: u8 = 9;
/// The database the demo creates in its PostgreSQL cluster.
const POSTGRES_DATABASE: &str = "signoff_demo";

pub const USAGE: &str = "usage: cargo xtask demo [--postgres [--replicas N]]";

/// What the demo's servers keep their data in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Database {
    /// A fresh SQLite file, one server.
    Sqlite,
    /// A throwaway PostgreSQL cluster shared by `replicas` servers (behind
    /// HAProxy when more than one).
    Postgres { replicas: u8 },
}

/// `demo`'s flags: none, `--postgres`, `--postgres --replicas N`.
pub fn parse(args: &[String]) -> anyhow::Result<Database> {
    let mut postgres = false;
    let mut replicas = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = match arg.as_str() {
            "--postgres" if !postgres => {
                postgres = true;
                continue;
            }
            "--replicas" => rest.next().map(String::as_str),
            other => match other.strip_prefix("--replicas=") {
                Some(value) => Some(value),
                None => bail!("unknown or repeated demo flag {other:?}\n{USAGE}"),
            },
        };
        if replicas.is_some() {
            bail!("--replicas is given twice\n{USAGE}");
        }
        replicas = Some(
            value
                .and_then(|value| value.parse::<u8>().ok())
                .filter(|n| (1..=MAX_REPLICAS).contains(n))
                .with_context(|| {
                    format!("--replicas takes a number from 1 to {MAX_REPLICAS}\n{USAGE}")
                })?,
        );
    }
    match (postgres, replicas) {
        (false, None) => Ok(Database::Sqlite),
        (false, Some(_)) => bail!(
            "--replicas needs --postgres: replicas share one PostgreSQL database (a SQLite file serves one process)\n{USAGE}"
        ),
        (true, replicas) => Ok(Database::Postgres {
            replicas: replicas.unwrap_or(1),
        }),
    }
}

pub fn run(paths: &Paths, database: Database) -> anyhow::Result<()> {
    ensure_port_free(DASHBOARD_PORT, "the dashboard")?;
    ensure_port_free(EMULATOR_PORT, "the AWS emulator")?;
    ensure_port_free(PROVIDER_PORT, "the OpenID provider")?;
    ensure_port_free(SLACK_PORT, "the Slack stand-in")?;
    ensure_port_free(SMTP_PORT, "the SMTP server")?;
    // Installed (if missing) before the slow build, not when they start.
    if let Database::Postgres { replicas } = database {
        setup::postgres()?;
        if replicas > 1 {
            setup::haproxy()?;
        }
    }
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
    // Declared before the servers, so it is dropped after them.
    let store = Store::fresh(database, &runs)?;
    let queue_url = stack::seed(
        paths,
        &emulator.url,
        "signoff-intake",
        "model-release-demo",
        &store.url,
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
    let banner = |replicas: &str| {
        format!(
            "\n  Signoff demo is running: {dashboard}\n\n  \
             Sign in as ada / ada-demo (a reviewer); README.md lists every demo user.\n  \
             Slack stand-in:   {}  (the posted messages; its buttons decide)\n  \
             E-mail:           {}  (a Maildir: one file per message)\n  \
             AWS emulator:     {}  (Step Functions, SQS, S3)\n  \
             OpenID provider:  {}\n  \
             Database:         {}\n  \
             {replicas}Stop with Ctrl-C.\n",
            slack.page_url,
            smtp.maildir.display(),
            emulator.url,
            provider.issuer,
            store.shown
        )
    };
    match database {
        Database::Postgres { replicas } if replicas > 1 => {
            serve_replicas(
                paths, replicas, &store.url, &dashboard, &backends, &runs, banner,
            )?;
        }
        _ => {
            let mut server = stack::serve(
                paths,
                &stack::Server {
                    port: DASHBOARD_PORT,
                    public_url: &dashboard,
                    log: None,
                },
                &store.url,
                &backends,
            )?;
            eprintln!("{}", banner(""));
            let status = server.wait()?;
            if !status.success() {
                bail!("signoff serve exited ({status})");
            }
        }
    }
    drop(store);
    drop(slack);
    drop(smtp);
    drop(provider);
    drop(emulator);
    Ok(())
}

/// The demo's database, fresh on every run: the emulator starts empty, so
/// reviews from an earlier run would point at executions that no longer
/// exist.
struct Store {
    /// The servers' `--database-url`.
    url: String,
    /// What the banner says of it.
    shown: String,
    /// The PostgreSQL cluster holding it, stopped when this is dropped.
    _cluster: Option<postgres::Postgres>,
}

impl Store {
    fn fresh(database: Database, runs: &Path) -> anyhow::Result<Self> {
        Ok(match database {
            Database::Sqlite => {
                let path = runs.join("demo.db");
                stack::fresh_database(&path)?;
                Store {
                    url: stack::sqlite_url(&path),
                    shown: path.display().to_string(),
                    _cluster: None,
                }
            }
            Database::Postgres { .. } => {
                let log = runs.join("demo-postgres.log");
                let cluster = postgres::start(free_port()?, &log)?;
                let url = cluster.create_database(POSTGRES_DATABASE)?;
                Store {
                    shown: format!("{url}  (PostgreSQL; log: {})", log.display()),
                    url,
                    _cluster: Some(cluster),
                }
            }
        })
    }
}

/// One of several `signoff serve` sharing the database.
struct Replica {
    /// 1 to N, as in `demo-server-N.log` and HAProxy's `replica-N`.
    number: usize,
    port: u16,
    log: PathBuf,
    service: Service,
}

impl Replica {
    fn named(&self) -> String {
        format!(
            "replica {} on port {} (log: {})",
            self.number,
            self.port,
            self.log.display()
        )
    }
}

/// Starts `count` replicas on free ports at once (they run their migrations
/// concurrently: sqlx serialises them under an advisory lock), each giving
/// `public_url` (HAProxy's) as its address, then HAProxy on the dashboard's
/// port in front of them; prints the banner and watches them until HAProxy
/// or the last replica exits (Ctrl-C stops everything through the signal
/// handler).
fn serve_replicas(
    paths: &Paths,
    count: u8,
    database_url: &str,
    public_url: &str,
    backends: &stack::Backends,
    runs: &Path,
    banner: impl Fn(&str) -> String,
) -> anyhow::Result<()> {
    let haproxy_binary = setup::haproxy()?;
    let ports = free_ports(usize::from(count) + 1)?;
    let (stats_port, replica_ports) = ports.split_last().context("no free ports")?;
    let mut replicas = Vec::new();
    for (index, &port) in replica_ports.iter().enumerate() {
        let log = runs.join(format!("demo-server-{}.log", index + 1));
        let service = stack::spawn(
            paths,
            &stack::Server {
                port,
                public_url,
                log: Some(&log),
            },
            database_url,
            backends,
        )?;
        replicas.push(Replica {
            number: index + 1,
            port,
            log,
            service,
        });
    }
    for replica in &mut replicas {
        stack::wait_until_answering(&mut replica.service, replica.port)
            .with_context(|| replica.named())?;
    }
    step(&format!(
        "{count} replicas answer on ports {}",
        list(replica_ports)
    ));
    let mut haproxy = haproxy::start(
        &haproxy_binary,
        DASHBOARD_PORT,
        replica_ports,
        *stats_port,
        &runs.join("demo-haproxy.cfg"),
        &runs.join("demo-haproxy.log"),
    )?;
    eprintln!(
        "{}",
        banner(&format!(
            "Replicas:         {count} behind HAProxy on port {DASHBOARD_PORT} (round-robin, checked on /readyz):\n                    \
             ports {}, logs {}\n  \
             HAProxy stats:    {}  (each replica's state and requests; log: {})\n  ",
            list(replica_ports),
            runs.join("demo-server-N.log").display(),
            haproxy.stats_url,
            runs.join("demo-haproxy.log").display()
        ))
    );
    // A replica that exits (stopped to watch HAProxy route around it, or
    // failed) leaves the others serving; the demo ends with the last one.
    loop {
        replicas.retain_mut(|replica| match replica.service.ensure_running() {
            Ok(()) => true,
            Err(error) => {
                step(&format!(
                    "{}: {error:#}; HAProxy sends its requests to the others",
                    replica.named()
                ));
                false
            }
        });
        if replicas.is_empty() {
            bail!(
                "every replica has exited (logs: {})",
                runs.join("demo-server-N.log").display()
            );
        }
        haproxy.service.ensure_running()?;
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// `41001, 41002, 41003`.
fn list(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> anyhow::Result<Database> {
        parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn the_demo_runs_on_sqlite_unless_told_postgres_with_one_replica_by_default() {
        assert_eq!(parsed(&[]).ok(), Some(Database::Sqlite));
        assert_eq!(
            parsed(&["--postgres"]).ok(),
            Some(Database::Postgres { replicas: 1 })
        );
        assert_eq!(
            parsed(&["--postgres", "--replicas", "3"]).ok(),
            Some(Database::Postgres { replicas: 3 })
        );
        assert_eq!(
            parsed(&["--replicas=9", "--postgres"]).ok(),
            Some(Database::Postgres { replicas: 9 })
        );
    }

    #[test]
    fn replicas_need_postgres_and_a_number_from_one_to_nine() {
        let error = |args: &[&str]| match parsed(args) {
            Ok(database) => panic!("{args:?} parsed as {database:?}"),
            Err(error) => error.to_string(),
        };
        assert!(error(&["--replicas", "3"]).contains("--replicas needs --postgres"));
        for bad in ["0", "10", "three", "-1"] {
            assert!(
                error(&["--postgres", "--replicas", bad]).contains("from 1 to 9"),
                "{bad}"
            );
        }
        assert!(error(&["--postgres", "--replicas"]).contains("from 1 to 9"));
        assert!(error(&["--postgres", "--replicas", "2", "--replicas", "3"]).contains("twice"));
        assert!(error(&["--postgres", "--postgres"]).contains("repeated"));
        assert!(error(&["--sqlite"]).contains("unknown"));
    }
}
