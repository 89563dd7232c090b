//! Row structs as the database returns them, and their conversion into the
//! port's types. Shared by every backend so they read rows the same way.

use crate::auth::sessions::SessionRecord;
use app::domain::actor::Role;
use app::domain::decision::{RecordedDecision, Verdict};
use app::domain::intake::{parse_review_spec, ReviewSpec};
use app::domain::policy::EffectivePolicy;
use app::domain::rejected_intake::RejectedIntake as RejectedIntakeView;
use app::domain::review::{DeliveryState, ReviewStatus};
use app::ssr::ports::{DeliveryRecord, Person, QueueRow, StoreError, StoredReview};
use serde_json::Value;

fn parse_json(text: &str, what: &str, id: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{what} of {id}"), e))
}

/// The stored `review` object of review `id`, as the services read it.
fn parse_spec(text: &str, id: &str) -> Result<(ReviewSpec, Value), StoreError> {
    let json = parse_json(text, "review", id)?;
    let spec = parse_review_spec(&json, "review").map_err(|errors| {
        let why: Vec<String> = errors.iter().map(ToString::to_string).collect();
        StoreError::corrupt(format!("review {id}"), why.join("; "))
    })?;
    Ok((spec, json))
}

fn parse_policy(text: Option<&str>, id: &str) -> Result<Option<EffectivePolicy>, StoreError> {
    text.map(serde_json::from_str)
        .transpose()
        .map_err(|e| StoreError::corrupt(format!("policy of {id}"), e))
}

#[derive(sqlx::FromRow)]
pub struct ReviewRow {
    pub id: String,
    pub execution_arn: String,
    pub state_name: String,
    pub entered_at: i64,
    pub received_at: i64,
    pub deadline_at: Option<i64>,
    pub status: String,
    pub status_reason: Option<String>,
    pub version: i64,
    pub review_json: String,
    pub context_json: String,
    pub policy_json: Option<String>,
}

/// A stored review's status, or why it no longer parses.
fn parse_status(status: &str, review_id: &str) -> Result<ReviewStatus, StoreError> {
    ReviewStatus::parse(status).ok_or_else(|| {
        StoreError::corrupt(
            format!("status of {review_id}"),
            format!("unknown status {status:?}"),
        )
    })
}

impl ReviewRow {
    pub fn into_review(
        self,
        decisions: Vec<DecisionRow>,
        delivery: Option<DeliveryRow>,
    ) -> Result<StoredReview, StoreError> {
        let (spec, review_json) = parse_spec(&self.review_json, &self.id)?;
        Ok(StoredReview {
            status: parse_status(&self.status, &self.id)?,
            spec,
            review_json,
            context: parse_json(&self.context_json, "context", &self.id)?,
            policy: parse_policy(self.policy_json.as_deref(), &self.id)?,
            decisions: decisions
                .into_iter()
                .map(DecisionRow::into_decision)
                .collect::<Result<_, _>>()?,
            delivery: delivery.map(DeliveryRow::into_record).transpose()?,
            id: self.id,
            execution_arn: self.execution_arn,
            state_name: self.state_name,
            entered_at_ms: self.entered_at,
            received_at_ms: self.received_at,
            deadline_ms: self.deadline_at,
            status_reason: self.status_reason,
            version: self.version,
        })
    }
}

/// A review with its decisions and delivery as JSON, read in one statement
/// (one round trip to the connection's thread, one snapshot).
#[derive(sqlx::FromRow)]
pub struct ReviewWithParts {
    #[sqlx(flatten)]
    pub review: ReviewRow,
    /// `[{verdict, reviewer_subject, …}, …]`, oldest first.
    pub decisions_json: String,
    /// `{state, attempts, last_error, updated_at}`, when there is a delivery.
    pub delivery_json: Option<String>,
}

impl ReviewWithParts {
    pub fn into_review(self) -> Result<StoredReview, StoreError> {
        let id = &self.review.id;
        let decisions: Vec<DecisionRow> = serde_json::from_str(&self.decisions_json)
            .map_err(|e| StoreError::corrupt(format!("decisions of {id}"), e))?;
        let delivery: Option<DeliveryRow> = self
            .delivery_json
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::corrupt(format!("delivery of {id}"), e))?;
        self.review.into_review(decisions, delivery)
    }
}

#[derive(serde::Deserialize)]
pub struct DecisionRow {
    pub verdict: String,
    pub reviewer_subject: String,
    pub reviewer_label: String,
    #[serde(default)]
    pub reviewer_groups: Vec<String>,
    pub comment: Option<String>,
    pub created_at: i64,
}

impl DecisionRow {
    fn into_decision(self) -> Result<RecordedDecision, StoreError> {
        Ok(RecordedDecision {
            verdict: Verdict::parse(&self.verdict).ok_or_else(|| {
                StoreError::corrupt("decision", format!("unknown verdict {:?}", self.verdict))
            })?,
            reviewer_subject: self.reviewer_subject,
            reviewer_label: self.reviewer_label,
            reviewer_groups: self.reviewer_groups,
            comment: self.comment,
            at_ms: self.created_at,
        })
    }
}

#[derive(serde::Deserialize)]
pub struct DeliveryRow {
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

impl DeliveryRow {
    fn into_record(self) -> Result<DeliveryRecord, StoreError> {
        Ok(DeliveryRecord {
            state: DeliveryState::parse(&self.state).ok_or_else(|| {
                StoreError::corrupt("delivery", format!("unknown state {:?}", self.state))
            })?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            last_error: self.last_error,
            updated_at_ms: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct QueueRowRecord {
    pub id: String,
    pub status: String,
    pub received_at: i64,
    pub deadline_at: Option<i64>,
    pub due_at: i64,
    pub priority: i64,
    pub review_json: String,
    pub policy_json: Option<String>,
    /// A JSON array of the approvals: each approver's subject and groups.
    pub approvals: String,
}

impl QueueRowRecord {
    pub fn into_row(self) -> Result<QueueRow, StoreError> {
        let approvals = serde_json::from_str(&self.approvals)
            .map_err(|e| StoreError::corrupt(format!("approvers of review {}", self.id), e))?;
        let status = parse_status(&self.status, &self.id)?;
        Ok(QueueRow {
            spec: parse_spec(&self.review_json, &self.id)?.0,
            policy: parse_policy(self.policy_json.as_deref(), &self.id)?,
            id: self.id,
            received_at_ms: self.received_at,
            deadline_ms: self.deadline_at,
            due_at_ms: self.due_at,
            priority_rank: self.priority,
            approvals,
            status,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct RejectedIntakeRow {
    pub id: String,
    pub source: String,
    pub message_id: String,
    pub received_at: i64,
    pub receive_count: i64,
    pub reasons_json: String,
    pub execution_arn: Option<String>,
    pub redacted_body: Option<String>,
    pub workflow_notified: bool,
}

impl RejectedIntakeRow {
    pub fn into_view(self) -> Result<RejectedIntakeView, StoreError> {
        Ok(RejectedIntakeView {
            reasons: serde_json::from_str(&self.reasons_json).map_err(|e| {
                StoreError::corrupt(format!("reasons of rejected intake {}", self.id), e)
            })?,
            id: self.id,
            source: self.source,
            message_id: self.message_id,
            received_at_ms: self.received_at,
            receive_count: u32::try_from(self.receive_count).unwrap_or(u32::MAX),
            execution_arn: self.execution_arn,
            redacted_body: self.redacted_body,
            workflow_notified: self.workflow_notified,
        })
    }
}

/// An audit entry as stored, hashes included.
#[derive(sqlx::FromRow, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub actor_subject: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub review_id: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    /// The review's, from the page's join (null without a stored review;
    /// absent where only the entry is read).
    #[sqlx(default)]
    pub title: Option<String>,
    #[sqlx(default)]
    pub model_name: Option<String>,
    #[sqlx(default)]
    pub model_version: Option<String>,
    #[sqlx(default)]
    pub execution_arn: Option<String>,
}

impl AuditRow {
    pub fn into_listing(mut self) -> app::ssr::ports::AuditListing {
        let review = match (
            self.title.take(),
            self.model_name.take(),
            self.model_version.take(),
            self.execution_arn.take(),
        ) {
            (Some(title), Some(model_name), Some(model_version), Some(execution_arn)) => {
                Some(app::ssr::ports::ReviewLabel {
                    title,
                    model_name,
                    model_version,
                    execution_arn,
                })
            }
            _ => None,
        };
        app::ssr::ports::AuditListing {
            entry: self.into_entry(),
            review,
        }
    }

    pub fn into_entry(self) -> app::domain::audit::StoredEntry {
        app::domain::audit::StoredEntry {
            id: self.id,
            content: app::domain::audit::AuditContent {
                at_ms: self.at,
                actor: self.actor,
                actor_subject: self.actor_subject,
                actor_role: self.actor_role,
                action: self.action,
                review_id: self.review_id,
                detail: self.detail,
            },
            prev_hash: self.prev_hash.unwrap_or_default(),
            hash: self.hash.unwrap_or_default(),
        }
    }
}

/// A person of the directory, without their groups (rows of their own).
#[derive(sqlx::FromRow)]
pub struct PersonRow {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: String,
    pub usernames_json: String,
    pub role: String,
    pub last_seen_at: i64,
}

impl PersonRow {
    /// The person, with `groups` in the provider's order.
    pub fn into_person(self, groups: Vec<String>) -> Result<Person, StoreError> {
        let usernames = serde_json::from_str::<Vec<String>>(&self.usernames_json)
            .map_err(|e| StoreError::corrupt(format!("usernames of person {}", self.subject), e))?;
        let role = Role::parse(&self.role).ok_or_else(|| {
            StoreError::corrupt(
                format!("role of person {}", self.subject),
                format!("unknown role {:?}", self.role),
            )
        })?;
        Ok(Person {
            subject: self.subject,
            email: self.email,
            email_verified: self.email_verified,
            display_name: self.display_name,
            usernames,
            role,
            groups,
            last_seen_ms: self.last_seen_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub usernames_json: String,
    pub display_name: String,
    pub groups_json: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl SessionRow {
    pub fn into_record(self) -> Result<SessionRecord, StoreError> {
        let list = |text: &str, what: &str| {
            serde_json::from_str::<Vec<String>>(text)
                .map_err(|e| StoreError::corrupt(format!("{what} of a session"), e))
        };
        Ok(SessionRecord {
            usernames: list(&self.usernames_json, "usernames")?,
            groups: list(&self.groups_json, "groups")?,
            subject: self.subject,
            email: self.email,
            email_verified: self.email_verified,
            display_name: self.display_name,
            created_at_ms: self.created_at,
            last_seen_at_ms: self.last_seen_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(review_json: &str) -> ReviewRow {
        ReviewRow {
            id: "review-7".into(),
            execution_arn: "arn:aws:states:eu-west-1:1:execution:m:e".into(),
            state_name: "Review".into(),
            entered_at: 0,
            received_at: 0,
            deadline_at: None,
            status: "pending".into(),
            status_reason: None,
            version: 0,
            review_json: review_json.into(),
            context_json: "{}".into(),
            policy_json: None,
        }
    }

    const REVIEW: &str = r#"{"title": "Promote churn-model v42",
        "model": {"name": "churn-model", "version": "42"},
        "metrics": {"auc": 0.9}, "requestedBy": "ci@example.com", "ticket": "ML-1"}"#;

    #[test]
    fn a_stored_review_is_parsed_where_the_row_is_read() {
        let review = row(REVIEW).into_review(Vec::new(), None).expect("a review");
        assert_eq!(review.spec.title, "Promote churn-model v42");
        assert_eq!(review.spec.model.version, "42");
        // The raw object stays whole for the answer to Step Functions.
        assert_eq!(review.review_json["ticket"], "ML-1");
    }

    #[test]
    fn a_stored_review_that_no_longer_parses_is_corrupt_and_named() {
        let failed = row(r#"{"model": {"name": "m", "version": "1"}}"#)
            .into_review(Vec::new(), None)
            .expect_err("no title");
        match failed {
            StoreError::Corrupt { what, why } => {
                assert_eq!(what, "review review-7");
                assert!(why.contains("review.title"), "{why}");
            }
            other => panic!("not corrupt: {other:?}"),
        }
    }
}
