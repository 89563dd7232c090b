//! `signoff seed --history-days N`: reviews people decided before the demo
//! started, so the lead's overview has weeks to chart and the audit log a
//! history to read. They are written through the store with their past
//! times, as intake and a decision would write them, into a database no
//! server has opened yet (the audit chain then stays in time order). No
//! execution stands behind them and nothing is sent to Step Functions:
//! each one's context and audit entries say so.

use crate::db::Stores;
use crate::seed::samples;
use app::domain::actor::{Actor, Role};
use app::domain::audit::AuditContent;
use app::domain::audit_action::Action;
use app::domain::decision::{RecordedDecision, Verdict};
use app::domain::intake::parse_review_request;
use app::domain::metrics::failing_thresholds;
use app::domain::overview_stats::DAY_MS;
use app::domain::policy::EffectivePolicy;
use app::domain::review::ReviewStatus;
use app::ssr::ports::{Committed, DecisionCommit, Inserted, NewReview};
use serde_json::{json, Value};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// What the history's audit entries and contexts say about it.
pub const HISTORY_NOTE: &str =
    "Demo history, written by signoff seed: no execution stands behind this review";

/// How the history's review ids begin.
const ID_PREFIX: &str = "history-";

/// Who decides the history's reviews: demo users (end2end/oidc/users.json).
const DECIDERS: [(&str, &str, Role, &str); 3] = [
    (
        "user-ada",
        "ada@example.com",
        Role::Reviewer,
        "ml-reviewers",
    ),
    (
        "user-bob",
        "bob@example.com",
        Role::Reviewer,
        "ml-reviewers",
    ),
    ("user-lee", "lee@example.com", Role::Lead, "ml-leads"),
];

/// One review of the history: a copy of sample `sample` at a version of
/// its own, received and decided at these times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastReview {
    pub sample: usize,
    pub version: u32,
    pub received_ms: i64,
    pub decided_ms: i64,
    pub verdict: Verdict,
    /// Index into the deciders.
    pub decider: usize,
}

/// A number that looks arbitrary but is the same on every run, so the
/// demo's charts do too.
fn scatter(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40
}

/// The history of the `days` days before `now_ms`, oldest first: one to
/// four reviews a working day (fewer at weekends), received in working
/// hours, most decided within a few hours, some the next morning, about
/// one in six rejected. Every decision is at least an hour before now.
pub fn plan(now_ms: i64, days: u32, sample_count: usize) -> Vec<PastReview> {
    let today = now_ms - now_ms.rem_euclid(DAY_MS);
    let mut reviews = Vec::new();
    for days_ago in (1..=i64::from(days)).rev() {
        let day = today - days_ago * DAY_MS;
        // 1970-01-01 was a Thursday: day 2 and 3 of each week are the weekend.
        let weekend = matches!((day / DAY_MS).rem_euclid(7), 2 | 3);
        let count = if weekend {
            scatter(days_ago as u64) % 2
        } else {
            1 + scatter(days_ago as u64) % 4
        };
        for k in 0..count {
            let n = (days_ago as u64) * 8 + k;
            let received_ms = day + 9 * HOUR_MS + (scatter(n) % (8 * 60)) as i64 * MINUTE_MS;
            let wait_ms = match scatter(n + 1) % 10 {
                0 => 14 * HOUR_MS + (scatter(n + 2) % 180) as i64 * MINUTE_MS,
                1 => 5 * HOUR_MS + (scatter(n + 2) % 120) as i64 * MINUTE_MS,
                _ => 10 * MINUTE_MS + (scatter(n + 2) % 200) as i64 * MINUTE_MS,
            };
            let decided_ms = received_ms + wait_ms;
            if decided_ms > now_ms - HOUR_MS {
                continue;
            }
            reviews.push(PastReview {
                sample: (scatter(n + 3) % sample_count.max(1) as u64) as usize,
                version: 100 + u32::try_from(reviews.len()).unwrap_or(u32::MAX),
                received_ms,
                decided_ms,
                verdict: if scatter(n + 4).is_multiple_of(6) {
                    Verdict::Reject
                } else {
                    Verdict::Approve
                },
                decider: (scatter(n + 5) % DECIDERS.len() as u64) as usize,
            });
        }
    }
    reviews.sort_by_key(|r| r.received_ms);
    reviews
}

/// The samples the history copies: the ones people decide (not the one
/// the demo's policy approves by itself, nor the one intake refuses).
fn decided_samples() -> Vec<Value> {
    samples()
        .into_iter()
        .filter(|(slug, _)| !matches!(*slug, "embeddings-v12" | "spoofed-requester"))
        .map(|(_, sample)| sample)
        .collect()
}

/// The intake message of one past review: its sample at its own version,
/// decided by one approval.
fn message(past: &PastReview, sample: &Value, n: usize) -> Value {
    let mut review = sample["review"].clone();
    review["requiredApprovals"] = json!(1);
    // Long enough for the slowest decision of the plan: none is expired.
    review["timeoutSeconds"] = json!(24 * 3600);
    let version = past.version.to_string();
    let name = review["model"]["name"]
        .as_str()
        .unwrap_or("model")
        .to_owned();
    if let Some(title) = review["title"].as_str() {
        let old = review["model"]["version"].as_str().unwrap_or_default();
        review["title"] = json!(title.replace(&format!("v{old}"), &format!("v{version}")));
    }
    review["model"]["version"] = json!(version);
    json!({
        "version": 1,
        "taskToken": format!("demo-history-{n}"),
        "executionArn": format!(
            "arn:aws:states:us-east-1:123456789012:execution:model-release-demo:history-{name}-{version}"
        ),
        "stateName": "RequestApproval",
        "enteredTime": chrono::DateTime::from_timestamp_millis(past.received_ms)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        "review": review,
        "context": {"note": HISTORY_NOTE},
    })
}

fn decider(index: usize) -> Actor {
    let (subject, email, role, group) = DECIDERS[index % DECIDERS.len()];
    Actor {
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: true,
        usernames: Vec::new(),
        display_name: email.into(),
        role,
        groups: vec![group.into()],
    }
}

/// Writes `days` days of history before `now_ms`; returns how many
/// reviews it wrote.
pub async fn write(stores: &Stores, now_ms: i64, days: u32) -> anyhow::Result<usize> {
    let samples = decided_samples();
    let plan = plan(now_ms, days, samples.len());
    for (n, past) in plan.iter().enumerate() {
        let text = message(past, &samples[past.sample], n).to_string();
        let request = parse_review_request(&text)
            .map_err(|e| anyhow::anyhow!("history review {n} is not a valid request: {e:?}"))?;
        let id = format!("{ID_PREFIX}{n:04}");
        let new = NewReview {
            id: id.clone(),
            policy: EffectivePolicy::from_request(&request.spec),
            failing_thresholds: failing_thresholds(&request.spec),
            request,
            received_at_ms: past.received_ms,
        };
        let received = AuditContent::system(
            past.received_ms,
            Action::Received,
            None,
            Some(HISTORY_NOTE.into()),
        );
        if let Inserted::Duplicate(_) = stores.reviews.insert_review(&new, &received).await? {
            anyhow::bail!("the database already has demo history: seed it into a fresh one");
        }
        decide(stores, &id, past).await?;
    }
    quieten(stores, now_ms).await?;
    Ok(plan.len())
}

/// Marks the history's events routed to no one: nobody is to be told today
/// about reviews decided weeks ago.
async fn quieten(stores: &Stores, now_ms: i64) -> anyhow::Result<()> {
    loop {
        let events = stores.notifications.events_to_route(500).await?;
        let history: Vec<_> = events
            .iter()
            .filter(|e| e.review_id.starts_with(ID_PREFIX))
            .collect();
        if history.is_empty() {
            return Ok(());
        }
        for event in history {
            stores
                .notifications
                .route_event(event.audit_id, &[], now_ms)
                .await?;
        }
    }
}

/// Records the past review's one decision, final, with nothing to deliver.
async fn decide(stores: &Stores, id: &str, past: &PastReview) -> anyhow::Result<()> {
    let stored = stores
        .reviews
        .review(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("history review {id} was not stored"))?;
    let actor = decider(past.decider);
    let (status, action, comment) = match past.verdict {
        Verdict::Approve => (ReviewStatus::Approved, Action::Approved, None),
        Verdict::Reject => (
            ReviewStatus::Rejected,
            Action::Rejected,
            Some("Recall fell against the baseline.".to_owned()),
        ),
    };
    let detail = [comment.as_deref(), Some(HISTORY_NOTE)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let commit = DecisionCommit {
        review_id: id.to_owned(),
        expected_version: stored.version,
        decision: RecordedDecision {
            verdict: past.verdict,
            reviewer_subject: actor.subject.clone(),
            reviewer_label: actor.label().to_owned(),
            reviewer_groups: actor.groups.clone(),
            comment,
            at_ms: past.decided_ms,
        },
        new_status: Some(status),
        delivery: None,
        delivery_lease_ms: 0,
        audit: vec![AuditContent::by(
            &actor,
            past.decided_ms,
            action,
            Some(id),
            Some(detail),
        )],
    };
    match stores.reviews.commit_decision(&commit).await? {
        Committed::Recorded(_) => Ok(()),
        Committed::Conflict => anyhow::bail!("history review {id} changed while it was decided"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_600_000_000; // 2025-12-01 14:40 UTC, a Monday

    #[test]
    fn the_history_fills_the_days_before_now_in_order() {
        let plan = plan(NOW, 45, 5);
        assert!(plan.len() >= 45, "{} reviews", plan.len());
        assert!(plan
            .windows(2)
            .all(|w| w[0].received_ms <= w[1].received_ms));
        assert!(plan.iter().all(|r| r.decided_ms > r.received_ms));
        assert!(plan.iter().all(|r| r.decided_ms <= NOW - HOUR_MS));
        assert!(plan[0].received_ms >= NOW - 46 * DAY_MS);
        let days: std::collections::BTreeSet<i64> =
            plan.iter().map(|r| r.received_ms / DAY_MS).collect();
        assert!(days.len() >= 30, "spread over {} days", days.len());
    }

    #[test]
    fn the_history_has_rejections_and_late_decisions_and_is_the_same_each_run() {
        let plan = plan(NOW, 45, 5);
        let rejected = plan.iter().filter(|r| r.verdict == Verdict::Reject).count();
        assert!(rejected > 0 && rejected < plan.len() / 3, "{rejected}");
        let late = plan
            .iter()
            .filter(|r| r.decided_ms - r.received_ms > 4 * HOUR_MS)
            .count();
        assert!(late > 0 && late < plan.len() / 2, "{late}");
        assert!((0..5).all(|s| plan.iter().any(|r| r.sample == s)));
        assert_eq!(plan, super::plan(NOW, 45, 5));
        let versions: std::collections::BTreeSet<u32> = plan.iter().map(|r| r.version).collect();
        assert_eq!(versions.len(), plan.len(), "each review its own version");
    }

    #[test]
    fn a_message_is_the_sample_at_its_own_version_and_says_it_is_history() {
        let samples = decided_samples();
        assert_eq!(samples.len(), 5);
        let past = &plan(NOW, 10, samples.len())[0];
        let text = message(past, &samples[past.sample], 3).to_string();
        let request = parse_review_request(&text).expect("valid");
        assert_eq!(request.spec.model.version, past.version.to_string());
        assert!(
            request.spec.title.contains(&format!("v{}", past.version)),
            "{}",
            request.spec.title
        );
        assert_eq!(request.context["note"], HISTORY_NOTE);
        assert_eq!(request.spec.required_approvals, Some(1));
        let plan = plan(NOW, 45, samples.len());
        let slowest = plan.iter().map(|r| r.decided_ms - r.received_ms).max();
        assert!(
            slowest.unwrap() < 24 * HOUR_MS,
            "decided before the deadline"
        );
    }
}
