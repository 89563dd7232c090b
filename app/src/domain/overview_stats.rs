//! The numbers behind the lead overview's charts: reviews decided per UTC
//! day (approved and rejected), the time they took in buckets that have the
//! team's target as an edge, and the share decided within the target per
//! week. Pure; the store hands over the decided reviews of the period.

use super::time::short_duration;
use serde::{Deserialize, Serialize};

pub const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Which reviews the overview counts: those of one model and/or one
/// reviewer group (each matched without regard to ASCII case), or all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewFilter {
    pub model: Option<String>,
    pub group: Option<String>,
}

impl OverviewFilter {
    /// Blank values filter nothing.
    pub fn new(model: Option<String>, group: Option<String>) -> Self {
        let given = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            model: given(model),
            group: given(group),
        }
    }
}

/// A review finally decided: when it arrived, when its last decision was
/// made, and which way that went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub received_ms: i64,
    pub decided_ms: i64,
    pub approved: bool,
}

impl Decided {
    pub fn took_ms(&self) -> i64 {
        (self.decided_ms - self.received_ms).max(0)
    }
}

/// Whether a decision that took `took_ms` met the target: strictly less, as
/// a pending review is overdue once its age reaches the target.
pub fn within_target(took_ms: i64, target_ms: i64) -> bool {
    took_ms < target_ms
}

/// The start of a period of `days` UTC days ending today: today and the
/// `days - 1` days before it, so every day in a chart is a whole day.
pub fn period_start_ms(now_ms: i64, days: u32) -> i64 {
    day_floor(now_ms) - i64::from(days.max(1) - 1) * DAY_MS
}

fn day_floor(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// The Monday 00:00 UTC that starts the ISO week of `ms` (1 January 1970
/// was a Thursday: three days after a Monday).
pub fn week_floor(ms: i64) -> i64 {
    ((ms.div_euclid(DAY_MS) + 3).div_euclid(7) * 7 - 3) * DAY_MS
}

/// Reviews decided on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    pub day_ms: i64,
    pub approved: u32,
    pub rejected: u32,
}

impl DayCount {
    pub fn total(&self) -> u32 {
        self.approved + self.rejected
    }
}

/// One entry per day of the period starting at `start_ms` (from
/// [`period_start_ms`]), oldest first, empty days included. Decisions
/// before the period are left out; one stamped after its last day (another
/// replica's clock running ahead) counts on the last day.
pub fn per_day(decided: &[Decided], start_ms: i64, days: u32) -> Vec<DayCount> {
    let days = days.max(1);
    let mut counts: Vec<DayCount> = (0..i64::from(days))
        .map(|n| DayCount {
            day_ms: start_ms + n * DAY_MS,
            approved: 0,
            rejected: 0,
        })
        .collect();
    for review in decided.iter().filter(|r| r.decided_ms >= start_ms) {
        let index = ((review.decided_ms - start_ms) / DAY_MS).min(i64::from(days) - 1);
        if let Some(day) = usize::try_from(index).ok().and_then(|i| counts.get_mut(i)) {
            if review.approved {
                day.approved += 1;
            } else {
                day.rejected += 1;
            }
        }
    }
    counts
}

/// Reviews decided in one ISO week (Monday to Sunday, UTC) of the period,
/// and how many of them within the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekShare {
    /// The week's Monday (possibly before the period starts).
    pub week_ms: i64,
    pub decided: u32,
    pub within: u32,
}

impl WeekShare {
    /// The share within the target in whole percent (rounded half up);
    /// `None` for a week without decisions.
    pub fn percent(&self) -> Option<u32> {
        (self.decided > 0).then(|| (self.within * 200 + self.decided) / (self.decided * 2))
    }
}

/// One entry per ISO week the period touches, oldest first, counting only
/// the decisions in the period (late stamps as in [`per_day`]).
pub fn per_week(decided: &[Decided], start_ms: i64, days: u32, target_ms: i64) -> Vec<WeekShare> {
    let last_day = start_ms + i64::from(days.max(1) - 1) * DAY_MS;
    let first_week = week_floor(start_ms);
    let weeks = (week_floor(last_day) - first_week) / WEEK_MS + 1;
    let mut shares: Vec<WeekShare> = (0..weeks)
        .map(|n| WeekShare {
            week_ms: first_week + n * WEEK_MS,
            decided: 0,
            within: 0,
        })
        .collect();
    for review in decided.iter().filter(|r| r.decided_ms >= start_ms) {
        let index = ((review.decided_ms.min(last_day) - first_week) / WEEK_MS).min(weeks - 1);
        if let Some(week) = usize::try_from(index).ok().and_then(|i| shares.get_mut(i)) {
            week.decided += 1;
            if within_target(review.took_ms(), target_ms) {
                week.within += 1;
            }
        }
    }
    shares
}

/// The edges of the time-to-decision buckets before the target is added:
/// steps a person reads at a glance, from a quarter of an hour to a week.
pub const TIME_EDGES: [i64; 9] = [
    15 * MINUTE_MS,
    30 * MINUTE_MS,
    HOUR_MS,
    2 * HOUR_MS,
    4 * HOUR_MS,
    8 * HOUR_MS,
    DAY_MS,
    2 * DAY_MS,
    7 * DAY_MS,
];

/// [`TIME_EDGES`] with the target as one of them, so each bucket lies
/// wholly within or wholly past it; a step closer than a factor of 1.5 to
/// the target gives way, so no bucket is a sliver.
pub fn time_edges(target_ms: i64) -> Vec<i64> {
    if target_ms <= 0 {
        return TIME_EDGES.to_vec();
    }
    let near = |edge: i64| {
        let (low, high) = (edge.min(target_ms) as f64, edge.max(target_ms) as f64);
        high < low * 1.5
    };
    let mut edges: Vec<i64> = TIME_EDGES.iter().copied().filter(|e| !near(*e)).collect();
    edges.push(target_ms);
    edges.sort_unstable();
    edges
}

/// Decisions that took from `from_ms` up to (not including) `to_ms`; the
/// last bucket has no upper edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeBucket {
    pub from_ms: i64,
    pub to_ms: Option<i64>,
    pub count: u32,
    /// Every decision in it met the target.
    pub within_target: bool,
}

impl TimeBucket {
    /// `under 15m`, `1h–2h`, `over 7d`.
    pub fn label(&self) -> String {
        match (self.from_ms, self.to_ms) {
            (0, Some(to)) => format!("under {}", short_duration(to)),
            (from, Some(to)) => format!("{}–{}", short_duration(from), short_duration(to)),
            (from, None) => format!("{} or more", short_duration(from)),
        }
    }
}

/// The distribution of `took_ms` over [`time_edges`]`(target_ms)`. Buckets
/// past both the longest decision and the target are left off (the last
/// one kept then has its upper edge), so a quick team's chart is not a row
/// of empty bars; with no decisions the buckets run up to the target.
pub fn histogram(took_ms: &[i64], target_ms: i64) -> Vec<TimeBucket> {
    let edges = time_edges(target_ms);
    let mut buckets: Vec<TimeBucket> = std::iter::once(0)
        .chain(edges.iter().copied())
        .zip(edges.iter().copied().map(Some).chain([None]))
        .map(|(from_ms, to_ms)| TimeBucket {
            from_ms,
            to_ms,
            count: 0,
            within_target: to_ms.is_some_and(|to| to <= target_ms),
        })
        .collect();
    for took in took_ms {
        let took = (*took).max(0);
        if let Some(bucket) = buckets
            .iter_mut()
            .find(|b| b.to_ms.is_none_or(|to| took < to))
        {
            bucket.count += 1;
        }
    }
    let last_used = buckets.iter().rposition(|b| b.count > 0).unwrap_or(0);
    let target_bucket = buckets
        .iter()
        .position(|b| b.to_ms == Some(target_ms))
        .unwrap_or(0);
    // One bucket past the target, so the marker has bars on both sides.
    let keep = last_used.max(target_bucket + 1) + 1;
    buckets.truncate(keep);
    buckets
}

/// How many of `decided` met the target, of how many.
pub fn share_within(decided: &[Decided], target_ms: i64) -> (u32, u32) {
    let within = decided
        .iter()
        .filter(|r| within_target(r.took_ms(), target_ms))
        .count();
    (within as u32, decided.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30, a Monday, at 00:00 UTC.
    const MONDAY: i64 = 1_795_996_800_000;

    fn decided(day: i64, hour: i64, took_ms: i64, approved: bool) -> Decided {
        let decided_ms = MONDAY + day * DAY_MS + hour * HOUR_MS;
        Decided {
            received_ms: decided_ms - took_ms,
            decided_ms,
            approved,
        }
    }

    #[test]
    fn blank_filters_filter_nothing() {
        assert_eq!(
            OverviewFilter::new(Some("  ".into()), Some(" ml-reviewers ".into())),
            OverviewFilter {
                model: None,
                group: Some("ml-reviewers".into())
            }
        );
    }

    #[test]
    fn a_period_is_whole_utc_days_ending_today() {
        let now = MONDAY + 3 * DAY_MS + 5 * HOUR_MS;
        assert_eq!(period_start_ms(now, 1), MONDAY + 3 * DAY_MS);
        assert_eq!(period_start_ms(now, 7), MONDAY - 3 * DAY_MS);
        assert_eq!(
            period_start_ms(now, 0),
            MONDAY + 3 * DAY_MS,
            "at least today"
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_floor(MONDAY), MONDAY);
        assert_eq!(week_floor(MONDAY + 6 * DAY_MS + 23 * HOUR_MS), MONDAY);
        assert_eq!(week_floor(MONDAY - 1), MONDAY - 7 * DAY_MS);
        assert_eq!(week_floor(0), -3 * DAY_MS, "1 January 1970 was a Thursday");
    }

    #[test]
    fn days_count_approved_and_rejected_apart() {
        let reviews = [
            decided(0, 9, HOUR_MS, true),
            decided(0, 23, HOUR_MS, false),
            decided(2, 0, HOUR_MS, true),
            decided(-1, 12, HOUR_MS, true), // before the period
        ];
        let days = per_day(&reviews, MONDAY, 3);
        assert_eq!(
            days,
            [
                DayCount {
                    day_ms: MONDAY,
                    approved: 1,
                    rejected: 1
                },
                DayCount {
                    day_ms: MONDAY + DAY_MS,
                    approved: 0,
                    rejected: 0
                },
                DayCount {
                    day_ms: MONDAY + 2 * DAY_MS,
                    approved: 1,
                    rejected: 0
                },
            ]
        );
        assert_eq!(days[0].total(), 2);
    }

    #[test]
    fn an_empty_period_still_has_its_days() {
        let days = per_day(&[], MONDAY, 7);
        assert_eq!(days.len(), 7);
        assert!(days.iter().all(|d| d.total() == 0));
        assert_eq!(per_day(&[], MONDAY, 0).len(), 1, "at least one day");
    }

    #[test]
    fn a_one_day_period_takes_a_late_stamp_as_today() {
        let days = per_day(
            &[decided(0, 8, 1, true), decided(1, 1, 1, false)],
            MONDAY,
            1,
        );
        assert_eq!(
            days,
            [DayCount {
                day_ms: MONDAY,
                approved: 1,
                rejected: 1
            }]
        );
    }

    #[test]
    fn weeks_share_within_target() {
        let target = 4 * HOUR_MS;
        // The period: Saturday 2026-11-28 to Tuesday 2026-12-08 (11 days).
        let start = MONDAY - 2 * DAY_MS;
        let reviews = [
            decided(-2, 10, HOUR_MS, true),       // week 1, within
            decided(-1, 10, 5 * HOUR_MS, false),  // week 1, late
            decided(0, 10, target, true),         // week 2, exactly the target: late
            decided(1, 10, target - 1, true),     // week 2, within
            decided(3, 10, 10 * MINUTE_MS, true), // week 2, within
        ];
        let weeks = per_week(&reviews, start, 11, target);
        assert_eq!(
            weeks,
            [
                WeekShare {
                    week_ms: MONDAY - 7 * DAY_MS,
                    decided: 2,
                    within: 1
                },
                WeekShare {
                    week_ms: MONDAY,
                    decided: 3,
                    within: 2
                },
                WeekShare {
                    week_ms: MONDAY + 7 * DAY_MS,
                    decided: 0,
                    within: 0
                },
            ]
        );
        assert_eq!(weeks[0].percent(), Some(50));
        assert_eq!(weeks[1].percent(), Some(67), "2 of 3, rounded");
        assert_eq!(weeks[2].percent(), None, "no decisions, no share");
    }

    #[test]
    fn a_week_all_outside_target_is_zero_percent() {
        let weeks = per_week(&[decided(0, 1, DAY_MS, true)], MONDAY, 1, HOUR_MS);
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].percent(), Some(0));
        assert_eq!(
            share_within(&[decided(0, 1, DAY_MS, true)], HOUR_MS),
            (0, 1)
        );
        assert_eq!(share_within(&[], HOUR_MS), (0, 0));
    }

    #[test]
    fn the_target_becomes_an_edge_and_near_steps_give_way() {
        assert_eq!(time_edges(4 * HOUR_MS), TIME_EDGES.to_vec());
        // 3 h: 4 h is within a factor of 1.5 and gives way; 2 h is just not.
        assert_eq!(
            time_edges(3 * HOUR_MS),
            [
                15 * MINUTE_MS,
                30 * MINUTE_MS,
                HOUR_MS,
                2 * HOUR_MS,
                3 * HOUR_MS,
                8 * HOUR_MS,
                DAY_MS,
                2 * DAY_MS,
                7 * DAY_MS
            ]
        );
        assert_eq!(time_edges(0), TIME_EDGES.to_vec());
        assert_eq!(time_edges(MINUTE_MS)[0], MINUTE_MS);
    }

    #[test]
    fn times_fall_in_buckets_either_side_of_the_target() {
        let target = 4 * HOUR_MS;
        let buckets = histogram(
            &[MINUTE_MS, 20 * MINUTE_MS, 3 * HOUR_MS, target, 9 * HOUR_MS],
            target,
        );
        let counts: Vec<(String, u32, bool)> = buckets
            .iter()
            .map(|b| (b.label(), b.count, b.within_target))
            .collect();
        assert_eq!(
            counts,
            [
                ("under 15m".to_owned(), 1, true),
                ("15m–30m".to_owned(), 1, true),
                ("30m–1h".to_owned(), 0, true),
                ("1h–2h".to_owned(), 0, true),
                ("2h–4h".to_owned(), 1, true),
                ("4h–8h".to_owned(), 1, false),
                ("8h–1d".to_owned(), 1, false),
            ],
            "cut after the longest decision"
        );
    }

    #[test]
    fn without_decisions_the_buckets_reach_just_past_the_target() {
        let buckets = histogram(&[], HOUR_MS);
        assert_eq!(buckets.len(), 4, "under 15m, 15–30m, 30m–1h, 1h–2h");
        assert!(buckets.iter().all(|b| b.count == 0));
        assert_eq!(buckets[2].to_ms, Some(HOUR_MS));
        assert!(!buckets[3].within_target);
    }

    #[test]
    fn the_slowest_decisions_land_in_the_open_bucket() {
        let buckets = histogram(&[30 * DAY_MS, -5], HOUR_MS);
        let last = buckets.last().unwrap();
        assert_eq!((last.to_ms, last.count), (None, 1));
        assert_eq!(last.label(), "7d or more");
        assert_eq!(buckets[0].count, 1, "a negative time counts as none");
        assert_eq!(buckets.iter().map(|b| b.count).sum::<u32>(), 2);
    }
}
