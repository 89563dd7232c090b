//! A stuck delivery: a decision still queued for Step Functions longer
//! than `[notify] stuck_after_minutes` after it was committed. It is
//! noticed once, by an audit entry ("delivery stuck", which notifies the
//! routes that hear `delivery_stuck`) saying how long it has waited, how
//! many attempts it took and the last error — never a task token.

use super::text::{fit, one_line, plain};
use crate::domain::scrub::Scrubber;
use crate::domain::time::{short_duration, utc_minutes};

/// How much of the last error the entry quotes.
const ERROR_CHARS: usize = 300;

/// Deliveries committed at or before this instant are stuck at `now_ms`.
pub fn queued_before(now_ms: i64, stuck_after_ms: i64) -> i64 {
    now_ms.saturating_sub(stuck_after_ms.max(0))
}

/// The audit entry's detail for a delivery queued since `queued_since_ms`
/// after `attempts` attempts (the one under way included). The error is
/// the adapter's, which already replaces the token it sent; token-shaped
/// text is replaced here again, should any other have crept in.
pub fn stuck_detail(
    queued_since_ms: i64,
    attempts: u32,
    last_error: Option<&str>,
    now_ms: i64,
) -> String {
    let waited = short_duration(now_ms.saturating_sub(queued_since_ms));
    let tries = match attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    let error = last_error
        .map(|e| {
            fit(
                &one_line(&Scrubber::of_message(None, &[]).text(e)),
                ERROR_CHARS,
                plain,
            )
        })
        .filter(|e| !e.is_empty())
        .map_or_else(
            || "no error recorded yet (an attempt is still waiting for an answer)".to_owned(),
            |e| format!("last error: {e}"),
        );
    format!(
        "Queued for {waited} since {} after {tries}; {error}.",
        utc_minutes(queued_since_ms)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-01 00:00 UTC.
    const T0: i64 = 1_767_225_600_000;

    #[test]
    fn a_delivery_is_stuck_once_it_has_waited_the_configured_time() {
        assert_eq!(queued_before(T0 + 30 * 60_000, 30 * 60_000), T0);
        assert_eq!(queued_before(1_000, 5_000), -4_000);
        assert_eq!(queued_before(T0, -1), T0, "a negative time waits nothing");
        assert_eq!(queued_before(i64::MIN, 1), i64::MIN);
    }

    #[test]
    fn the_detail_says_how_long_how_many_attempts_and_the_last_error() {
        assert_eq!(
            stuck_detail(T0, 7, Some("dispatch failure: connection refused"), T0 + 31 * 60_000),
            "Queued for 31m since 2026-01-01 00:00 UTC after 7 attempts; last error: dispatch failure: connection refused."
        );
        assert_eq!(
            stuck_detail(T0, 1, None, T0 + 3_600_000),
            "Queued for 1h since 2026-01-01 00:00 UTC after 1 attempt; no error recorded yet (an attempt is still waiting for an answer)."
        );
        assert_eq!(
            stuck_detail(T0, 2, Some(" \n "), T0 + 60_000),
            "Queued for 1m since 2026-01-01 00:00 UTC after 2 attempts; no error recorded yet (an attempt is still waiting for an answer)."
        );
    }

    #[test]
    fn the_last_error_is_one_line_cut_short_and_holds_no_token() {
        let token = "AQB8AAAAKgAAAAMAAAAA".repeat(20);
        let error = format!(
            "timed out\nsending {token} to states\r\n{}",
            "try again, ".repeat(100)
        );
        let detail = stuck_detail(T0, 3, Some(&error), T0 + 60_000);
        assert!(!detail.contains(&token), "{detail}");
        assert!(!detail.contains('\n'), "{detail}");
        assert!(
            detail.contains("last error: timed out sending <redacted> to states try again,"),
            "{detail}"
        );
        assert!(detail.chars().count() < 450, "{detail}");
        assert!(detail.ends_with("…."), "{detail}");
    }
}
