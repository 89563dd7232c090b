//! The workflow port on Step Functions: `SendTaskSuccess`,
//! `SendTaskFailure`, `DescribeExecution` (within one budget,
//! [`super::describe`]).

use super::describe::{DescribeBudget, Status, ViewerPlan};
use app::domain::execution_status::ExecutionStatus;
use app::domain::output::Delivery;
use app::domain::token::TaskToken;
use app::ssr::ports::{Workflow, WorkflowError};
use async_trait::async_trait;
use aws_sdk_sfn::config::http::HttpResponse;
use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::types as sdk;
use aws_sdk_sfn::Client;

/// Error codes that mean the task is closed. Real AWS answers
/// `TaskTimedOut` for a timed-out task, the emulator `InvalidToken`: treat
/// them alike and let reconciliation find out why.
const CLOSED_CODES: [&str; 3] = ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"];
/// `DescribeExecution`'s answer for an execution it does not know.
const NO_SUCH_EXECUTION: &str = "ExecutionDoesNotExist";
/// Codes that say the request itself is wrong, so that sending it again
/// can never succeed: `InvalidOutput` (SendTaskSuccess: output not JSON or
/// over 256 KiB) and the common errors of malformed requests (a
/// `ValidationException` for a cause or error name over its length). Every
/// other refusal (throttling, 5xx, access denied, a KMS key disabled,
/// expired credentials, codes not known here) is retried: an operator can
/// fix those without the decision changing, and a decision is never
/// dropped on a guess.
const PERMANENT_CODES: [&str; 6] = [
    "InvalidOutput",
    "ValidationException",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "MissingParameter",
    "SerializationException",
];

pub struct SfnWorkflow {
    client: Client,
    describe: DescribeBudget,
}

impl SfnWorkflow {
    /// `describe_per_second`: `DescribeExecution` calls a second, at most,
    /// for everything this server asks.
    pub fn new(client: Client, describe_per_second: u32) -> Self {
        Self {
            client,
            describe: DescribeBudget::new(describe_per_second),
        }
    }

    async fn describe(&self, execution_arn: &str) -> Result<Status, WorkflowError> {
        let out = self
            .client
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .map_err(|e| match e.code() {
                Some(NO_SUCH_EXECUTION) => WorkflowError::NoSuchExecution(execution_arn.to_owned()),
                _ => classify_plain(&e),
            })?;
        let status = (status_of(out.status()), out.error().map(str::to_owned));
        self.describe.remember(execution_arn, &status);
        Ok(status)
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

    async fn execution_status(&self, execution_arn: &str) -> Result<Status, WorkflowError> {
        self.describe.wait_for_token().await;
        self.describe(execution_arn).await
    }

    async fn execution_status_for_viewer(
        &self,
        execution_arn: &str,
    ) -> Result<Status, WorkflowError> {
        match self.describe.plan_for_viewer(execution_arn) {
            ViewerPlan::Show(status) => Ok(status),
            ViewerPlan::Ask { .. } if self.describe.try_token() => {
                self.describe(execution_arn).await
            }
            ViewerPlan::Ask {
                fallback: Some(status),
            } => Ok(status),
            ViewerPlan::Ask { fallback: None } => Err(WorkflowError::Retryable(
                "DescribeExecution budget spent for this second".into(),
            )),
        }
    }
}

/// The domain's status for the SDK's, by Step Functions' name for it: one
/// the SDK or Signoff does not know yet keeps its name.
fn status_of(status: &sdk::ExecutionStatus) -> ExecutionStatus {
    ExecutionStatus::parse(status.as_str())
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
        // classify_plain never answers this (only `describe` does), and an
        // ARN holds no token; kept as it is.
        arn @ WorkflowError::NoSuchExecution(_) => arn,
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
            kind_of(code)(message)
        }
        // Timeouts, connection failures, unreadable responses: try again.
        other => WorkflowError::Retryable(format!(
            "Step Functions unreachable: {}",
            DisplayErrorContext(other)
        )),
    }
}

/// What an error code means for a call: the task is closed, the request
/// can never succeed, or it is worth sending again.
fn kind_of(code: &str) -> fn(String) -> WorkflowError {
    if CLOSED_CODES.contains(&code) {
        WorkflowError::TokenClosed
    } else if PERMANENT_CODES.contains(&code) {
        WorkflowError::Permanent
    } else {
        WorkflowError::Retryable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str) -> &'static str {
        match kind_of(code)(String::new()) {
            WorkflowError::TokenClosed(_) => "closed",
            WorkflowError::Permanent(_) => "permanent",
            WorkflowError::Retryable(_) => "retryable",
            WorkflowError::NoSuchExecution(_) => "no such execution",
        }
    }

    #[test]
    fn the_sdks_statuses_keep_their_names_and_the_known_ones_their_meaning() {
        for name in sdk::ExecutionStatus::values() {
            assert_eq!(
                status_of(&sdk::ExecutionStatus::from(*name)).as_str(),
                *name
            );
        }
        for known in ExecutionStatus::KNOWN {
            assert_eq!(
                status_of(&sdk::ExecutionStatus::from(known.as_str())),
                known
            );
        }
        assert_eq!(
            status_of(&sdk::ExecutionStatus::from("PAUSED")),
            ExecutionStatus::Other("PAUSED".into())
        );
    }

    #[test]
    fn error_codes_are_sorted_into_closed_permanent_and_retryable() {
        for code in ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"] {
            assert_eq!(kind(code), "closed", "{code}");
        }
        for code in ["InvalidOutput", "ValidationException", "MissingParameter"] {
            assert_eq!(kind(code), "permanent", "{code}");
        }
        for code in [
            "ThrottlingException",
            "ServiceUnavailable",
            "InternalFailure",
            "AccessDeniedException",
            "KmsAccessDeniedException",
            "KmsInvalidStateException",
            "ExpiredTokenException",
            "SomethingNew",
        ] {
            assert_eq!(kind(code), "retryable", "{code}");
        }
    }
}
