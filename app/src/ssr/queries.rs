//! Read models: the queue and one review, as the pages show them.

use super::ports::{
    AuditListing, AuditRecord, KnownValues, NotificationRecord, QueueRow, StoreError, StoredReview,
    WorkflowError,
};
use super::Services;
use crate::api::{
    DeliveryView, MetricChipView, NextReview, QueueItem, QueueSnapshot, ReviewDetail, ReviewSummary,
};
use crate::domain::access::may_decide;
use crate::domain::actor::Actor;
use crate::domain::audit_action::Action;
use crate::domain::audit_filter::AuditFilter;
use crate::domain::console_link::execution_url;
use crate::domain::decision::{approvals, evaluate, Decider, Verdict};
use crate::domain::execution_status::ExecutionStatus;
use crate::domain::history::HistoryEntry;
use crate::domain::intake::ReviewSpec;
use crate::domain::metrics::{compare, failing, key_metrics, DirectionRules};
use crate::domain::policy::EffectivePolicy;
use crate::domain::queue_query::{QueueCursor, QueueQuery, QueueView, QUEUE_PAGE};
use crate::domain::rejected_intake::RejectedIntake;
use crate::domain::standing::{requested_by, role_note, standing, ReviewState, Standing};

/// Audit entries per page.
const AUDIT_PAGE: u32 = 50;

/// How many models (and groups) a filter's picker offers at most.
const KNOWN_VALUES: u32 = 500;

/// How many notifications the admins' page lists.
const RECENT_NOTIFICATIONS: u32 = 200;

/// A person's repeated views of one review within this window are one entry.
const VIEW_WINDOW_MS: i64 = 10 * 60_000;

/// Rows read at a time for a view filtered row by row.
const VIEW_BATCH: u32 = 200;

/// Rows read at most for one page of such a view.
const VIEW_SCAN_LIMIT: u32 = 2_000;

/// How many metrics a queue row shows.
const KEY_METRICS: usize = 3;

impl Services {
    /// One page of the queue as `query` asks, for `viewer`, and the
    /// pending total. Each row says why `viewer` cannot act on it, if they
    /// cannot; the views for one person ("needs my review", "requested by
    /// me") are filtered row by row with the rules a decision is checked
    /// by, reading on through the queue until a page is full.
    pub async fn queue(
        &self,
        query: &QueueQuery,
        viewer: &Actor,
    ) -> Result<QueueSnapshot, StoreError> {
        let now_ms = self.clock.now_ms();
        let (rows, next) = match query.view {
            QueueView::Everyone => {
                let mut rows = self.store.queue_page(query, now_ms, QUEUE_PAGE + 1).await?;
                let more = rows.len() > QUEUE_PAGE as usize;
                rows.truncate(QUEUE_PAGE as usize);
                let next = more
                    .then(|| rows.last().map(|row| row.cursor(query.sort)))
                    .flatten();
                (rows, next)
            }
            view => self.rows_for(query, view, viewer, now_ms).await?,
        };
        let rules = &self.settings.metric_directions;
        let items = rows
            .into_iter()
            .map(|row| queue_item(row, rules, viewer))
            .collect();
        Ok(QueueSnapshot {
            now_ms,
            items,
            pending: self.pending.get(&self.store, now_ms).await?,
            filtered: query.is_filtered(),
            next_after: next.map(|cursor| cursor.encode()),
            role_note: role_note(viewer),
        })
    }

    /// A page of the rows `view` admits for `viewer`, and where the next
    /// page starts: the queue is read a batch at a time, at most
    /// [`VIEW_SCAN_LIMIT`] rows per page, after which the page ends where
    /// the reading stopped (its "Next page" reads on).
    async fn rows_for(
        &self,
        query: &QueueQuery,
        view: QueueView,
        viewer: &Actor,
        now_ms: i64,
    ) -> Result<(Vec<QueueRow>, Option<QueueCursor>), StoreError> {
        let mut reading = query.clone();
        let mut kept: Vec<QueueRow> = Vec::new();
        let mut scanned = 0_u32;
        loop {
            let batch = self.store.queue_page(&reading, now_ms, VIEW_BATCH).await?;
            let last = batch.last().map(|row| row.cursor(query.sort));
            let exhausted = batch.len() < VIEW_BATCH as usize;
            scanned += u32::try_from(batch.len()).unwrap_or(VIEW_BATCH);
            for row in batch.into_iter().filter(|row| admits(view, viewer, row)) {
                if kept.len() == QUEUE_PAGE as usize {
                    // One admitted row more than a page: the next page
                    // starts after the last row shown.
                    let next = kept.last().map(|row| row.cursor(query.sort));
                    return Ok((kept, next));
                }
                kept.push(row);
            }
            if exhausted {
                return Ok((kept, None));
            }
            if scanned >= VIEW_SCAN_LIMIT {
                return Ok((kept, last));
            }
            reading.after = last;
        }
    }

    /// One review with its history, or `None` when there is no such review.
    pub async fn review_detail(
        &self,
        id: &str,
        viewer: &Actor,
    ) -> Result<Option<ReviewDetail>, StoreError> {
        let Some(review) = self.store.review(id).await? else {
            return Ok(None);
        };
        self.detail_of(review, viewer).await.map(Some)
    }

    /// The detail of `review` as `viewer` sees it; the view is audited
    /// (once per person in a window).
    pub(super) async fn detail_of(
        &self,
        review: StoredReview,
        viewer: &Actor,
    ) -> Result<ReviewDetail, StoreError> {
        let id = review.id.as_str();
        let view = AuditRecord::by(viewer, self.clock.now_ms(), Action::Viewed, Some(id), None);
        // Independent reads (a history leaves views out): side by side, so
        // the page waits for the slower one, not for both in turn.
        let spec = review.spec.clone();
        let policy = held_to(review.policy.as_ref(), &spec);
        let (recorded, history, (next_review, previous_review), deciders) = futures::join!(
            self.store.record_unless_recent(&view, VIEW_WINDOW_MS),
            self.store.history(id),
            futures::future::join(
                self.neighbour(&review, false),
                self.neighbour(&review, true)
            ),
            self.directory.deciders(&spec, &policy)
        );
        recorded?;
        let history = history?;
        let why_not = |verdict| decision_blocked(viewer, &spec, &policy, &review, verdict);
        let (cannot_approve, cannot_reject) = (why_not(Verdict::Approve), why_not(Verdict::Reject));
        let viewer_approved = approvals(&review.decisions)
            .iter()
            .any(|d| d.reviewer_subject == viewer.subject);
        let mut detail = detail(
            review,
            spec,
            policy,
            history,
            self.clock.now_ms(),
            &self.settings.metric_directions,
        );
        detail.summary.cannot_approve = cannot_approve;
        detail.summary.cannot_reject = cannot_reject;
        detail.summary.viewer_approved = viewer_approved;
        detail.summary.next_review = next_review?;
        detail.summary.previous_review = previous_review?;
        detail.summary.deciders = deciders?;
        detail.execution_url =
            execution_url(&self.settings.execution_console_url, &detail.execution_arn);
        Ok(detail)
    }

    /// The next pending review after `review` in the queue's default order
    /// (nearest deadline first), or the first one when `review` is the
    /// last: what "Next review" opens. `backwards`: the one before it, or
    /// the last when `review` is the first (`k` on its page).
    async fn neighbour(
        &self,
        review: &StoredReview,
        backwards: bool,
    ) -> Result<Option<NextReview>, StoreError> {
        let now_ms = self.clock.now_ms();
        let after = QueueQuery {
            after: Some(QueueCursor {
                keys: vec![review.deadline_ms.unwrap_or(i64::MAX)],
                id: review.id.clone(),
            }),
            backwards,
            ..QueueQuery::default()
        };
        let mut rows = self.store.queue_titles(&after, now_ms, 1).await?;
        if rows.is_empty() {
            let from_the_end = QueueQuery {
                backwards,
                ..QueueQuery::default()
            };
            rows = self.store.queue_titles(&from_the_end, now_ms, 2).await?;
        }
        Ok(rows
            .into_iter()
            .find(|(id, _)| *id != review.id)
            .map(|(id, title)| NextReview { id, title }))
    }

    /// The execution behind a review, as Step Functions reports it now.
    pub async fn execution(&self, id: &str) -> Result<Option<ExecutionReading>, StoreError> {
        let Some(review) = self.store.review(id).await? else {
            return Ok(None);
        };
        Ok(Some(
            match self
                .workflow
                .execution_status_for_viewer(&review.execution_arn)
                .await
            {
                Ok((status, error)) => ExecutionReading::Reported { status, error },
                Err(WorkflowError::NoSuchExecution(_)) => ExecutionReading::Missing,
                Err(error) => {
                    tracing::warn!(review_id = id, "DescribeExecution failed: {error}");
                    ExecutionReading::NoAnswer
                }
            },
        ))
    }

    /// One page of the audit log for leads.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        before_id: Option<i64>,
    ) -> Result<AuditEntries, StoreError> {
        let mut entries = self
            .store
            .audit_entries(filter, before_id, AUDIT_PAGE + 1)
            .await?;
        let more = entries.len() > AUDIT_PAGE as usize;
        entries.truncate(AUDIT_PAGE as usize);
        let next_before_id = if more {
            entries.last().map(|e| e.entry.id)
        } else {
            None
        };
        Ok(AuditEntries {
            entries,
            next_before_id,
        })
    }

    /// The models and reviewer groups the filters' pickers offer.
    pub async fn known_values(&self) -> Result<KnownValues, StoreError> {
        self.store.known_values(KNOWN_VALUES).await
    }

    pub async fn rejected_intake(&self) -> Result<Vec<RejectedIntake>, StoreError> {
        self.store.rejected_intake(200).await
    }

    /// The newest notifications, newest first, for the admins' page.
    pub async fn recent_notifications(&self) -> Result<Vec<NotificationRecord>, StoreError> {
        self.notifications
            .recent_notifications(RECENT_NOTIFICATIONS)
            .await
    }
}

/// A workflow execution as Step Functions reports it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionReading {
    /// Its status and, when it failed, the error's name.
    Reported {
        status: ExecutionStatus,
        error: Option<String>,
    },
    /// Step Functions did not answer (or the viewers' budget of calls was
    /// spent with nothing to show).
    NoAnswer,
    /// Step Functions knows no such execution (long finished, or in
    /// another account or region).
    Missing,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntries {
    pub entries: Vec<AuditListing>,
    /// Where the next (older) page starts; `None` at the end.
    pub next_before_id: Option<i64>,
}

/// Why `viewer` could not give `verdict` on `review` now, in their words:
/// who they are (role, group, requester) or where the review stands
/// (decided, approved by them already, an approval kept for a group). A
/// rejection's reason is asked for later, so it is taken as given.
pub(super) fn decision_blocked(
    viewer: &Actor,
    spec: &ReviewSpec,
    policy: &EffectivePolicy,
    review: &StoredReview,
    verdict: Verdict,
) -> Option<String> {
    if let Err(why) = may_decide(viewer, spec, policy, verdict) {
        return Some(why.to_string());
    }
    let decider = Decider {
        subject: &viewer.subject,
        groups: &viewer.groups,
    };
    evaluate(
        review.status,
        policy.approvals_needed(),
        &review.decisions,
        verdict,
        decider,
        Some(REASON_GIVEN_LATER),
    )
    .err()
    .map(|refusal| refusal.to_string())
}

/// Stands in for a rejection's reason when only checking whether one could
/// be made: the form or the dialog asks for the reason after it.
const REASON_GIVEN_LATER: &str = "(reason given later)";

/// The policy a stored review is held to: as resolved at intake, or, for a
/// review stored before policies, its own fields.
pub(super) fn held_to(policy: Option<&EffectivePolicy>, spec: &ReviewSpec) -> EffectivePolicy {
    policy
        .cloned()
        .unwrap_or_else(|| EffectivePolicy::from_request(spec))
}

/// Whether `view` lists `row` for `viewer`.
fn admits(view: QueueView, viewer: &Actor, row: &QueueRow) -> bool {
    match view {
        QueueView::Everyone => true,
        QueueView::NeedsMe => standing_of(viewer, row) == Standing::MayApprove,
        QueueView::RequestedByMe => requested_by(viewer, &row.spec),
    }
}

fn standing_of(viewer: &Actor, row: &QueueRow) -> Standing {
    standing_under(viewer, row, &held_to(row.policy.as_ref(), &row.spec))
}

fn standing_under(viewer: &Actor, row: &QueueRow, policy: &EffectivePolicy) -> Standing {
    standing(
        viewer,
        ReviewState {
            spec: &row.spec,
            policy,
            status: row.status,
            approvals: &row.approvals,
        },
    )
}

fn queue_item(row: QueueRow, rules: &DirectionRules, viewer: &Actor) -> QueueItem {
    let policy = held_to(row.policy.as_ref(), &row.spec);
    let mark = standing_under(viewer, &row, &policy).mark();
    let spec = row.spec;
    let metrics = compare(&spec, rules);
    let failing_thresholds = failing(&metrics);
    let key_metrics = key_metrics(&metrics, KEY_METRICS)
        .into_iter()
        .map(MetricChipView::of)
        .collect();
    QueueItem {
        id: row.id,
        title: spec.title,
        model_name: spec.model.name,
        model_version: spec.model.version,
        requested_by: spec.requested_by,
        reviewer_groups: policy.reviewer_groups,
        priority: spec.priority,
        received_at_ms: row.received_at_ms,
        deadline_ms: row.deadline_ms,
        key_metrics,
        failing_thresholds,
        approvals: u32::try_from(row.approvals.len()).unwrap_or(u32::MAX),
        required_approvals: policy.required_approvals,
        mark,
    }
}

fn detail(
    review: StoredReview,
    spec: ReviewSpec,
    policy: EffectivePolicy,
    history: Vec<HistoryEntry>,
    now_ms: i64,
    rules: &DirectionRules,
) -> ReviewDetail {
    ReviewDetail {
        metrics: compare(&spec, rules),
        context_json: serde_json::to_string_pretty(&review.context).unwrap_or_default(),
        execution_arn: review.execution_arn,
        execution_url: None,
        state_name: review.state_name,
        entered_at_ms: review.entered_at_ms,
        summary: ReviewSummary {
            now_ms,
            id: review.id,
            title: spec.title,
            model: spec.model,
            requested_by: spec.requested_by,
            policy: policy.lines(),
            reviewer_groups: policy.reviewer_groups,
            required_approvals: policy.required_approvals,
            on_reject: spec.on_reject,
            status: review.status,
            status_reason: review.status_reason,
            received_at_ms: review.received_at_ms,
            deadline_ms: review.deadline_ms,
            decisions: review.decisions,
            history,
            delivery: review.delivery.map(|d| DeliveryView {
                state: d.state,
                attempts: d.attempts,
                last_error: d.last_error,
                updated_at_ms: d.updated_at_ms,
            }),
            cannot_approve: None,
            cannot_reject: None,
            viewer_approved: false,
            next_review: None,
            previous_review: None,
            deciders: Vec::new(),
        },
    }
}
