//! One budget for `DescribeExecution`, which Step Functions allows 15 times
//! a second for a whole account (shared with everything else in it).
//! Every call Signoff makes draws from one token bucket of
//! `--reconcile-per-second`: the reconciler and a delivery's check of a
//! closed task wait for a token; a viewer's reading never waits. Each
//! reading is remembered: a viewer is shown one younger than
//! [`FRESH_FOR`] without a call, and while the bucket is empty the last
//! one known (up to [`KEPT_FOR`] old), so nobody looping a page can spend
//! the account's quota, nor starve the reconciler of more than the bucket's
//! rate.

use app::domain::execution_status::ExecutionStatus;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// A reading this young is shown to viewers as it is.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// Readings are kept this long, for viewers while the budget is spent.
pub const KEPT_FOR: Duration = Duration::from_secs(300);
/// Executions whose readings are kept at once.
const CAPACITY: u64 = 10_000;

/// An execution's status and, when it failed, its error name.
pub type Status = (ExecutionStatus, Option<String>);

#[derive(Clone)]
struct Reading {
    status: Status,
    at: Instant,
}

/// What a viewer's request for a status should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerPlan {
    /// Show this reading; no call.
    Show(Status),
    /// Ask Step Functions, if the budget has a token; otherwise show the
    /// older reading, if there is one.
    Ask { fallback: Option<Status> },
}

/// How a viewer is answered, from the last reading (and when it was taken).
pub fn viewer_plan(last: Option<(Status, Instant)>, now: Instant) -> ViewerPlan {
    match last {
        Some((status, at)) if now.saturating_duration_since(at) < FRESH_FOR => {
            ViewerPlan::Show(status)
        }
        last => ViewerPlan::Ask {
            fallback: last.map(|(status, _)| status),
        },
    }
}

/// The shared budget and the readings.
pub struct DescribeBudget {
    bucket: DefaultDirectRateLimiter,
    readings: Cache<String, Reading>,
}

impl DescribeBudget {
    /// `per_second` calls a second at most (0 counts as 1: viewers still
    /// get a reading now and then).
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        Self {
            bucket: RateLimiter::direct(Quota::per_second(rate)),
            readings: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(KEPT_FOR)
                .build(),
        }
    }

    /// Waits for a token (the reconciler, a delivery's check).
    pub async fn wait_for_token(&self) {
        self.bucket.until_ready().await;
    }

    /// A token if one is there now (a viewer).
    pub fn try_token(&self) -> bool {
        self.bucket.check().is_ok()
    }

    /// What to do for a viewer asking about `execution_arn`.
    pub fn plan_for_viewer(&self, execution_arn: &str) -> ViewerPlan {
        let last = self
            .readings
            .get(execution_arn)
            .map(|reading| (reading.status, reading.at));
        viewer_plan(last, Instant::now())
    }

    /// Remembers what a call found.
    pub fn remember(&self, execution_arn: &str, status: &Status) {
        self.readings.insert(
            execution_arn.to_owned(),
            Reading {
                status: status.clone(),
                at: Instant::now(),
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> Status {
        (ExecutionStatus::Running, None)
    }

    #[test]
    fn a_fresh_reading_is_shown_and_an_older_one_only_as_a_fallback() {
        let now = Instant::now();
        assert_eq!(
            viewer_plan(Some((running(), now)), now + FRESH_FOR / 2),
            ViewerPlan::Show(running())
        );
        assert_eq!(
            viewer_plan(Some((running(), now)), now + FRESH_FOR),
            ViewerPlan::Ask {
                fallback: Some(running())
            }
        );
        assert_eq!(viewer_plan(None, now), ViewerPlan::Ask { fallback: None });
    }

    #[test]
    fn the_bucket_holds_its_rate_and_no_more() {
        let budget = DescribeBudget::new(3);
        let granted = (0..50).filter(|_| budget.try_token()).count();
        assert_eq!(granted, 3, "a burst of one second's worth, then none");
        let none = DescribeBudget::new(0);
        assert_eq!((0..10).filter(|_| none.try_token()).count(), 1);
    }

    #[test]
    fn readings_are_remembered_per_execution() {
        let budget = DescribeBudget::new(1);
        assert_eq!(
            budget.plan_for_viewer("a"),
            ViewerPlan::Ask { fallback: None }
        );
        budget.remember("a", &(ExecutionStatus::Succeeded, None));
        assert_eq!(
            budget.plan_for_viewer("a"),
            ViewerPlan::Show((ExecutionStatus::Succeeded, None))
        );
        assert_eq!(
            budget.plan_for_viewer("b"),
            ViewerPlan::Ask { fallback: None }
        );
    }
}
