//! The ports: what the use cases need from the outside world, as traits the
//! `server` crate implements (sqlx stores, the AWS SDK, the system clock).

use crate::domain::actor::{Actor, Role};
use crate::domain::audit::StoredEntry;
use crate::domain::audit_filter::AuditFilter;
use crate::domain::decision::{Approver, RecordedDecision};
use crate::domain::execution_status::ExecutionStatus;
use crate::domain::history::{HistoryEntry, ReviewChange};
use crate::domain::intake::{ReviewRequest, ReviewSpec};
use crate::domain::notify::message::OutgoingMessage;
use crate::domain::notify::{Destination, NotificationState};
use crate::domain::output::Delivery;
use crate::domain::overview_stats::{Decided, OverviewFilter};
use crate::domain::policy::EffectivePolicy;
use crate::domain::queue_query::{QueueCursor, QueueQuery, QueueSort};
use crate::domain::rejected_intake::RejectedIntake;
use crate::domain::review::{DeliveryState, ReviewStatus};
use crate::domain::token::TaskToken;
use async_trait::async_trait;
use serde_json::Value;

/// A storage failure. Its text is fixed wording with names (a review's id,
/// a column) but never stored values, tokens or SQL: it goes to the log as
/// it is, and users see only a reference.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A lost compare-and-set, or a unique key already taken: the caller
    /// may read again and retry, or tell the user.
    #[error("store conflict: {0}")]
    Conflict(String),
    /// A stored row no longer parses: `what` names it, `why` says how.
    #[error("stored {what} no longer parses: {why}")]
    Corrupt { what: String, why: String },
    /// The engine failed (locked, gone, out of connections); `reason` in
    /// fixed words, the engine's own error as the source.
    #[error("store unavailable: {reason}")]
    Unavailable {
        reason: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// A stored row that no longer parses.
    pub fn corrupt(what: impl Into<String>, why: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what: what.into(),
            why: why.to_string(),
        }
    }
}

/// A review to store, as accepted at intake.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub id: String,
    pub request: ReviewRequest,
    pub received_at_ms: i64,
    /// The policy it is held to, resolved at intake.
    pub policy: EffectivePolicy,
    /// [`crate::domain::metrics::failing_thresholds`], kept for the
    /// queue's filter.
    pub failing_thresholds: u32,
}

/// Whether an intake created a review or found it already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Created(String),
    /// The same task token was seen before (an SQS redelivery or duplicate).
    Duplicate(String),
}

/// A stored review, without its token.
#[derive(Debug, Clone)]
pub struct StoredReview {
    pub id: String,
    pub execution_arn: String,
    pub state_name: String,
    pub entered_at_ms: i64,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    pub status: ReviewStatus,
    pub status_reason: Option<String>,
    /// Bumped by every decision; the compare-and-set key.
    pub version: i64,
    /// The `review` object, parsed once where the row is read.
    pub spec: ReviewSpec,
    /// The `review` object as the workflow sent it: the answer to Step
    /// Functions echoes it whole, fields the spec does not read included.
    pub review_json: Value,
    pub context: Value,
    /// As resolved at intake; `None` for reviews stored before policies
    /// (their own fields apply: [`EffectivePolicy::from_request`]).
    pub policy: Option<EffectivePolicy>,
    pub decisions: Vec<RecordedDecision>,
    pub delivery: Option<DeliveryRecord>,
}

/// How a pending review ends without a decision (its deadline passed, its
/// execution moved on), in the services' words: the status and reason
/// stored with it, and the audit entry that records it. Expiring many at
/// once, the store sets the entry's review to each in turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    pub status: ReviewStatus,
    pub reason: String,
    pub audit: AuditRecord,
}

/// A row of the queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: String,
    pub status: ReviewStatus,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// The deadline, or "never" (`i64::MAX`): the queue's default order.
    pub due_at_ms: i64,
    /// [`crate::domain::intake::Priority::rank`].
    pub priority_rank: i64,
    /// The `review` object, parsed once where the row is read.
    pub spec: ReviewSpec,
    /// As [`StoredReview::policy`].
    pub policy: Option<EffectivePolicy>,
    /// The approvals given so far.
    pub approvals: Vec<Approver>,
}

impl QueueRow {
    /// The cursor that continues the queue in `sort` after this row.
    pub fn cursor(&self, sort: QueueSort) -> QueueCursor {
        let keys = match sort {
            QueueSort::Deadline => vec![self.due_at_ms],
            QueueSort::Priority => vec![self.priority_rank, self.due_at_ms],
            QueueSort::Newest | QueueSort::Oldest => vec![self.received_at_ms],
        };
        QueueCursor {
            keys,
            id: self.id.clone(),
        }
    }
}

/// An audit entry as the log lists it: with the review it is about, when
/// that review is still stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditListing {
    pub entry: StoredEntry,
    pub review: Option<ReviewLabel>,
}

pub use crate::domain::audit::ReviewLabel;

/// The values the filters' pickers offer, each once whatever its case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownValues {
    pub models: Vec<String>,
    pub groups: Vec<String>,
}

/// The outbox row of a decided review.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRecord {
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub updated_at_ms: i64,
}

/// One audit entry to append: the domain's hashed content, as it is.
pub type AuditRecord = crate::domain::audit::AuditContent;

/// A decision to commit atomically: the decision row, the review's new
/// status when final, its outbox row, and the audit entries, all or nothing,
/// and only if the review is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct DecisionCommit {
    pub review_id: String,
    pub expected_version: i64,
    pub decision: RecordedDecision,
    pub new_status: Option<ReviewStatus>,
    pub delivery: Option<Delivery>,
    /// The outbox row is claimed for the decider this long (it sends at
    /// once; if it dies first, the delivery worker takes over afterwards).
    pub delivery_lease_ms: i64,
    pub audit: Vec<AuditRecord>,
}

/// Taking back one approval of a review that still waits for more: the
/// decision row goes (the audit entries of both stay), under the same
/// compare-and-set as a decision.
#[derive(Debug, Clone)]
pub struct WithdrawalCommit {
    pub review_id: String,
    pub expected_version: i64,
    pub reviewer_subject: String,
    pub audit: AuditRecord,
}

/// What became of a decision commit.
#[derive(Debug, Clone)]
pub enum Committed {
    /// The review moved on meanwhile (another decision): nothing written.
    Conflict,
    /// Written. When the decision made the review final, its delivery,
    /// already claimed for the decider to send.
    Recorded(Option<DeliveryJob>),
}

/// A delivery claimed for sending. Holds the token: never log or show it.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub review_id: String,
    pub execution_arn: String,
    pub token: TaskToken,
    pub delivery: Delivery,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    Delivered,
    /// The task was already closed; never retried.
    Closed {
        reason: String,
    },
    /// Step Functions refused the answer for good; never retried.
    Failed {
        reason: String,
    },
    Retry {
        error: String,
        next_attempt_at_ms: i64,
    },
}

/// A delivery still queued past the stuck time, as the sweep reads it
/// (without its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckDelivery {
    pub review_id: String,
    /// When its decision was committed.
    pub queued_since_ms: i64,
    /// Attempts so far, one under way included.
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// A held review whose workflow expects a heartbeat. Holds the token.
#[derive(Debug, Clone)]
pub struct HeartbeatJob {
    pub review_id: String,
    pub token: TaskToken,
}

/// An intake message that could not be accepted.
#[derive(Debug, Clone)]
pub struct NewRejectedIntake {
    pub id: String,
    pub source: String,
    /// The transport's id for the message (SQS MessageId); the dedup key.
    pub message_id: String,
    pub received_at_ms: i64,
    pub reasons: Vec<String>,
    pub execution_arn: Option<String>,
    pub redacted_body: Option<String>,
}

/// What the store knows of a rejected intake message after recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedIntakeStatus {
    pub id: String,
    pub workflow_notified: bool,
}

#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Stores a new review with its "received" audit entry, unless a review
    /// with the same task token exists.
    async fn insert_review(
        &self,
        review: &NewReview,
        audit: &AuditRecord,
    ) -> Result<Inserted, StoreError>;
    /// Records (or counts again) a rejected intake message, keyed by source and message id.
    async fn record_rejected_intake(
        &self,
        intake: &NewRejectedIntake,
        audit: &AuditRecord,
    ) -> Result<RejectedIntakeStatus, StoreError>;
    async fn mark_intake_notified(&self, id: &str) -> Result<(), StoreError>;
    /// Newest first.
    async fn rejected_intake(&self, limit: u32) -> Result<Vec<RejectedIntake>, StoreError>;
    /// Pending reviews whose deadline is after `now_ms`, nearest deadline
    /// first (no deadline last), then oldest.
    /// One page of the queue: up to `limit` reviews after the query's cursor.
    async fn queue_page(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<QueueRow>, StoreError>;
    /// As [`Self::queue_page`], each review's id and title only: what a
    /// link to the next or previous review needs.
    async fn queue_titles(
        &self,
        query: &QueueQuery,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// The newest audit entry's id (0 when there is none).
    async fn last_audit_id(&self) -> Result<i64, StoreError>;
    /// Audit entries after `after_id` that change a review (views, artefact
    /// links and heartbeat failures do not), oldest first.
    async fn review_changes_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<ReviewChange>, StoreError>;
    /// Counts the reviews waiting for a decision (deadline not yet
    /// passed), every call ([`super::pending_count`] remembers the count).
    async fn pending_count(&self, now_ms: i64) -> Result<u64, StoreError>;
    async fn review(&self, id: &str) -> Result<Option<StoredReview>, StoreError>;
    /// For each of `ages`, how many pending reviews `filter` keeps are at
    /// least that old at `now_ms`.
    async fn pending_at_least(
        &self,
        now_ms: i64,
        ages: &[i64],
        filter: &OverviewFilter,
    ) -> Result<Vec<u32>, StoreError>;
    /// Up to `limit` pending reviews `filter` keeps received at or before
    /// `received_by_ms`, oldest first: `(id, title, received_at_ms)`.
    async fn oldest_pending(
        &self,
        received_by_ms: i64,
        limit: u32,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Decisions made since `since_ms` on the reviews `filter` keeps:
    /// `(reviewer, verdict, at_ms)`.
    async fn decisions_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Reviews `filter` keeps whose final decision (approved or rejected)
    /// was made since `since_ms`.
    async fn decided_since(
        &self,
        since_ms: i64,
        filter: &OverviewFilter,
    ) -> Result<Vec<Decided>, StoreError>;
    /// The model names and the reviewer groups reviews have named, each
    /// sorted: what the overview's filters offer.
    async fn models_and_groups(&self) -> Result<(Vec<String>, Vec<String>), StoreError>;
    /// Appends one audit entry on its own (sign-in, sign-out).
    async fn record(&self, entry: &AuditRecord) -> Result<(), StoreError>;
    /// Appends several audit entries in one transaction, all or none.
    async fn record_all(&self, entries: &[AuditRecord]) -> Result<(), StoreError>;
    /// Appends `entry` unless an entry with the same action, review and
    /// actor was appended within the last `window_ms` (repeated views,
    /// heartbeats failing every second during an outage).
    async fn record_unless_recent(
        &self,
        entry: &AuditRecord,
        window_ms: i64,
    ) -> Result<(), StoreError>;
    /// Audit entries matching `filter` with an id below `before_id`, newest
    /// first (keyset pagination: every page costs the same), each with
    /// its review's title, model and execution.
    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditListing>, StoreError>;
    /// The models and reviewer groups reviews have named, up to `limit`
    /// of each, in alphabetical order.
    async fn known_values(&self, limit: u32) -> Result<KnownValues, StoreError>;
    /// The review's audit entries, oldest first, views and artefact links
    /// left out (they are in the audit log).
    async fn history(&self, review_id: &str) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Commits a decision, and claims its delivery in the same transaction.
    async fn commit_decision(&self, commit: &DecisionCommit) -> Result<Committed, StoreError>;
    /// Removes the reviewer's approval of a pending review and audits it;
    /// `false` (nothing written) when the review moved on meanwhile.
    async fn withdraw_approval(&self, commit: &WithdrawalCommit) -> Result<bool, StoreError>;
    /// Claims up to `limit` queued deliveries that are due and unclaimed
    /// (or whose claim lapsed).
    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StoreError>;
    /// Records how an attempt ended, with its audit entry when there is one.
    async fn finish_delivery(
        &self,
        review_id: &str,
        outcome: &DeliveryOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError>;
    /// Up to `limit` deliveries still queued that were committed at or
    /// before `queued_before_ms` and not yet noticed as stuck, oldest first.
    async fn stuck_deliveries(
        &self,
        queued_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<StuckDelivery>, StoreError>;
    /// Marks the review's delivery noticed as stuck and appends `audit`, in
    /// one transaction, if it is still queued since at or before
    /// `queued_before_ms` and was not noticed before; `false` (nothing
    /// written) otherwise. Once per delivery, whoever calls and however often.
    async fn notice_stuck_delivery(
        &self,
        review_id: &str,
        queued_before_ms: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError>;
    /// Ends the pending reviews whose deadline has passed at `now_ms` as
    /// `closing` says, with its audit entry for each; returns their ids.
    async fn expire_overdue(
        &self,
        now_ms: i64,
        closing: &Closing,
    ) -> Result<Vec<String>, StoreError>;
    /// Ends a still-pending review as `closing` says, with its audit entry;
    /// `false` when it was no longer pending (someone decided first).
    async fn close_review(
        &self,
        review_id: &str,
        closing: &Closing,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Claims up to `limit` pending reviews last checked against their
    /// execution before `checked_before_ms` (never checked first), marking
    /// them checked at `now_ms`: `(id, execution ARN)`. One claim per
    /// `turn_ms` for every server sharing the database (the others are
    /// given none in between), so replicas share Step Functions'
    /// `DescribeExecution` budget instead of multiplying it.
    async fn claim_reviews_to_check(
        &self,
        now_ms: i64,
        checked_before_ms: i64,
        turn_ms: i64,
        limit: u32,
    ) -> Result<Vec<(String, String)>, StoreError>;
    async fn mark_checked(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Pending reviews of one execution.
    async fn pending_reviews_of(&self, execution_arn: &str) -> Result<Vec<String>, StoreError>;
    /// Claims the pending reviews with `heartbeatSeconds` whose next
    /// heartbeat (a third of the interval after the last) is due, each held
    /// for `lease_ms`: no other server sends it meanwhile, and one not
    /// marked [`ReviewStore::heartbeat_sent`] is due again after the lease.
    async fn claim_heartbeats(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<HeartbeatJob>, StoreError>;
    async fn heartbeat_sent(&self, review_id: &str, now_ms: i64) -> Result<(), StoreError>;
}

/// Why Step Functions did not take a call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WorkflowError {
    /// `TaskTimedOut`, `InvalidToken`, `TaskDoesNotExist`: the task is closed.
    #[error("task closed: {0}")]
    TokenClosed(String),
    /// Throttling, 5xx, network: worth trying again later.
    #[error("{0}")]
    Retryable(String),
    /// The request itself is wrong (`InvalidOutput`, a `ValidationException`):
    /// Step Functions will refuse it however often it is sent.
    #[error("{0}")]
    Permanent(String),
    /// `ExecutionDoesNotExist` from `DescribeExecution`: Step Functions
    /// forgets an execution some time after it ends (90 days), and sees
    /// only its own account and region.
    #[error("no such execution: {0}")]
    NoSuchExecution(String),
}

/// The workflow engine: Step Functions.
#[async_trait]
pub trait Workflow: Send + Sync {
    /// `SendTaskSuccess` or `SendTaskFailure`.
    async fn send(&self, token: &TaskToken, delivery: &Delivery) -> Result<(), WorkflowError>;
    /// `SendTaskHeartbeat`: the review is still held.
    async fn heartbeat(&self, token: &TaskToken) -> Result<(), WorkflowError>;
    /// `DescribeExecution`: status and, when it failed, the error name,
    /// as Step Functions says it now (the reconciler, a closed task's check).
    async fn execution_status(
        &self,
        execution_arn: &str,
    ) -> Result<(ExecutionStatus, Option<String>), WorkflowError>;
    /// The same, for showing to people: may answer from a reading a few
    /// seconds old, and never spends more of Step Functions' quota than the
    /// adapter's budget allows (an error when it has nothing to show).
    async fn execution_status_for_viewer(
        &self,
        execution_arn: &str,
    ) -> Result<(ExecutionStatus, Option<String>), WorkflowError> {
        self.execution_status(execution_arn).await
    }
}

/// What S3 says of an object before it is linked or previewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size_bytes: u64,
    pub content_type: Option<String>,
}

/// Why an object cannot be linked or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("no such bucket")]
    NoSuchBucket,
    #[error("no such object")]
    NoSuchObject,
    #[error("access denied")]
    AccessDenied,
    /// S3 unreachable, throttling, 5xx: for the log.
    #[error("{0}")]
    Unavailable(String),
}

/// Where artefacts are stored: S3.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// `HeadObject` (and `HeadBucket`, to tell a missing bucket from a
    /// missing object).
    async fn describe(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError>;
    /// The object's first `max_bytes` bytes.
    async fn read(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError>;
    /// A `GetObject` link valid for `valid_ms`; with `download_as`, the
    /// browser saves it under that name instead of showing it.
    async fn presign(
        &self,
        bucket: &str,
        key: &str,
        valid_ms: i64,
        download_as: Option<&str>,
    ) -> Result<String, ObjectError>;
}

/// The time, in epoch milliseconds.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A chat message Signoff posted, remembered so it can be updated in place
/// when the review changes (no button outlives its review).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessageRef {
    pub channel: String,
    /// Slack's message timestamp (`ts`), its id within the channel.
    pub ts: String,
}

/// Why a message was not sent. The text names the destination's kind and
/// what went wrong, never a secret, and is shown on the admin page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (a timeout, a 5xx, a rate limit).
    #[error("{0}")]
    Transient(String),
    /// Will fail the same way every time (unknown channel, bad address,
    /// a missing secret): the notification ends failed, and is audited.
    #[error("{0}")]
    Permanent(String),
}

/// The channels notifications go out through (Slack, e-mail, SNS, webhooks).
#[async_trait]
pub trait Channels: Send + Sync {
    /// Sends `message` to `to`; a chat message comes back as its reference.
    async fn send(
        &self,
        to: &Destination,
        message: &OutgoingMessage,
    ) -> Result<Option<ChatMessageRef>, SendError>;

    /// Replaces a posted chat message (its buttons gone, the outcome shown).
    async fn update(
        &self,
        chat: &ChatMessageRef,
        message: &OutgoingMessage,
    ) -> Result<(), SendError>;
}

/// The interactions chat tools have sent lately, so a retry or a replay of
/// one is acted on once.
#[async_trait]
pub trait InteractionLedger: Send + Sync {
    /// Records `key` as seen at `now_ms`: `true` the first time, `false`
    /// when it was seen before. Keys seen before `forget_before_ms` (when
    /// the chat tool's signature would no longer be accepted) are dropped.
    async fn first_sight(
        &self,
        key: &str,
        now_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StoreError>;
}

/// An audit entry that notifies, waiting to be routed to its destinations.
/// It was written in the same transaction as the entry, so nothing that
/// happened is missed, however the process ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationEvent {
    /// The audit entry's id: the event's identity (idempotency key).
    pub audit_id: i64,
    pub review_id: String,
    /// The entry's action text (see [`crate::domain::audit_action::Action`]).
    pub action: String,
    /// Who did it, as the entry names them.
    pub actor: String,
    pub detail: String,
    pub at_ms: i64,
}

/// One message an event is to send: to one destination of one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub route: String,
    pub destination: Destination,
    /// Not sent before then (a digest route's window end, else now).
    pub send_at_ms: i64,
    /// A digest route's window end: notifications of one route and
    /// destination with the same window go out as one message.
    pub digest_until_ms: Option<i64>,
}

/// A claimed notification, held under a lease while it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationJob {
    pub id: i64,
    pub event: NotificationEvent,
    pub route: String,
    pub destination: Destination,
    pub digest_until_ms: Option<i64>,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// How an attempt to send a notification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// Sent; a chat message is remembered, to be updated when the review changes.
    Sent { chat: Option<ChatMessageRef> },
    Retry {
        error: String,
        next_attempt_at_ms: i64,
    },
    /// Never retried.
    Failed { error: String },
}

/// A notification as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub review_id: String,
    pub action: String,
    pub route: String,
    pub destination: Destination,
    pub state: NotificationState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
}

/// A pending review whose reminder schedule is due to be looked at: its
/// next step is due, or it has not been scheduled yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderCandidate {
    pub review_id: String,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// The ids of the steps already fired or passed over.
    pub fired: Vec<String>,
}

/// What the schedule decided for one review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderSteps {
    pub review_id: String,
    /// Steps to record as done (the one that fires, and any it passed).
    pub fired: Vec<String>,
    /// When to look again; `None`: no step is left.
    pub next_step_at_ms: Option<i64>,
    /// The entry of the step that fires (a reminder or the escalation):
    /// the notification's event.
    pub audit: Option<AuditRecord>,
}

/// The durable notification outbox: events written with the audit entries
/// that cause them, routed once, each message claimed under a lease, sent
/// and finished once per event, route and destination.
#[async_trait]
pub trait NotificationOutbox: Send + Sync {
    /// Events not yet routed, oldest first.
    async fn events_to_route(&self, limit: u32) -> Result<Vec<NotificationEvent>, StoreError>;

    /// Queues `notifications` for the event and marks it routed, in one
    /// transaction; an event routed before is left as it is. An event that
    /// changes the review (`domain::notify::event::updates_chat`) also
    /// queues, in that transaction, an update of every chat message
    /// remembered for it (route `UPDATE_ROUTE`, `Destination::ChatUpdate`),
    /// whatever `notifications` holds: no button outlives its review.
    async fn route_event(
        &self,
        audit_id: i64,
        notifications: &[NewNotification],
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Claims due notifications for `lease_ms`, oldest first. A digest's
    /// notifications of one route, destination and window come together,
    /// and so do the queued updates of one chat message when one is due;
    /// an update is not claimed while another of its message is held.
    async fn claim_notifications(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<NotificationJob>, StoreError>;

    /// Records an attempt's outcome (and `audit`, in the same transaction).
    /// A chat message sent is remembered; if the review was changed by an
    /// event after this notification's and routed before the message was
    /// recorded (a decision while it was being posted), an update of it is
    /// queued in the same transaction.
    async fn finish_notification(
        &self,
        id: i64,
        outcome: &NotificationOutcome,
        now_ms: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError>;

    /// The newest notifications, newest first.
    async fn recent_notifications(&self, limit: u32)
        -> Result<Vec<NotificationRecord>, StoreError>;

    /// The chat messages posted about a review, oldest first.
    async fn chat_messages(&self, review_id: &str) -> Result<Vec<ChatMessageRef>, StoreError>;

    /// Pending reviews whose next reminder step is due at `now_ms`, or
    /// that were never scheduled, most overdue first.
    async fn reminders_due(
        &self,
        now_ms: i64,
        limit: u32,
    ) -> Result<Vec<ReminderCandidate>, StoreError>;

    /// Records the steps and the next look, with the step's audit entry, in
    /// one transaction, only while the review is pending and only for steps
    /// not recorded before (a step fires once, whoever runs it). `false`:
    /// the review was decided or closed meanwhile, and nothing was written.
    async fn record_reminder_steps(
        &self,
        steps: &ReminderSteps,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}

/// A person as Signoff last saw them sign in: what a click in a chat tool
/// needs to act as them (the chat tool vouches only for an e-mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The identity provider's `sub`: the record's key.
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouched for the e-mail at the last sign-in.
    pub email_verified: bool,
    pub display_name: String,
    pub usernames: Vec<String>,
    /// The role their groups gave them at the last sign-in (shown; a click
    /// maps the groups again, so a changed role map applies at once).
    pub role: Role,
    pub groups: Vec<String>,
    pub last_seen_ms: i64,
}

impl Person {
    /// The person acting, with `role` as the current role map gives it.
    pub fn actor(&self, role: Role) -> Actor {
        Actor {
            subject: self.subject.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            usernames: self.usernames.clone(),
            display_name: self.display_name.clone(),
            role,
            groups: self.groups.clone(),
        }
    }
}

/// The people who have signed in, written at each sign-in.
#[async_trait]
pub trait People: Send + Sync {
    /// Records `actor` as seen at `now_ms` (a new person, or a refresh of
    /// e-mail, role, groups and names).
    async fn record_sign_in(&self, actor: &Actor, now_ms: i64) -> Result<(), StoreError>;

    /// The person whose verified e-mail is `email` (compared without
    /// regard to case); the most recently seen if several share it.
    async fn person_by_verified_email(&self, email: &str) -> Result<Option<Person>, StoreError>;

    /// The people in `group` who have a verified e-mail, most recently
    /// seen first (an escalation to a group writes to them).
    async fn people_in_group(&self, group: &str) -> Result<Vec<Person>, StoreError>;
}
