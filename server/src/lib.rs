//! Signoff's server: wires the stores, the AWS adapters and the workers to
//! the application in `app`, and serves it. `main.rs` only parses the
//! command line; tests start the same server through [`start`].

pub mod aws;
pub mod config;
pub mod db;
pub mod seed;
pub mod web;
pub mod workers;

use app::ssr::ports::SystemClock;
use app::ssr::{Services, Settings};
use config::ServeArgs;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A started server: its address, its services, and what stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub services: Services,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl RunningServer {
    /// Asks every part to stop and waits until they have: the HTTP server
    /// finishes in-flight requests, the workers finish their current step.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while let Some(result) = self.tasks.join_next().await {
            if let Err(error) = result {
                tracing::error!("a server task ended abnormally: {error}");
            }
        }
    }

    /// A token that stops the server when cancelled.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// Opens the database, connects to AWS, binds the listener and starts the
/// HTTP server and the workers.
pub async fn start(args: ServeArgs) -> anyhow::Result<RunningServer> {
    let store = db::SqliteStore::connect(&args.database_url).await?;
    let sdk = aws::sdk_config(&args.aws).await;
    let services = Services {
        store: Arc::new(store),
        workflow: Arc::new(aws::sfn::SfnWorkflow::new(&sdk)),
        clock: Arc::new(SystemClock),
        settings: Settings::default(),
    };
    let options = LeptosOptions::builder()
        .output_name("signoff")
        .site_root(args.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(args.listen)
        .build();
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();

    let router = web::router(services.clone(), options);
    let http_shutdown = shutdown.clone();
    tasks.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { http_shutdown.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::error!("HTTP server failed: {error}");
        }
    });
    tasks.spawn(workers::delivery::run(
        services.clone(),
        Duration::from_millis(args.delivery_interval_ms),
        shutdown.clone(),
    ));
    match &args.intake_queue_url {
        Some(queue_url) => {
            let poller = aws::sqs::IntakePoller {
                client: aws_sdk_sqs::Client::new(&sdk),
                queue_url: queue_url.clone(),
                wait_seconds: args.intake_wait_seconds,
                rejected_visibility_seconds: args.rejected_visibility_seconds,
                services: services.clone(),
            };
            tasks.spawn(poller.run(shutdown.clone()));
        }
        None => tracing::warn!("no --intake-queue-url: not polling SQS for review requests"),
    }
    tracing::warn!("sign-in is not configured yet: every visitor acts as the local operator; keep this server on a trusted network");
    tracing::info!("Signoff listening on http://{addr}");
    Ok(RunningServer {
        addr,
        services,
        shutdown,
        tasks,
    })
}
