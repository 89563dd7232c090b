//! Time as people read it on the pages. Pure: the caller passes "now" (the
//! server's, sent with the data) so server render and hydration agree.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// A duration in milliseconds, short and coarse: `45s`, `12m`, `3h 5m`, `2d 4h`.
pub fn short_duration(millis: i64) -> String {
    let secs = millis.max(0) / 1000;
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// How far a deadline is from now: `in 3h 5m` or `5m overdue`.
pub fn until(deadline_ms: i64, now_ms: i64) -> String {
    if deadline_ms >= now_ms {
        format!("in {}", short_duration(deadline_ms - now_ms))
    } else {
        format!("{} overdue", short_duration(now_ms - deadline_ms))
    }
}

/// A decided review's deadline, said against when it was decided instead
/// of counting down: "decided 2m before the deadline".
pub fn decided_against(deadline_ms: i64, decided_at_ms: i64) -> String {
    if decided_at_ms <= deadline_ms {
        format!(
            "decided {} before the deadline",
            short_duration(deadline_ms - decided_at_ms)
        )
    } else {
        format!(
            "decided {} after the deadline",
            short_duration(decided_at_ms - deadline_ms)
        )
    }
}

/// A UTC timestamp from epoch milliseconds, e.g. `2026-11-21 08:47 UTC`.
pub fn utc_minutes(millis: i64) -> String {
    // Fields, not `format("%Y-…")`: the strftime parser and formatter would
    // otherwise ship in the browser bundle for this one pattern.
    DateTime::<Utc>::from_timestamp_millis(millis)
        .map(|at| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                at.year(),
                at.month(),
                at.day(),
                at.hour(),
                at.minute()
            )
        })
        .unwrap_or_else(|| "—".to_owned())
}

/// Start of a `yyyy-mm-dd` day in UTC, in epoch ms.
pub fn day_start_ms(text: &str) -> Option<i64> {
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// A UTC day from epoch milliseconds, short: `Dec 3`.
pub fn short_day(millis: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    DateTime::<Utc>::from_timestamp_millis(millis)
        .and_then(|at| {
            Some(format!(
                "{} {}",
                MONTHS.get(at.month0() as usize)?,
                at.day()
            ))
        })
        .unwrap_or_else(|| "—".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decided_deadline_says_how_early_or_late() {
        assert_eq!(
            decided_against(10 * 60_000, 8 * 60_000),
            "decided 2m before the deadline"
        );
        assert_eq!(
            decided_against(60_000, 60_000),
            "decided 0s before the deadline"
        );
        assert_eq!(
            decided_against(0, 3 * 3_600_000),
            "decided 3h after the deadline"
        );
    }

    #[test]
    fn durations_are_short_and_coarse() {
        assert_eq!(short_duration(-5), "0s");
        assert_eq!(short_duration(45_000), "45s");
        assert_eq!(short_duration(12 * 60_000 + 30_000), "12m");
        assert_eq!(short_duration(3 * 3_600_000), "3h");
        assert_eq!(short_duration(3 * 3_600_000 + 5 * 60_000), "3h 5m");
        assert_eq!(short_duration(2 * 86_400_000), "2d");
        assert_eq!(
            short_duration(2 * 86_400_000 + 4 * 3_600_000 + 59_000),
            "2d 4h"
        );
    }

    #[test]
    fn deadlines_read_forward_or_overdue() {
        assert_eq!(until(10 * 60_000, 0), "in 10m");
        assert_eq!(until(0, 5 * 60_000), "5m overdue");
    }

    #[test]
    fn days_start_at_utc_midnight() {
        assert_eq!(day_start_ms("2026-11-21"), Some(1_795_219_200_000));
        assert_eq!(day_start_ms("21/11/2026"), None);
    }

    #[test]
    fn days_read_short() {
        assert_eq!(short_day(1_795_219_200_000), "Nov 21");
        assert_eq!(short_day(1_795_219_200_000 + 12 * 86_400_000), "Dec 3");
        assert_eq!(short_day(i64::MAX), "—");
    }

    #[test]
    fn timestamps_render_in_utc() {
        assert_eq!(utc_minutes(1_795_250_850_345), "2026-11-21 08:47 UTC");
        assert_eq!(utc_minutes(i64::MAX), "—");
    }

    #[test]
    fn timestamps_match_strftime() {
        // From before 1970 to after 2100, in steps that land on every
        // minute, hour and month boundary sooner or later.
        let mut at = -2_000_000_000_000_i64;
        while at < 4_200_000_000_000 {
            let expected = DateTime::<Utc>::from_timestamp_millis(at)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(Some(utc_minutes(at)), expected, "{at}");
            at += 7_777_777_777;
        }
    }
}
