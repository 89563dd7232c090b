//! All settings in one place: command-line flags, each with an environment
//! variable fallback and a default that makes the local demo work.

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
    Serve(ServeArgs),
    /// Create the example intake queue and state machine (from deploy/) and
    /// start sample executions: the demo's review requests.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address the dashboard listens on.
    #[arg(long, env = "SIGNOFF_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Database: a SQLite file (`sqlite://path/to/signoff.db`), created if missing.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://signoff.db")]
    pub database_url: String,

    /// Directory holding the built site (`pkg/` with the WASM bundle and CSS).
    #[arg(long, env = "SIGNOFF_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// SQS queue the state machine's callback task sends review requests to.
    /// Without it no intake poller runs.
    #[arg(long, env = "SIGNOFF_INTAKE_QUEUE_URL")]
    pub intake_queue_url: Option<String>,

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

    /// How often the delivery worker looks for decisions to (re)send, in milliseconds.
    #[arg(long, env = "SIGNOFF_DELIVERY_INTERVAL_MS", default_value_t = 1000)]
    pub delivery_interval_ms: u64,

    #[command(flatten)]
    pub aws: AwsArgs,
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

    #[command(flatten)]
    pub aws: AwsArgs,
}
