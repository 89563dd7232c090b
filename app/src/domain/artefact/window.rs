//! Link windows: when a person is handed artefact links again and when a
//! new audit entry is due. Links given to one person for one review within
//! a window all expire at the window's end, so the window's one audit entry
//! per artefact ("who, which object, until when") covers every link of it,
//! however often the page is reloaded. A window is renewed, with new
//! entries, once too little of it is left to be worth a link.

use std::collections::BTreeSet;

/// One person's links to one review's artefacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWindow {
    /// Every link of the window expires then.
    pub ends_at_ms: i64,
    /// The objects whose link was audited in this window.
    pub audited: BTreeSet<String>,
}

/// A window is not used for new links once less than this is left of it:
/// a minute, or half of a short lifetime.
pub fn renewal_margin_ms(lifetime_ms: i64) -> i64 {
    (lifetime_ms / 2).min(60_000)
}

impl LinkWindow {
    /// The window links issued at `now_ms` belong to: `current` while
    /// enough of it is left, else a new one of `lifetime_ms`.
    pub fn at(current: Option<&LinkWindow>, now_ms: i64, lifetime_ms: i64) -> LinkWindow {
        match current {
            Some(window)
                if window.ends_at_ms.saturating_sub(now_ms) >= renewal_margin_ms(lifetime_ms)
                    && window.ends_at_ms.saturating_sub(now_ms) <= lifetime_ms =>
            {
                window.clone()
            }
            _ => LinkWindow {
                ends_at_ms: now_ms.saturating_add(lifetime_ms),
                audited: BTreeSet::new(),
            },
        }
    }

    /// Of `objects`, those not yet audited in this window, each once.
    pub fn unaudited<'a>(&self, objects: &[&'a str]) -> Vec<&'a str> {
        let mut seen = BTreeSet::new();
        objects
            .iter()
            .copied()
            .filter(|object| !self.audited.contains(*object) && seen.insert(*object))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_MINUTES: i64 = 600_000;

    fn window(ends_at_ms: i64, audited: &[&str]) -> LinkWindow {
        LinkWindow {
            ends_at_ms,
            audited: audited.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn the_margin_is_a_minute_or_half_a_short_lifetime() {
        assert_eq!(renewal_margin_ms(TEN_MINUTES), 60_000);
        assert_eq!(renewal_margin_ms(60_000), 30_000);
    }

    #[test]
    fn reloads_within_a_window_reuse_it() {
        let first = LinkWindow::at(None, 1_000, TEN_MINUTES);
        assert_eq!(first.ends_at_ms, 601_000);
        let first = window(first.ends_at_ms, &["s3://b/a"]);
        // Nine minutes later: a minute is left, still enough.
        let again = LinkWindow::at(Some(&first), 541_000, TEN_MINUTES);
        assert_eq!(again, first);
        assert!(again.unaudited(&["s3://b/a"]).is_empty());
    }

    #[test]
    fn a_window_nearly_over_is_renewed_with_nothing_audited() {
        let first = window(601_000, &["s3://b/a"]);
        let next = LinkWindow::at(Some(&first), 541_001, TEN_MINUTES);
        assert_eq!(next.ends_at_ms, 541_001 + TEN_MINUTES);
        assert_eq!(next.unaudited(&["s3://b/a"]), ["s3://b/a"]);
        // And one past its end, of course.
        let late = LinkWindow::at(Some(&first), 700_000, TEN_MINUTES);
        assert_eq!(late.ends_at_ms, 700_000 + TEN_MINUTES);
    }

    #[test]
    fn a_shorter_lifetime_than_the_windows_starts_anew() {
        // The setting was lowered (a restart): no link may outlive it.
        let long = window(10 * TEN_MINUTES, &[]);
        let next = LinkWindow::at(Some(&long), 0, TEN_MINUTES);
        assert_eq!(next.ends_at_ms, TEN_MINUTES);
    }

    #[test]
    fn only_new_objects_are_audited_each_once() {
        let w = window(601_000, &["s3://b/a"]);
        assert_eq!(
            w.unaudited(&["s3://b/a", "s3://b/c", "s3://b/c", "s3://b/d"]),
            ["s3://b/c", "s3://b/d"]
        );
    }
}
