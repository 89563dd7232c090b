//! AWS adapters: Step Functions (the workflow port), the SQS intake poller,
//! S3 (artefact links and previews), and provisioning for the demo and
//! tests; the SNS client the notification channels publish with. All go
//! through the real AWS SDK; locally, `--aws-endpoint-url` points it at the
//! emulator.

pub mod describe;
pub mod object_cache;
pub mod provision;
pub mod s3;
pub mod sfn;
pub mod sqs;

use crate::config::AwsArgs;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sfn::config::Credentials;
use std::time::Duration;

/// Region used against an emulator when none is configured.
const EMULATOR_REGION: &str = "us-east-1";

/// The SDK configuration: the standard chain (env, profile, instance role),
/// with the endpoint override and emulator defaults when one is given.
pub async fn sdk_config(args: &AwsArgs) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    let region_in_env = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    match (&args.region, &args.endpoint_url) {
        (Some(region), _) => loader = loader.region(Region::new(region.clone())),
        // Against an emulator, don't search the chain (and the instance
        // metadata service) for a region nobody set.
        (None, Some(_)) if !region_in_env => loader = loader.region(Region::new(EMULATOR_REGION)),
        _ => {}
    }
    if let Some(endpoint) = &args.endpoint_url {
        loader = loader.endpoint_url(endpoint);
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
            && std::env::var_os("AWS_PROFILE").is_none()
        {
            loader = loader
                .credentials_provider(Credentials::new("test", "test", None, None, "emulator"));
        }
    }
    loader.load().await
}

/// Step Functions, with timeouts: a decision must not hang on an endpoint
/// that stopped answering (the outbox retries what times out).
pub fn sfn_client(sdk: &SdkConfig) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::from_conf(
        aws_sdk_sfn::config::Builder::from(sdk)
            .timeout_config(timeouts(4, 10))
            .build(),
    )
}

/// SQS, with timeouts that leave room for a 20-second long poll.
pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(sdk)
            .timeout_config(timeouts(30, 60))
            .build(),
    )
}

/// S3, with timeouts: the review page waits for it. Emulators (and most
/// S3-compatible stores) need path-style addresses (`host/bucket/key`);
/// AWS itself prefers `bucket.host/key`.
pub fn s3_client(sdk: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .timeout_config(timeouts(4, 8))
            .force_path_style(path_style)
            .build(),
    )
}

/// SNS (notifications), with timeouts: a Publish that hangs holds up the
/// notification worker, which retries what times out.
pub fn sns_client(sdk: &SdkConfig) -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::from_conf(
        aws_sdk_sns::config::Builder::from(sdk)
            .timeout_config(timeouts(4, 10))
            .build(),
    )
}

/// Three seconds to connect, then `attempt_secs` per try and
/// `operation_secs` for the call with its retries.
fn timeouts(attempt_secs: u64, operation_secs: u64) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(attempt_secs))
        .operation_timeout(Duration::from_secs(operation_secs))
        .build()
}
