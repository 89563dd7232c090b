//! The notification outbox, as stored.

use super::{Arg, Probe};

/// One notification row: where it stands in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    pub route: String,
    pub state: String,
    pub attempts: i64,
    pub claimed_until: Option<i64>,
    pub last_error: Option<String>,
}

/// `(route, state, attempts, claimed_until, last_error)`.
type NotificationRow = (String, String, i64, Option<i64>, Option<String>);

impl Probe {
    /// The review's notifications, oldest first.
    pub async fn notifications_of(&self, review_id: &str) -> Vec<StoredNotification> {
        let rows: Vec<NotificationRow> = self
            .rows(
                "select route, state, attempts, claimed_until, last_error
                 from notification where review_id = $1 order by id",
                &[Arg::Text(review_id)],
            )
            .await;
        rows.into_iter()
            .map(
                |(route, state, attempts, claimed_until, last_error)| StoredNotification {
                    route,
                    state,
                    attempts,
                    claimed_until,
                    last_error,
                },
            )
            .collect()
    }

    /// Remembers a chat message about the review that Slack never saw (its
    /// updates are refused as `message_not_found`).
    pub async fn remember_chat_message(&self, review_id: &str, channel: &str, ts: &str) {
        let changed = self
            .change(
                "insert into chat_message (channel, ts, review_id, posted_at) values ($1, $2, $3, 0)",
                &[Arg::Text(channel), Arg::Text(ts), Arg::Text(review_id)],
            )
            .await;
        assert_eq!(changed, 1);
    }

    /// Makes the review's queued notifications due now (a digest's window
    /// closed), as if their time had come.
    pub async fn make_notifications_due(&self, review_id: &str) {
        self.change(
            "update notification set next_attempt_at = 0 where review_id = $1 and state = 'queued'",
            &[Arg::Text(review_id)],
        )
        .await;
    }
}
