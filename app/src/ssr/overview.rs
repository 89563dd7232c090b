//! The lead's overview: pending reviews by age and against the review
//! target, decisions per reviewer, and the median time to a decision.

use super::ports::StoreError;
use super::Services;
use crate::api::OverviewView;
use crate::domain::sla::{age_bucket, median, sla_state, SlaState, AGE_BUCKETS};
use std::collections::BTreeMap;

impl Services {
    pub async fn overview(&self, period_days: u32) -> Result<OverviewView, StoreError> {
        let now_ms = self.clock.now_ms();
        let since_ms = now_ms - i64::from(period_days) * 86_400_000;
        let target_ms = self.settings.review_target_ms;

        let pending = self.store.pending_ages().await?;
        let mut pending_by_age: Vec<(String, u32)> = AGE_BUCKETS
            .iter()
            .map(|(_, label)| (label.to_string(), 0))
            .collect();
        let (mut due_soon, mut overdue) = (0, Vec::new());
        for (id, title, received_at_ms) in pending {
            let age_ms = now_ms - received_at_ms;
            if let Some(bucket) = pending_by_age
                .iter_mut()
                .find(|(label, _)| label == age_bucket(age_ms))
            {
                bucket.1 += 1;
            }
            match sla_state(age_ms, target_ms) {
                SlaState::Overdue => overdue.push((id, title, age_ms)),
                SlaState::DueSoon => due_soon += 1,
                SlaState::OnTrack => {}
            }
        }
        overdue.sort_by_key(|(_, _, age)| std::cmp::Reverse(*age));

        let mut per_reviewer: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for (reviewer, verdict, _) in self.store.decisions_since(since_ms).await? {
            let counts = per_reviewer.entry(reviewer).or_default();
            if verdict == "approve" {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
        }
        let mut decisions_by_reviewer: Vec<(String, u32, u32)> = per_reviewer
            .into_iter()
            .map(|(who, (a, r))| (who, a, r))
            .collect();
        decisions_by_reviewer.sort_by_key(|(who, a, r)| (std::cmp::Reverse(a + r), who.clone()));

        let times: Vec<i64> = self
            .store
            .decision_times_since(since_ms)
            .await?
            .into_iter()
            .map(|(received, decided)| decided - received)
            .collect();
        Ok(OverviewView {
            period_days,
            target_minutes: target_ms / 60_000,
            pending_by_age,
            due_soon,
            overdue,
            decisions_by_reviewer,
            decided: times.len() as u32,
            median_time_to_decision_ms: median(times),
        })
    }
}
