//! A throwaway PostgreSQL cluster for the tests and the demo (`cargo xtask
//! demo --postgres`): initialised fresh in a temporary directory, listening on
//! loopback only, trusting every local connection, without fsync, and
//! stopped and deleted when dropped. A Ctrl-C only stops it (Drop does not
//! run on a signal): the next start deletes what such a run left.
//!
//! It lives under the system's temporary directory, not the runs
//! directory: run as root, the cluster runs as the `postgres` user (it
//! refuses root), who cannot enter /root where the runs directory is.

use crate::process::{check, forget_on_signal, step, stop_on_signal};
use crate::setup;
use anyhow::{bail, Context};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The superuser `initdb` creates and the tests connect as.
const SUPERUSER: &str = "postgres";

/// A running cluster, stopped and deleted when dropped.
pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the admin database,
    /// in which the tests create databases of their own.
    pub url: String,
    port: u16,
    bin: PathBuf,
    /// The temporary directory: `data/` and the Unix socket.
    dir: PathBuf,
    log: PathBuf,
    /// Run as root: every cluster command runs as `postgres`.
    as_postgres: bool,
    /// The postmaster, once started (for the signal handler).
    pid: Option<u32>,
}

/// Starts a fresh cluster listening on 127.0.0.1:`port`, its server log in
/// `log` (truncated first).
pub fn start(port: u16, log: &Path) -> anyhow::Result<Postgres> {
    let bin = setup::postgres()?;
    let as_postgres = setup::is_root();
    remove_stale_clusters(&std::env::temp_dir());
    let dir = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-{port}", std::process::id()));
    step(&format!(
        "starting PostgreSQL on 127.0.0.1:{port} (cluster: {}, log: {})",
        dir.display(),
        log.display()
    ));
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(log, "").with_context(|| format!("creating {}", log.display()))?;
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // From here on, dropping the guard cleans up whatever was done.
    let mut postgres = Postgres {
        url: url(port),
        port,
        bin,
        dir,
        log: log.to_path_buf(),
        as_postgres,
        pid: None,
    };
    postgres
        .init_and_start(port)
        .with_context(|| format!("starting PostgreSQL (log: {})", log.display()))?;
    Ok(postgres)
}

/// A cluster's temporary directory is `signoff-pg-XTASKPID-PORT`.
const DIR_PREFIX: &str = "signoff-pg-";

/// The xtask process a cluster directory's name says started it.
fn starter(name: &str) -> Option<u32> {
    let (pid, port) = name.strip_prefix(DIR_PREFIX)?.split_once('-')?;
    port.parse::<u16>().ok()?;
    pid.parse().ok()
}

/// Deletes the clusters that runs ended by a signal left behind (Drop does
/// not run then; the handler only stops the postmaster): those whose xtask
/// has exited and whose postmaster is gone (no `postmaster.pid`). A running
/// run's cluster, or one whose postmaster may still run, is left alone.
fn remove_stale_clusters(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry.file_name().to_str().and_then(starter) else {
            continue;
        };
        let dir = entry.path();
        let stale = !Path::new(&format!("/proc/{pid}")).exists()
            && !dir.join("data/postmaster.pid").exists();
        if stale {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// The admin database's URL on loopback `port`.
fn url(port: u16) -> String {
    database_url(port, "postgres")
}

/// The URL of `database` on loopback `port`, as the superuser.
fn database_url(port: u16, database: &str) -> String {
    format!("postgres://{SUPERUSER}@127.0.0.1:{port}/{database}")
}

/// What the cluster's `postgresql.conf` gains: loopback only, the socket in
/// `socket_dir`, no fsync (a crash loses a throwaway cluster anyway).
fn settings(port: u16, socket_dir: &Path) -> String {
    let socket_dir = socket_dir.to_string_lossy().replace('\'', "''");
    format!(
        "\n# signoff xtask: a throwaway cluster\n\
         listen_addresses = '127.0.0.1'\n\
         port = {port}\n\
         unix_socket_directories = '{socket_dir}'\n\
         fsync = off\n\
         # Every integration test's server, and the fault tests' replicas,\n\
         # hold pools of their own at once.\n\
         max_connections = 400\n"
    )
}

impl Postgres {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Creates the empty database `name` (letters, digits and `_` only)
    /// with the cluster's `psql`, and returns its URL.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("{name:?} is not a plain database name");
        }
        step(&format!("creating the database {name}"));
        check(
            self.command("psql")?
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(&self.url)
                .args(["-c", &format!("CREATE DATABASE {name}")]),
        )
        .with_context(|| format!("creating {name} (log: {})", self.log.display()))?;
        Ok(database_url(self.port, name))
    }

    fn init_and_start(&mut self, port: u16) -> anyhow::Result<()> {
        if self.as_postgres {
            check(Command::new("chown").arg(SUPERUSER).arg(&self.dir))?;
        }
        check(
            self.command("initdb")?
                .arg("-D")
                .arg(self.data())
                .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8"])
                .args(["--locale=C.UTF-8", "--no-sync"]),
        )?;
        // Settings in the file rather than `pg_ctl -o`, which hands them to
        // a shell unquoted. Root may append to the postgres user's file.
        let conf = self.data().join("postgresql.conf");
        let mut file = File::options()
            .append(true)
            .open(&conf)
            .with_context(|| format!("opening {}", conf.display()))?;
        std::io::Write::write_all(&mut file, settings(port, &self.dir).as_bytes())
            .with_context(|| format!("writing {}", conf.display()))?;
        // No `-l`: the server writes to pg_ctl's output, which is the log
        // this process opened, so the postgres user needs no access to it.
        check(
            self.command("pg_ctl")?
                .arg("-D")
                .arg(self.data())
                .args(["-w", "start"]),
        )?;
        let pid_file = self.data().join("postmaster.pid");
        let pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse().ok());
        let Some(pid) = pid else {
            bail!("pg_ctl started but {} names no process", pid_file.display());
        };
        // The postmaster leaves this process group, so a Ctrl-C would not
        // reach it and Drop does not run on a signal: the handler stops it.
        stop_on_signal(pid);
        self.pid = Some(pid);
        Ok(())
    }

    /// `program` from the cluster's bin directory, as the postgres user
    /// when run as root, run in the temporary directory, its output
    /// appended to the log.
    fn command(&self, program: &str) -> anyhow::Result<Command> {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", SUPERUSER, "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        // Appending, so the server's own writes (through the descriptor it
        // inherits) and later commands' never overwrite each other.
        let log = File::options()
            .append(true)
            .create(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        command
            .current_dir(&self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        Ok(command)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.pid.is_some() || self.data().join("postmaster.pid").exists() {
            if let Ok(mut stop) = self.command("pg_ctl") {
                let _ = stop
                    .arg("-D")
                    .arg(self.data())
                    .args(["-m", "immediate", "-w", "stop"])
                    .status();
            }
        }
        if let Some(pid) = self.pid {
            forget_on_signal(pid);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_names_the_superuser_and_the_admin_database_on_loopback() {
        assert_eq!(url(55432), "postgres://postgres@127.0.0.1:55432/postgres");
        assert_eq!(
            database_url(55432, "signoff_demo"),
            "postgres://postgres@127.0.0.1:55432/signoff_demo"
        );
    }

    #[test]
    fn a_cluster_directory_names_the_xtask_that_started_it() {
        assert_eq!(starter("signoff-pg-20669-44647"), Some(20669));
        assert_eq!(starter("signoff-pg-test-20669"), None);
        assert_eq!(starter("signoff-pg-20669"), None);
        assert_eq!(starter("signoff-pg-20669-notaport"), None);
        assert_eq!(starter("other-20669-44647"), None);
    }

    #[test]
    fn the_settings_listen_on_loopback_with_the_socket_in_the_cluster_directory() {
        let settings = settings(55432, Path::new("/tmp/it's here"));
        assert!(settings.contains("\nlisten_addresses = '127.0.0.1'\n"));
        assert!(settings.contains("\nport = 55432\n"));
        assert!(settings.contains("\nunix_socket_directories = '/tmp/it''s here'\n"));
        assert!(settings.contains("\nfsync = off\n"));
    }

    /// Starts a cluster, queries it with `psql`, drops it and checks that
    /// nothing is left. Needs PostgreSQL (installs it as root):
    /// `cargo test -p xtask -- --ignored a_cluster_starts_answers_and_leaves_nothing --nocapture`
    #[test]
    #[ignore = "starts a real PostgreSQL cluster"]
    fn a_cluster_starts_answers_and_leaves_nothing() {
        // Like the runs directory under /root: the postgres user cannot
        // enter it when this runs as root.
        let private = std::env::temp_dir().join(format!("signoff-pg-test-{}", std::process::id()));
        std::fs::create_dir_all(&private).expect("a log directory");
        std::fs::set_permissions(
            &private,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("a private log directory");
        let log = private.join("postgres.log");
        let port = crate::process::free_port().expect("a free port");
        let postgres = start(port, &log).expect("a running cluster");
        let data = postgres.data();
        let dir = postgres.dir.clone();
        let psql = Command::new("psql")
            .arg(&postgres.url)
            .args(["-XAtc", "select current_user, version()"])
            .output()
            .expect("psql runs");
        let answer = String::from_utf8_lossy(&psql.stdout);
        eprintln!("psql: {answer}{}", String::from_utf8_lossy(&psql.stderr));
        assert!(psql.status.success());
        assert!(answer.starts_with("postgres|PostgreSQL "), "{answer}");
        let fsync = Command::new("psql")
            .arg(&postgres.url)
            .args(["-XAtc", "show fsync"])
            .output()
            .expect("psql runs");
        assert_eq!(String::from_utf8_lossy(&fsync.stdout).trim(), "off");
        let demo = postgres
            .create_database("signoff_demo")
            .expect("a database of its own");
        let current = Command::new("psql")
            .arg(&demo)
            .args(["-XAtc", "select current_database()"])
            .output()
            .expect("psql runs");
        assert_eq!(
            String::from_utf8_lossy(&current.stdout).trim(),
            "signoff_demo"
        );
        assert!(postgres.create_database("no; drop").is_err());
        let pid = postgres.pid.expect("the postmaster's pid");
        drop(postgres);
        let left = Command::new("pgrep")
            .arg("-f")
            .arg(&data)
            .output()
            .expect("pgrep runs");
        assert!(
            !left.status.success(),
            "still running: {}",
            String::from_utf8_lossy(&left.stdout)
        );
        // Gone, or a zombie until its new parent (init) reaps it: pg_ctl
        // returns once the postmaster has removed its pid file.
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = state.rsplit(')').next().unwrap_or_default().trim_start();
        assert!(
            state.is_empty() || state.starts_with('Z'),
            "the postmaster {pid} still runs: {state}"
        );
        assert!(!dir.exists(), "{} is left", dir.display());
        let log_text = std::fs::read_to_string(&log).expect("the log");
        eprintln!("log:\n{log_text}");
        assert!(log_text.contains("database system is ready to accept connections"));
        assert!(log_text.contains("database system is shut down"));
        let _ = std::fs::remove_dir_all(&private);
    }
}
