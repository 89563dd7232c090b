//! Reviews, their decisions and their deliveries (the outbox), as stored.

use super::{Arg, Probe};
use app::domain::token::TaskToken;
use serde_json::Value;

/// What tells a stored review apart: its id, its execution and its task
/// token (whose `Debug` is redacted: it is never printed).
#[derive(Debug)]
pub struct ReviewKeys {
    pub id: String,
    pub execution_arn: String,
    pub task_token: TaskToken,
}

/// A review's delivery row: where the outbox stands and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDelivery {
    pub state: String,
    pub attempts: i64,
    pub claimed_until: Option<i64>,
    pub last_error: Option<String>,
    /// The answer recorded with the decision: what Step Functions should
    /// have received (`output` is the decision itself).
    pub payload: Value,
}

impl Probe {
    // Reviews.

    pub async fn reviews_stored(&self) -> i64 {
        self.count("select count(*) from review", &[]).await
    }

    /// The id of the review made for `execution_arn`, once there is one.
    pub async fn review_of_execution(&self, execution_arn: &str) -> Option<String> {
        let found: Vec<(String,)> = self
            .rows(
                "select id from review where execution_arn = $1",
                &[Arg::Text(execution_arn)],
            )
            .await;
        found.into_iter().next().map(|(id,)| id)
    }

    /// Every stored review, oldest first.
    pub async fn reviews(&self) -> Vec<ReviewKeys> {
        let rows: Vec<(String, String, String)> = self
            .rows(
                "select id, execution_arn, task_token from review order by received_at, id",
                &[],
            )
            .await;
        rows.into_iter()
            .map(|(id, execution_arn, token)| ReviewKeys {
                id,
                execution_arn,
                task_token: TaskToken::parse(&token).expect("a stored token parses"),
            })
            .collect()
    }

    /// The task token stored for a review, to tell the calls that reached
    /// the emulator apart or to look for it where it must not be.
    pub async fn task_token(&self, review_id: &str) -> TaskToken {
        let (token,): (String,) = self
            .row(
                "select task_token from review where id = $1",
                &[Arg::Text(review_id)],
            )
            .await;
        TaskToken::parse(&token).expect("a stored token parses")
    }

    /// Moves a review's arrival `by_ms` into the past.
    pub async fn backdate_review(&self, review_id: &str, by_ms: i64) {
        let changed = self
            .change(
                "update review set received_at = received_at - $2 where id = $1",
                &[Arg::Text(review_id), Arg::Int(by_ms)],
            )
            .await;
        assert_eq!(changed, 1, "review {review_id} backdated");
    }

    // Decisions.

    /// `(verdict, comment)` of every decision stored, whatever the review.
    pub async fn decisions(&self) -> Vec<(String, Option<String>)> {
        self.rows("select verdict, comment from decision order by id", &[])
            .await
    }

    pub async fn decisions_of(&self, review_id: &str) -> i64 {
        self.count(
            "select count(*) from decision where review_id = $1",
            &[Arg::Text(review_id)],
        )
        .await
    }

    /// Makes a review's decisions `took_ms` after its arrival.
    pub async fn decided_after(&self, review_id: &str, took_ms: i64) {
        let changed = self
            .change(
                "update decision set created_at = (select received_at from review where id = $1) + $2
                 where review_id = $1",
                &[Arg::Text(review_id), Arg::Int(took_ms)],
            )
            .await;
        assert!(changed > 0, "review {review_id} has no decision to move");
    }

    // Deliveries.

    /// The review's delivery row (there is one once a decision is committed).
    pub async fn delivery_of(&self, review_id: &str) -> StoredDelivery {
        let (state, attempts, claimed_until, last_error, payload): (
            String,
            i64,
            Option<i64>,
            Option<String>,
            String,
        ) = self
            .row(
                "select state, attempts, claimed_until, last_error, payload_json
                 from delivery where review_id = $1",
                &[Arg::Text(review_id)],
            )
            .await;
        StoredDelivery {
            state,
            attempts,
            claimed_until,
            last_error,
            payload: serde_json::from_str(&payload).expect("the payload is JSON"),
        }
    }

    pub async fn deliveries_of(&self, review_id: &str) -> i64 {
        self.count(
            "select count(*) from delivery where review_id = $1",
            &[Arg::Text(review_id)],
        )
        .await
    }

    pub async fn deliveries_in_state(&self, state: &str) -> i64 {
        self.count(
            "select count(*) from delivery where state = $1",
            &[Arg::Text(state)],
        )
        .await
    }

    /// Deliveries a sender has claimed and not yet finished.
    pub async fn deliveries_in_flight(&self) -> i64 {
        self.count(
            "select count(*) from delivery where claimed_until is not null and state = 'queued'",
            &[],
        )
        .await
    }

    /// Deliveries whose first attempt is still under way: claimed, queued,
    /// one attempt begun, no error recorded (an attempt that gave up
    /// records its error and keeps its claim).
    pub async fn first_attempts_in_flight(&self) -> i64 {
        self.count(
            "select count(*) from delivery where state = 'queued' and attempts = 1
                and last_error is null and claimed_until is not null",
            &[],
        )
        .await
    }

    /// Attempts made over all deliveries.
    pub async fn delivery_attempts(&self) -> i64 {
        self.count(
            "select cast(coalesce(sum(attempts), 0) as bigint) from delivery",
            &[],
        )
        .await
    }

    /// Moves a delivery's commit `by_ms` into the past, as if it had been
    /// queued that much longer (the stuck-delivery sweep measures from it).
    pub async fn backdate_delivery(&self, review_id: &str, by_ms: i64) {
        let changed = self
            .change(
                "update delivery set created_at = created_at - $2 where review_id = $1",
                &[Arg::Text(review_id), Arg::Int(by_ms)],
            )
            .await;
        assert_eq!(changed, 1, "the delivery of {review_id} backdated");
    }

    /// Puts a review's delivery back in the outbox, due now and unclaimed,
    /// as if its last answer had been lost.
    pub async fn requeue_delivery(&self, review_id: &str) {
        let changed = self
            .change(
                "update delivery set state = 'queued', next_attempt_at = 0, claimed_until = null
                 where review_id = $1",
                &[Arg::Text(review_id)],
            )
            .await;
        assert_eq!(changed, 1, "the delivery of {review_id} requeued");
    }
}
