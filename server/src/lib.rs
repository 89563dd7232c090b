//! Signoff's server: wires the stores, the AWS adapters and the workers to
//! the application in `app`, and serves it. `main.rs` only parses the
//! command line; tests start the same server through [`start`].

pub mod auth;
pub mod aws;
pub mod config;
pub mod config_check;
pub mod config_file;
pub mod db;
pub mod demo_history;
pub mod logging;
pub mod notify;
pub mod redact;
pub mod seed;
pub mod web;
pub mod workers;

use app::domain::access::RoleMap;
use app::domain::notify::route::{group_email_problem, NotifySettings};
use app::ssr::notifications::Notifier;
use app::ssr::ports::{Clock, InteractionLedger, NotificationOutbox, People, SystemClock};
use app::ssr::{Services, Settings};
use axum::serve::ListenerExt;
use config::ServeArgs;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use workers::supervisor::supervise;

/// A started server: its address, its services, and what stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub services: Services,
    /// Sessions, for tests that sign people in without a browser.
    pub sessions: auth::sessions::Sessions,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
    /// The delivery recorder, stopped last (see [`RunningServer::stop`]).
    recorder: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Asks every part to stop and waits until they have: the HTTP server
    /// finishes in-flight requests, the workers finish their current step,
    /// then the delivery recorder writes every outcome still to be written,
    /// first attempts still under way included (the SDK's timeouts bound
    /// them). The recorder goes last: until the rest has stopped, a decision
    /// can still give it work.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while let Some(result) = self.tasks.join_next().await {
            if let Err(error) = result {
                tracing::error!("a server task ended abnormally: {error}");
            }
        }
        self.services.recorder.close();
        if let Err(error) = self.recorder.await {
            tracing::error!("the delivery recorder ended abnormally: {error}");
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
    // Settings first: a mistake stops start-up before anything opens.
    let role_map = role_map(args.oidc.role_map.as_deref())?;
    let config = match &args.config {
        Some(path) => config_file::load_config(path)?,
        None => config_file::Config::default(),
    };
    let policies = config.policies.map(Arc::new);
    match &policies {
        Some(policies) => tracing::info!(
            rules = policies.rules().len(),
            version = %policies.version(),
            "approval policy loaded"
        ),
        None if args.config.is_some() => tracing::warn!(
            "the configuration holds no [[policy]] rules: each request sets its own approvals, group and requester"
        ),
        None => tracing::warn!(
            "no approval policy (--config): each request sets its own approvals, group and requester"
        ),
    }
    let stores = db::connect(&args.database_url).await?;
    let sdk = aws::sdk_config(&args.aws).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // The delivery worker notices stuck deliveries whether or not anyone
    // is notified: the audit entry is the review's history either way.
    let stuck_after =
        Duration::from_millis(u64::try_from(config.notify.stuck_after_ms()).unwrap_or(u64::MAX));
    let notifications = notifications_view(&args, &config.notify);
    let notifier = notifier(
        &args,
        config.notify,
        &sdk,
        clock.clone(),
        NotifierStores {
            outbox: stores.notifications.clone(),
            people: stores.people.clone(),
        },
    )?;
    let sessions = auth::sessions::Sessions::new(
        stores.sessions,
        auth::sessions::Lifetimes {
            idle_ms: args.session_idle_minutes * 60_000,
            absolute_ms: args.session_max_hours * 3_600_000,
        },
    );
    let store = stores.reviews;
    let change_signal = stores.changes;
    // The review pages' "who can decide" remembers groups; sign-ins go
    // through it so that it forgets them.
    let directory = Arc::new(app::ssr::deciders::GroupDirectory::new(
        stores.people.clone(),
        app::ssr::deciders::KEEP_MEMBERS_FOR,
    ));
    let auth = Arc::new(sign_in(
        &args,
        role_map,
        sessions.clone(),
        SignInStores {
            audit: store.clone(),
            people: directory.clone(),
        },
        clock.clone(),
    )?);
    if args.artefact_buckets.is_none() {
        tracing::warn!(
            "no --artefact-buckets: any bucket Signoff's role can read is open to whoever can send a review request"
        );
    }
    let artefact_link_ms =
        i64::try_from(args.artefact_link_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    let (recorder, recording) = app::ssr::outcome_recorder::outcome_recorder(store.clone());
    let services = Services {
        store,
        workflow: Arc::new(aws::sfn::SfnWorkflow::new(
            aws::sfn_client(&sdk),
            args.reconcile_per_second,
        )),
        objects: Arc::new(aws::object_cache::CachedObjects::new(
            Arc::new(aws::s3::S3Objects::new(aws::s3_client(
                &sdk,
                args.aws.endpoint_url.is_some(),
            ))),
            aws::object_cache::KEEP_FOR,
        )),
        clock,
        notifications: stores.notifications,
        links: Arc::new(app::ssr::link_ledger::LinkLedger::new(artefact_link_ms)),
        recorder,
        pending: Default::default(),
        directory,
        settings: Settings {
            delivery_lease_ms: i64::try_from(args.delivery_lease_seconds.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            review_target_ms: args.review_target_minutes.saturating_mul(60_000),
            artefact_link_ms,
            metric_directions: args.metric_directions.clone(),
            policies,
            artefact_buckets: args.artefact_buckets.clone().map(Arc::new),
            bench_bare_page: args.bench_bare_page,
            execution_console_url: args.execution_console_url.clone(),
        },
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

    let slack = slack_interactions(
        &args,
        &services,
        &auth.role_map,
        stores.people.clone(),
        stores.interactions.clone(),
    )?;
    let settings = settings_view(
        &args,
        &auth.role_map,
        services.settings.policies.as_deref(),
        notifications,
    );
    let edge = web::Edge::from_args(&args)?;
    // Live pages: a few batches of backlog per open page before it resyncs.
    let (changes, _) = tokio::sync::broadcast::channel(64);
    let health = workers::supervisor::Health::default();
    let router = web::router(
        web::BrowserApp {
            services: services.clone(),
            settings,
            auth,
            options,
            changes: changes.clone(),
            shutdown: shutdown.clone(),
        },
        edge,
        health.clone(),
        slack,
    );
    let http_shutdown = shutdown.clone();
    tasks.spawn(async move {
        // Pages stream in several writes; with Nagle's algorithm on, each
        // later write waits for the browser's delayed ACK (40 ms per page).
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!("could not set TCP_NODELAY: {error}");
            }
        });
        // The peer's address, for the per-address rate limits.
        let router = router.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { http_shutdown.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::error!("HTTP server failed: {error}");
        }
    });
    // Not supervised: it has no step to fail (a write that fails is logged
    // and left to the delivery worker), and it stops last, in `stop`.
    let recorder_task = tokio::spawn(recording.run());
    // Every worker runs supervised: restarted with backoff when it fails,
    // its state in `health` for /readyz.
    tasks.spawn(supervise(
        "session sweep",
        health.clone(),
        shutdown.clone(),
        {
            let (sessions, clock, shutdown) =
                (sessions.clone(), services.clock.clone(), shutdown.clone());
            move |handle| {
                workers::session_sweep::run(
                    sessions.clone(),
                    clock.clone(),
                    shutdown.clone(),
                    handle,
                )
            }
        },
    ));
    tasks.spawn(supervise("changes", health.clone(), shutdown.clone(), {
        let (store, shutdown, feed) = (services.store.clone(), shutdown.clone(), changes.clone());
        let signal = change_signal.clone();
        move |handle| {
            workers::changes::run(
                store.clone(),
                signal.clone(),
                feed.clone(),
                shutdown.clone(),
                handle,
            )
        }
    }));
    tasks.spawn(supervise("delivery", health.clone(), shutdown.clone(), {
        let (services, shutdown) = (services.clone(), shutdown.clone());
        let interval = Duration::from_millis(args.delivery_interval_ms);
        move |handle| {
            workers::delivery::run(
                services.clone(),
                interval,
                stuck_after,
                shutdown.clone(),
                handle,
            )
        }
    }));
    if let Some(notifier) = notifier {
        tasks.spawn(supervise("notify", health.clone(), shutdown.clone(), {
            let (services, shutdown) = (services.clone(), shutdown.clone());
            let interval = Duration::from_millis(args.delivery_interval_ms);
            let changes = changes.clone();
            move |handle| {
                workers::notify::run(
                    services.clone(),
                    notifier.clone(),
                    interval,
                    changes.subscribe(),
                    shutdown.clone(),
                    handle,
                )
            }
        }));
    }
    tasks.spawn(supervise("clock", health.clone(), shutdown.clone(), {
        let (services, shutdown) = (services.clone(), shutdown.clone());
        let (per_tick, every) = (
            args.reconcile_per_second,
            Duration::from_secs(args.reconcile_every_seconds),
        );
        move |handle| {
            workers::clock::run(services.clone(), per_tick, every, shutdown.clone(), handle)
        }
    }));
    match &args.intake_queue_url {
        Some(queue_url) => {
            let poller = Arc::new(aws::sqs::Poller {
                name: "intake",
                client: aws::sqs_client(&sdk),
                queue_url: queue_url.clone(),
                wait_seconds: args.intake_wait_seconds,
                handler: aws::sqs::IntakeHandler {
                    services: services.clone(),
                    rejected_visibility_seconds: args.rejected_visibility_seconds,
                },
            });
            tasks.spawn(supervise("intake", health.clone(), shutdown.clone(), {
                let shutdown = shutdown.clone();
                move |handle| {
                    let (poller, shutdown) = (poller.clone(), shutdown.clone());
                    async move { poller.run(shutdown, handle).await }
                }
            }));
        }
        None => tracing::warn!("no --intake-queue-url: not polling SQS for review requests"),
    }
    if let Some(queue_url) = &args.events_queue_url {
        let poller = Arc::new(aws::sqs::Poller {
            name: "execution events",
            client: aws::sqs_client(&sdk),
            queue_url: queue_url.clone(),
            wait_seconds: args.intake_wait_seconds,
            handler: aws::sqs::EventHandler {
                services: services.clone(),
            },
        });
        tasks.spawn(supervise(
            "execution events",
            health.clone(),
            shutdown.clone(),
            {
                let shutdown = shutdown.clone();
                move |handle| {
                    let (poller, shutdown) = (poller.clone(), shutdown.clone());
                    async move { poller.run(shutdown, handle).await }
                }
            },
        ));
    }
    tracing::info!("Signoff listening on http://{addr}");
    Ok(RunningServer {
        addr,
        services,
        sessions,
        shutdown,
        tasks,
        recorder: recorder_task,
    })
}

/// What the notifier reads and writes: the outbox, and the people
/// directory for routes naming groups.
struct NotifierStores {
    outbox: Arc<dyn NotificationOutbox>,
    people: Arc<dyn People>,
}

/// The notifier, when anything can be notified: a route in the
/// configuration, or e-mail to tell requesters the outcome. The channels
/// are built either way, so a half-configured SMTP stops start-up, as do
/// routes naming groups without e-mail to reach their members.
fn notifier(
    args: &ServeArgs,
    settings: NotifySettings,
    sdk: &aws_config::SdkConfig,
    clock: Arc<dyn Clock>,
    stores: NotifierStores,
) -> anyhow::Result<Option<Notifier>> {
    let channels = notify::ChannelAdapters::from_args(&args.notify, sdk, clock)?;
    if let Some(problem) = group_email_problem(&settings, channels.sends_email()) {
        anyhow::bail!(problem);
    }
    let requesters = settings.notify_requester() && args.notify.smtp_url.is_some();
    if settings.routes().is_empty() && !requesters {
        tracing::info!(
            "no notification routes ([[notify.route]]) and no e-mail: nobody is notified"
        );
        return Ok(None);
    }
    tracing::info!(
        routes = settings.routes().len(),
        requesters,
        "notifications on"
    );
    Ok(Some(Notifier {
        outbox: stores.outbox,
        people: stores.people,
        channels: Arc::new(channels),
        settings: Arc::new(settings),
        public_url: args.public_url.clone(),
        chat_decisions: args.notify.slack_decides(),
    }))
}

/// Slack's interaction callback, when a signing secret is given (which
/// needs the bot token too: the callback asks Slack who clicked).
fn slack_interactions(
    args: &ServeArgs,
    services: &Services,
    role_map: &RoleMap,
    people: Arc<dyn People>,
    ledger: Arc<dyn InteractionLedger>,
) -> anyhow::Result<Option<Arc<web::SlackInteractions>>> {
    let notify = &args.notify;
    let Some(secret) = &notify.slack_signing_secret else {
        return Ok(None);
    };
    let Some(token) = &notify.slack_bot_token else {
        anyhow::bail!(
            "--slack-signing-secret is set but --slack-bot-token (SIGNOFF_SLACK_BOT_TOKEN) is not: \
             deciding from Slack asks Slack who clicked, with the bot token"
        );
    };
    if secret.0.trim().is_empty() {
        anyhow::bail!("--slack-signing-secret (SIGNOFF_SLACK_SIGNING_SECRET) is empty");
    }
    let slack = notify::slack::SlackClient::new(&notify.slack_api_url, &token.0)
        .map_err(anyhow::Error::msg)?;
    tracing::info!("deciding from Slack on: interactions at /slack/interactions");
    Ok(Some(Arc::new(web::SlackInteractions {
        signing_secret: secret.0.clone(),
        slack: Arc::new(slack),
        services: services.clone(),
        desk: app::ssr::chat_decisions::ChatDesk {
            people,
            roles: Arc::new(role_map.clone()),
            public_url: args.public_url.clone(),
            via: app::ssr::Via::Slack,
        },
        ledger,
    })))
}

/// The role map, which must be given and must map at least one group.
fn role_map(text: Option<&str>) -> anyhow::Result<RoleMap> {
    let Some(text) = text else {
        anyhow::bail!(
            "--role-map (or SIGNOFF_ROLE_MAP) is required: say which identity-provider groups \
             get which role, e.g. ml-reviewers=reviewer,ml-leads=lead,platform-admins=admin. \
             There is no default, so that no group gets a role (least of all admin) by accident."
        );
    };
    let role_map = RoleMap::parse(text).map_err(|e| anyhow::anyhow!("--role-map: {e}"))?;
    if role_map.pairs().is_empty() {
        anyhow::bail!(
            "--role-map (SIGNOFF_ROLE_MAP) maps no group to a role, so nobody could sign in; \
             give group=role pairs, e.g. ml-reviewers=reviewer,ml-leads=lead,platform-admins=admin"
        );
    }
    Ok(role_map)
}

/// Where a sign-in is written: its audit entry, and the person.
struct SignInStores {
    audit: Arc<dyn app::ssr::ports::ReviewStore>,
    people: Arc<dyn People>,
}

/// The sign-in settings, checked: a bad URL stops start-up with a message
/// rather than locking everyone out later.
fn sign_in(
    args: &ServeArgs,
    role_map: RoleMap,
    sessions: auth::sessions::Sessions,
    stores: SignInStores,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<auth::Auth> {
    let public_url = args.public_url.trim_end_matches('/');
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        anyhow::bail!("--public-url must start with http:// or https://, got {public_url}");
    }
    let oidc = auth::oidc::Oidc::new(auth::oidc::OidcSettings {
        issuer: args.oidc.issuer.clone(),
        client_id: args.oidc.client_id.clone(),
        client_secret: args.oidc.client_secret.0.clone(),
        redirect_url: format!("{public_url}/auth/callback"),
        post_logout_url: format!("{public_url}/auth/signed-out"),
        groups_claim: args.oidc.groups_claim.clone(),
        username_claims: args.oidc.username_claims.clone(),
    })?;
    Ok(auth::Auth {
        oidc,
        audit: stores.audit,
        people: stores.people,
        sessions,
        role_map,
        secure_cookies: public_url.starts_with("https://"),
        clock,
    })
}

/// The configuration as the admin settings page shows it: no secrets, and
/// no URL with its credentials.
fn settings_view(
    args: &ServeArgs,
    role_map: &RoleMap,
    policies: Option<&app::domain::policy::Policies>,
    notifications: app::api::NotificationsView,
) -> app::api::SettingsView {
    app::api::SettingsView {
        policy: policies.map(|policies| app::api::PolicyFileView {
            file: args
                .config
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            version: policies.version().to_owned(),
            rules: policies
                .rules()
                .iter()
                .map(|rule| (rule.name.clone(), rule.describe()))
                .collect(),
        }),
        username_claims: args.oidc.username_claims.clone(),
        public_url: redact::url(&args.public_url),
        oidc_issuer: redact::url(&args.oidc.issuer),
        oidc_client_id: args.oidc.client_id.clone(),
        groups_claim: args.oidc.groups_claim.clone(),
        role_map: role_map
            .pairs()
            .iter()
            .map(|(g, r)| (g.clone(), r.as_str().to_owned()))
            .collect(),
        session_idle_minutes: args.session_idle_minutes,
        session_max_hours: args.session_max_hours,
        intake_queue_url: args.intake_queue_url.as_deref().map(redact::url),
        aws_endpoint: args.aws.endpoint_url.as_deref().map(redact::url),
        artefact_link_minutes: args.artefact_link_minutes,
        artefact_buckets: args
            .artefact_buckets
            .as_ref()
            .map(|buckets| buckets.entries().to_vec()),
        notifications,
        database: redact::url(&args.database_url),
    }
}

/// The notification routes and channels as the settings page lists them.
fn notifications_view(args: &ServeArgs, settings: &NotifySettings) -> app::api::NotificationsView {
    let notify = &args.notify;
    let mut channels = Vec::new();
    if notify.slack_bot_token.is_some() {
        channels.push(format!(
            "Slack through {}",
            redact::url(&notify.slack_api_url)
        ));
    }
    if let Some(smtp) = &notify.smtp_url {
        channels.push(format!(
            "e-mail through {}{}",
            redact::url(smtp),
            notify
                .email_from
                .as_ref()
                .map(|from| format!(" from {from}"))
                .unwrap_or_default()
        ));
    }
    app::api::NotificationsView {
        routes: settings
            .routes()
            .iter()
            .map(|route| (route.name.clone(), route.describe()))
            .collect(),
        schedule: settings.describe_schedule(),
        requesters_told: settings.notify_requester() && notify.smtp_url.is_some(),
        channels,
        slack_decisions: notify.slack_decides(),
    }
}
