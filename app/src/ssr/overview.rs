//! The lead's overview, for the reviews a filter keeps: pending reviews by
//! age and against the review target, decisions per reviewer, the median
//! time to a decision and the numbers behind the charts.

use super::ports::StoreError;
use super::Services;
use crate::api::OverviewView;
use crate::domain::overview_stats::{
    histogram, per_day, per_week, period_start_ms, OverviewFilter,
};
use crate::domain::sla::{counted_ages, median, summarise_ages, OVERDUE_NAMED};
use std::collections::BTreeMap;

impl Services {
    pub async fn overview(
        &self,
        period_days: u32,
        filter: &OverviewFilter,
    ) -> Result<OverviewView, StoreError> {
        let now_ms = self.clock.now_ms();
        let since_ms = period_start_ms(now_ms, period_days);
        let target_ms = self.settings.review_target_ms;

        let ages = counted_ages(target_ms);
        let counts = self.store.pending_at_least(now_ms, &ages, filter).await?;
        let pending = summarise_ages(target_ms, |age| {
            ages.iter()
                .position(|counted| *counted == age)
                .and_then(|n| counts.get(n))
                .copied()
                .unwrap_or_default()
        });
        let overdue = self
            .store
            .oldest_pending(now_ms.saturating_sub(target_ms), OVERDUE_NAMED, filter)
            .await?
            .into_iter()
            .map(|(id, title, received_at_ms)| (id, title, now_ms - received_at_ms))
            .collect();

        let mut per_reviewer: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for (reviewer, verdict, _) in self.store.decisions_since(since_ms, filter).await? {
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

        let decided = self.store.decided_since(since_ms, filter).await?;
        let times: Vec<i64> = decided.iter().map(|d| d.took_ms()).collect();
        let (models, groups) = self.store.models_and_groups().await?;
        Ok(OverviewView {
            period_days,
            target_minutes: target_ms / 60_000,
            target_ms,
            model: filter.model.clone(),
            group: filter.group.clone(),
            models,
            groups,
            pending_by_age: pending.by_age,
            due_soon: pending.due_soon,
            overdue_count: pending.overdue,
            overdue,
            decisions_by_reviewer,
            decided: times.len() as u32,
            time_buckets: histogram(&times, target_ms),
            median_time_to_decision_ms: median(times),
            per_day: per_day(&decided, since_ms, period_days),
            per_week: per_week(&decided, since_ms, period_days, target_ms),
        })
    }
}
