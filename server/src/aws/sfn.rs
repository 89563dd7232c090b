//! The workflow port on Step Functions: `SendTaskSuccess`,
//! `SendTaskFailure`, `DescribeExecution`.

use app::domain::output::Delivery;
use app::domain::token::TaskToken;
use app::ssr::ports::{Workflow, WorkflowError};
use async_trait::async_trait;
use aws_sdk_sfn::config::http::HttpResponse;
use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::Client;

/// Error codes that mean the task is closed. Real AWS answers
/// `TaskTimedOut` for a timed-out task, the emulator `InvalidToken`: treat
/// them alike and let reconciliation find out why.
const CLOSED_CODES: [&str; 3] = ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"];
/// Codes worth retrying besides 5xx and transport failures.
const RETRYABLE_CODES: [&str; 3] = [
    "ThrottlingException",
    "ServiceUnavailable",
    "InternalFailure",
];

pub struct SfnWorkflow {
    client: Client,
}

impl SfnWorkflow {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Workflow for SfnWorkflow {
    async fn send(&self, token: &TaskToken, delivery: &Delivery) -> Result<(), WorkflowError> {
        let result = match delivery {
            Delivery::Success { output } => self
                .client
                .send_task_success()
                .task_token(token.expose())
                .output(output.to_string())
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(e, token)),
            Delivery::Failure { error, cause } => self
                .client
                .send_task_failure()
                .task_token(token.expose())
                .error(error)
                .cause(cause)
                .send()
                .await
                .map(drop)
                .map_err(|e| classify(e, token)),
        };
        result
    }

    async fn heartbeat(&self, token: &TaskToken) -> Result<(), WorkflowError> {
        self.client
            .send_task_heartbeat()
            .task_token(token.expose())
            .send()
            .await
            .map(drop)
            .map_err(|e| classify(e, token))
    }

    async fn execution_status(
        &self,
        execution_arn: &str,
    ) -> Result<(String, Option<String>), WorkflowError> {
        let out = self
            .client
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .map_err(|e| classify_plain(&e))?;
        Ok((
            out.status().as_str().to_owned(),
            out.error().map(str::to_owned),
        ))
    }
}

/// Sorts an SDK error into closed / retryable / permanent, with a message
/// that cannot contain the token (some services echo the input back).
fn classify<E>(error: SdkError<E, HttpResponse>, token: &TaskToken) -> WorkflowError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match classify_plain(&error) {
        WorkflowError::TokenClosed(m) => {
            WorkflowError::TokenClosed(m.replace(token.expose(), "<token>"))
        }
        WorkflowError::Retryable(m) => {
            WorkflowError::Retryable(m.replace(token.expose(), "<token>"))
        }
        WorkflowError::Permanent(m) => {
            WorkflowError::Permanent(m.replace(token.expose(), "<token>"))
        }
    }
}

fn classify_plain<E>(error: &SdkError<E, HttpResponse>) -> WorkflowError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("Unknown");
            let message = format!("{code}: {}", err.message().unwrap_or("no message"));
            if CLOSED_CODES.contains(&code) {
                WorkflowError::TokenClosed(message)
            } else if RETRYABLE_CODES.contains(&code) || service.raw().status().is_server_error() {
                WorkflowError::Retryable(message)
            } else {
                WorkflowError::Permanent(message)
            }
        }
        // Timeouts, connection failures, unreadable responses: try again.
        other => WorkflowError::Retryable(format!(
            "Step Functions unreachable: {}",
            DisplayErrorContext(other)
        )),
    }
}
