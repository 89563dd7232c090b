//! The SQS intake poller: long-polls the intake queue, hands each message to
//! intake, and deletes it only once the review is committed. A message that
//! cannot become a review is recorded, hidden for a while and left to the
//! queue's dead-letter policy. Nothing here can stop the loop but shutdown.

use app::ssr::{IntakeOutcome, IntakeSource, Services};
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::Message;
use aws_sdk_sqs::Client;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Most messages one receive may return (SQS's own limit).
const BATCH: i32 = 10;
const MAX_ERROR_BACKOFF: Duration = Duration::from_secs(30);

pub struct IntakePoller {
    pub client: Client,
    pub queue_url: String,
    pub wait_seconds: i32,
    pub rejected_visibility_seconds: i32,
    pub services: Services,
}

impl IntakePoller {
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(queue_url = %self.queue_url, "intake poller started");
        let mut backoff = Duration::from_secs(1);
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
                    backoff = Duration::from_secs(1);
                    for message in output.messages() {
                        self.handle(message).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        "intake receive failed, retrying in {backoff:?}: {}",
                        DisplayErrorContext(&error)
                    );
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ERROR_BACKOFF);
                }
            }
        }
        tracing::info!("intake poller stopped");
    }

    async fn handle(&self, message: &Message) {
        let source = IntakeSource {
            kind: "sqs",
            message_id: message.message_id().unwrap_or("unknown").to_owned(),
        };
        let body = message.body().unwrap_or_default();
        match self.services.receive_intake(&source, body).await {
            Ok(outcome) if outcome.is_stored() => {
                if let IntakeOutcome::Created { review_id } = &outcome {
                    tracing::info!(%review_id, message_id = %source.message_id, "review received");
                } else {
                    tracing::info!(message_id = %source.message_id, "duplicate intake message ignored");
                }
                self.delete(message).await;
            }
            Ok(_) => self.hide(message).await,
            // Not stored: leave the message; SQS offers it again after its
            // visibility timeout.
            Err(error) => {
                tracing::error!(message_id = %source.message_id, "could not store intake message: {error}")
            }
        }
    }

    async fn delete(&self, message: &Message) {
        let Some(receipt) = message.receipt_handle() else {
            return;
        };
        if let Err(error) = self
            .client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
        {
            // The review is stored; a redelivery is recognised as a duplicate.
            tracing::warn!(
                "could not delete intake message: {}",
                DisplayErrorContext(&error)
            );
        }
    }

    async fn hide(&self, message: &Message) {
        let Some(receipt) = message.receipt_handle() else {
            return;
        };
        let result = self
            .client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(self.rejected_visibility_seconds)
            .send()
            .await;
        if let Err(error) = result {
            tracing::warn!(
                "could not hide rejected intake message: {}",
                DisplayErrorContext(&error)
            );
        }
    }
}
