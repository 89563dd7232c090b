//! The store's story: everything the services ask of a database, told over
//! the ports alone ([`Stores`]): intake and duplicates, decisions and a lost
//! compare-and-set, the outbox's claims and leases, expiry and upstream
//! close, the clock's sweeps, stuck deliveries noticed once, the audit
//! chain (append, verify, prune), the queue's pages under every filter and
//! order, search, sessions, and the notification outbox.
//!
//! Nothing here names an engine or runs SQL: an engine joins by opening a
//! fresh, empty database for each chapter and calling [`tell`]. SQLite's
//! own details (triggers, FTS5, query plans) are tested beside its adapter.

use super::Stores;
use crate::auth::sessions::{LoginAttempt, NewSession};
use app::domain::actor::{Actor, Role};
use app::domain::audit_action::Action;
use app::domain::audit_export::parse_jsonl_line;
use app::domain::audit_filter::{AuditFilter, AuditView};
use app::domain::decision::{Approver, RecordedDecision, Verdict};
use app::domain::intake::{parse_review_request, Priority};
use app::domain::metrics::failing_thresholds;
use app::domain::notify::{Destination, NotificationState};
use app::domain::output::Delivery;
use app::domain::overview_stats::{Decided, OverviewFilter};
use app::domain::policy::EffectivePolicy;
use app::domain::queue_query::{QueueQuery, QueueSort};
use app::domain::review::{DeliveryState, ReviewStatus};
use app::ssr::ports::{
    AuditRecord, ChatMessageRef, Closing, Committed, DecisionCommit, DeliveryOutcome, Inserted,
    NewNotification, NewRejectedIntake, NewReview, NotificationOutcome, Person, ReminderSteps,
    StoredReview,
};
use serde_json::{json, Value};
use std::future::Future;
use std::path::Path;

/// `enteredTime` of every story review, and the clock's starting point.
const ENTERED: &str = "2026-01-01T00:00:00Z";
/// [`ENTERED`] in epoch milliseconds.
pub(super) const T0: i64 = 1_767_225_600_000;
/// How long the decider holds a fresh delivery before the worker may take it.
pub(super) const LEASE_MS: i64 = 30_000;

/// Tells the whole story, each chapter on a database of its own from
/// `fresh`; `scratch` is a directory for the audit export.
pub async fn tell<F, Fut>(fresh: F, scratch: &Path)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Stores>,
{
    intake_keeps_one_review_per_token(&fresh().await).await;
    rejected_intake_is_counted_per_message(&fresh().await).await;
    one_decision_wins_a_race_and_the_other_writes_nothing(&fresh().await).await;
    the_outbox_is_claimed_under_a_lease_and_finished_once(&fresh().await).await;
    a_stuck_delivery_is_noticed_once(&fresh().await).await;
    reviews_end_by_deadline_or_upstream_once(&fresh().await).await;
    the_clock_finds_what_is_due(&fresh().await).await;
    the_audit_chain_appends_verifies_and_prunes(&fresh().await, scratch).await;
    the_queue_pages_under_every_order_and_filter(&fresh().await).await;
    the_overview_counts_what_waits_and_what_was_decided(&fresh().await).await;
    sessions_and_login_attempts_round_trip(&fresh().await).await;
    notifications_are_routed_once_and_each_sent_once(&fresh().await).await;
    reminder_steps_fire_once_and_never_after_the_review_ends(&fresh().await).await;
    a_changed_review_updates_each_chat_message(&fresh().await).await;
    a_chat_interaction_is_acted_on_once(&fresh().await).await;
    people_are_recorded_at_sign_in_and_found_by_verified_email_or_group(&fresh().await).await;
}

async fn intake_keeps_one_review_per_token(stores: &Stores) {
    let store = &stores.reviews;
    let first = new_review("a", json!({"ticket": "ML-1"}), T0 + 1_000);
    let created = store
        .insert_review(&first, &received(T0 + 1_000))
        .await
        .expect("stored");
    assert_eq!(created, Inserted::Created("review-a".into()));
    // The same token again (an SQS redelivery) under another id.
    let again = NewReview {
        id: "review-a-again".into(),
        ..new_review("a", json!({}), T0 + 2_000)
    };
    let duplicate = store
        .insert_review(&again, &received(T0 + 2_000))
        .await
        .expect("looked up");
    assert_eq!(duplicate, Inserted::Duplicate("review-a".into()));
    assert!(store
        .review("review-a-again")
        .await
        .expect("read")
        .is_none());

    let review = stored(stores, "review-a").await;
    assert_eq!(review.status, ReviewStatus::Pending);
    assert_eq!(review.spec.title, "Promote a");
    assert_eq!(review.review_json["ticket"], "ML-1", "fields kept as sent");
    assert_eq!(review.context, json!({"key": "a"}));
    assert_eq!(review.execution_arn, execution_arn("a"));
    assert_eq!(review.state_name, "RequestApproval");
    assert_eq!(review.entered_at_ms, T0);
    assert_eq!(review.received_at_ms, T0 + 1_000);
    assert_eq!(review.deadline_ms, Some(T0 + 86_400_000));
    assert_eq!(
        review.policy.map(|p| p.required_approvals),
        Some(1),
        "the policy resolved at intake"
    );
    assert!(review.decisions.is_empty() && review.delivery.is_none());

    let entries = audit_of(stores, "review-a").await;
    assert_eq!(
        actions(&entries),
        ["received"],
        "one entry, not one per copy"
    );
    assert!(store
        .review("review-missing")
        .await
        .expect("read")
        .is_none());
}

async fn rejected_intake_is_counted_per_message(stores: &Stores) {
    let store = &stores.reviews;
    let rejected = |id: &str, message_id: &str, at_ms| NewRejectedIntake {
        id: id.into(),
        source: "sqs:intake".into(),
        message_id: message_id.into(),
        received_at_ms: at_ms,
        reasons: vec!["review.title: missing".into()],
        execution_arn: Some(execution_arn("r")),
        redacted_body: Some("{\"taskToken\":\"[redacted]\"}".into()),
    };
    let audit = |at_ms| AuditRecord::system(at_ms, Action::IntakeRejected, None, None);
    let first = store
        .record_rejected_intake(&rejected("rej-1", "m-1", T0), &audit(T0))
        .await
        .expect("recorded");
    assert_eq!(
        (first.id.as_str(), first.workflow_notified),
        ("rej-1", false)
    );
    store.mark_intake_notified("rej-1").await.expect("marked");
    // The same message delivered again: counted, not stored twice.
    let again = store
        .record_rejected_intake(&rejected("rej-2", "m-1", T0 + 10), &audit(T0 + 10))
        .await
        .expect("recorded");
    assert_eq!(
        (again.id.as_str(), again.workflow_notified),
        ("rej-1", true)
    );
    store
        .record_rejected_intake(&rejected("rej-3", "m-2", T0 + 20), &audit(T0 + 20))
        .await
        .expect("recorded");

    let listed = store.rejected_intake(10).await.expect("listed");
    let summary: Vec<_> = listed
        .iter()
        .map(|r| (r.id.as_str(), r.receive_count, r.workflow_notified))
        .collect();
    assert_eq!(summary, [("rej-3", 1, false), ("rej-1", 2, true)]);
    assert_eq!(listed[1].reasons, ["review.title: missing"]);
    assert_eq!(listed[1].execution_arn, Some(execution_arn("r")));
    assert_eq!(store.rejected_intake(1).await.expect("listed").len(), 1);
}

async fn one_decision_wins_a_race_and_the_other_writes_nothing(stores: &Stores) {
    let store = &stores.reviews;
    add(stores, "solo", json!({}), T0).await;
    let review = stored(stores, "review-solo").await;
    let winner = final_commit(&review, decision("user-ada", Verdict::Approve, T0 + 5_000));
    let loser = final_commit(&review, decision("user-bob", Verdict::Reject, T0 + 5_001));
    let Committed::Recorded(Some(job)) = store.commit_decision(&winner).await.expect("commit")
    else {
        panic!("the first decision is recorded with its delivery");
    };
    assert_eq!(job.review_id, "review-solo");
    assert_eq!(
        job.token.expose(),
        token("solo"),
        "the token stored at intake"
    );
    assert_eq!(job.execution_arn, execution_arn("solo"));
    assert_eq!(job.attempts, 1);
    assert_eq!(job.delivery, winner.delivery.clone().expect("a delivery"));
    assert!(matches!(
        store.commit_decision(&loser).await.expect("commit"),
        Committed::Conflict
    ));

    let decided = stored(stores, "review-solo").await;
    assert_eq!(decided.status, ReviewStatus::Approved);
    assert_eq!(decided.version, review.version + 1);
    let by: Vec<_> = decided
        .decisions
        .iter()
        .map(|d| (d.reviewer_subject.as_str(), d.verdict))
        .collect();
    assert_eq!(
        by,
        [("user-ada", Verdict::Approve)],
        "the loser wrote nothing"
    );
    assert_eq!(decided.decisions[0].reviewer_groups, ["ml-reviewers"]);
    let delivery = decided.delivery.expect("an outbox row");
    assert_eq!(
        (delivery.state, delivery.attempts),
        (DeliveryState::Queued, 1)
    );
    assert_eq!(
        actions(&audit_of(stores, "review-solo").await),
        ["approved", "received"]
    );

    // Two approvals needed: the first is recorded and the review waits on.
    add(stores, "pair", json!({"requiredApprovals": 2}), T0).await;
    let pair = stored(stores, "review-pair").await;
    let first = DecisionCommit {
        new_status: None,
        delivery: None,
        ..final_commit(&pair, decision("user-ada", Verdict::Approve, T0 + 6_000))
    };
    assert!(matches!(
        store.commit_decision(&first).await.expect("commit"),
        Committed::Recorded(None)
    ));
    let waiting = stored(stores, "review-pair").await;
    assert_eq!(waiting.status, ReviewStatus::Pending);
    assert_eq!(waiting.decisions.len(), 1);
    assert!(waiting.delivery.is_none());
    let row = pending_page(stores, QueueQuery::default()).await;
    let approvals: Vec<_> = row
        .iter()
        .map(|r| (r.id.as_str(), r.approvals.clone()))
        .collect();
    let ada = Approver {
        subject: "user-ada".to_owned(),
        groups: vec!["ml-reviewers".to_owned()],
    };
    assert_eq!(approvals, [("review-pair", vec![ada])]);
}

async fn the_outbox_is_claimed_under_a_lease_and_finished_once(stores: &Stores) {
    let store = &stores.reviews;
    let decided_at = T0 + 10_000;
    for key in ["out", "gone"] {
        add(stores, key, json!({}), T0).await;
        let review = stored(stores, &format!("review-{key}")).await;
        let commit = final_commit(&review, decision("user-ada", Verdict::Approve, decided_at));
        store.commit_decision(&commit).await.expect("committed");
    }
    let claim = |now_ms| store.claim_deliveries(now_ms, LEASE_MS, 10);
    assert!(
        claim(decided_at + 1).await.expect("claimed").is_empty(),
        "the decider holds a fresh delivery for its lease"
    );
    let lapsed = decided_at + LEASE_MS;
    let mut jobs = claim(lapsed).await.expect("claimed");
    jobs.sort_by(|a, b| a.review_id.cmp(&b.review_id));
    let claimed: Vec<_> = jobs
        .iter()
        .map(|j| {
            (
                j.review_id.as_str(),
                j.attempts,
                j.token.expose().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        claimed,
        [
            ("review-gone", 2, token("gone")),
            ("review-out", 2, token("out"))
        ]
    );
    assert!(
        claim(lapsed).await.expect("claimed").is_empty(),
        "a claimed delivery is not claimed twice"
    );

    let retry_at = lapsed + 5_000;
    let retry = DeliveryOutcome::Retry {
        error: "throttled".into(),
        next_attempt_at_ms: retry_at,
    };
    store
        .finish_delivery("review-out", &retry, lapsed + 100, None)
        .await
        .expect("finished");
    let closed = DeliveryOutcome::Closed {
        reason: "the task had timed out".into(),
    };
    let closed_audit = AuditRecord::system(lapsed + 100, Action::Closed, None, None);
    store
        .finish_delivery("review-gone", &closed, lapsed + 100, Some(&closed_audit))
        .await
        .expect("finished");
    assert!(claim(retry_at - 1).await.expect("claimed").is_empty());
    let retried = claim(retry_at).await.expect("claimed");
    let retried: Vec<_> = retried
        .iter()
        .map(|j| (j.review_id.as_str(), j.attempts))
        .collect();
    assert_eq!(
        retried,
        [("review-out", 3)],
        "a closed task is never retried"
    );

    let delivered_audit = AuditRecord::system(retry_at + 10, Action::Delivered, None, None);
    store
        .finish_delivery(
            "review-out",
            &DeliveryOutcome::Delivered,
            retry_at + 10,
            Some(&delivered_audit),
        )
        .await
        .expect("finished");
    assert!(claim(retry_at + LEASE_MS * 10)
        .await
        .expect("claimed")
        .is_empty());

    let out = stored(stores, "review-out").await.delivery.expect("a row");
    assert_eq!((out.state, out.attempts), (DeliveryState::Delivered, 3));
    assert_eq!(out.updated_at_ms, retry_at + 10);
    let gone = stored(stores, "review-gone").await.delivery.expect("a row");
    assert_eq!(gone.state, DeliveryState::Closed);
    assert_eq!(gone.last_error.as_deref(), Some("the task had timed out"));
    assert_eq!(
        actions(&audit_of(stores, "review-out").await),
        ["delivered", "approved", "received"],
        "the audit entry goes to the finished review"
    );
    assert_eq!(
        actions(&audit_of(stores, "review-gone").await),
        ["closed", "approved", "received"]
    );
}

async fn a_stuck_delivery_is_noticed_once(stores: &Stores) {
    let store = &stores.reviews;
    for (key, decided_at) in [
        ("slow", T0 + 10_000),
        ("raced", T0 + 10_001),
        ("done", T0 + 10_002),
        ("fresh", T0 + 100_000),
    ] {
        add(stores, key, json!({}), T0).await;
        let review = stored(stores, &format!("review-{key}")).await;
        let commit = final_commit(&review, decision("user-ada", Verdict::Approve, decided_at));
        store.commit_decision(&commit).await.expect("committed");
    }
    let retry = DeliveryOutcome::Retry {
        error: "throttled".into(),
        next_attempt_at_ms: T0 + 20_000,
    };
    store
        .finish_delivery("review-slow", &retry, T0 + 11_000, None)
        .await
        .expect("finished");
    let delivered = AuditRecord::system(T0 + 11_000, Action::Delivered, None, None);
    store
        .finish_delivery(
            "review-done",
            &DeliveryOutcome::Delivered,
            T0 + 11_000,
            Some(&delivered),
        )
        .await
        .expect("finished");

    let cutoff = T0 + 50_000;
    let stuck = |before, limit| store.stuck_deliveries(before, limit);
    let found: Vec<_> = stuck(cutoff, 10)
        .await
        .expect("read")
        .into_iter()
        .map(|d| (d.review_id, d.queued_since_ms, d.attempts, d.last_error))
        .collect();
    assert_eq!(
        found,
        [
            ("review-slow".into(), T0 + 10_000, 1, Some("throttled".into())),
            ("review-raced".into(), T0 + 10_001, 1, None),
        ],
        "still queued and committed by the cutoff, oldest first; not the delivered one, not the fresh one"
    );
    let ids = |found: Vec<app::ssr::ports::StuckDelivery>| -> Vec<String> {
        found.into_iter().map(|d| d.review_id).collect()
    };
    assert_eq!(ids(stuck(cutoff, 1).await.expect("read")), ["review-slow"]);
    assert_eq!(
        ids(stuck(T0 + 10_000, 10).await.expect("read")),
        ["review-slow"],
        "committed at the cutoff counts"
    );

    // Delivered between the sweep's reading and its notice: nothing written.
    let raced_delivered = AuditRecord::system(T0 + 60_000, Action::Delivered, None, None);
    store
        .finish_delivery(
            "review-raced",
            &DeliveryOutcome::Delivered,
            T0 + 60_000,
            Some(&raced_delivered),
        )
        .await
        .expect("finished");
    let notice = |key: &str| {
        AuditRecord::system(
            T0 + 60_000,
            Action::DeliveryStuck,
            Some(&format!("review-{key}")),
            Some(format!("{key} waited")),
        )
    };
    assert!(!store
        .notice_stuck_delivery("review-raced", cutoff, &notice("raced"))
        .await
        .expect("noticed"));
    // Too young for the cutoff it is noticed under: the store checks too.
    assert!(!store
        .notice_stuck_delivery("review-fresh", cutoff, &notice("fresh"))
        .await
        .expect("noticed"));

    assert!(store
        .notice_stuck_delivery("review-slow", cutoff, &notice("slow"))
        .await
        .expect("noticed"));
    // Once: a second sweep, a restart or another replica writes nothing.
    assert!(!store
        .notice_stuck_delivery("review-slow", cutoff + 60_000, &notice("slow"))
        .await
        .expect("noticed"));
    assert!(stuck(cutoff, 10).await.expect("read").is_empty());
    assert_eq!(
        ids(stuck(T0 + 200_000, 10).await.expect("read")),
        ["review-fresh"],
        "the fresh one in its turn"
    );

    let slow = audit_of(stores, "review-slow").await;
    assert_eq!(
        actions(&slow),
        ["delivery stuck", "approved", "received"],
        "one entry, on the stuck review"
    );
    assert_eq!(slow[0].content.detail.as_deref(), Some("slow waited"));
    assert_eq!(
        actions(&audit_of(stores, "review-raced").await),
        ["delivered", "approved", "received"]
    );
    let slow_delivery = stored(stores, "review-slow").await.delivery.expect("a row");
    assert_eq!(
        (slow_delivery.state, slow_delivery.attempts),
        (DeliveryState::Queued, 1),
        "noticing changes nothing of the delivery itself"
    );
    // The entry notifies, like every entry whose action does.
    let stuck_events: Vec<_> = stores
        .notifications
        .events_to_route(50)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.action == Action::DeliveryStuck.name())
        .map(|e| (e.review_id, e.detail))
        .collect();
    assert_eq!(
        stuck_events,
        [("review-slow".to_owned(), "slow waited".to_owned())]
    );
    assert!(verify(stores).await > 0);
}

async fn reviews_end_by_deadline_or_upstream_once(stores: &Stores) {
    let store = &stores.reviews;
    add(stores, "soon", json!({"timeoutSeconds": 60}), T0).await;
    add(stores, "later", json!({"timeoutSeconds": 600}), T0).await;
    add(stores, "never", json!({"timeoutSeconds": null}), T0).await;
    let expiry = closing(
        ReviewStatus::Expired,
        "its deadline passed",
        Action::Expired,
    );
    assert!(store
        .expire_overdue(T0 + 60_000 - 1, &expiry)
        .await
        .expect("swept")
        .is_empty());
    assert_eq!(
        store
            .expire_overdue(T0 + 60_000, &expiry)
            .await
            .expect("swept"),
        ["review-soon"]
    );
    assert!(
        store
            .expire_overdue(T0 + 60_000, &expiry)
            .await
            .expect("swept")
            .is_empty(),
        "expired once"
    );
    let soon = stored(stores, "review-soon").await;
    assert_eq!(soon.status, ReviewStatus::Expired);
    assert_eq!(soon.status_reason.as_deref(), Some("its deadline passed"));
    assert_eq!(
        actions(&audit_of(stores, "review-soon").await),
        ["expired", "received"]
    );

    let upstream = closing(
        ReviewStatus::ClosedUpstream,
        "the execution was aborted",
        Action::ClosedUpstream,
    );
    assert_eq!(
        store
            .pending_reviews_of(&execution_arn("later"))
            .await
            .expect("read"),
        ["review-later"]
    );
    assert!(store
        .close_review("review-later", &upstream, T0 + 70_000)
        .await
        .expect("closed"));
    assert!(
        !store
            .close_review("review-later", &upstream, T0 + 70_001)
            .await
            .expect("closed"),
        "closed once"
    );
    assert!(
        !store
            .close_review("review-soon", &upstream, T0 + 70_002)
            .await
            .expect("closed"),
        "an expired review is not pending"
    );
    assert!(store
        .pending_reviews_of(&execution_arn("later"))
        .await
        .expect("read")
        .is_empty());
    let later = stored(stores, "review-later").await;
    assert_eq!(later.status, ReviewStatus::ClosedUpstream);
    assert_eq!(
        later.status_reason.as_deref(),
        Some("the execution was aborted")
    );
    assert_eq!(
        actions(&audit_of(stores, "review-later").await),
        ["closed upstream", "received"]
    );
    // A review without a deadline never expires.
    assert!(store
        .expire_overdue(i64::MAX - 1, &expiry)
        .await
        .expect("swept")
        .is_empty());
    assert_eq!(
        stored(stores, "review-never").await.status,
        ReviewStatus::Pending
    );
    let review = stored(stores, "review-never").await;
    let decided = final_commit(&review, decision("user-ada", Verdict::Approve, T0 + 80_000));
    store.commit_decision(&decided).await.expect("committed");
    assert!(
        !store
            .close_review("review-never", &upstream, T0 + 80_001)
            .await
            .expect("closed"),
        "a decided review stays decided"
    );
    assert_eq!(
        stored(stores, "review-never").await.status,
        ReviewStatus::Approved
    );
}

async fn the_clock_finds_what_is_due(stores: &Stores) {
    const HEARTBEAT_LEASE_MS: i64 = 5_000;
    let store = &stores.reviews;
    add(stores, "held", json!({"heartbeatSeconds": 30}), T0).await;
    add(stores, "quiet", json!({}), T0 + 1).await;
    let now = T0 + 100_000;
    let claim = |at: i64| async move {
        store
            .claim_heartbeats(at, HEARTBEAT_LEASE_MS, 10)
            .await
            .expect("claimed")
            .into_iter()
            .map(|job| (job.review_id, job.token.expose().to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        claim(now).await,
        [("review-held".to_owned(), token("held"))]
    );
    assert!(claim(now).await.is_empty(), "held by its claim");
    assert_eq!(
        claim(now + HEARTBEAT_LEASE_MS).await.len(),
        1,
        "a claim never marked sent is due again after its lease"
    );
    let sent_at = now + HEARTBEAT_LEASE_MS;
    store
        .heartbeat_sent("review-held", sent_at)
        .await
        .expect("sent");
    assert!(claim(sent_at + 9_999).await.is_empty());
    assert_eq!(
        claim(sent_at + 10_000).await.len(),
        1,
        "due again a third of its interval later"
    );

    // A turn of no length: every claim may sweep.
    let to_check = |at: i64, checked_before: i64, limit| async move {
        store
            .claim_reviews_to_check(at, checked_before, 0, limit)
            .await
            .expect("claimed")
    };
    assert_eq!(
        to_check(now, now, 1).await,
        [("review-held".to_owned(), execution_arn("held"))],
        "never checked, oldest first"
    );
    assert_eq!(
        to_check(now, now, 10).await,
        [("review-quiet".to_owned(), execution_arn("quiet"))],
        "a claimed review counts as checked"
    );
    assert!(to_check(now, now, 10).await.is_empty());
    store.mark_checked("review-held", 0).await.expect("marked");
    assert_eq!(
        to_check(now + 1, now, 10).await,
        [("review-held".to_owned(), execution_arn("held"))],
        "marked for an early check"
    );
    assert_eq!(to_check(now + 2, now + 2, 10).await.len(), 2);

    // A turn of a second: one sweep in it, whoever asks.
    let turn = |at: i64| async move {
        store
            .claim_reviews_to_check(at, at - 5_000, 1_000, 10)
            .await
            .expect("claimed")
            .len()
    };
    assert_eq!(turn(now + 10_000).await, 2);
    store.mark_checked("review-held", 0).await.expect("marked");
    assert_eq!(turn(now + 10_999).await, 0, "within the turn");
    assert_eq!(turn(now + 11_000).await, 1, "the next turn");
}

async fn the_audit_chain_appends_verifies_and_prunes(stores: &Stores, scratch: &Path) {
    let store = &stores.reviews;
    let ada = person("user-ada", "ada@example.com");
    let bob = person("user-bob", "bob@example.com");
    assert_eq!(store.last_audit_id().await.expect("read"), 0);
    add(stores, "audited", json!({}), T0).await;
    let id = Some("review-audited");
    store
        .record(&AuditRecord::by(
            &ada,
            T0 + 1_000,
            Action::SignedIn,
            None,
            None,
        ))
        .await
        .expect("appended");
    store
        .record_all(&[
            AuditRecord::by(&ada, T0 + 2_000, Action::Viewed, id, None),
            AuditRecord::by(
                &ada,
                T0 + 2_000,
                Action::ArtefactLinkIssued,
                id,
                Some("report.html".into()),
            ),
        ])
        .await
        .expect("appended");
    let view = |actor: &Actor, at_ms| AuditRecord::by(actor, at_ms, Action::Viewed, id, None);
    for entry in [
        view(&ada, T0 + 2_500),
        view(&ada, T0 + 61_999),
        view(&bob, T0 + 3_000),
    ] {
        store
            .record_unless_recent(&entry, 60_000)
            .await
            .expect("appended");
    }
    store
        .record_unless_recent(&view(&ada, T0 + 62_000), 60_000)
        .await
        .expect("appended");
    store
        .record(&AuditRecord::system(
            T0 + 70_000,
            Action::HeartbeatFailed,
            id,
            Some("throttled".into()),
        ))
        .await
        .expect("appended");
    let decided = final_commit(
        &stored(stores, "review-audited").await,
        decision("user-bob", Verdict::Reject, T0 + 80_000),
    );
    store.commit_decision(&decided).await.expect("committed");

    let all = entries(stores, &AuditFilter::default(), None, 100).await;
    let sequence: Vec<_> = all
        .iter()
        .rev()
        .map(|e| (e.content.actor.as_str(), e.content.action.as_str()))
        .collect();
    assert_eq!(
        sequence,
        [
            ("system", "received"),
            ("ada@example.com", "signed in"),
            ("ada@example.com", "viewed"),
            ("ada@example.com", "artefact link issued"),
            ("bob@example.com", "viewed"),
            ("ada@example.com", "viewed"),
            ("system", "heartbeat failed"),
            ("bob@example.com", "rejected"),
        ],
        "repeated views within the window are not appended"
    );
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(store.last_audit_id().await.expect("read"), ids[0]);
    assert_eq!(all[0].content.review_id.as_deref(), id);
    assert_eq!(all[0].content.actor_role.as_deref(), Some("reviewer"));

    // Keyset pages: every entry once, in order.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = entries(stores, &AuditFilter::default(), before, 3).await;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        paged.extend(page.iter().map(|e| e.id));
    }
    assert_eq!(paged, ids);

    let filtered =
        |filter: AuditFilter| async move { actions(&entries(stores, &filter, None, 100).await) };
    let by_actor = |actor: &str| AuditFilter {
        actor: Some(actor.into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        filtered(by_actor("BOB@example.com")).await,
        ["rejected", "viewed"],
        "a person named in full, any case"
    );
    assert_eq!(
        filtered(by_actor("bob@")).await,
        ["rejected", "viewed"],
        "part of a name"
    );
    assert_eq!(
        filtered(by_actor("ob")).await,
        ["rejected", "viewed"],
        "two characters"
    );
    assert_eq!(
        filtered(by_actor("system")).await,
        ["heartbeat failed", "received"]
    );
    let by_action = AuditFilter {
        action: Some("viewed".into()),
        ..AuditFilter::default()
    };
    assert_eq!(filtered(by_action).await, ["viewed", "viewed", "viewed"]);
    let by_text = AuditFilter {
        text: Some("REPORT.h".into()),
        ..AuditFilter::default()
    };
    assert_eq!(filtered(by_text).await, ["artefact link issued"]);
    let short_text = AuditFilter {
        text: Some("tt".into()),
        ..AuditFilter::default()
    };
    assert_eq!(filtered(short_text).await, ["heartbeat failed"]);
    let no_match = AuditFilter {
        text: Some("%".into()),
        ..AuditFilter::default()
    };
    assert!(
        filtered(no_match).await.is_empty(),
        "% is a character, not a wildcard"
    );
    let by_model = AuditFilter {
        model: Some("churn-model".into()),
        action: Some("rejected".into()),
        ..AuditFilter::default()
    };
    assert_eq!(filtered(by_model).await, ["rejected"]);
    let shouted_model = AuditFilter {
        model: Some("CHURN-Model".into()),
        action: Some("rejected".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        filtered(shouted_model).await,
        ["rejected"],
        "a model in any case"
    );
    let decisions = AuditFilter {
        view: AuditView::Decisions,
        ..AuditFilter::default()
    };
    assert_eq!(filtered(decisions).await, ["rejected"]);
    let activity = AuditFilter {
        view: AuditView::Activity,
        ..AuditFilter::default()
    };
    assert_eq!(
        filtered(activity).await,
        ["rejected", "heartbeat failed", "received"],
        "no views, links or sign-ins"
    );
    let labelled = store
        .audit_entries(&AuditFilter::default(), None, 1)
        .await
        .expect("entries");
    let label = labelled[0].review.as_ref().expect("the review's label");
    assert_eq!(label.model_name, "churn-model");
    assert!(
        label.execution_arn.starts_with("arn:aws:states:"),
        "{label:?}"
    );
    let other_model = AuditFilter {
        model: Some("ranker".into()),
        ..AuditFilter::default()
    };
    assert!(filtered(other_model).await.is_empty());
    let by_review = AuditFilter {
        review_id: Some("review-audited".into()),
        actor: Some("ada".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        filtered(by_review).await,
        ["viewed", "artefact link issued", "viewed"]
    );
    let by_time = AuditFilter {
        from_ms: Some(T0 + 2_000),
        to_ms: Some(T0 + 70_000),
        ..AuditFilter::default()
    };
    let window = entries(stores, &by_time, None, 3).await;
    assert_eq!(
        actions(&window),
        ["viewed", "viewed", "artefact link issued"]
    );
    let rest = entries(stores, &by_time, window.last().map(|e| e.id), 3).await;
    assert_eq!(actions(&rest), ["viewed"], "from inclusive, to exclusive");

    let history: Vec<_> = store
        .history("review-audited")
        .await
        .expect("read")
        .into_iter()
        .map(|h| (h.actor, h.action))
        .collect();
    assert_eq!(
        history,
        [
            ("system".to_owned(), "received".to_owned()),
            ("system".to_owned(), "heartbeat failed".to_owned()),
            ("bob@example.com".to_owned(), "rejected".to_owned()),
        ],
        "views and links are in the audit log, not the history"
    );
    let changes: Vec<_> = store
        .review_changes_after(0, 100)
        .await
        .expect("read")
        .into_iter()
        .map(|c| (c.cursor, c.review_id, c.action))
        .collect();
    let received_id = *ids.last().expect("entries");
    assert_eq!(
        changes,
        [
            (
                received_id,
                "review-audited".to_owned(),
                "received".to_owned()
            ),
            (ids[0], "review-audited".to_owned(), "rejected".to_owned()),
        ],
        "only what changes a review"
    );
    let after_first = store
        .review_changes_after(received_id, 1)
        .await
        .expect("read");
    assert_eq!(after_first.len(), 1);
    assert_eq!(after_first[0].cursor, ids[0]);

    assert_eq!(verify(stores).await, all.len());
    let out = scratch.join("pruned.jsonl");
    let pruned = stores
        .audit
        .export_and_prune(T0 + 2_500, &out, T0 + 90_000)
        .await
        .expect("pruned")
        .expect("something to prune");
    assert_eq!(pruned.entries, 4, "everything before the cut");
    assert_eq!(pruned.through_id, ids[ids.len() - 4]);
    let exported = std::fs::read_to_string(&out).expect("the export");
    let exported: Vec<_> = exported
        .lines()
        .map(|line| parse_jsonl_line(line).expect("an entry"))
        .collect();
    let exported_ids: Vec<_> = exported.iter().map(|e| e.id).collect();
    let oldest_four: Vec<_> = ids.iter().rev().take(4).copied().collect();
    assert_eq!(exported_ids, oldest_four);
    assert_eq!(exported[3].content.action, "artefact link issued");

    let kept = entries(stores, &AuditFilter::default(), None, 100).await;
    assert_eq!(
        actions(&kept),
        [
            "checkpoint",
            "rejected",
            "heartbeat failed",
            "viewed",
            "viewed"
        ]
    );
    assert_eq!(
        verify(stores).await,
        kept.len(),
        "the rest verifies from its checkpoint"
    );
    assert!(
        stores
            .audit
            .export_and_prune(T0, &scratch.join("nothing.jsonl"), T0 + 90_001)
            .await
            .expect("pruned")
            .is_none(),
        "nothing older than the first entry"
    );
}

async fn the_queue_pages_under_every_order_and_filter(stores: &Stores) {
    // Deadlines (timeoutSeconds after ENTERED), priorities, received times
    // and failing thresholds chosen so that each order differs, with ties
    // that only the id breaks.
    let failing = json!({"metrics": {"auc": 0.9}, "thresholds": {"auc": {"min": 0.95}}});
    let passing = json!({"metrics": {"auc": 0.9}, "thresholds": {"auc": {"min": 0.85}}});
    let reviews = [
        (
            "q1",
            86_400,
            "high",
            "churn-model",
            "ml-reviewers",
            100,
            &failing,
        ),
        (
            "q7",
            86_400,
            "high",
            "churn-model",
            "ml-reviewers",
            100,
            &passing,
        ),
        (
            "q2",
            7_200,
            "normal",
            "fraud-detector",
            "risk",
            200,
            &passing,
        ),
        ("q3", 0, "urgent", "churn-model", "risk", 300, &passing),
        ("q4", 3_600, "low", "ranker", "ml-reviewers", 400, &failing),
        // Past its deadline at `now`, not yet expired by the clock.
        ("q5", 10, "normal", "ranker", "ml-reviewers", 600, &passing),
        (
            "q6",
            5_000,
            "normal",
            "churn-model",
            "ml-reviewers",
            500,
            &passing,
        ),
    ];
    for (key, timeout, priority, model, group, received, metrics) in reviews {
        let mut review = json!({
            "timeoutSeconds": (timeout > 0).then_some(timeout),
            "priority": priority,
            "model": {"name": model, "version": "1"},
            "reviewerGroup": group,
        });
        merge(&mut review, metrics);
        if key == "q2" {
            merge(&mut review, &json!({"title": "Retrain fraud detector"}));
        }
        if key == "q3" {
            merge(&mut review, &json!({"requestedBy": "ada@example.com"}));
        }
        add(stores, key, review, T0 + received).await;
    }
    let q6 = stored(stores, "review-q6").await;
    let approve = final_commit(&q6, decision("user-ada", Verdict::Approve, T0 + 900));
    stores
        .reviews
        .commit_decision(&approve)
        .await
        .expect("committed");

    let orders = [
        (QueueSort::Deadline, ["q4", "q2", "q1", "q7", "q3"]),
        (QueueSort::Priority, ["q3", "q1", "q7", "q2", "q4"]),
        (QueueSort::Newest, ["q4", "q3", "q2", "q7", "q1"]),
        (QueueSort::Oldest, ["q1", "q7", "q2", "q3", "q4"]),
    ];
    for (sort, expected) in orders {
        let query = QueueQuery {
            sort,
            ..QueueQuery::default()
        };
        assert_eq!(
            ids_in_pages_of_two(stores, query).await,
            expected,
            "{sort:?}"
        );
        // Backwards, from the end and from the last row: the same order
        // turned round (what a review page's "previous review" reads).
        let mut reversed = expected.to_vec();
        reversed.reverse();
        let backwards = QueueQuery {
            sort,
            backwards: true,
            ..QueueQuery::default()
        };
        assert_eq!(
            ids_in_pages_of_two(stores, backwards.clone()).await,
            reversed,
            "{sort:?} backwards"
        );
        let last = pending_page(
            stores,
            QueueQuery {
                sort,
                ..QueueQuery::default()
            },
        )
        .await
        .pop()
        .expect("a last row");
        let before_last = QueueQuery {
            after: Some(last.cursor(sort)),
            ..backwards.clone()
        };
        assert_eq!(
            ids_in_pages_of_two(stores, before_last.clone()).await,
            reversed[1..],
            "{sort:?} backwards from the last"
        );
        // A page of titles is the same page, read lighter.
        for page in [backwards, before_last] {
            let rows = stores
                .reviews
                .queue_page(&page, T0 + 1_000_000, 3)
                .await
                .expect("a page");
            let titles = stores
                .reviews
                .queue_titles(&page, T0 + 1_000_000, 3)
                .await
                .expect("titles");
            let as_titles: Vec<(String, String)> = rows
                .into_iter()
                .map(|row| (row.id, row.spec.title))
                .collect();
            assert_eq!(titles, as_titles, "{sort:?}");
        }
    }

    let filters: [(QueueQuery, &[&str]); 12] = [
        (
            query(|q| q.model = Some("churn-model".into())),
            &["q1", "q7", "q3"],
        ),
        (query(|q| q.group = Some("risk".into())), &["q2", "q3"]),
        (query(|q| q.priority = Some(Priority::High)), &["q1", "q7"]),
        (query(|q| q.failing_only = true), &["q4", "q1"]),
        (query(|q| q.search = Some("fraud".into())), &["q2"]),
        (query(|q| q.search = Some("FRAUD DET".into())), &["q2"]),
        (query(|q| q.search = Some("ada@".into())), &["q3"]),
        (query(|q| q.search = Some("anke".into())), &["q4"]),
        (query(|q| q.search = Some("ra".into())), &["q4", "q2"]),
        (query(|q| q.search = Some("%".into())), &[]),
        (query(|q| q.status = ReviewStatus::Approved), &["q6"]),
        (
            query(|q| {
                q.model = Some("churn-model".into());
                q.priority = Some(Priority::High);
                q.failing_only = true;
                q.sort = QueueSort::Newest;
            }),
            &["q1"],
        ),
    ];
    for (query, expected) in filters {
        assert_eq!(
            ids_in_pages_of_two(stores, query.clone()).await,
            expected,
            "{query:?}"
        );
    }
    let rows = pending_page(stores, query(|q| q.search = Some("fraud".into()))).await;
    let row = &rows[0];
    assert_eq!(row.spec.title, "Retrain fraud detector");
    assert_eq!(row.received_at_ms, T0 + 200);
    assert_eq!(row.deadline_ms, Some(T0 + 7_200_000));
    assert_eq!(row.due_at_ms, T0 + 7_200_000);
    assert_eq!(row.priority_rank, Priority::Normal.rank());
    assert_eq!(
        row.policy.as_ref().map(|p| p.reviewer_groups.clone()),
        Some(vec!["risk".to_owned()])
    );
    let never_due = pending_page(stores, query(|q| q.search = Some("ada@".into()))).await;
    assert_eq!(
        (never_due[0].deadline_ms, never_due[0].due_at_ms),
        (None, i64::MAX)
    );
}

async fn the_overview_counts_what_waits_and_what_was_decided(stores: &Stores) {
    let store = &stores.reviews;
    for (key, received, timeout) in [("o1", 100, 86_400), ("o2", 200, 86_400), ("o3", 300, 10)] {
        add(
            stores,
            key,
            json!({"timeoutSeconds": timeout}),
            T0 + received,
        )
        .await;
    }
    add(
        stores,
        "o4",
        json!({"model": {"name": "Forecast-Model", "version": "1"}, "reviewerGroup": "planners"}),
        T0 + 400,
    )
    .await;
    let o4 = stored(stores, "review-o4").await;
    let decided_at = T0 + 50_000;
    let reject = final_commit(&o4, decision("user-bob", Verdict::Reject, decided_at));
    store.commit_decision(&reject).await.expect("committed");

    let now = T0 + 60_000;
    assert_eq!(
        store.pending_count(now).await.expect("counted"),
        2,
        "o3 is past its deadline"
    );
    let all = OverviewFilter::default();
    let ages = [now - (T0 + 250), now - (T0 + 150), now - (T0 + 99)];
    assert_eq!(
        store
            .pending_at_least(now, &ages, &all)
            .await
            .expect("counted"),
        [2, 1, 0]
    );
    let oldest = store
        .oldest_pending(T0 + 250, 10, &all)
        .await
        .expect("read");
    assert_eq!(
        oldest,
        [
            ("review-o1".to_owned(), "Promote o1".to_owned(), T0 + 100),
            ("review-o2".to_owned(), "Promote o2".to_owned(), T0 + 200),
        ]
    );
    assert_eq!(
        store
            .oldest_pending(T0 + 250, 1, &all)
            .await
            .expect("read")
            .len(),
        1
    );
    // What waits is counted for the filter's model or group too, in any case.
    let model = |name: &str| OverviewFilter::new(Some(name.into()), None);
    let group = |name: &str| OverviewFilter::new(None, Some(name.into()));
    for (filter, counts, overdue) in [
        (model("CHURN-model"), [2, 1, 0], 2),
        (group("ml-REVIEWERS"), [2, 1, 0], 2),
        (model("forecast-model"), [0, 0, 0], 0),
        (group("planners"), [0, 0, 0], 0),
    ] {
        assert_eq!(
            store
                .pending_at_least(now, &ages, &filter)
                .await
                .expect("counted"),
            counts,
            "{filter:?}"
        );
        assert_eq!(
            store
                .oldest_pending(T0 + 250, 10, &filter)
                .await
                .expect("read")
                .len(),
            overdue,
            "{filter:?}"
        );
    }
    assert_eq!(
        store.decisions_since(decided_at, &all).await.expect("read"),
        [(
            "bob@example.com".to_owned(),
            "reject".to_owned(),
            decided_at
        )]
    );
    assert!(store
        .decisions_since(decided_at + 1, &all)
        .await
        .expect("read")
        .is_empty());
    let o4_decided = Decided {
        received_ms: T0 + 400,
        decided_ms: decided_at,
        approved: false,
    };
    assert_eq!(
        store.decided_since(T0, &all).await.expect("read"),
        [o4_decided]
    );
    assert!(store
        .decided_since(decided_at + 1, &all)
        .await
        .expect("read")
        .is_empty());

    // The filters match the model and the group whatever their ASCII case.
    let only = |model: Option<&str>, group: Option<&str>| {
        OverviewFilter::new(model.map(Into::into), group.map(Into::into))
    };
    for (filter, expected) in [
        (only(Some("forecast-model"), None), vec![o4_decided]),
        (only(None, Some("PLANNERS")), vec![o4_decided]),
        (
            only(Some("Forecast-Model"), Some("planners")),
            vec![o4_decided],
        ),
        (only(Some("churn-model"), None), vec![]),
        (only(Some("Forecast-Model"), Some("ml-reviewers")), vec![]),
    ] {
        assert_eq!(
            store.decided_since(T0, &filter).await.expect("read"),
            expected,
            "{filter:?}"
        );
        assert_eq!(
            store
                .decisions_since(T0, &filter)
                .await
                .expect("read")
                .len(),
            expected.len(),
            "{filter:?}"
        );
    }
    let (models, groups) = store.models_and_groups().await.expect("read");
    for (named, wanted) in [
        (&models, "Forecast-Model"),
        (&models, "churn-model"),
        (&groups, "planners"),
        (&groups, "ml-reviewers"),
    ] {
        assert!(named.contains(&wanted.to_owned()), "{wanted} in {named:?}");
    }
    assert!(models.is_sorted() && groups.is_sorted());
}

async fn sessions_and_login_attempts_round_trip(stores: &Stores) {
    let sessions = &stores.sessions;
    let ada = person("user-ada", "ada@example.com");
    let bob = person("user-bob", "bob@example.com");
    sessions
        .insert_session(&new_session("sha-ada", &ada, T0, Some("id-token-ada")))
        .await
        .expect("stored");
    sessions
        .insert_session(&new_session("sha-bob", &bob, T0 + 10, None))
        .await
        .expect("stored");
    let record = sessions
        .session("sha-ada")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(record.subject, "user-ada");
    assert_eq!(record.email.as_deref(), Some("ada@example.com"));
    assert!(record.email_verified);
    assert_eq!(record.usernames, ["user-ada"]);
    assert_eq!(record.display_name, "ada");
    assert_eq!(record.groups, ["ml-reviewers"]);
    assert_eq!((record.created_at_ms, record.last_seen_at_ms), (T0, T0));
    sessions
        .touch_session("sha-ada", T0 + 500)
        .await
        .expect("touched");
    assert_eq!(
        sessions.session_times("sha-ada").await.expect("read"),
        Some((T0, T0 + 500))
    );
    assert!(sessions
        .session("sha-nobody")
        .await
        .expect("read")
        .is_none());

    // Bob was last seen at T0 + 10: idle by T0 + 100; Ada's is still alive.
    assert_eq!(
        sessions
            .delete_sessions_ended(T0 + 100, T0 + 100)
            .await
            .expect("swept"),
        1
    );
    assert!(sessions.session("sha-bob").await.expect("read").is_none());
    assert_eq!(
        sessions
            .delete_session("sha-ada")
            .await
            .expect("ended")
            .as_deref(),
        Some("id-token-ada")
    );
    assert_eq!(
        sessions.delete_session("sha-ada").await.expect("ended"),
        None
    );
    assert!(sessions
        .session_times("sha-ada")
        .await
        .expect("read")
        .is_none());

    let attempt = |state: &str, at_ms| LoginAttempt {
        state: state.into(),
        nonce: format!("nonce-{state}"),
        pkce_verifier: format!("verifier-{state}"),
        return_to: "/reviews/review-a".into(),
        created_at_ms: at_ms,
        browser_secret_sha256: format!("browser-{state}"),
    };
    sessions
        .insert_attempt(&attempt("s1", T0))
        .await
        .expect("stored");
    sessions
        .insert_attempt(&attempt("s2", T0 + 100))
        .await
        .expect("stored");
    let taken = sessions
        .take_attempt("s1")
        .await
        .expect("read")
        .expect("there");
    assert_eq!(
        (
            taken.nonce.as_str(),
            taken.pkce_verifier.as_str(),
            taken.return_to.as_str()
        ),
        ("nonce-s1", "verifier-s1", "/reviews/review-a")
    );
    assert_eq!(taken.browser_secret_sha256, "browser-s1");
    assert_eq!(taken.created_at_ms, T0);
    assert!(
        sessions.take_attempt("s1").await.expect("read").is_none(),
        "once"
    );
    sessions
        .delete_attempts_before(T0 + 100)
        .await
        .expect("swept");
    assert!(
        sessions.take_attempt("s2").await.expect("read").is_some(),
        "not older"
    );
    sessions
        .insert_attempt(&attempt("s3", T0))
        .await
        .expect("stored");
    sessions
        .delete_attempts_before(T0 + 1)
        .await
        .expect("swept");
    assert!(sessions.take_attempt("s3").await.expect("read").is_none());
}

// ---- the story's vocabulary ----

async fn notifications_are_routed_once_and_each_sent_once(stores: &Stores) {
    let outbox = &stores.notifications;
    add(stores, "n", json!({}), T0).await;
    // A view does not notify; the arrival did, in its own transaction.
    stores
        .reviews
        .record(&AuditRecord::system(
            T0 + 1,
            Action::Viewed,
            Some("review-n"),
            None,
        ))
        .await
        .expect("recorded");
    let events = outbox.events_to_route(10).await.expect("events");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.review_id.as_str(), e.action.as_str(), e.at_ms))
            .collect::<Vec<_>>(),
        [("review-n", "received", T0)]
    );
    let arrival = events[0].audit_id;
    let team = Destination::Email {
        to: "team@example.com".into(),
    };
    let topic = Destination::Sns {
        topic_arn: "arn:aws:sns:eu-west-1:123456789012:signoff".into(),
    };
    let now = T0 + 10;
    let to = |route: &str, destination: &Destination| NewNotification {
        route: route.into(),
        destination: destination.clone(),
        send_at_ms: now,
        digest_until_ms: None,
    };
    outbox
        .route_event(arrival, &[to("team", &team), to("team", &topic)], now)
        .await
        .expect("routed");
    // Routed once: a second routing (another worker, a restart) adds nothing.
    outbox
        .route_event(arrival, &[to("other", &team)], now)
        .await
        .expect("routed again");
    assert!(outbox.events_to_route(10).await.expect("events").is_empty());

    let claimed = outbox
        .claim_notifications(now, LEASE_MS, 10)
        .await
        .expect("claimed");
    assert_eq!(
        claimed
            .iter()
            .map(|j| (
                j.route.as_str(),
                &j.destination,
                j.attempts,
                j.event.audit_id
            ))
            .collect::<Vec<_>>(),
        [("team", &team, 1, arrival), ("team", &topic, 1, arrival)]
    );
    // Held under the lease; a worker that died mid-send frees them later.
    assert!(outbox
        .claim_notifications(now + 1, LEASE_MS, 10)
        .await
        .expect("none")
        .is_empty());
    let again = outbox
        .claim_notifications(now + LEASE_MS, LEASE_MS, 10)
        .await
        .expect("claimed again");
    assert_eq!(again.iter().map(|j| j.attempts).collect::<Vec<_>>(), [2, 2]);
    let later = now + LEASE_MS;
    let chat = ChatMessageRef {
        channel: "C1".into(),
        ts: "1.000100".into(),
    };
    outbox
        .finish_notification(
            again[0].id,
            &NotificationOutcome::Sent {
                chat: Some(chat.clone()),
            },
            later,
            None,
        )
        .await
        .expect("sent");
    let retry = NotificationOutcome::Retry {
        error: "SNS is throttling".into(),
        next_attempt_at_ms: later + 5_000,
    };
    outbox
        .finish_notification(again[1].id, &retry, later, None)
        .await
        .expect("retry");
    assert!(outbox
        .claim_notifications(later + 4_999, LEASE_MS, 10)
        .await
        .expect("none")
        .is_empty());
    let retried = outbox
        .claim_notifications(later + 5_000, LEASE_MS, 10)
        .await
        .expect("due again");
    assert_eq!(
        retried
            .iter()
            .map(|j| (j.id, j.attempts))
            .collect::<Vec<_>>(),
        [(again[1].id, 3)]
    );
    let failed = NotificationOutcome::Failed {
        error: "the topic does not exist".into(),
    };
    let audit = AuditRecord::system(
        later + 5_000,
        Action::NotificationFailed,
        None,
        Some("topic".into()),
    );
    outbox
        .finish_notification(retried[0].id, &failed, later + 5_000, Some(&audit))
        .await
        .expect("failed");
    assert!(actions(&audit_of(stores, "review-n").await)
        .contains(&Action::NotificationFailed.name().into_owned()));
    assert!(outbox
        .claim_notifications(later + 60_000, LEASE_MS, 10)
        .await
        .expect("none")
        .is_empty());

    let recent = outbox.recent_notifications(10).await.expect("recent");
    assert_eq!(
        recent
            .iter()
            .map(|r| (
                r.review_id.as_str(),
                r.action.as_str(),
                &r.destination,
                r.state,
                r.attempts,
                r.last_error.as_deref()
            ))
            .collect::<Vec<_>>(),
        [
            (
                "review-n",
                "received",
                &topic,
                NotificationState::Failed,
                3,
                Some("the topic does not exist")
            ),
            (
                "review-n",
                "received",
                &team,
                NotificationState::Sent,
                2,
                None
            ),
        ]
    );
    assert_eq!(recent[1].sent_at_ms, Some(later));
    assert_eq!(
        outbox.chat_messages("review-n").await.expect("chats"),
        [chat]
    );
    assert!(outbox
        .chat_messages("review-other")
        .await
        .expect("none")
        .is_empty());

    // A digest: two arrivals to one route's window go out together, at its end.
    add(stores, "d1", json!({}), T0 + 100).await;
    add(stores, "d2", json!({}), T0 + 200).await;
    let window_end = T0 + 900_000;
    let digest = NewNotification {
        route: "busy".into(),
        destination: team.clone(),
        send_at_ms: window_end,
        digest_until_ms: Some(window_end),
    };
    for event in outbox.events_to_route(10).await.expect("events") {
        outbox
            .route_event(event.audit_id, std::slice::from_ref(&digest), now)
            .await
            .expect("routed");
    }
    assert!(outbox
        .claim_notifications(window_end - 1, LEASE_MS, 10)
        .await
        .expect("none")
        .is_empty());
    let batch = outbox
        .claim_notifications(window_end, LEASE_MS, 10)
        .await
        .expect("digest");
    assert_eq!(
        batch
            .iter()
            .map(|j| (j.event.review_id.as_str(), j.digest_until_ms))
            .collect::<Vec<_>>(),
        [
            ("review-d1", Some(window_end)),
            ("review-d2", Some(window_end))
        ]
    );
}

async fn reminder_steps_fire_once_and_never_after_the_review_ends(stores: &Stores) {
    let outbox = &stores.notifications;
    add(stores, "rm", json!({}), T0).await;
    let deadline = stored(stores, "review-rm").await.deadline_ms;
    // Never scheduled: due at once, to be scheduled.
    let due = outbox.reminders_due(T0, 10).await.expect("due");
    assert_eq!(
        due.iter()
            .map(|c| (
                c.review_id.as_str(),
                c.received_at_ms,
                c.deadline_ms,
                c.fired.len()
            ))
            .collect::<Vec<_>>(),
        [("review-rm", T0, deadline, 0)]
    );
    let schedule = |fired: &[&str], next: Option<i64>, audit: Option<AuditRecord>| ReminderSteps {
        review_id: "review-rm".into(),
        fired: fired.iter().map(|id| (*id).to_owned()).collect(),
        next_step_at_ms: next,
        audit,
    };
    let half = T0 + 43_200_000;
    assert!(outbox
        .record_reminder_steps(&schedule(&[], Some(half), None), T0)
        .await
        .expect("scheduled"));
    assert!(outbox
        .reminders_due(half - 1, 10)
        .await
        .expect("none")
        .is_empty());
    assert_eq!(outbox.reminders_due(half, 10).await.expect("due").len(), 1);
    let reminder = || {
        Some(AuditRecord::system(
            half,
            Action::ReminderDue,
            None,
            Some("reminder-50".into()),
        ))
    };
    assert!(outbox
        .record_reminder_steps(
            &schedule(&["reminder-50"], Some(half * 2), reminder()),
            half
        )
        .await
        .expect("fired"));
    // The same step again (another worker, a retried sweep): no second entry.
    assert!(outbox
        .record_reminder_steps(
            &schedule(&["reminder-50"], Some(half * 2), reminder()),
            half
        )
        .await
        .expect("recorded"));
    let reminded = actions(&audit_of(stores, "review-rm").await)
        .into_iter()
        .filter(|a| a == "reminder due")
        .count();
    assert_eq!(reminded, 1);
    assert_eq!(
        outbox
            .events_to_route(10)
            .await
            .expect("events")
            .iter()
            .filter(|e| e.action == "reminder due")
            .count(),
        1,
        "the reminder is a notification's event"
    );
    // Once the review ends, nothing more is recorded and it is never due.
    let upstream = closing(
        ReviewStatus::ClosedUpstream,
        "the execution was aborted",
        Action::ClosedUpstream,
    );
    assert!(stores
        .reviews
        .close_review("review-rm", &upstream, half + 1)
        .await
        .expect("closed"));
    assert!(!outbox
        .record_reminder_steps(&schedule(&["escalation-90"], None, reminder()), half * 2)
        .await
        .expect("refused"));
    assert!(outbox
        .reminders_due(i64::MAX, 10)
        .await
        .expect("none")
        .is_empty());
}

/// A retried or replayed interaction is seen once, even by many at once;
/// keys are forgotten once their signatures would be refused anyway.
async fn a_chat_interaction_is_acted_on_once(stores: &Stores) {
    let ledger = &stores.interactions;
    let firsts = futures::future::join_all(
        (0..20).map(|_| ledger.first_sight("block_actions:T1", 1_000, 0)),
    )
    .await;
    let firsts = firsts
        .into_iter()
        .map(|seen| seen.expect("first sight"))
        .filter(|first| *first)
        .count();
    assert_eq!(firsts, 1, "twenty copies, one first sight");
    assert!(ledger
        .first_sight("block_actions:T2", 1_000, 0)
        .await
        .expect("other"));
    assert!(!ledger
        .first_sight("block_actions:T1", 200_000, 0)
        .await
        .expect("again"));
    assert!(
        ledger
            .first_sight("block_actions:T1", 700_000, 400_000)
            .await
            .expect("forgotten"),
        "seen before the horizon: forgotten, so new again"
    );
}

async fn a_changed_review_updates_each_chat_message(stores: &Stores) {
    let outbox = &stores.notifications;
    let slack = Destination::Slack {
        channel: "C1".into(),
    };
    let to_slack = |now| NewNotification {
        route: "team".into(),
        destination: slack.clone(),
        send_at_ms: now,
        digest_until_ms: None,
    };
    let update_of = |ts: &str| Destination::ChatUpdate {
        channel: "C1".into(),
        ts: ts.into(),
    };
    let route_all = |now| async move {
        for event in outbox.events_to_route(10).await.expect("events") {
            // Routes hear only arrivals: every update below is the outbox's own.
            let notifications = if event.action == "received" {
                vec![to_slack(now)]
            } else {
                Vec::new()
            };
            outbox
                .route_event(event.audit_id, &notifications, now)
                .await
                .expect("routed");
        }
    };
    let record = |at_ms, action| async move {
        stores
            .reviews
            .record(&AuditRecord::system(at_ms, action, Some("review-c"), None))
            .await
            .expect("recorded");
    };
    let sent = |ts: &str| NotificationOutcome::Sent {
        chat: Some(ChatMessageRef {
            channel: "C1".into(),
            ts: ts.into(),
        }),
    };
    let plain_sent = NotificationOutcome::Sent { chat: None };

    // A review posted to Slack; a second one with no chat message at all.
    add(stores, "c", json!({}), T0).await;
    add(stores, "quiet", json!({}), T0).await;
    let now = T0 + 10;
    route_all(now).await;
    let posts = outbox
        .claim_notifications(now, LEASE_MS, 10)
        .await
        .expect("posts");
    assert_eq!(posts.len(), 2);
    for job in &posts {
        let ts = if job.event.review_id == "review-c" {
            "1.1"
        } else {
            // Not a chat message (an e-mail, say): nothing to update.
            outbox
                .finish_notification(job.id, &plain_sent, now, None)
                .await
                .expect("sent");
            continue;
        };
        outbox
            .finish_notification(job.id, &sent(ts), now, None)
            .await
            .expect("sent");
    }

    // A reminder changes nothing shown; an approval of two and the expiry do.
    record(T0 + 100, Action::ReminderDue).await;
    record(T0 + 200, Action::PartialApproval { have: 1, need: 2 }).await;
    let expiry = closing(
        ReviewStatus::Expired,
        "the deadline passed",
        Action::Expired,
    );
    for review in ["review-c", "review-quiet"] {
        assert!(stores
            .reviews
            .close_review(review, &expiry, T0 + 300)
            .await
            .expect("expired"));
    }
    let later = T0 + 1_000;
    route_all(later).await;
    let updates = outbox
        .claim_notifications(later, LEASE_MS, 10)
        .await
        .expect("updates");
    assert_eq!(
        updates
            .iter()
            .map(|j| (
                j.event.review_id.as_str(),
                j.event.action.as_str(),
                j.route.as_str(),
                &j.destination
            ))
            .collect::<Vec<_>>(),
        [
            ("review-c", "approval 1 of 2", "(update)", &update_of("1.1")),
            ("review-c", "expired", "(update)", &update_of("1.1")),
        ],
        "one update per changing event and message, claimed together"
    );
    // Routed once: routing the events again queues no second update.
    for job in &updates {
        outbox
            .route_event(job.event.audit_id, &[], later)
            .await
            .expect("routed again");
    }

    // Both wait out a backoff; a new change's update is due at once and
    // brings them along: one call for the message.
    let retry = NotificationOutcome::Retry {
        error: "Slack is rate limiting".into(),
        next_attempt_at_ms: later + 60_000,
    };
    for job in &updates {
        outbox
            .finish_notification(job.id, &retry, later, None)
            .await
            .expect("retry");
    }
    record(later + 1, Action::Delivered).await;
    route_all(later + 2).await;
    let together = outbox
        .claim_notifications(later + 2, LEASE_MS, 10)
        .await
        .expect("due");
    assert_eq!(
        together
            .iter()
            .map(|j| (j.event.action.as_str(), j.attempts))
            .collect::<Vec<_>>(),
        [("approval 1 of 2", 2), ("expired", 2), ("delivered", 1)]
    );
    // While they are held, the next change's update waits its turn: one
    // sender per message, each reading the review after the last.
    record(later + 3, Action::Closed).await;
    route_all(later + 4).await;
    assert!(outbox
        .claim_notifications(later + 4, LEASE_MS, 10)
        .await
        .expect("held")
        .is_empty());
    for job in &together {
        outbox
            .finish_notification(job.id, &plain_sent, later + 5, None)
            .await
            .expect("sent");
    }
    let next = outbox
        .claim_notifications(later + 5, LEASE_MS, 10)
        .await
        .expect("its turn");
    assert_eq!(
        next.iter()
            .map(|j| (j.event.action.as_str(), &j.destination))
            .collect::<Vec<_>>(),
        [("closed", &update_of("1.1"))]
    );
    outbox
        .finish_notification(next[0].id, &plain_sent, later + 6, None)
        .await
        .expect("sent");

    // The race: the arrival is being posted when the review is decided, and
    // the decision is routed before the message is recorded.
    add(stores, "race", json!({}), later).await;
    let race = later + 10;
    route_all(race).await;
    let posting = outbox
        .claim_notifications(race, LEASE_MS, 10)
        .await
        .expect("the arrival");
    assert_eq!(posting.len(), 1);
    let review = stored(stores, "review-race").await;
    stores
        .reviews
        .commit_decision(&final_commit(
            &review,
            decision("user-ana", Verdict::Approve, race + 1),
        ))
        .await
        .expect("decided");
    route_all(race + 2).await;
    assert!(
        outbox
            .claim_notifications(race + 2, LEASE_MS, 10)
            .await
            .expect("none")
            .is_empty(),
        "no message was recorded yet, so the routing queued no update"
    );
    outbox
        .finish_notification(posting[0].id, &sent("2.2"), race + 3, None)
        .await
        .expect("posted");
    let caught = outbox
        .claim_notifications(race + 3, LEASE_MS, 10)
        .await
        .expect("the update");
    assert_eq!(
        caught
            .iter()
            .map(|j| (
                j.event.review_id.as_str(),
                j.event.action.as_str(),
                &j.destination
            ))
            .collect::<Vec<_>>(),
        [("review-race", "approved", &update_of("2.2"))],
        "recording the message found the decision and queued its update"
    );
    // The same message recorded again (a retried finish) queues nothing more.
    outbox
        .finish_notification(caught[0].id, &plain_sent, race + 4, None)
        .await
        .expect("sent");
    outbox
        .finish_notification(posting[0].id, &sent("2.2"), race + 5, None)
        .await
        .expect("again");
    assert!(outbox
        .claim_notifications(race + 5, LEASE_MS, 10)
        .await
        .expect("none")
        .is_empty());

    let recent = outbox.recent_notifications(50).await.expect("recent");
    let listed: Vec<(&str, &str, &Destination, NotificationState)> = recent
        .iter()
        .filter(|r| r.route == "(update)")
        .map(|r| {
            (
                r.review_id.as_str(),
                r.action.as_str(),
                &r.destination,
                r.state,
            )
        })
        .collect();
    assert_eq!(listed.len(), 5, "{listed:?}");
    assert!(listed
        .iter()
        .all(|(_, _, _, state)| *state == NotificationState::Sent));
    assert_eq!(
        listed[0],
        (
            "review-race",
            "approved",
            &update_of("2.2"),
            NotificationState::Sent
        )
    );
}

async fn people_are_recorded_at_sign_in_and_found_by_verified_email_or_group(stores: &Stores) {
    let people = &stores.people;
    let subjects =
        |found: &[Person]| -> Vec<String> { found.iter().map(|p| p.subject.clone()).collect() };
    assert_eq!(
        people
            .person_by_verified_email("lee@example.com")
            .await
            .expect("read"),
        None,
        "nobody signed in yet"
    );
    let mut lee = person("user-lee", "Lee@Example.com");
    lee.role = Role::Reviewer;
    lee.groups = vec!["ml-reviewers".into(), "ml-leads".into()];
    people.record_sign_in(&lee, T0).await.expect("recorded");
    let found = people
        .person_by_verified_email("lee@EXAMPLE.com")
        .await
        .expect("read")
        .expect("found without regard to case");
    assert_eq!(
        found,
        Person {
            subject: "user-lee".into(),
            email: Some("Lee@Example.com".into()),
            email_verified: true,
            display_name: "Lee".into(),
            usernames: vec!["user-lee".into()],
            role: Role::Reviewer,
            groups: vec!["ml-reviewers".into(), "ml-leads".into()],
            last_seen_ms: T0,
        }
    );
    assert_eq!(found.actor(Role::Lead).role, Role::Lead);

    // A later sign-in refreshes role, groups, names and e-mail.
    lee.role = Role::Lead;
    lee.groups = vec!["ml-leads".into(), "platform".into(), "ml-leads".into()];
    lee.email = Some("lee.lead@example.com".into());
    lee.display_name = "Lee Lead".into();
    people
        .record_sign_in(&lee, T0 + 1_000)
        .await
        .expect("refreshed");
    let refreshed = people
        .person_by_verified_email("LEE.LEAD@example.com")
        .await
        .expect("read")
        .expect("by the new e-mail");
    assert_eq!(
        (
            refreshed.role,
            refreshed.groups.clone(),
            refreshed.display_name.as_str(),
            refreshed.last_seen_ms
        ),
        (
            Role::Lead,
            vec!["ml-leads".to_owned(), "platform".to_owned()],
            "Lee Lead",
            T0 + 1_000
        ),
        "a group listed twice is kept once"
    );
    assert_eq!(
        people
            .person_by_verified_email("lee@example.com")
            .await
            .expect("read"),
        None,
        "the old e-mail no longer maps to anyone"
    );
    assert!(
        people
            .people_in_group("ml-reviewers")
            .await
            .expect("read")
            .is_empty(),
        "left the group at the last sign-in"
    );

    // An unverified e-mail maps to no one and is in no group's list.
    let mut mallory = person("user-mallory", "lee.lead@example.com");
    mallory.email_verified = false;
    mallory.groups = vec!["ml-leads".into()];
    people
        .record_sign_in(&mallory, T0 + 2_000)
        .await
        .expect("recorded");
    assert_eq!(
        people
            .person_by_verified_email("lee.lead@example.com")
            .await
            .expect("read")
            .map(|p| p.subject),
        Some("user-lee".into()),
        "an unverified claim to the same address does not win"
    );
    let mut quiet = person("user-quiet", "quiet@example.com");
    quiet.email = None;
    quiet.groups = vec!["ml-leads".into()];
    people
        .record_sign_in(&quiet, T0 + 2_500)
        .await
        .expect("recorded");

    // Two people with one verified e-mail (a provider reissued a subject):
    // the most recently seen wins.
    let mut again = person("user-a-lee", "lee.lead@example.com");
    again.groups = vec!["ml-leads".into()];
    people
        .record_sign_in(&again, T0 + 3_000)
        .await
        .expect("recorded");
    let latest = |email: &'static str| async move {
        people
            .person_by_verified_email(email)
            .await
            .expect("read")
            .map(|p| p.subject)
    };
    assert_eq!(
        latest("lee.lead@example.com").await,
        Some("user-a-lee".into())
    );
    people
        .record_sign_in(&lee, T0 + 4_000)
        .await
        .expect("recorded");
    assert_eq!(
        latest("lee.lead@example.com").await,
        Some("user-lee".into())
    );

    assert_eq!(
        subjects(&people.people_in_group("ml-leads").await.expect("read")),
        ["user-lee", "user-a-lee"],
        "members with a verified e-mail only, the most recently seen first"
    );
    assert_eq!(
        subjects(&people.people_in_group("platform").await.expect("read")),
        ["user-lee"]
    );
    assert!(
        people
            .people_in_group("ML-LEADS")
            .await
            .expect("read")
            .is_empty(),
        "group names are the provider's, compared exactly"
    );
}

fn token(key: &str) -> String {
    format!("story-token-{key}")
}

fn execution_arn(key: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:story:{key}")
}

/// Sets `patch`'s fields on `target` (objects merged one level deep).
fn merge(target: &mut Value, patch: &Value) {
    if let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// A review as intake would store it: `review` overrides the defaults.
pub(super) fn new_review(key: &str, review: Value, received_at_ms: i64) -> NewReview {
    let mut spec = json!({
        "title": format!("Promote {key}"),
        "requestedBy": "ci@example.com",
        "model": {"name": "churn-model", "version": "1"},
        "metrics": {"auc": 0.9},
        "reviewerGroup": "ml-reviewers",
        "timeoutSeconds": 86_400,
    });
    merge(&mut spec, &review);
    let message = json!({
        "version": 1,
        "taskToken": token(key),
        "executionArn": execution_arn(key),
        "stateName": "RequestApproval",
        "enteredTime": ENTERED,
        "review": spec,
        "context": {"key": key},
    });
    let request = parse_review_request(&message.to_string()).expect("a valid request");
    NewReview {
        id: format!("review-{key}"),
        policy: EffectivePolicy::from_request(&request.spec),
        failing_thresholds: failing_thresholds(&request.spec),
        request,
        received_at_ms,
    }
}

pub(super) fn received(at_ms: i64) -> AuditRecord {
    AuditRecord::system(at_ms, Action::Received, None, None)
}

pub(super) async fn add(stores: &Stores, key: &str, review: Value, received_at_ms: i64) {
    let review = new_review(key, review, received_at_ms);
    let inserted = stores
        .reviews
        .insert_review(&review, &received(received_at_ms))
        .await
        .expect("stored");
    assert_eq!(inserted, Inserted::Created(review.id));
}

pub(super) async fn stored(stores: &Stores, id: &str) -> StoredReview {
    stores
        .reviews
        .review(id)
        .await
        .expect("read")
        .unwrap_or_else(|| panic!("{id} is stored"))
}

fn person(subject: &str, email: &str) -> Actor {
    let display_name = email.split('@').next().unwrap_or(email).to_owned();
    Actor {
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: true,
        usernames: vec![subject.into()],
        display_name,
        role: Role::Reviewer,
        groups: vec!["ml-reviewers".into()],
    }
}

/// A session of an hour, signed in at `at_ms`.
fn new_session<'a>(
    id_sha256: &'a str,
    actor: &'a Actor,
    at_ms: i64,
    id_token: Option<&'a str>,
) -> NewSession<'a> {
    NewSession {
        id_sha256,
        actor,
        id_token,
        created_at_ms: at_ms,
        expires_at_ms: at_ms + 3_600_000,
    }
}

pub(super) fn decision(subject: &str, verdict: Verdict, at_ms: i64) -> RecordedDecision {
    let email = format!("{}@example.com", subject.trim_start_matches("user-"));
    RecordedDecision {
        verdict,
        reviewer_subject: subject.into(),
        reviewer_label: email,
        reviewer_groups: vec!["ml-reviewers".into()],
        comment: (verdict == Verdict::Reject).then(|| "metrics regressed".into()),
        at_ms,
    }
}

/// The commit of a decision that makes `review` final.
pub(super) fn final_commit(review: &StoredReview, decision: RecordedDecision) -> DecisionCommit {
    let (status, action) = match decision.verdict {
        Verdict::Approve => (ReviewStatus::Approved, Action::Approved),
        Verdict::Reject => (ReviewStatus::Rejected, Action::Rejected),
    };
    let actor = person(&decision.reviewer_subject, &decision.reviewer_label);
    DecisionCommit {
        review_id: review.id.clone(),
        expected_version: review.version,
        audit: vec![AuditRecord::by(
            &actor,
            decision.at_ms,
            action,
            Some(&review.id),
            decision.comment.clone(),
        )],
        new_status: Some(status),
        delivery: Some(Delivery::Success {
            output: json!({"decision": action.name(), "review": review.review_json}),
        }),
        delivery_lease_ms: LEASE_MS,
        decision,
    }
}

fn closing(status: ReviewStatus, reason: &str, action: Action) -> Closing {
    Closing {
        status,
        reason: reason.into(),
        audit: AuditRecord::system(T0, action, None, Some(reason.into())),
    }
}

fn query(set: impl FnOnce(&mut QueueQuery)) -> QueueQuery {
    let mut query = QueueQuery::default();
    set(&mut query);
    query
}

/// The queue's first page at the story's `now`.
async fn pending_page(stores: &Stores, query: QueueQuery) -> Vec<app::ssr::ports::QueueRow> {
    stores
        .reviews
        .queue_page(&query, T0 + 1_000_000, 50)
        .await
        .expect("a page")
}

/// Every review the query finds, read two to a page along its cursor.
async fn ids_in_pages_of_two(stores: &Stores, mut query: QueueQuery) -> Vec<String> {
    let mut ids = Vec::new();
    // More pages than the story has reviews: a cursor that does not move on.
    for _ in 0..10 {
        let page = stores
            .reviews
            .queue_page(&query, T0 + 1_000_000, 2)
            .await
            .expect("a page");
        ids.extend(
            page.iter()
                .map(|r| r.id.trim_start_matches("review-").to_owned()),
        );
        match page.last() {
            Some(last) if page.len() == 2 => {
                query.after = Some(last.cursor(query.sort));
            }
            _ => return ids,
        }
    }
    panic!("the pages never end: {ids:?}");
}

async fn entries(
    stores: &Stores,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: u32,
) -> Vec<app::domain::audit::StoredEntry> {
    stores
        .reviews
        .audit_entries(filter, before_id, limit)
        .await
        .expect("entries")
        .into_iter()
        .map(|listing| listing.entry)
        .collect()
}

/// The review's audit entries, newest first.
async fn audit_of(stores: &Stores, review_id: &str) -> Vec<app::domain::audit::StoredEntry> {
    let filter = AuditFilter {
        review_id: Some(review_id.into()),
        ..AuditFilter::default()
    };
    entries(stores, &filter, None, 100).await
}

fn actions(entries: &[app::domain::audit::StoredEntry]) -> Vec<String> {
    entries.iter().map(|e| e.content.action.clone()).collect()
}

pub(super) async fn verify(stores: &Stores) -> usize {
    match stores.audit.verify().await.expect("read") {
        Ok(checked) => checked,
        Err(broken) => panic!("{broken}"),
    }
}

mod sqlite {
    use super::*;
    use crate::db::test_databases::{scratch, sqlite_url};

    /// The story on SQLite files, one per chapter, opened as the server
    /// opens its database: by URL, through [`crate::db::connect`].
    #[tokio::test]
    async fn sqlite_tells_the_whole_store_story() {
        let dir = scratch("story");
        let fresh = || async {
            crate::db::connect(&sqlite_url(&dir))
                .await
                .expect("a database")
        };
        tell(fresh, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod postgres {
    use super::*;
    use crate::db::test_databases::{postgres_url, scratch};

    /// The story on PostgreSQL, each chapter in a database of its own.
    #[tokio::test]
    async fn postgres_tells_the_whole_store_story() {
        let dir = scratch("story-pg");
        let fresh = || async {
            crate::db::connect(&postgres_url().await)
                .await
                .expect("a database")
        };
        tell(fresh, &dir).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
