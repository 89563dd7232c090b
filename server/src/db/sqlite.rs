//! The review store on SQLite: one file, WAL mode, writes serialised by
//! `BEGIN IMMEDIATE` so concurrent deciders queue instead of failing.

use super::indexed_sql::{
    pending_at_least_query, CLAIM_DELIVERIES, COUNT_PENDING, EXPIRE_OVERDUE, HEARTBEATS_DUE,
    OLDEST_PENDING, REVIEWS_TO_CHECK, REVIEW_CHANGES_AFTER,
};
use super::rows::{AuditRow, QueueRowRecord, RejectedIntakeRow, ReviewWithParts};
use super::sqlx_error::{encode_error, store_error};
use app::api::{AuditFilter, HistoryEntry, RejectedIntakeView, ReviewChange};
use app::domain::audit::StoredEntry;
use app::domain::intake::parse_review_spec;
use app::domain::metrics::failing_thresholds;
use app::domain::queue_query::QueueQuery;
use app::domain::token::TaskToken;
use app::ssr::ports::{
    AuditRecord, Closing, Committed, DecisionCommit, DeliveryJob, DeliveryOutcome, HeartbeatJob,
    Inserted, NewRejectedIntake, NewReview, QueueRow, RejectedIntakeStatus, ReviewStore,
    StoreError, StoredReview,
};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The review store backed by a SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// Connections in the pool. Each is a thread of its own with its own page
/// cache; SQLite serialises writes anyway, and reads are short. Measured on
/// 2 cores at 100,000 pending reviews (docs/benchmarks.md): 8 connections
/// gave a queue p99 of 16 ms and a peak RSS of 124 MiB, 4 gave 13 ms and
/// 80 MiB.
const CONNECTIONS: u32 = 4;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        super::audit_log::seal_and_protect(&pool).await?;
        backfill_failing_thresholds(&pool).await?;
        Ok(Self { pool })
    }

    /// The connection pool, shared with the session store.
    pub fn pool(&self) -> SqlitePool {
        self.pool.clone()
    }

    /// Appends many entries to the audit chain in one transaction: for
    /// importing history and for seeding the benchmark's million entries,
    /// where one transaction per entry would take minutes.
    pub async fn append_audit_batch(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for entry in entries {
            super::audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    /// A write transaction that takes SQLite's write lock up front, so two
    /// writers wait for each other rather than deadlocking on upgrade.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(store_error)
    }
}

/// The queue's reviewer-group column (filtered on by exact text): who may
/// decide, by the review's policy.
fn queue_group(groups: &[String]) -> Option<String> {
    (!groups.is_empty()).then(|| groups.join(", "))
}

/// Computes `failing_thresholds` for reviews stored before the column
/// existed, a thousand at a time; does nothing once all have it. (New
/// reviews arrive with theirs, counted by the intake service; this runs the
/// same domain rule over the rows that predate it.)
async fn backfill_failing_thresholds(pool: &SqlitePool) -> anyhow::Result<()> {
    loop {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select id, review_json from review where failing_thresholds is null limit 1000",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        for (id, review_json) in rows {
            // A review that no longer parses still leaves the backlog.
            let failing = serde_json::from_str(&review_json)
                .ok()
                .and_then(|json| parse_review_spec(&json, "review").ok())
                .map_or(0, |spec| failing_thresholds(&spec));
            sqlx::query("update review set failing_thresholds = ? where id = ?")
                .bind(failing)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
}

/// Whether an entry like `entry` (same action, review and actor) was
/// appended within the last `window_ms`.
async fn has_recent_entry<'e, E>(
    executor: E,
    entry: &AuditRecord,
    window_ms: i64,
) -> Result<bool, StoreError>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let (recent,): (i64,) = sqlx::query_as(
        // Along the review's index only: the unary `+` keeps the planner
        // off the action and time indexes, which would walk every view
        // ever recorded (measured: 0.4 s a page with 300,000 entries).
        "select exists (select 1 from audit_entry
         where review_id is ? and +action = ? and +actor_subject is ? and +at > ?)",
    )
    .bind(&entry.review_id)
    .bind(&entry.action)
    .bind(&entry.actor_subject)
    .bind(entry.at_ms - window_ms)
    .fetch_one(executor)
    .await
    .map_err(store_error)?;
    Ok(recent > 0)
}

#[async_trait]
impl ReviewStore for SqliteStore {
    async fn insert_review(
        &self,
        review: &NewReview,
        audit: &AuditRecord,
    ) -> Result<Inserted, StoreError> {
        let request = &review.request;
        let fingerprint = request.task_token.fingerprint();
        let deadline = request.deadline().map(|d| d.timestamp_millis());
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "insert into review (id, task_token, task_token_sha256, execution_arn, state_name, entered_at,
                received_at, deadline_at, due_at, title, model_name, model_version, requested_by,
                review_json, context_json, extra_json, heartbeat_seconds, created_at, updated_at,
                reviewer_group, priority, failing_thresholds, policy_json)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (task_token_sha256) do nothing",
        )
        .bind(&review.id)
        .bind(request.task_token.expose())
        .bind(&fingerprint)
        .bind(&request.execution_arn)
        .bind(&request.state_name)
        .bind(request.entered_at.timestamp_millis())
        .bind(review.received_at_ms)
        .bind(deadline)
        .bind(deadline.unwrap_or(i64::MAX))
        .bind(&request.spec.title)
        .bind(&request.spec.model.name)
        .bind(&request.spec.model.version)
        // The column predates requests without a requester: '' is "nobody named".
        .bind(request.spec.requested_by.as_deref().unwrap_or_default())
        .bind(request.review_json.to_string())
        .bind(request.context.to_string())
        .bind(serde_json::Value::Object(request.extra.clone()).to_string())
        .bind(request.spec.heartbeat_seconds.map(|s| i64::try_from(s).unwrap_or(i64::MAX)))
        .bind(review.received_at_ms)
        .bind(review.received_at_ms)
        .bind(queue_group(&review.policy.reviewer_groups))
        .bind(request.spec.priority.rank())
        .bind(review.failing_thresholds)
        .bind(serde_json::to_string(&review.policy).map_err(|e| encode_error("policy", e))?)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if inserted == 0 {
            let (existing,): (String,) =
                sqlx::query_as("select id from review where task_token_sha256 = ?")
                    .bind(&fingerprint)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
            tx.rollback().await.map_err(store_error)?;
            return Ok(Inserted::Duplicate(existing));
        }
        super::audit_log::append(&mut tx, audit, Some(&review.id)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(Inserted::Created(review.id.clone()))
    }

    async fn record_rejected_intake(
        &self,
        intake: &NewRejectedIntake,
        audit: &AuditRecord,
    ) -> Result<RejectedIntakeStatus, StoreError> {
        let reasons =
            serde_json::to_string(&intake.reasons).map_err(|e| encode_error("reasons", e))?;
        let mut tx = self.write().await?;
        let (id, notified, count): (String, bool, i64) = sqlx::query_as(
            "insert into rejected_intake (id, source, message_id, received_at, reasons_json, execution_arn,
                redacted_body, created_at, updated_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (source, message_id) do update
                set receive_count = receive_count + 1, updated_at = excluded.updated_at
             returning id, workflow_notified, receive_count",
        )
        .bind(&intake.id)
        .bind(&intake.source)
        .bind(&intake.message_id)
        .bind(intake.received_at_ms)
        .bind(&reasons)
        .bind(&intake.execution_arn)
        .bind(&intake.redacted_body)
        .bind(intake.received_at_ms)
        .bind(intake.received_at_ms)
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        if count == 1 {
            super::audit_log::append(&mut tx, audit, None).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(RejectedIntakeStatus {
            id,
            workflow_notified: notified,
        })
    }

    async fn mark_intake_notified(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("update rejected_intake set workflow_notified = 1 where id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn rejected_intake(&self, limit: u32) -> Result<Vec<RejectedIntakeView>, StoreError> {
        let rows: Vec<RejectedIntakeRow> = sqlx::query_as(
            "select id, source, message_id, received_at, receive_count, reasons_json, execution_arn,
                redacted_body, workflow_notified
             from rejected_intake order by received_at desc, id limit ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        rows.into_iter().map(RejectedIntakeRow::into_view).collect()
    }

    async fn queue_page(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let few_matches = match query
            .search
            .as_deref()
            .and_then(super::queue_query::count_matches)
        {
            Some(mut count) => {
                let (matches,): (i64,) = count
                    .build_query_as()
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                matches < i64::from(super::queue_query::FEW_MATCHES)
            }
            None => false,
        };
        let rows: Vec<QueueRowRecord> =
            super::queue_query::page_query(query, now_ms, limit, few_matches)
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        rows.into_iter().map(QueueRowRecord::into_row).collect()
    }

    async fn last_audit_id(&self) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as("select coalesce(max(id), 0) from audit_entry")
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(id)
    }

    async fn review_changes_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<ReviewChange>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(REVIEW_CHANGES_AFTER)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(cursor, review_id, action)| ReviewChange {
                cursor,
                review_id,
                action,
            })
            .collect())
    }

    async fn pending_count(&self, now_ms: i64) -> Result<u64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(COUNT_PENDING)
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn review(&self, id: &str) -> Result<Option<StoredReview>, StoreError> {
        // One statement, so one snapshot: a decision committed between
        // separate reads would show a pending review that already has its
        // winner. (It is also one round trip instead of five.)
        let row: Option<ReviewWithParts> = sqlx::query_as(
            "select id, execution_arn, state_name, entered_at, received_at, deadline_at, status,
                status_reason, version, review_json, context_json, policy_json,
                (select json_group_array(json_object(
                        'verdict', verdict, 'reviewer_subject', reviewer_subject,
                        'reviewer_label', reviewer_label,
                        'reviewer_groups', json(reviewer_groups_json), 'comment', comment,
                        'created_at', created_at) order by id)
                 from decision where review_id = review.id) as decisions_json,
                (select json_object('state', state, 'attempts', attempts,
                        'last_error', last_error, 'updated_at', updated_at)
                 from delivery where review_id = review.id) as delivery_json
             from review where id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.map(ReviewWithParts::into_review).transpose()
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let known_actor = match &filter.actor {
            Some(person) => {
                let (known,): (bool,) = sqlx::query_as(super::audit_query::KNOWN_ACTOR)
                    .bind(person)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(store_error)?;
                known
            }
            None => false,
        };
        let mut query = super::audit_query::page_query(filter, before_id, limit, known_actor);
        let rows: Vec<AuditRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    async fn history(&self, review_id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "select at, actor, action, detail from audit_entry where review_id = ? and action not in ('viewed', 'artefact link issued') order by id",
        )
        .bind(review_id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(at_ms, actor, action, detail)| HistoryEntry {
                at_ms,
                actor,
                action,
                detail,
            })
            .collect())
    }

    async fn commit_decision(&self, commit: &DecisionCommit) -> Result<Committed, StoreError> {
        let now_ms = commit.decision.at_ms;
        let mut tx = self.write().await?;
        let updated: Option<(String, String)> = sqlx::query_as(
            "update review set version = version + 1, status = coalesce(?, status), updated_at = ?
             where id = ? and version = ?
             returning task_token, execution_arn",
        )
        .bind(commit.new_status.map(|s| s.as_str()))
        .bind(now_ms)
        .bind(&commit.review_id)
        .bind(commit.expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let Some((token, execution_arn)) = updated else {
            tx.rollback().await.map_err(store_error)?;
            return Ok(Committed::Conflict);
        };
        let decision = &commit.decision;
        sqlx::query(
            "insert into decision (review_id, verdict, reviewer_subject, reviewer_label,
                reviewer_groups_json, comment, created_at)
             values (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&commit.review_id)
        .bind(decision.verdict.as_str())
        .bind(&decision.reviewer_subject)
        .bind(&decision.reviewer_label)
        .bind(
            serde_json::to_string(&decision.reviewer_groups)
                .map_err(|e| encode_error("reviewer groups", e))?,
        )
        .bind(&decision.comment)
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        let mut job = None;
        if let Some(delivery) = &commit.delivery {
            // Claimed for the decider's first attempt (attempt 1), so no
            // second transaction stands between the commit and the send.
            sqlx::query(
                "insert into delivery (review_id, payload_json, next_attempt_at, claimed_until,
                    attempts, created_at, updated_at)
                 values (?, ?, ?, ?, 1, ?, ?)",
            )
            .bind(&commit.review_id)
            .bind(serde_json::to_string(delivery).map_err(|e| encode_error("delivery", e))?)
            .bind(now_ms)
            .bind(now_ms.saturating_add(commit.delivery_lease_ms))
            .bind(now_ms)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            job = Some(DeliveryJob {
                review_id: commit.review_id.clone(),
                execution_arn,
                token: TaskToken::parse(&token).map_err(|e| {
                    StoreError::corrupt(format!("token of {}", commit.review_id), e)
                })?,
                delivery: delivery.clone(),
                attempts: 1,
            });
        }
        for entry in &commit.audit {
            super::audit_log::append(&mut tx, entry, Some(&commit.review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(Committed::Recorded(job))
    }

    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        let mut tx = self.write().await?;
        let claimed: Vec<(String, String, i64)> = sqlx::query_as(CLAIM_DELIVERIES)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .bind(now_ms)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        let mut jobs = Vec::with_capacity(claimed.len());
        for (review_id, payload, attempts) in claimed {
            let (token, execution_arn): (String, String) =
                sqlx::query_as("select task_token, execution_arn from review where id = ?")
                    .bind(&review_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
            jobs.push(DeliveryJob {
                execution_arn,
                token: TaskToken::parse(&token)
                    .map_err(|e| StoreError::corrupt(format!("token of {review_id}"), e))?,
                delivery: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::corrupt(format!("delivery of {review_id}"), e))?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                review_id,
            });
        }
        tx.commit().await.map_err(store_error)?;
        Ok(jobs)
    }

    async fn finish_delivery(
        &self,
        review_id: &str,
        outcome: &DeliveryOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError> {
        let (state, last_error, next_attempt_at) = match outcome {
            DeliveryOutcome::Delivered => ("delivered", None, None),
            DeliveryOutcome::Closed { reason } => ("closed", Some(reason.as_str()), None),
            DeliveryOutcome::Failed { reason } => ("failed", Some(reason.as_str()), None),
            DeliveryOutcome::Retry {
                error,
                next_attempt_at_ms,
            } => ("queued", Some(error.as_str()), Some(*next_attempt_at_ms)),
        };
        let mut tx = self.write().await?;
        sqlx::query(
            "update delivery set state = ?, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at),
                claimed_until = null, updated_at = ?
             where review_id = ?",
        )
        .bind(state)
        .bind(last_error)
        .bind(next_attempt_at)
        .bind(now_ms)
        .bind(review_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        if let Some(entry) = audit {
            super::audit_log::append(&mut tx, entry, Some(review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    async fn pending_at_least(&self, now_ms: i64, ages: &[i64]) -> Result<Vec<u32>, StoreError> {
        if ages.is_empty() {
            return Ok(Vec::new());
        }
        let row = pending_at_least_query(now_ms, ages)
            .build()
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        (0..ages.len())
            .map(|n| {
                let count: i64 = row.try_get(n).map_err(store_error)?;
                Ok(u32::try_from(count).unwrap_or(u32::MAX))
            })
            .collect()
    }

    async fn oldest_pending(
        &self,
        received_by_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        sqlx::query_as(OLDEST_PENDING)
            .bind(received_by_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn decisions_since(
        &self,
        since_ms: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        sqlx::query_as(
            "select reviewer_label, verdict, created_at from decision where created_at >= ?",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn decision_times_since(&self, since_ms: i64) -> Result<Vec<(i64, i64)>, StoreError> {
        sqlx::query_as(
            "select r.received_at, max(d.created_at) from review r join decision d on d.review_id = r.id
             where r.status in ('approved', 'rejected')
             group by r.id having max(d.created_at) >= ?",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn record(&self, entry: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        super::audit_log::append(&mut tx, entry, None).await?;
        tx.commit().await.map_err(store_error)
    }

    async fn record_all(&self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        self.append_audit_batch(entries).await
    }

    async fn record_unless_recent(
        &self,
        entry: &AuditRecord,
        window_ms: i64,
    ) -> Result<(), StoreError> {
        // Most calls find a recent entry (a page polling while a delivery
        // is queued): answer those with a read, without the write lock.
        if has_recent_entry(&self.pool, entry, window_ms).await? {
            return Ok(());
        }
        let mut tx = self.write().await?;
        // Again under the lock: another request may have just appended it.
        if !has_recent_entry(&mut *tx, entry, window_ms).await? {
            super::audit_log::append(&mut tx, entry, None).await?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn expire_overdue(
        &self,
        now_ms: i64,
        closing: &Closing,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.write().await?;
        let expired: Vec<(String,)> = sqlx::query_as(EXPIRE_OVERDUE)
            .bind(closing.status.as_str())
            .bind(&closing.reason)
            .bind(now_ms)
            .bind(now_ms)
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        for (id,) in &expired {
            super::audit_log::append(&mut tx, &closing.audit, Some(id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(expired.into_iter().map(|(id,)| id).collect())
    }

    async fn close_review(
        &self,
        review_id: &str,
        closing: &Closing,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let closed = sqlx::query(
            "update review set status = ?, status_reason = ?, version = version + 1, updated_at = ?
             where id = ? and status = 'pending'",
        )
        .bind(closing.status.as_str())
        .bind(&closing.reason)
        .bind(now_ms)
        .bind(review_id)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .rows_affected();
        if closed == 1 {
            super::audit_log::append(&mut tx, &closing.audit, Some(review_id)).await?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(closed == 1)
    }

    async fn reviews_to_check(
        &self,
        checked_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query_as(REVIEWS_TO_CHECK)
            .bind(checked_before_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn mark_checked(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("update review set checked_at = ? where id = ?")
            .bind(now_ms)
            .bind(review_id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn pending_reviews_of(&self, execution_arn: &str) -> Result<Vec<String>, StoreError> {
        let ids: Vec<(String,)> =
            sqlx::query_as("select id from review where execution_arn = ? and status = 'pending'")
                .bind(execution_arn)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    async fn heartbeats_due(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<HeartbeatJob>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(HEARTBEATS_DUE)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|(review_id, token)| {
                let token = TaskToken::parse(&token)
                    .map_err(|e| StoreError::corrupt(format!("token of {review_id}"), e))?;
                Ok(HeartbeatJob { review_id, token })
            })
            .collect()
    }

    async fn heartbeat_sent(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("update review set last_heartbeat_at = ?, heartbeats_sent = heartbeats_sent + 1 where id = ?")
            .bind(now_ms)
            .bind(review_id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
