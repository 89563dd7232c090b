//! Service levels for the lead's overview: how a pending review stands
//! against the team's review target, and the median time to a decision.

use serde::{Deserialize, Serialize};

/// Where a pending review stands against the review target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    OnTrack,
    /// Three quarters of the target used.
    DueSoon,
    Overdue,
}

pub fn sla_state(age_ms: i64, target_ms: i64) -> SlaState {
    if age_ms >= target_ms {
        SlaState::Overdue
    } else if age_ms >= due_soon_from(target_ms) {
        SlaState::DueSoon
    } else {
        SlaState::OnTrack
    }
}

/// The age from which a review is due soon: three quarters of the target,
/// rounded up to a whole millisecond.
fn due_soon_from(target_ms: i64) -> i64 {
    target_ms.saturating_mul(3).saturating_add(3) / 4
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// Age buckets of the overview, with their labels.
pub const AGE_BUCKETS: [(i64, &str); 4] = [
    (3_600_000, "under 1 h"),
    (4 * 3_600_000, "1–4 h"),
    (24 * 3_600_000, "4–24 h"),
    (i64::MAX, "over a day"),
];

/// The label of the bucket an age falls in.
pub fn age_bucket(age_ms: i64) -> &'static str {
    AGE_BUCKETS
        .iter()
        .find(|(limit, _)| age_ms < *limit)
        .map_or("over a day", |(_, label)| label)
}

/// How many overdue reviews the overview names (the oldest ones).
pub const OVERDUE_NAMED: u32 = 50;

/// The ages at which the overview counts pending reviews ("how many are at
/// least this old"): each age bucket's lower edge, due soon and overdue.
/// Counting at a few ages reads an index; the queue can hold 100,000.
pub fn counted_ages(target_ms: i64) -> Vec<i64> {
    let mut ages: Vec<i64> = std::iter::once(i64::MIN)
        .chain(AGE_BUCKETS.iter().map(|(upper, _)| *upper))
        .filter(|age| *age != i64::MAX)
        .chain([due_soon_from(target_ms), target_ms])
        .collect();
    ages.sort_unstable();
    ages.dedup();
    ages
}

/// Pending reviews by age bucket and against the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeSummary {
    /// Per bucket of [`AGE_BUCKETS`], youngest first.
    pub by_age: Vec<(String, u32)>,
    pub due_soon: u32,
    pub overdue: u32,
}

/// The summary from `at_least(age)`: how many pending reviews are at least
/// `age` old, asked only for the ages of [`counted_ages`].
pub fn summarise_ages(target_ms: i64, at_least: impl Fn(i64) -> u32) -> AgeSummary {
    let mut lower = i64::MIN;
    let by_age = AGE_BUCKETS
        .iter()
        .map(|(upper, label)| {
            let older = if *upper == i64::MAX {
                0
            } else {
                at_least(*upper)
            };
            let count = at_least(lower).saturating_sub(older);
            lower = *upper;
            (label.to_string(), count)
        })
        .collect();
    let overdue = at_least(target_ms);
    AgeSummary {
        by_age,
        due_soon: at_least(due_soon_from(target_ms)).saturating_sub(overdue),
        overdue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_states_follow_the_target() {
        let hour = 3_600_000;
        assert_eq!(sla_state(hour, 4 * hour), SlaState::OnTrack);
        assert_eq!(sla_state(3 * hour, 4 * hour), SlaState::DueSoon);
        assert_eq!(sla_state(4 * hour, 4 * hour), SlaState::Overdue);
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 9]), Some(5));
        assert_eq!(median(vec![4, 1, 9, 2]), Some(3));
    }

    #[test]
    fn ages_fall_in_buckets() {
        assert_eq!(age_bucket(0), "under 1 h");
        assert_eq!(age_bucket(2 * 3_600_000), "1–4 h");
        assert_eq!(age_bucket(30 * 3_600_000), "over a day");
    }

    /// The summary from counts equals the rules applied review by review.
    #[test]
    fn counting_at_a_few_ages_sums_up_as_each_review_would() {
        let hour = 3_600_000;
        let ages: Vec<i64> = (-3..200)
            .map(|n: i64| n * 997 * 60_000 / 7)
            .chain([
                0,
                hour - 1,
                hour,
                4 * hour,
                24 * hour,
                3 * hour,
                4 * hour - 1,
            ])
            .collect();
        for target in [1, 4 * hour, 4 * hour + 1, 30 * hour, 7] {
            let wanted = counted_ages(target);
            let summary = summarise_ages(target, |age| {
                assert!(wanted.contains(&age), "asked for an uncounted age {age}");
                ages.iter().filter(|a| **a >= age).count() as u32
            });
            let mut by_age: Vec<(String, u32)> = AGE_BUCKETS
                .iter()
                .map(|(_, label)| (label.to_string(), 0))
                .collect();
            let (mut due_soon, mut overdue) = (0, 0);
            for age in &ages {
                let bucket = by_age.iter_mut().find(|(l, _)| l == age_bucket(*age));
                bucket.expect("a bucket").1 += 1;
                match sla_state(*age, target) {
                    SlaState::Overdue => overdue += 1,
                    SlaState::DueSoon => due_soon += 1,
                    SlaState::OnTrack => {}
                }
            }
            assert_eq!(
                summary,
                AgeSummary {
                    by_age,
                    due_soon,
                    overdue
                },
                "target {target}"
            );
        }
    }
}
