//! SQS pollers: one loop long-polls a queue and hands each message to a
//! handler, which says what becomes of it: deleted once safely handled,
//! hidden for a while when it cannot be handled (the queue's dead-letter
//! policy takes it after its maxReceiveCount), or kept for redelivery after
//! a failure on our side. A message never stops the loop; a queue that
//! keeps refusing to be read (deleted, no permission) does: after a few
//! failed receives in a row the poller returns, its supervisor logs it,
//! counts a restart and starts it again after a backoff, and `/readyz`
//! shows it down meanwhile.
//!
//! Two queues use it: intake (review requests) and, optionally, execution
//! status events routed by EventBridge.

use crate::workers::supervisor::{WorkerFailure, WorkerHandle, WorkerResult};
use app::domain::upstream::parse_execution_event;
use app::ssr::{IntakeOutcome, IntakeSource, Services};
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::Message;
use aws_sdk_sqs::Client;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Most messages one receive may return (SQS's own limit).
const BATCH: i32 = 10;
/// Failed receives in a row after which the poller gives up (and is restarted).
const RECEIVE_FAILURES_TO_GIVE_UP: u32 = 3;
const MAX_ERROR_BACKOFF: Duration = Duration::from_secs(30);

/// What becomes of a message after its handler has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Handled and stored: delete it.
    Delete,
    /// Cannot be handled: hide it this many seconds, leave it to the DLQ.
    Hide(i32),
    /// Our failure: leave it; SQS offers it again after its visibility timeout.
    Keep,
}

pub trait Handler: Send + Sync {
    fn handle(&self, message: &Message) -> impl Future<Output = Disposition> + Send;
}

pub struct Poller<H> {
    pub name: &'static str,
    pub client: Client,
    pub queue_url: String,
    pub wait_seconds: i32,
    pub handler: H,
}

impl<H: Handler> Poller<H> {
    pub async fn run(&self, shutdown: CancellationToken, health: WorkerHandle) -> WorkerResult {
        tracing::info!(queue_url = %self.queue_url, "{} poller started", self.name);
        let mut backoff = Duration::from_secs(1);
        let mut failures = 0;
        loop {
            let receive = self
                .client
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(BATCH)
                .wait_time_seconds(self.wait_seconds)
                .send();
            let received = tokio::select! {
                () = shutdown.cancelled() => break,
                received = receive => received,
            };
            match received {
                Ok(output) => {
                    health.step_ok();
                    backoff = Duration::from_secs(1);
                    failures = 0;
                    for message in output.messages() {
                        let disposition = self.handler.handle(message).await;
                        self.settle(message, disposition).await;
                    }
                }
                Err(error) => {
                    let failure =
                        WorkerFailure::new("ReceiveMessage failed", DisplayErrorContext(&error));
                    health.step_failed(&failure);
                    failures += 1;
                    if failures >= RECEIVE_FAILURES_TO_GIVE_UP {
                        return Err(failure);
                    }
                    tracing::warn!(
                        "{} receive failed, retrying in {backoff:?}: {}",
                        self.name,
                        failure.detail
                    );
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ERROR_BACKOFF);
                }
            }
        }
        tracing::info!("{} poller stopped", self.name);
        Ok(())
    }

    async fn settle(&self, message: &Message, disposition: Disposition) {
        let Some(receipt) = message.receipt_handle() else {
            return;
        };
        let result = match disposition {
            Disposition::Keep => return,
            Disposition::Delete => self
                .client
                .delete_message()
                .queue_url(&self.queue_url)
                .receipt_handle(receipt)
                .send()
                .await
                .map(drop)
                .map_err(|e| DisplayErrorContext(e).to_string()),
            Disposition::Hide(seconds) => self
                .client
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(seconds)
                .send()
                .await
                .map(drop)
                .map_err(|e| DisplayErrorContext(e).to_string()),
        };
        // Deleting is safe to miss: a redelivered message is recognised.
        if let Err(error) = result {
            tracing::warn!(
                "{}: could not settle a message ({disposition:?}): {error}",
                self.name
            );
        }
    }
}

/// Review requests from the state machine's callback task.
pub struct IntakeHandler {
    pub services: Services,
    pub rejected_visibility_seconds: i32,
}

impl Handler for IntakeHandler {
    async fn handle(&self, message: &Message) -> Disposition {
        let source = IntakeSource {
            kind: "sqs",
            message_id: message.message_id().unwrap_or("unknown").to_owned(),
        };
        match self
            .services
            .receive_intake(&source, message.body().unwrap_or_default())
            .await
        {
            Ok(IntakeOutcome::Created { review_id }) => {
                tracing::info!(%review_id, message_id = %source.message_id, "review received");
                Disposition::Delete
            }
            Ok(IntakeOutcome::Duplicate { .. }) => {
                tracing::info!(message_id = %source.message_id, "duplicate intake message ignored");
                Disposition::Delete
            }
            Ok(IntakeOutcome::Rejected { .. }) => {
                Disposition::Hide(self.rejected_visibility_seconds)
            }
            Err(error) => {
                tracing::error!(message_id = %source.message_id, "could not store intake message: {error}");
                Disposition::Keep
            }
        }
    }
}

/// "Step Functions Execution Status Change" events routed by EventBridge.
pub struct EventHandler {
    pub services: Services,
}

/// How long an unreadable event stays hidden before SQS offers it again.
const BAD_EVENT_VISIBILITY_SECONDS: i32 = 300;

impl Handler for EventHandler {
    async fn handle(&self, message: &Message) -> Disposition {
        let message_id = message.message_id().unwrap_or("unknown");
        match parse_execution_event(message.body().unwrap_or_default()) {
            Ok(Some(event)) => match self.services.execution_changed(&event).await {
                Ok(_) => Disposition::Delete,
                Err(error) => {
                    tracing::error!(%message_id, "could not apply an execution event: {error}");
                    Disposition::Keep
                }
            },
            // Not an execution status event: nothing for Signoff.
            Ok(None) => Disposition::Delete,
            Err(reason) => {
                tracing::warn!(%message_id, "unreadable execution event, left for the dead-letter queue: {reason}");
                Disposition::Hide(BAD_EVENT_VISIBILITY_SECONDS)
            }
        }
    }
}
