//! AWS adapters: Step Functions (the workflow port), the SQS intake poller,
//! and provisioning for the demo and tests. All go through the real AWS SDK;
//! locally, `--aws-endpoint-url` points it at the emulator.

pub mod provision;
pub mod sfn;
pub mod sqs;

use crate::config::AwsArgs;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sfn::config::Credentials;

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
