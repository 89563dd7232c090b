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
    } else if age_ms * 4 >= target_ms * 3 {
        SlaState::DueSoon
    } else {
        SlaState::OnTrack
    }
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
}
