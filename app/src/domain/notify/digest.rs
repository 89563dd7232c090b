//! Digest windows of a busy route: arrivals are gathered into windows of
//! N minutes, aligned to multiples of N since the epoch (so every replica
//! and every restart agrees on the windows), and one message per window
//! goes out when the window ends.

/// One window: `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Window {
    /// The key its one message is sent under (per route).
    pub fn id(&self) -> String {
        format!("digest-{}", self.start_ms)
    }

    /// Whether `at_ms` falls in it.
    pub fn contains(&self, at_ms: i64) -> bool {
        self.start_ms <= at_ms && at_ms < self.end_ms
    }

    /// When its message is due: as the window closes.
    pub fn due_ms(&self) -> i64 {
        self.end_ms
    }

    /// Whether its message is due at `now_ms`.
    pub fn is_due(&self, now_ms: i64) -> bool {
        now_ms >= self.due_ms()
    }
}

/// The window of `minutes` that `at_ms` falls in. `minutes` is a route's
/// `digest_minutes` (checked 1 to 1440 at start-up; 0 counts as 1). The
/// first and last windows of time are cut short where `i64` ends.
pub fn window_of(at_ms: i64, minutes: u32) -> Window {
    let length = i64::from(minutes.max(1)) * 60_000;
    let into = at_ms.rem_euclid(length);
    Window {
        start_ms: at_ms.saturating_sub(into),
        end_ms: at_ms.saturating_add(length - into),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn windows_are_aligned_to_the_epoch() {
        let at = 1_795_219_200_000 + 7 * MINUTE + 12_345; // 00:07:12 UTC
        let window = window_of(at, 15);
        assert_eq!(window.start_ms, 1_795_219_200_000);
        assert_eq!(window.end_ms, 1_795_219_200_000 + 15 * MINUTE);
        assert!(window.contains(at));
        assert_eq!(window.id(), "digest-1795219200000");
        assert_eq!(
            window_of(window.start_ms, 15),
            window,
            "the start is inside"
        );
        assert_eq!(
            window_of(window.end_ms, 15).start_ms,
            window.end_ms,
            "the end is the next window's"
        );
        assert!(!window.contains(window.end_ms));
    }

    #[test]
    fn arrivals_in_one_window_share_one_message() {
        let ids: Vec<String> = [0, MINUTE, 14 * MINUTE + 59_999]
            .iter()
            .map(|at| window_of(*at, 15).id())
            .collect();
        assert!(ids.iter().all(|id| *id == ids[0]));
        assert_ne!(window_of(15 * MINUTE, 15).id(), ids[0]);
    }

    #[test]
    fn a_windows_message_is_due_as_it_closes() {
        let window = window_of(3 * MINUTE, 5);
        assert!(!window.is_due(5 * MINUTE - 1));
        assert!(window.is_due(5 * MINUTE));
        assert_eq!(window.due_ms(), 5 * MINUTE);
    }

    #[test]
    fn extremes_and_odd_lengths_do_not_panic() {
        let before_epoch = window_of(-1, 1);
        assert_eq!((before_epoch.start_ms, before_epoch.end_ms), (-MINUTE, 0));
        let last = window_of(i64::MAX, 1440);
        assert!(last.contains(i64::MAX - 1) && last.end_ms == i64::MAX);
        let first = window_of(i64::MIN, 1440);
        assert!(first.start_ms == i64::MIN && first.contains(i64::MIN));
        assert_eq!(first.end_ms, window_of(first.end_ms, 1440).start_ms);
        assert_eq!(window_of(90_000, 0), window_of(90_000, 1));
    }
}
