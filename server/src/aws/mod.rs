//! AWS adapters: Step Functions (the workflow port), the SQS intake poller,
//! and provisioning for the demo and tests. All go through the real AWS SDK;
//! locally, `--aws-endpoint-url` points it at the emulator.

pub mod provision;
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
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(4))
        .operation_timeout(Duration::from_secs(10))
        .build();
    aws_sdk_sfn::Client::from_conf(
        aws_sdk_sfn::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .build(),
    )
}

/// SQS, with timeouts that leave room for a 20-second long poll.
pub fn sqs_client(sdk: &SdkConfig) -> aws_sdk_sqs::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(30))
        .operation_timeout(Duration::from_secs(60))
        .build();
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .build(),
    )
}
