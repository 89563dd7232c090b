//! Delivery: sends committed decisions to Step Functions from the outbox.
//! The decider sends first (the commit claims the row for it, so the
//! reviewer usually hears "delivered" at once, and "queued" within a second
//! when Step Functions is slow); the delivery worker sends everything still
//! queued. A claim with a lease keeps two senders off the
//! same row.

use super::ports::{AuditRecord, DeliveryJob, DeliveryOutcome, StoreError, WorkflowError};
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::retry::backoff_ms;
use crate::domain::review::DeliveryState;
use crate::domain::upstream::{closed_task, ClosedTask};
use std::time::Duration;

/// How long a decider waits for the first attempt before hearing "queued".
/// Step Functions takes an answer in tens of milliseconds when it is well;
/// when it is slow the SDK waits up to 10 s (`aws::sfn_client`'s timeouts),
/// and the docs promise that an unresponsive endpoint never delays the
/// click. A second is far beyond a healthy answer and short enough not to
/// leave the reviewer waiting; the attempt itself runs on and is recorded.
const FIRST_ATTEMPT_BOUND: Duration = Duration::from_secs(1);

/// What one sweep of the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub closed: usize,
    pub failed: usize,
    pub retrying: usize,
}

impl Services {
    /// Sends a delivery the decider's commit claimed. The decider hears how
    /// it went as soon as Step Functions answers, or that it is queued once
    /// [`FIRST_ATTEMPT_BOUND`] passes; the attempt then runs on in the
    /// background. Either way its outcome is recorded just after the
    /// answer, off the request's path, by the recorder (which shutdown
    /// waits for). Should the process die in between, the claim lapses and
    /// the worker sends again: Step Functions answers that the task is
    /// closed, the execution shows the decision arrived, and it is recorded
    /// as delivered, once.
    pub(super) async fn send_claimed(&self, job: DeliveryJob) -> DeliveryState {
        let Some(ticket) = self.recorder.ticket() else {
            // Shutting down: not sent now; the claim lapses and the next
            // start's delivery worker sends it.
            tracing::info!(review_id = %job.review_id, "shutting down; the decision stays queued");
            return DeliveryState::Queued;
        };
        let review_id = job.review_id.clone();
        let services = self.clone();
        let mut attempt = Box::pin(async move {
            let (outcome, state, audit, now_ms) = services.send(&job).await;
            ticket.record(job.review_id, outcome, now_ms, audit);
            state
        });
        match tokio::time::timeout(FIRST_ATTEMPT_BOUND, &mut attempt).await {
            Ok(state) => state,
            Err(_) => {
                tracing::info!(%review_id, "Step Functions is slow to answer; the decision is queued and its attempt carries on");
                // Its ticket keeps the recorder, and so shutdown, waiting for it.
                tokio::spawn(attempt);
                DeliveryState::Queued
            }
        }
    }

    /// Sends up to `limit` due deliveries; the delivery worker's tick.
    pub async fn deliver_due(&self, limit: u32) -> Result<DeliveryReport, StoreError> {
        let jobs = self
            .store
            .claim_deliveries(self.clock.now_ms(), self.settings.delivery_lease_ms, limit)
            .await?;
        let mut report = DeliveryReport::default();
        for job in jobs {
            match self.attempt(job).await? {
                DeliveryState::Delivered => report.delivered += 1,
                DeliveryState::Closed => report.closed += 1,
                DeliveryState::Failed => report.failed += 1,
                DeliveryState::Queued => report.retrying += 1,
            }
        }
        Ok(report)
    }

    async fn attempt(&self, job: DeliveryJob) -> Result<DeliveryState, StoreError> {
        let (outcome, state, audit, now_ms) = self.send(&job).await;
        self.store
            .finish_delivery(&job.review_id, &outcome, now_ms, audit.as_ref())
            .await?;
        Ok(state)
    }

    /// One call to Step Functions and what it means for the outbox row.
    async fn send(
        &self,
        job: &DeliveryJob,
    ) -> (DeliveryOutcome, DeliveryState, Option<AuditRecord>, i64) {
        let result = self.workflow.send(&job.token, &job.delivery).await;
        let now_ms = self.clock.now_ms();
        let (outcome, state, audit) = match result {
            Ok(()) => delivered(job, now_ms, "Step Functions accepted the decision"),
            Err(WorkflowError::TokenClosed(code)) => self.closed_outcome(job, &code, now_ms).await,
            Err(WorkflowError::Permanent(error)) => refused(job, now_ms, &error),
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
        if state == DeliveryState::Delivered {
            tracing::info!(review_id = %job.review_id, attempts = job.attempts, "decision delivered");
        }
        (outcome, state, audit, now_ms)
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
                Some(system_audit(
                    &job.review_id,
                    now_ms,
                    Action::Closed,
                    &reason,
                )),
            ),
        }
    }
}

/// Step Functions refused the answer itself: retrying would meet the same
/// refusal, so the delivery ends here, failed, with the reason on the page
/// and in the audit log. The workflow keeps waiting until its own timeout.
fn refused(
    job: &DeliveryJob,
    now_ms: i64,
    error: &str,
) -> (DeliveryOutcome, DeliveryState, Option<AuditRecord>) {
    tracing::error!(review_id = %job.review_id, attempts = job.attempts, error = ?error, "Step Functions refused the decision for good; not retrying");
    let reason = format!("Step Functions refused the answer ({error}); it is not sent again.");
    (
        DeliveryOutcome::Failed {
            reason: reason.clone(),
        },
        DeliveryState::Failed,
        Some(system_audit(
            &job.review_id,
            now_ms,
            Action::DeliveryFailed,
            &reason,
        )),
    )
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
        Some(system_audit(
            &job.review_id,
            now_ms,
            Action::Delivered,
            detail,
        )),
    )
}

fn system_audit(review_id: &str, at_ms: i64, action: Action, detail: &str) -> AuditRecord {
    AuditRecord::system(at_ms, action, Some(review_id), Some(detail.to_owned()))
}

/// A jitter in `[0, 1)` from the clock's sub-second noise: good enough to
/// spread retries, and keeps `rand` out of the browser bundle's crate.
pub(super) fn rand_unit() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1_000_000) / 1_000_000.0
}
