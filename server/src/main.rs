//! The `signoff` command: parses the command line and runs a subcommand.

use clap::Parser;
use server::config::{AuditCommand, Cli, Command, ConfigCommand};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

// Pages allocate and free many small strings and vectors from several
// threads at once; glibc's allocator spent a third of a queue page's CPU
// time doing it (docs/benchmarks.md), mimalloc much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    // Logs go to stderr: stdout is for what a subcommand prints (the seed's
    // queue URL, `config check`'s report).
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .fmt_fields(server::logging::escaped_fields())
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(*args).await.map(|()| ExitCode::SUCCESS),
        Command::Seed(args) => server::seed::run(args).await.map(|()| ExitCode::SUCCESS),
        Command::Config {
            command: ConfigCommand::Check { file, request },
        } => server::config_check::run(&file, request.as_deref()),
        Command::Audit {
            command: AuditCommand::Verify { database_url },
        } => verify_audit(&database_url).await,
        Command::Audit {
            command: AuditCommand::VerifyExport { file },
        } => verify_export(&file),
        Command::Audit {
            command:
                AuditCommand::Prune {
                    older_than_days,
                    export,
                    database_url,
                },
        } => prune_audit(&database_url, older_than_days, &export).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `signoff audit verify`: exit 0 when the chain holds, 1 when it breaks.
async fn verify_audit(database_url: &str) -> anyhow::Result<ExitCode> {
    let stores = server::db::connect(database_url).await?;
    Ok(match stores.audit.verify().await? {
        Ok(count) => {
            println!("audit log intact: {count} entries verified");
            ExitCode::SUCCESS
        }
        Err(broken) => {
            println!("{broken}");
            ExitCode::FAILURE
        }
    })
}

/// `signoff audit verify-export FILE`: exit 0 when every entry matches.
fn verify_export(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    use app::domain::audit_export::{check_export, parse_jsonl_line};
    let text = std::fs::read_to_string(file)?;
    let mut entries = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        entries
            .push(parse_jsonl_line(line).map_err(|e| anyhow::anyhow!("line {}: {e}", number + 1))?);
    }
    Ok(match check_export(entries) {
        Ok(check) => {
            let run = if check.contiguous {
                "one unbroken run"
            } else {
                "not one unbroken run (a filtered export)"
            };
            println!(
                "export intact: {} entries match their hashes; {run}",
                check.entries
            );
            ExitCode::SUCCESS
        }
        Err(broken) => {
            println!("{broken}");
            ExitCode::FAILURE
        }
    })
}

/// `signoff audit prune`: export, then remove, entries past retention.
async fn prune_audit(
    database_url: &str,
    older_than_days: i64,
    export: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let stores = server::db::connect(database_url).await?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let before_ms = now_ms - older_than_days.max(0) * 86_400_000;
    match stores
        .audit
        .export_and_prune(before_ms, export, now_ms)
        .await?
    {
        Some(pruned) => println!(
            "pruned {} audit entries (through #{}) after writing them to {}",
            pruned.entries,
            pruned.through_id,
            export.display()
        ),
        None => println!("no audit entries older than {older_than_days} days"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: server::config::ServeArgs) -> anyhow::Result<()> {
    let server = server::start(args).await?;
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(error) => {
                    tracing::warn!("cannot listen for SIGTERM: {error}");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
