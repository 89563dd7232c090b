//! The reminder schedule of a pending review: a reminder at each
//! configured share of its time from arrival to deadline, then the
//! escalation, each with a stable id so that it fires once (the id is
//! recorded when it fires, and the record survives a restart). After a
//! stop, only the latest overdue step fires: the ones it passed are
//! recorded as fired without a message, so nobody gets a flood of stale
//! reminders.

use super::route::NotifySettings;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Reminder,
    Escalation,
}

/// One step of a review's schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    /// `reminder-50`, `reminder-80`, `escalation-90`: what is recorded when
    /// it fires (stable across restarts and for one configuration).
    pub id: String,
    pub share: f64,
    pub due_ms: i64,
}

impl Step {
    /// The audit entry's detail: which step, at which share.
    pub fn audit_detail(&self) -> String {
        format!(
            "{}: {}% of the time to the deadline",
            self.id,
            percent(self.share)
        )
    }
}

/// The deadline a schedule runs to: the review's own, or without one its
/// arrival plus the team's review target (`--review-target-minutes`).
/// `None` when that passes the end of time.
pub fn deadline_or_target(
    arrived_ms: i64,
    deadline_ms: Option<i64>,
    target_minutes: u32,
) -> Option<i64> {
    match deadline_ms {
        Some(deadline) => Some(deadline),
        None => arrived_ms.checked_add(i64::from(target_minutes).checked_mul(60_000)?),
    }
}

/// The steps from `arrived_ms` to `deadline_ms`, in the order they fall
/// due. A deadline not after the arrival gives none.
pub fn steps(arrived_ms: i64, deadline_ms: i64, settings: &NotifySettings) -> Vec<Step> {
    let Some(span) = deadline_ms.checked_sub(arrived_ms).filter(|span| *span > 0) else {
        return Vec::new();
    };
    let at = |share: f64| {
        // In millionths, in integers: exact for the shares people write,
        // no overflow for any span. Rounded up, so a step never comes
        // before its share.
        // (`as` saturates: a share below 0 counts as 0.)
        let millionths = ((share * 1_000_000.0).round() as u128).min(1_000_000);
        let offset = (u128::try_from(span).ok()? * millionths).div_ceil(1_000_000);
        arrived_ms.checked_add(i64::try_from(offset).ok()?)
    };
    let reminders = settings
        .reminders()
        .iter()
        .map(|share| (StepKind::Reminder, *share));
    let escalation = std::iter::once((StepKind::Escalation, settings.escalate_at()));
    reminders
        .chain(escalation)
        .filter_map(|(kind, share)| {
            let prefix = match kind {
                StepKind::Reminder => "reminder",
                StepKind::Escalation => "escalation",
            };
            Some(Step {
                kind,
                id: format!("{prefix}-{}", percent(share)),
                share,
                due_ms: at(share)?,
            })
        })
        .collect()
}

/// What to do now: the step to fire, and the earlier ones it passed
/// (to be recorded as fired, without a message).
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub fire: Step,
    pub skipped: Vec<Step>,
}

/// The latest step that is due by `now_ms`, unless it has fired (ids in
/// `fired_ids`) or the review no longer waits for a decision. Earlier
/// unfired steps are passed over: a reminder after the escalation, or
/// three reminders at once after a stop, would only be noise.
pub fn due_now(
    steps: &[Step],
    fired_ids: &[String],
    now_ms: i64,
    still_pending: bool,
) -> Option<Due> {
    if !still_pending {
        return None;
    }
    let due: Vec<&Step> = steps.iter().filter(|s| s.due_ms <= now_ms).collect();
    let (latest, earlier) = due.split_last()?;
    let fired = |step: &Step| fired_ids.contains(&step.id);
    if fired(latest) {
        return None;
    }
    Some(Due {
        fire: (*latest).clone(),
        skipped: earlier
            .iter()
            .filter(|step| !fired(step))
            .map(|step| (*step).clone())
            .collect(),
    })
}

/// A share as a percentage with at most two decimals: `50`, `12.5`, `0.01`.
pub(super) fn percent(share: f64) -> String {
    let hundredths = (share * 10_000.0).round();
    let text = format!("{:.2}", hundredths / 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::route::NotifySection;

    const HOUR: i64 = 3_600_000;

    fn ids(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.id.as_str()).collect()
    }

    fn defaults(arrived: i64, deadline: i64) -> Vec<Step> {
        steps(arrived, deadline, &NotifySettings::default())
    }

    #[test]
    fn steps_fall_at_their_shares_with_stable_ids() {
        let ten_hours = defaults(1_000, 1_000 + 10 * HOUR);
        assert_eq!(
            ids(&ten_hours),
            ["reminder-50", "reminder-80", "escalation-90"]
        );
        let due: Vec<i64> = ten_hours.iter().map(|s| s.due_ms).collect();
        assert_eq!(due, [1_000 + 5 * HOUR, 1_000 + 8 * HOUR, 1_000 + 9 * HOUR]);
        assert_eq!(ten_hours[2].kind, StepKind::Escalation);
        assert_eq!(
            ten_hours[0].audit_detail(),
            "reminder-50: 50% of the time to the deadline"
        );
        let odd = NotifySettings::new(NotifySection {
            reminders: vec![0.125, 0.333],
            escalate_at: 1.0,
            ..NotifySection::default()
        })
        .unwrap();
        assert_eq!(
            ids(&steps(0, 1000, &odd)),
            ["reminder-12.5", "reminder-33.3", "escalation-100"]
        );
        assert_eq!(steps(0, 1000, &odd)[2].due_ms, 1000, "at the deadline");
        assert_eq!(steps(0, 3, &odd)[0].due_ms, 1, "rounded up, never early");
    }

    #[test]
    fn without_a_deadline_the_review_target_applies() {
        assert_eq!(deadline_or_target(1_000, Some(5_000), 60), Some(5_000));
        assert_eq!(deadline_or_target(1_000, None, 60), Some(1_000 + HOUR));
        assert_eq!(deadline_or_target(i64::MAX - 10, None, 1), None);
    }

    #[test]
    fn no_steps_without_time_and_no_panic_at_the_extremes() {
        assert!(defaults(5_000, 5_000).is_empty());
        assert!(defaults(5_000, 1_000).is_empty());
        assert!(defaults(i64::MAX, i64::MIN).is_empty());
        let widest = defaults(i64::MIN, i64::MAX);
        assert!(widest.is_empty(), "the span itself overflows");
        let huge = defaults(0, i64::MAX);
        assert_eq!(huge.len(), 3);
        assert_eq!(
            huge.iter().map(|s| s.due_ms).collect::<Vec<_>>(),
            [
                i64::MAX / 2 + 1,
                7_378_697_629_483_820_646,
                8_301_034_833_169_298_227
            ]
        );
        let late = defaults(i64::MAX - 10, i64::MAX);
        assert_eq!(
            late.iter().map(|s| s.due_ms).collect::<Vec<_>>(),
            [i64::MAX - 5, i64::MAX - 2, i64::MAX - 1]
        );
        let early = defaults(i64::MIN, i64::MIN + 10);
        assert_eq!(early[0].due_ms, i64::MIN + 5);
    }

    #[test]
    fn the_latest_due_step_fires_once() {
        let steps = defaults(0, 10 * HOUR);
        assert_eq!(due_now(&steps, &[], 5 * HOUR - 1, true), None);
        let first = due_now(&steps, &[], 5 * HOUR, true).unwrap();
        assert_eq!(
            (first.fire.id.as_str(), first.skipped.len()),
            ("reminder-50", 0)
        );
        let fired = vec!["reminder-50".to_owned()];
        assert_eq!(due_now(&steps, &fired, 6 * HOUR, true), None);
        let second = due_now(&steps, &fired, 8 * HOUR, true).unwrap();
        assert_eq!(second.fire.id, "reminder-80");
        assert!(second.skipped.is_empty());
    }

    #[test]
    fn after_a_stop_only_the_latest_overdue_step_fires() {
        let steps = defaults(0, 10 * HOUR);
        let due = due_now(&steps, &[], 9 * HOUR + 30_000, true).unwrap();
        assert_eq!(due.fire.id, "escalation-90");
        assert_eq!(ids(&due.skipped), ["reminder-50", "reminder-80"]);
        let some_fired = vec!["reminder-50".to_owned()];
        let due = due_now(&steps, &some_fired, 9 * HOUR, true).unwrap();
        assert_eq!(ids(&due.skipped), ["reminder-80"]);
        let escalated = vec!["escalation-90".to_owned()];
        assert_eq!(
            due_now(&steps, &escalated, 11 * HOUR, true),
            None,
            "no stale reminder after the escalation"
        );
    }

    #[test]
    fn nothing_fires_once_the_review_is_decided() {
        let steps = defaults(0, 10 * HOUR);
        assert_eq!(due_now(&steps, &[], 9 * HOUR, false), None);
        assert_eq!(due_now(&[], &[], i64::MAX, true), None);
    }

    #[test]
    fn percentages_read_plainly() {
        assert_eq!(percent(0.5), "50");
        assert_eq!(percent(0.9), "90");
        assert_eq!(percent(0.125), "12.5");
        assert_eq!(percent(0.0001), "0.01");
        assert_eq!(percent(1.0), "100");
        assert_eq!(percent(0.57), "57", "no float noise");
    }
}
