//! All settings in one place: command-line flags, each with an environment
//! variable fallback and a default that makes the local demo work.

use app::domain::artefact::buckets::ArtefactBuckets;
use app::domain::metrics::DirectionRules;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "signoff",
    version,
    about = "Human approval for ML deployments paused in AWS Step Functions",
    long_about = "Signoff receives review requests from Step Functions callback tasks \
                  (through SQS), shows them to reviewers, and sends each decision back \
                  with SendTaskSuccess / SendTaskFailure so the workflow resumes."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the dashboard, the SQS intake poller and the delivery worker.
    Serve(Box<ServeArgs>),
    /// Create the example intake queue and state machine (from deploy/) and
    /// start sample executions: the demo's review requests.
    Seed(SeedArgs),
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Work with the configuration file (approval policy).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file and list its policy rules; with
    /// `--request`, also print the policy a request would be held to (or why
    /// intake would reject it). Exits 1 when the file is invalid or the
    /// request would be rejected.
    Check {
        /// The configuration file (TOML).
        file: PathBuf,
        /// A sample intake message (JSON, as the state machine sends it;
        /// `taskToken`, `stateName` and `enteredTime` may be left out).
        #[arg(long)]
        request: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain of the audit log and name the first entry that
    /// was edited, removed or reordered. Exits 1 when the chain is broken.
    Verify {
        /// The database to check.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://signoff.db")]
        database_url: String,
    },
    /// Check an exported JSON Lines file: every entry against its own hash,
    /// and whether the entries form one unbroken run. Exits 1 on an edit.
    VerifyExport {
        /// The exported file (`/audit/export.jsonl`).
        file: std::path::PathBuf,
    },
    /// Retention: write the entries older than the retention period to a
    /// JSON Lines file, then remove them, leaving a checkpoint entry so the
    /// rest of the chain still verifies.
    Prune {
        /// Keep this many days of entries.
        #[arg(long, env = "SIGNOFF_AUDIT_RETENTION_DAYS", default_value_t = 365)]
        older_than_days: i64,
        /// Where the removed entries are written first.
        #[arg(long)]
        export: std::path::PathBuf,
        /// The database to prune.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://signoff.db")]
        database_url: String,
    },
}

/// `Debug` leaves out the database URL's credentials (below).
#[derive(Clone, Args)]
pub struct ServeArgs {
    /// Address the dashboard listens on.
    #[arg(long, env = "SIGNOFF_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Database: a SQLite file (`sqlite://path/to/signoff.db`, or a bare
    /// path), created if missing; or a PostgreSQL database
    /// (`postgres://user:password@host:5432/signoff`), which must exist,
    /// for several replicas sharing it.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://signoff.db")]
    pub database_url: String,

    /// The configuration file (TOML) holding the platform's approval
    /// policy (`[[policy]]` rules; see deploy/signoff.example.toml). Without
    /// one, each request sets its own approvals, group and requester.
    #[arg(long, env = "SIGNOFF_CONFIG")]
    pub config: Option<PathBuf>,

    /// Directory holding the built site (`pkg/` with the WASM bundle and CSS).
    #[arg(long, env = "SIGNOFF_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// SQS queue the state machine's callback task sends review requests to.
    /// Without it no intake poller runs.
    #[arg(long, env = "SIGNOFF_INTAKE_QUEUE_URL")]
    pub intake_queue_url: Option<String>,

    /// SQS queue receiving EventBridge "Step Functions Execution Status
    /// Change" events, so that reviews whose execution ended leave the queue
    /// at once rather than at the next reconciliation.
    #[arg(long, env = "SIGNOFF_EVENTS_QUEUE_URL")]
    pub events_queue_url: Option<String>,

    /// Long-poll wait of each SQS receive, in seconds (0–20).
    #[arg(long, env = "SIGNOFF_INTAKE_WAIT_SECONDS", default_value_t = 20,
          value_parser = clap::value_parser!(i32).range(0..=20))]
    pub intake_wait_seconds: i32,

    /// How long a rejected intake message stays hidden before SQS offers it
    /// again (its dead-letter policy moves it after maxReceiveCount), in seconds.
    #[arg(
        long,
        env = "SIGNOFF_REJECTED_VISIBILITY_SECONDS",
        default_value_t = 300
    )]
    pub rejected_visibility_seconds: i32,

    /// How often the delivery and notification workers look for decisions and
    /// notifications to (re)send, in milliseconds. The notification worker
    /// also looks as soon as a review changes (within the live pages' half
    /// second).
    #[arg(long, env = "SIGNOFF_DELIVERY_INTERVAL_MS", default_value_t = 1000)]
    pub delivery_interval_ms: u64,

    /// How long a sender holds a delivery it claimed, in seconds; after a
    /// crash mid-send, another sender takes it over once this has passed.
    /// Keep it above the Step Functions call timeout (10 s).
    #[arg(long, env = "SIGNOFF_DELIVERY_LEASE_SECONDS", default_value_t = 30)]
    pub delivery_lease_seconds: u64,

    /// The team's target time to a decision, in minutes: the lead's
    /// overview counts reviews past it as overdue.
    #[arg(long, env = "SIGNOFF_REVIEW_TARGET_MINUTES", default_value_t = 240)]
    pub review_target_minutes: i64,

    /// DescribeExecution calls per second, at most, for the reconciler and
    /// the review pages together (Step Functions allows 15/s for the whole
    /// account); pages show a reading up to 5 seconds old.
    #[arg(long, env = "SIGNOFF_RECONCILE_PER_SECOND", default_value_t = 2)]
    pub reconcile_per_second: u32,

    /// Each pending review is checked against its execution at most this often, in seconds.
    #[arg(long, env = "SIGNOFF_RECONCILE_EVERY_SECONDS", default_value_t = 60)]
    pub reconcile_every_seconds: u64,

    /// The address people use to reach Signoff. Sign-in returns to
    /// `<public-url>/auth/callback`; cookies are `Secure` when it is https.
    #[arg(
        long,
        env = "SIGNOFF_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,

    /// How long a presigned artefact link stays valid, in minutes (1 to
    /// 10080: S3 signs links for at most seven days). Each link issued is
    /// an audit entry.
    #[arg(
        long,
        env = "SIGNOFF_ARTEFACT_LINK_MINUTES",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=10_080)
    )]
    pub artefact_link_minutes: u64,

    /// The buckets whose artefacts Signoff opens, comma-separated: bucket
    /// globs, each optionally followed by `/` and a key glob (`*` spans
    /// folders; a trailing `/` means everything under it), e.g.
    /// `ml-artefacts,ml-*/churn/*`. Intake refuses requests naming other
    /// `s3://` objects, and the review page never asks S3 about them. Unset:
    /// any bucket Signoff's role can read is open to whoever can send a
    /// review request.
    #[arg(long, env = "SIGNOFF_ARTEFACT_BUCKETS", value_parser = parse_buckets)]
    pub artefact_buckets: Option<ArtefactBuckets>,

    /// Serve `/bench/bare`, the benchmark's yardstick: the site's page
    /// shell around a static table, no database, no services, no sign-in.
    /// Off: the path answers 404.
    #[arg(long, env = "SIGNOFF_BENCH_BARE_PAGE")]
    pub bench_bare_page: bool,

    /// Which way is better for named metrics, as `name=higher|lower` pairs
    /// separated by commas (e.g. `p99_latency_ms=lower,coverage=higher`).
    /// The request's own `directions` and its thresholds come first; a
    /// table of common names (latency, error, loss, auc, …) comes after.
    /// A metric none of them names is shown with its direction unknown.
    #[arg(
        long,
        env = "SIGNOFF_METRIC_DIRECTIONS",
        default_value = "",
        value_parser = parse_directions
    )]
    pub metric_directions: DirectionRules,

    /// Where the review page links a workflow execution: a URL with
    /// `{region}` and `{arn}` filled in from the execution's ARN. The
    /// default is the AWS console; set another partition's console, or
    /// blank for no link.
    #[arg(
        long,
        env = "SIGNOFF_EXECUTION_CONSOLE_URL",
        default_value = app::domain::console_link::DEFAULT_TEMPLATE
    )]
    pub execution_console_url: String,

    /// A session unused for this many minutes ends.
    #[arg(long, env = "SIGNOFF_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: i64,

    /// A session ends this many hours after sign-in, however active.
    #[arg(long, env = "SIGNOFF_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,

    #[command(flatten)]
    pub oidc: OidcArgs,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub edge: EdgeArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("database_url", &crate::redact::url(&self.database_url))
            .field("config", &self.config)
            .field("public_url", &crate::redact::url(&self.public_url))
            .field("intake_queue_url", &self.intake_queue_url)
            .field("events_queue_url", &self.events_queue_url)
            .field("oidc", &self.oidc)
            .field("aws", &self.aws)
            .field("edge", &self.edge)
            .field("notify", &self.notify)
            .finish_non_exhaustive()
    }
}

/// Limits at the web edge: what one request, session or address may ask.
#[derive(Debug, Clone, Args)]
pub struct EdgeArgs {
    /// The largest request body accepted, in bytes; a larger one is
    /// refused with 413.
    #[arg(long, env = "SIGNOFF_MAX_BODY_BYTES", default_value_t = EdgeArgs::default().max_body_bytes,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,

    /// A request must have sent its body and been answered (the answer's
    /// start, not a streamed export) within this many seconds, else 408.
    /// The live-update stream is exempt.
    #[arg(long, env = "SIGNOFF_REQUEST_TIMEOUT_SECONDS", default_value_t = EdgeArgs::default().request_timeout_seconds,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_seconds: u64,

    /// Live-update streams one session may hold open at once (one per open
    /// tab); one more is refused with 429.
    #[arg(long, env = "SIGNOFF_STREAMS_PER_SESSION", default_value_t = EdgeArgs::default().streams_per_session,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub streams_per_session: u64,

    /// Sign-ins (`/auth/login`) one address may start per minute, in a
    /// burst or spread out; more are refused with 429 and Retry-After.
    #[arg(long, env = "SIGNOFF_LOGINS_PER_MINUTE", default_value_t = EdgeArgs::default().logins_per_minute,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub logins_per_minute: u32,

    /// Decision requests (one review or many at once) one address may make
    /// per minute; more are refused with 429 and Retry-After.
    #[arg(long, env = "SIGNOFF_DECISIONS_PER_MINUTE", default_value_t = EdgeArgs::default().decisions_per_minute,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub decisions_per_minute: u32,
}

impl Default for EdgeArgs {
    /// The flags' defaults (tests and the command line share them).
    fn default() -> Self {
        Self {
            // Server function calls are small forms; 1 MiB leaves room for
            // the longest comment without letting a client fill memory.
            max_body_bytes: 1024 * 1024,
            request_timeout_seconds: 30,
            streams_per_session: 8,
            logins_per_minute: 30,
            decisions_per_minute: 60,
        }
    }
}

/// The notification channels' settings (e-mail and Slack; SNS goes through
/// the AWS settings, webhooks name their secret's variable in the
/// configuration file). `Debug` leaves out the SMTP URL's password and the
/// Slack token.
#[derive(Clone, Args)]
pub struct NotifyArgs {
    /// The SMTP server e-mail notifications go through:
    /// `smtp://host:25` (plain, for a relay on this machine or network),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://host:465`
    /// (TLS); credentials as `smtps://user:password@host` (prefer the
    /// environment variable: command lines are visible to other users).
    /// Unset: e-mail destinations fail as not configured.
    #[arg(long, env = "SIGNOFF_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of e-mail notifications, e.g. `Signoff
    /// <signoff@example.com>`. Required with --smtp-url.
    #[arg(long, env = "SIGNOFF_EMAIL_FROM")]
    pub email_from: Option<String>,

    /// The base URL of Slack's Web API, to which method names are appended
    /// (a stand-in's in tests and the demo).
    #[arg(long, env = "SIGNOFF_SLACK_API_URL", default_value = DEFAULT_SLACK_API_URL)]
    pub slack_api_url: String,

    /// The Slack app's bot token (`xoxb-…`), with the `chat:write` scope;
    /// prefer the environment variable. Unset: Slack destinations fail as
    /// not configured.
    #[arg(long, env = "SIGNOFF_SLACK_BOT_TOKEN", hide_env_values = true)]
    pub slack_bot_token: Option<Secret>,

    /// The Slack app's signing secret, which Slack signs its interaction
    /// callbacks with; prefer the environment variable. With it (and
    /// --slack-bot-token, whose app also needs the `users:read` and
    /// `users:read.email` scopes), the messages' Approve and Reject…
    /// buttons decide: point the app's Interactivity Request URL at
    /// `{public-url}/slack/interactions`. Unset: messages carry only the
    /// link to the review, and the callback answers that deciding from
    /// Slack is not set up.
    #[arg(long, env = "SIGNOFF_SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<Secret>,
}

/// Slack's own Web API.
pub const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";

impl NotifyArgs {
    /// Whether Slack's buttons decide: the callback needs the signing
    /// secret to check a click and the bot token to ask who clicked.
    pub fn slack_decides(&self) -> bool {
        self.slack_signing_secret.is_some() && self.slack_bot_token.is_some()
    }
}

impl Default for NotifyArgs {
    fn default() -> Self {
        Self {
            smtp_url: None,
            email_from: None,
            slack_api_url: DEFAULT_SLACK_API_URL.to_owned(),
            slack_bot_token: None,
            slack_signing_secret: None,
        }
    }
}

impl std::fmt::Debug for NotifyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyArgs")
            .field(
                "smtp_url",
                &self.smtp_url.as_deref().map(crate::redact::url),
            )
            .field("email_from", &self.email_from)
            .field("slack_api_url", &crate::redact::url(&self.slack_api_url))
            .field("slack_bot_token", &self.slack_bot_token)
            .field("slack_signing_secret", &self.slack_signing_secret)
            .finish()
    }
}

/// Sign-in with any standards-compliant OpenID provider (found by discovery).
#[derive(Debug, Clone, Args)]
pub struct OidcArgs {
    /// Issuer URL of the OpenID provider; its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`.
    #[arg(long = "oidc-issuer", env = "SIGNOFF_OIDC_ISSUER")]
    pub issuer: String,

    /// Client id registered with the provider.
    #[arg(
        long = "oidc-client-id",
        env = "SIGNOFF_OIDC_CLIENT_ID",
        default_value = "signoff"
    )]
    pub client_id: String,

    /// Client secret registered with the provider (prefer the environment
    /// variable: command lines are visible to other users).
    #[arg(
        long = "oidc-client-secret",
        env = "SIGNOFF_OIDC_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Secret,

    /// ID token claim that lists the person's groups.
    #[arg(
        long = "oidc-groups-claim",
        env = "SIGNOFF_OIDC_GROUPS_CLAIM",
        default_value = "groups"
    )]
    pub groups_claim: String,

    /// ID token claims that hold a person's usernames, comma-separated:
    /// with the subject and a verified e-mail, what a review's `requestedBy`
    /// is compared with (nobody approves their own request).
    #[arg(
        long = "oidc-username-claims",
        env = "SIGNOFF_OIDC_USERNAME_CLAIMS",
        default_value = "preferred_username,upn",
        value_delimiter = ','
    )]
    pub username_claims: Vec<String>,

    /// Which groups get which role: `group=role` pairs, comma-separated;
    /// roles are viewer, reviewer, lead, admin; the highest applies. People
    /// in none of these groups cannot use Signoff. Required (there is no
    /// default, so that no group gets a role, least of all admin, by
    /// accident). Each request re-derives its session's role from it.
    #[arg(long = "role-map", env = "SIGNOFF_ROLE_MAP")]
    pub role_map: Option<String>,
}

/// A secret setting: kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// Endpoint for Step Functions, SQS and S3: the local emulator, e.g.
    /// http://127.0.0.1:5000. Leave unset for real AWS. With an endpoint and
    /// no AWS credentials in the environment, the emulator's `test` keys are used.
    #[arg(long = "aws-endpoint-url", env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,

    /// AWS region. Unset: the standard chain (AWS_REGION, profile); with an
    /// endpoint and nothing configured, us-east-1.
    #[arg(long = "aws-region", env = "AWS_REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// The state machine definition (ASL JSON) with a `${intake_queue_url}` placeholder.
    #[arg(
        long,
        env = "SIGNOFF_STATE_MACHINE_FILE",
        default_value = "deploy/state-machine.asl.json"
    )]
    pub state_machine_file: PathBuf,

    /// Name of the intake queue to create (its dead-letter queue gets `-dlq`).
    #[arg(long, default_value = "signoff-intake")]
    pub queue_name: String,

    /// Name of the state machine to create.
    #[arg(long, default_value = "model-release-demo")]
    pub state_machine_name: String,

    /// IAM role the state machine runs as (the emulator only checks its form).
    #[arg(
        long,
        env = "SIGNOFF_STATE_MACHINE_ROLE_ARN",
        default_value = "arn:aws:iam::123456789012:role/signoff-demo-states"
    )]
    pub role_arn: String,

    /// Also write this many days of reviews people decided before the demo
    /// started (no executions behind them, nothing sent to Step Functions)
    /// into the fresh database at `--database-url`, for the lead's overview
    /// and the audit log.
    #[arg(long, default_value_t = 0, requires = "database_url")]
    pub history_days: u32,

    /// The database `--history-days` writes to (as `signoff serve`'s); it
    /// must not have been served from yet.
    #[arg(long)]
    pub database_url: Option<String>,

    #[command(flatten)]
    pub aws: AwsArgs,
}

fn parse_directions(text: &str) -> Result<DirectionRules, String> {
    DirectionRules::parse(text)
}

fn parse_buckets(text: &str) -> Result<ArtefactBuckets, String> {
    ArtefactBuckets::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let cli = Cli::try_parse_from([
            "signoff",
            "serve",
            "--database-url",
            "postgres://app:db-password@db/signoff",
            "--oidc-issuer",
            "https://id.example.com",
            "--oidc-client-secret",
            "client-secret-value",
            "--smtp-url",
            "smtps://mailer:smtp-password@mail.example.com:465",
        ])
        .expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve");
        };
        let shown = format!(
            "{args:?} {cli_secret:?}",
            cli_secret = args.oidc.client_secret
        );
        assert!(!shown.contains("db-password"), "{shown}");
        assert!(!shown.contains("client-secret-value"), "{shown}");
        assert!(!shown.contains("smtp-password"), "{shown}");
        assert!(
            shown.contains("smtps://mailer@mail.example.com:465"),
            "{shown}"
        );
        assert!(shown.contains("postgres://app@db/signoff"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn the_edge_limits_have_defaults_and_refuse_zero() {
        let parse = |extra: &[&str]| {
            let mut argv = vec![
                "signoff",
                "serve",
                "--oidc-issuer",
                "https://id.example.com",
                "--oidc-client-secret",
                "x",
            ];
            argv.extend_from_slice(extra);
            Cli::try_parse_from(argv)
        };
        let Command::Serve(args) = parse(&[]).expect("parses").command else {
            panic!("not serve");
        };
        assert_eq!(
            args.edge.decisions_per_minute,
            EdgeArgs::default().decisions_per_minute
        );
        assert!(parse(&["--logins-per-minute", "0"]).is_err());
        assert!(parse(&["--max-body-bytes", "0"]).is_err());
    }
}
