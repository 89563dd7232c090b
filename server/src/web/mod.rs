//! The HTTP surface, in two parts with their own layers and error formats:
//! the browser part (pages, server functions, sign-in, exports, the live
//! stream, static files; [`browser`]) and the machine part (health and
//! readiness probes, Slack's interaction callback; [`machine`]).
//! Every response of either carries the security headers ([`headers`]).

mod audit_csv;
mod browser;
mod events;
mod export;
mod headers;
mod limits;
mod machine;
mod ready;
mod refusal;
mod same_origin;
mod slack;

pub use browser::BrowserApp;
pub use machine::MachineError;
pub use slack::SlackInteractions;

use crate::config::ServeArgs;
use crate::workers::supervisor::Health;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;

/// The edge's settings: limits, the public origin, the security policy.
pub struct Edge {
    max_body_bytes: usize,
    request_timeout: Duration,
    streams: limits::StreamCounts,
    login_limit: limits::Limiter,
    decision_limit: limits::Limiter,
    public_origin: Arc<same_origin::PublicOrigin>,
    policy: headers::Policy,
}

impl Edge {
    /// The edge `args` describe; a public URL without an origin is an error.
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let limits = &args.edge;
        let public_origin = same_origin::PublicOrigin::of(&args.public_url)
            .ok_or_else(|| anyhow::anyhow!("--public-url must be an http(s) URL"))?;
        let limit = |per_minute: u32, flag: &str| {
            limits::per_minute(per_minute)
                .ok_or_else(|| anyhow::anyhow!("{flag} must be at least 1"))
        };
        Ok(Self {
            max_body_bytes: usize::try_from(limits.max_body_bytes).unwrap_or(usize::MAX),
            request_timeout: Duration::from_secs(limits.request_timeout_seconds),
            streams: limits::StreamCounts::new(limits.streams_per_session),
            login_limit: limit(limits.logins_per_minute, "--logins-per-minute")?,
            decision_limit: limit(limits.decisions_per_minute, "--decisions-per-minute")?,
            public_origin: Arc::new(public_origin),
            policy: headers::Policy::new(
                &args.public_url,
                args.aws.endpoint_url.as_deref(),
                &args.oidc.issuer,
            ),
        })
    }
}

/// The whole router; tests call it without a socket or bind it themselves.
/// `health` is what the workers report, for the readiness probe.
pub fn router(
    browser: BrowserApp,
    edge: Edge,
    health: Health,
    slack: Option<Arc<SlackInteractions>>,
) -> Router {
    tokio::spawn(limits::forget_idle(
        vec![edge.login_limit.clone(), edge.decision_limit.clone()],
        browser.shutdown.clone(),
    ));
    let store = browser.services.store.clone();
    let router = Router::new()
        .merge(machine::router(&edge, health, store, slack))
        .merge(browser::router(browser, &edge));
    headers::secure(router, edge.policy).layer(TraceLayer::new_for_http())
}
