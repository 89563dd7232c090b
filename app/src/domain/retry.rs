//! How long to wait before trying a delivery again: exponential backoff with
//! full jitter, capped, so that many deliveries failing together (the
//! emulator or AWS down) do not retry in lockstep.

/// First retry waits up to this long.
pub const BASE_DELAY_MS: i64 = 1_000;
/// No retry waits longer than this.
pub const MAX_DELAY_MS: i64 = 5 * 60_000;

/// Delay before attempt `attempts + 1`, given a `jitter` in `[0, 1)`.
/// The window doubles per attempt (1 s, 2 s, 4 s, …) up to the cap; the
/// delay is drawn from its upper half so it never collapses to zero.
pub fn backoff_ms(attempts: u32, jitter: f64) -> i64 {
    let window = BASE_DELAY_MS
        .saturating_mul(1_i64 << attempts.saturating_sub(1).min(20))
        .min(MAX_DELAY_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    window / 2 + ((window / 2) as f64 * jitter) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1, 1.0), 1_000);
        assert_eq!(backoff_ms(2, 1.0), 2_000);
        assert_eq!(backoff_ms(3, 1.0), 4_000);
        assert_eq!(backoff_ms(30, 1.0), MAX_DELAY_MS);
        assert_eq!(backoff_ms(u32::MAX, 1.0), MAX_DELAY_MS);
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        assert_eq!(backoff_ms(3, 0.0), 2_000);
        assert!(backoff_ms(3, 0.5) > 2_000 && backoff_ms(3, 0.5) < 4_000);
        assert_eq!(backoff_ms(0, 0.0), 500);
    }
}
