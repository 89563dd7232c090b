//! Stuck deliveries: a decision still queued for Step Functions longer than
//! `[notify] stuck_after_minutes` gets one "delivery stuck" audit entry,
//! which notifies the routes that hear `delivery_stuck`. The delivery
//! worker sweeps for them; the store writes each entry once, however many
//! sweeps, restarts or replicas look.

use super::ports::{AuditRecord, StoreError};
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::notify::stuck::{queued_before, stuck_detail};

impl Services {
    /// Notices up to `limit` deliveries queued for longer than
    /// `stuck_after_ms`; returns how many it noticed.
    pub async fn notice_stuck_deliveries(
        &self,
        stuck_after_ms: i64,
        limit: u32,
    ) -> Result<usize, StoreError> {
        let now_ms = self.clock.now_ms();
        let cutoff = queued_before(now_ms, stuck_after_ms);
        let mut noticed = 0;
        for stuck in self.store.stuck_deliveries(cutoff, limit).await? {
            let detail = stuck_detail(
                stuck.queued_since_ms,
                stuck.attempts,
                stuck.last_error.as_deref(),
                now_ms,
            );
            let entry = AuditRecord::system(
                now_ms,
                Action::DeliveryStuck,
                Some(&stuck.review_id),
                Some(detail.clone()),
            );
            if self
                .store
                .notice_stuck_delivery(&stuck.review_id, cutoff, &entry)
                .await?
            {
                tracing::warn!(review_id = %stuck.review_id, "delivery stuck: {detail}");
                noticed += 1;
            }
        }
        Ok(noticed)
    }
}
