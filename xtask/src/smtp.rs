//! The local SMTP server (PyPI `aiosmtpd`, in the emulator's venv) for the
//! tests: every message it accepts is written to a Maildir, where the
//! e-mail tests read it back.

use crate::paths::Paths;
use crate::process::{start_line_service, step, Service};
use crate::setup;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct SmtpServer {
    /// `smtp://127.0.0.1:PORT`: plain SMTP, as `--smtp-url` takes it.
    pub url: String,
    /// The Maildir it delivers to (`new/` holds one file per message).
    pub maildir: PathBuf,
    _service: Service,
}

/// Starts aiosmtpd on `port`, delivering into a fresh `maildir` (removed
/// first if a run left one).
pub fn start(paths: &Paths, port: u16, maildir: &Path, log: &Path) -> anyhow::Result<SmtpServer> {
    let python = setup::venv_python(paths)?;
    if maildir.exists() {
        std::fs::remove_dir_all(maildir)?;
    }
    // Python's Maildir creates `new/`, `cur/` and `tmp/` only when it
    // creates the directory itself: leave that to it.
    if let Some(parent) = maildir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    step(&format!(
        "starting the SMTP server on 127.0.0.1:{port} (Maildir: {}, log: {})",
        maildir.display(),
        log.display()
    ));
    let mut command = Command::new(python);
    // -n: do not try to drop privileges (it would need the `nobody` user);
    // Mailbox: aiosmtpd's own handler, one Maildir file per message.
    command
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir);
    let service = start_line_service("the SMTP server", &mut command, log, port, "220")?;
    Ok(SmtpServer {
        url: format!("smtp://127.0.0.1:{port}"),
        maildir: maildir.to_path_buf(),
        _service: service,
    })
}
