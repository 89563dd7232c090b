//! The workflow's clock: reviews past their deadline leave the queue,
//! held reviews send heartbeats, and a rate-limited sweep asks Step Functions
//! about pending reviews so that one whose execution has moved on never
//! looks pending.

use super::ports::{AuditRecord, Closing, StoreError, WorkflowError};
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::review::ReviewStatus;
use crate::domain::upstream::{review_outcome, ExecutionEvent};

/// A review's heartbeat failures within this window are one audit entry.
const HEARTBEAT_FAILURE_WINDOW_MS: i64 = 10 * 60_000;

/// How long a claimed heartbeat is this server's to send: a failed one is
/// tried again (by whichever server claims it) after this.
const HEARTBEAT_LEASE_MS: i64 = 5_000;

/// The reconciling sweep's turn: every server sharing the database together
/// checks at most one batch in this time (a tick of the clock worker).
pub const RECONCILE_TURN_MS: i64 = 1_000;

/// Why a review past its deadline ended: stored with it and audited.
const EXPIRED_REASON: &str = "The deadline passed before anyone decided.";

/// How the reviews past their deadline at `now_ms` end.
fn expiry(now_ms: i64) -> Closing {
    Closing {
        status: ReviewStatus::Expired,
        reason: EXPIRED_REASON.to_owned(),
        audit: AuditRecord::system(
            now_ms,
            Action::Expired,
            None,
            Some(EXPIRED_REASON.to_owned()),
        ),
    }
}

/// How a review ends when its execution moved on without Signoff: as
/// `status` (expired or closed upstream, as `review_outcome` says), for
/// `reason`, audited under the status's name.
fn upstream_close(review_id: &str, status: ReviewStatus, reason: &str, now_ms: i64) -> Closing {
    let action = match status {
        ReviewStatus::Expired => Action::Expired,
        _ => Action::ClosedUpstream,
    };
    Closing {
        status,
        reason: reason.to_owned(),
        audit: AuditRecord::system(now_ms, action, Some(review_id), Some(reason.to_owned())),
    }
}

/// What one tick of the clock did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClockReport {
    pub expired: usize,
    pub heartbeats: usize,
    pub closed: usize,
}

impl Services {
    /// Expires overdue reviews, sends due heartbeats, and checks up to
    /// `check_limit` pending reviews not checked for `recheck_after_ms`.
    pub async fn tick(
        &self,
        check_limit: u32,
        recheck_after_ms: i64,
    ) -> Result<ClockReport, StoreError> {
        let now_ms = self.clock.now_ms();
        let expired = self
            .store
            .expire_overdue(now_ms, &expiry(now_ms))
            .await?
            .len();
        let heartbeats = self.send_heartbeats().await?;
        let closed = self.reconcile(check_limit, recheck_after_ms).await?;
        Ok(ClockReport {
            expired,
            heartbeats,
            closed,
        })
    }

    async fn send_heartbeats(&self) -> Result<usize, StoreError> {
        let now_ms = self.clock.now_ms();
        let mut sent = 0;
        for job in self
            .store
            .claim_heartbeats(now_ms, HEARTBEAT_LEASE_MS, 50)
            .await?
        {
            match self.workflow.heartbeat(&job.token).await {
                Ok(()) => {
                    self.store.heartbeat_sent(&job.review_id, now_ms).await?;
                    sent += 1;
                }
                // The task is gone: have the sweep find out why right away.
                Err(WorkflowError::TokenClosed(_)) => {
                    self.store.mark_checked(&job.review_id, 0).await?
                }
                Err(error) => {
                    tracing::warn!(review_id = %job.review_id, "heartbeat failed, retrying: {error}");
                    let entry = AuditRecord::system(
                        now_ms,
                        Action::HeartbeatFailed,
                        Some(&job.review_id),
                        Some(error.to_string()),
                    );
                    self.store
                        .record_unless_recent(&entry, HEARTBEAT_FAILURE_WINDOW_MS)
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    async fn reconcile(&self, limit: u32, recheck_after_ms: i64) -> Result<usize, StoreError> {
        let now_ms = self.clock.now_ms();
        let mut closed = 0;
        // Claimed as checked either way: a failing call is retried on a
        // later sweep, not in a tight loop against a 15/s quota.
        for (review_id, execution_arn) in self
            .store
            .claim_reviews_to_check(now_ms, now_ms - recheck_after_ms, RECONCILE_TURN_MS, limit)
            .await?
        {
            match self.workflow.execution_status(&execution_arn).await {
                Ok((status, error)) => {
                    if let Some((outcome, reason)) = review_outcome(&status, error.as_deref()) {
                        let closing = upstream_close(&review_id, outcome, &reason, now_ms);
                        if self
                            .store
                            .close_review(&review_id, &closing, now_ms)
                            .await?
                        {
                            tracing::info!(%review_id, status = outcome.as_str(), "{reason}");
                            closed += 1;
                        }
                    }
                }
                Err(error) => tracing::warn!(%review_id, "DescribeExecution failed: {error}"),
            }
        }
        Ok(closed)
    }

    /// An execution changed status (an EventBridge event): close its
    /// pending reviews at once if it no longer runs. Returns how many.
    pub async fn execution_changed(&self, event: &ExecutionEvent) -> Result<usize, StoreError> {
        let Some((outcome, reason)) = review_outcome(&event.status, event.error.as_deref()) else {
            return Ok(0);
        };
        let now_ms = self.clock.now_ms();
        let mut closed = 0;
        for review_id in self.store.pending_reviews_of(&event.execution_arn).await? {
            let closing = upstream_close(&review_id, outcome, &reason, now_ms);
            if self
                .store
                .close_review(&review_id, &closing, now_ms)
                .await?
            {
                tracing::info!(%review_id, status = outcome.as_str(), "{reason} (event)");
                closed += 1;
            }
        }
        Ok(closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overdue_review_expires_with_the_reason_stored_and_audited() {
        let closing = expiry(5_000);
        assert_eq!(closing.status, ReviewStatus::Expired);
        assert_eq!(closing.reason, "The deadline passed before anyone decided.");
        assert_eq!(
            closing.audit,
            AuditRecord::system(
                5_000,
                Action::Expired,
                None,
                Some("The deadline passed before anyone decided.".into()),
            )
        );
        assert_eq!(closing.audit.action, "expired");
    }

    #[test]
    fn a_review_closed_upstream_is_audited_under_its_status_with_the_reason() {
        let closing = upstream_close(
            "review-1",
            ReviewStatus::ClosedUpstream,
            "The execution was aborted.",
            7_000,
        );
        assert_eq!(closing.status, ReviewStatus::ClosedUpstream);
        assert_eq!(closing.reason, "The execution was aborted.");
        assert_eq!(closing.audit.actor, "system");
        assert_eq!(closing.audit.action, "closed upstream");
        assert_eq!(closing.audit.review_id.as_deref(), Some("review-1"));
        assert_eq!(
            closing.audit.detail.as_deref(),
            Some("The execution was aborted.")
        );
        assert_eq!(closing.audit.at_ms, 7_000);
    }

    #[test]
    fn a_workflow_that_timed_out_expires_its_review_audited_as_expired() {
        let timed_out = "The workflow timed out before anyone decided.";
        let closing = upstream_close("review-1", ReviewStatus::Expired, timed_out, 7_000);
        assert_eq!(closing.status, ReviewStatus::Expired);
        assert_eq!(closing.audit.action, "expired");
    }
}
