//! Delivery: sends committed decisions to Step Functions from the outbox.
//! Called right after a decision (so the reviewer usually sees "delivered" at
//! once) and by the delivery worker for everything still queued. A claim with
//! a lease keeps two senders off the same row.

use super::ports::{AuditRecord, DeliveryJob, DeliveryOutcome, StoreError, WorkflowError};
use super::Services;
use crate::domain::retry::backoff_ms;
use crate::domain::review::DeliveryState;
use crate::domain::upstream::{closed_task, ClosedTask};

/// What one sweep of the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub closed: usize,
    pub retrying: usize,
}

impl Services {
    /// Claims and sends this review's delivery if it is due. Returns the state
    /// it ended in, or `None` when someone else holds it or nothing is queued.
    /// Failures are recorded for the worker to retry, never returned.
    pub async fn deliver_review_now(&self, review_id: &str) -> Option<DeliveryState> {
        let claimed = self
            .store
            .claim_deliveries(
                Some(review_id),
                self.clock.now_ms(),
                self.settings.delivery_lease_ms,
                1,
            )
            .await;
        match claimed {
            Ok(jobs) => match jobs.into_iter().next() {
                Some(job) => self.attempt(job).await.ok(),
                None => None,
            },
            Err(error) => {
                tracing::warn!(review_id, "could not claim the delivery: {error}");
                None
            }
        }
    }

    /// Sends up to `limit` due deliveries; the delivery worker's tick.
    pub async fn deliver_due(&self, limit: u32) -> Result<DeliveryReport, StoreError> {
        let jobs = self
            .store
            .claim_deliveries(
                None,
                self.clock.now_ms(),
                self.settings.delivery_lease_ms,
                limit,
            )
            .await?;
        let mut report = DeliveryReport::default();
        for job in jobs {
            match self.attempt(job).await? {
                DeliveryState::Delivered => report.delivered += 1,
                DeliveryState::Closed => report.closed += 1,
                DeliveryState::Queued => report.retrying += 1,
            }
        }
        Ok(report)
    }

    async fn attempt(&self, job: DeliveryJob) -> Result<DeliveryState, StoreError> {
        let result = self.workflow.send(&job.token, &job.delivery).await;
        let now_ms = self.clock.now_ms();
        let (outcome, state, audit) = match result {
            Ok(()) => delivered(&job, now_ms, "Step Functions accepted the decision"),
            Err(WorkflowError::TokenClosed(code)) => self.closed_outcome(&job, &code, now_ms).await,
            Err(error) => {
                let delay = backoff_ms(job.attempts, rand_unit());
                tracing::warn!(review_id = %job.review_id, attempts = job.attempts, "delivery failed, retrying in {delay} ms: {error}");
                let outcome = DeliveryOutcome::Retry {
                    error: error.to_string(),
                    next_attempt_at_ms: now_ms + delay,
                };
                (outcome, DeliveryState::Queued, None)
            }
        };
        self.store
            .finish_delivery(&job.review_id, &outcome, now_ms, audit.as_ref())
            .await?;
        if state == DeliveryState::Delivered {
            tracing::info!(review_id = %job.review_id, attempts = job.attempts, "decision delivered");
        }
        Ok(state)
    }
}

impl Services {
    /// Asks the execution why the task was closed: a lost reply counts as
    /// delivered; anything else is closed with the reason. Never retried.
    async fn closed_outcome(
        &self,
        job: &DeliveryJob,
        code: &str,
        now_ms: i64,
    ) -> (DeliveryOutcome, DeliveryState, Option<AuditRecord>) {
        let finding = match self.workflow.execution_status(&job.execution_arn).await {
            Ok((status, error)) => {
                closed_task(&status, error.as_deref(), job.delivery.is_approval())
            }
            Err(error) => ClosedTask::Closed(format!(
                "The task was already closed ({code}); the execution could not be read: {error}"
            )),
        };
        match finding {
            ClosedTask::AlreadyDelivered => delivered(
                job,
                now_ms,
                "Step Functions already had the decision (an earlier reply was lost)",
            ),
            ClosedTask::Closed(reason) => (
                DeliveryOutcome::Closed {
                    reason: reason.clone(),
                },
                DeliveryState::Closed,
                Some(system_audit(&job.review_id, now_ms, "closed", &reason)),
            ),
        }
    }
}

/// The outcome of a delivery that reached Step Functions, and its audit entry.
fn delivered(
    job: &DeliveryJob,
    now_ms: i64,
    detail: &str,
) -> (DeliveryOutcome, DeliveryState, Option<AuditRecord>) {
    (
        DeliveryOutcome::Delivered,
        DeliveryState::Delivered,
        Some(system_audit(&job.review_id, now_ms, "delivered", detail)),
    )
}

fn system_audit(review_id: &str, at_ms: i64, action: &str, detail: &str) -> AuditRecord {
    AuditRecord::system(at_ms, action, Some(review_id), Some(detail.to_owned()))
}

/// A jitter in `[0, 1)` from the clock's sub-second noise: good enough to
/// spread retries, and keeps `rand` out of the browser bundle's crate.
fn rand_unit() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
