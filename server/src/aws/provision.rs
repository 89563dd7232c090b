//! Creates what a Signoff deployment needs in AWS (or the emulator): the
//! intake queue with its dead-letter queue, a state machine from an ASL
//! file, and (for the demo) a bucket of artefacts. Used by `signoff seed` and by the integration tests, which load the
//! same deploy/ file that ships.

use anyhow::{anyhow, Context};
use aws_sdk_sfn::types::StateMachineType;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};
use std::path::Path;

/// The placeholder the ASL file uses for the intake queue (Terraform
/// `templatefile` syntax, so the same file serves both).
pub const QUEUE_URL_PLACEHOLDER: &str = "${intake_queue_url}";
/// Receives before SQS moves a message to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 5;

/// Creates (or finds) `name` and `name-dlq`; returns the intake queue URL.
pub async fn intake_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> anyhow::Result<String> {
    let dlq_url = sqs
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .context("creating the dead-letter queue")?
        .queue_url
        .ok_or_else(|| anyhow!("no URL for the dead-letter queue"))?;
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .context("reading the dead-letter queue's ARN")?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| anyhow!("no ARN for the dead-letter queue"))?;
    let redrive =
        json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}).to_string();
    sqs.create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .context("creating the intake queue")?
        .queue_url
        .ok_or_else(|| anyhow!("no URL for the intake queue"))
}

/// The ASL definition with the queue URL filled in.
pub fn definition(asl_file: &Path, queue_url: &str) -> anyhow::Result<String> {
    let template = std::fs::read_to_string(asl_file).with_context(|| {
        format!(
            "reading the state machine definition {}",
            asl_file.display()
        )
    })?;
    let filled = template.replace(QUEUE_URL_PLACEHOLDER, queue_url);
    serde_json::from_str::<Value>(&filled)
        .with_context(|| format!("{} is not valid JSON", asl_file.display()))?;
    Ok(filled)
}

/// Creates the state machine, or updates it to `definition` if it exists;
/// returns its ARN.
pub async fn state_machine(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: &str,
    role_arn: &str,
) -> anyhow::Result<String> {
    let existing = sfn
        .list_state_machines()
        .send()
        .await
        .context("listing state machines")?
        .state_machines
        .into_iter()
        .find(|m| m.name == name);
    if let Some(machine) = existing {
        sfn.update_state_machine()
            .state_machine_arn(&machine.state_machine_arn)
            .definition(definition)
            .role_arn(role_arn)
            .send()
            .await
            .context("updating the state machine")?;
        return Ok(machine.state_machine_arn);
    }
    Ok(sfn
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role_arn)
        .r#type(StateMachineType::Standard)
        .send()
        .await
        .context("creating the state machine")?
        .state_machine_arn)
}

/// Starts one execution with `input`; returns its ARN.
pub async fn start_execution(
    sfn: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
    name: &str,
    input: &Value,
) -> anyhow::Result<String> {
    Ok(sfn
        .start_execution()
        .state_machine_arn(state_machine_arn)
        // Always named: the emulator would call every unnamed one "None".
        .name(name)
        .input(input.to_string())
        .send()
        .await
        .with_context(|| format!("starting execution {name}"))?
        .execution_arn)
}

/// Creates `bucket` unless it exists and stores `objects` in it as
/// `(key, content type, body)`.
pub async fn bucket_with(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    objects: Vec<(String, &str, Vec<u8>)>,
) -> anyhow::Result<()> {
    if s3.head_bucket().bucket(bucket).send().await.is_err() {
        s3.create_bucket()
            .bucket(bucket)
            .send()
            .await
            .with_context(|| format!("creating the bucket {bucket}"))?;
    }
    for (key, content_type, body) in objects {
        s3.put_object()
            .bucket(bucket)
            .key(&key)
            .content_type(content_type)
            .body(body.into())
            .send()
            .await
            .with_context(|| format!("storing s3://{bucket}/{key}"))?;
    }
    Ok(())
}
