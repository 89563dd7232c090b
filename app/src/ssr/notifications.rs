//! Notifications: events (audit entries that notify, written with what
//! caused them) are routed once into the outbox, one row per route and
//! destination; then each due row is built into a message from the
//! review's facts as they are now and sent through its channel, with
//! retries and backoff. A route naming groups writes to their members as
//! the people directory knows them when the event is routed. A digest
//! route's rows of one window go out as one message when the window
//! closes; the updates due for one chat message go out as one
//! `chat.update`, built from the review as it is then. A failure for good
//! is audited.

use super::ports::{
    AuditRecord, Channels, ChatMessageRef, NewNotification, NotificationEvent, NotificationJob,
    NotificationOutbox, NotificationOutcome, People, ReminderCandidate, ReminderSteps, SendError,
    StoreError, StoredReview,
};
use super::Services;
use crate::domain::audit_action::Action;
use crate::domain::metrics::compare;
use crate::domain::notify::digest::window_of;
use crate::domain::notify::digest_message::digest;
use crate::domain::notify::event::NotifyKind;
use crate::domain::notify::facts::ReviewFacts;
use crate::domain::notify::message::{build, for_update, OutgoingMessage};
use crate::domain::notify::route::{GroupAddresses, NotifySettings};
use crate::domain::notify::schedule::{deadline_or_target, due_now, steps, StepKind};
use crate::domain::notify::Destination;
use crate::domain::policy::EffectivePolicy;
use crate::domain::retry::backoff_ms;
use std::sync::Arc;

/// A notification is given up (failed, audited) after this many attempts.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a claimed notification is held for its sender.
const LEASE_MS: i64 = 60_000;
/// An event older than this when it is routed notifies no one: routes set
/// up today do not announce last month's arrivals. A server down for less
/// than this loses nothing.
pub const STALE_AFTER_MS: i64 = 24 * 3_600_000;

/// What notifications need besides the services: the outbox, the channels,
/// the routes, the people directory (for routes naming groups), and the
/// address links point at.
#[derive(Clone)]
pub struct Notifier {
    pub outbox: Arc<dyn NotificationOutbox>,
    pub channels: Arc<dyn Channels>,
    pub settings: Arc<NotifySettings>,
    pub people: Arc<dyn People>,
    /// `--public-url`: the deep links' origin.
    pub public_url: String,
    /// Whether Slack's Approve and Reject decide (a signing secret is set);
    /// without it messages carry only the link to the review.
    pub chat_decisions: bool,
}

impl Notifier {
    /// `message` as this server sends it: without decision buttons that
    /// would not decide.
    fn as_sent(&self, message: OutgoingMessage) -> OutgoingMessage {
        if self.chat_decisions {
            message
        } else {
            message.without_chat_decisions()
        }
    }
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NotifyReport {
    /// Reminders and escalations that fired.
    pub reminded: usize,
    pub routed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

impl NotifyReport {
    /// Whether the sweep did anything worth a log line.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl Services {
    /// Routes waiting events, then sends what is due; `batch` bounds each.
    pub async fn notify_due(
        &self,
        notifier: &Notifier,
        batch: u32,
    ) -> Result<NotifyReport, StoreError> {
        let reminded = self.remind_due(notifier, batch).await?;
        let mut report = NotifyReport {
            reminded,
            routed: self.route_events(notifier, batch).await?,
            ..NotifyReport::default()
        };
        let jobs = notifier
            .outbox
            .claim_notifications(self.clock.now_ms(), LEASE_MS, batch)
            .await?;
        for group in group_jobs(jobs) {
            let outcome = self.send_group(notifier, &group).await?;
            // The updates of one message failed as one call: audited once.
            let one_call = matches!(group[0].destination, Destination::ChatUpdate { .. });
            for job in &group {
                let (audit, tally) = self.outcome_audit(job, &outcome);
                let audit = audit.filter(|_| !one_call || job.id == group[0].id);
                match tally {
                    Tally::Sent => report.sent += 1,
                    Tally::Retrying => report.retrying += 1,
                    Tally::Failed => report.failed += 1,
                }
                let outcome = match (&outcome, job.id == group[0].id) {
                    // A chat message is remembered once, with its first row.
                    (NotificationOutcome::Sent { .. }, false) => {
                        NotificationOutcome::Sent { chat: None }
                    }
                    _ => outcome.clone(),
                };
                notifier
                    .outbox
                    .finish_notification(job.id, &outcome, self.clock.now_ms(), audit.as_ref())
                    .await?;
            }
        }
        Ok(report)
    }

    /// Fires the reminder or escalation due for each pending review (the
    /// latest step due; earlier ones it passed are recorded without a
    /// message) and schedules the next look.
    async fn remind_due(&self, notifier: &Notifier, batch: u32) -> Result<usize, StoreError> {
        let now_ms = self.clock.now_ms();
        let mut fired = 0;
        for candidate in notifier.outbox.reminders_due(now_ms, batch).await? {
            let steps = reminder_steps(
                &candidate,
                &notifier.settings,
                self.settings.review_target_ms,
                now_ms,
            );
            let fires = steps.audit.is_some();
            if notifier
                .outbox
                .record_reminder_steps(&steps, now_ms)
                .await?
                && fires
            {
                fired += 1;
            }
        }
        Ok(fired)
    }

    async fn route_events(&self, notifier: &Notifier, batch: u32) -> Result<usize, StoreError> {
        let events = notifier.outbox.events_to_route(batch).await?;
        let now_ms = self.clock.now_ms();
        for event in &events {
            let stale = now_ms.saturating_sub(event.at_ms) > STALE_AFTER_MS;
            let facts = if stale {
                None
            } else {
                self.facts(&event.review_id).await?
            };
            let notifications = match facts {
                Some(facts) => {
                    let groups = group_addresses(notifier, event, &facts).await?;
                    notifications_for(&notifier.settings, event, &facts, &groups, now_ms)
                }
                None => Vec::new(),
            };
            notifier
                .outbox
                .route_event(event.audit_id, &notifications, now_ms)
                .await?;
        }
        Ok(events.len())
    }

    /// The review's facts as they are now, or `None` if it is gone.
    async fn facts(&self, review_id: &str) -> Result<Option<ReviewFacts>, StoreError> {
        Ok(self
            .store
            .review(review_id)
            .await?
            .map(|review| facts_of(&review, self)))
    }

    /// Sends one message for a group (one notification, a digest's rows, or
    /// the updates due for one chat message).
    async fn send_group(
        &self,
        notifier: &Notifier,
        group: &[NotificationJob],
    ) -> Result<NotificationOutcome, StoreError> {
        let first = &group[0];
        let now_ms = self.clock.now_ms();
        let attempts = group.iter().map(|job| job.attempts).max().unwrap_or(0);
        let sent = match &first.destination {
            Destination::ChatUpdate { channel, ts } => {
                // Whichever events asked, the message shows the review as it
                // is now: one call, never an older state after a newer one.
                let Some(facts) = self.facts(&first.event.review_id).await? else {
                    return Ok(gone());
                };
                let chat = ChatMessageRef {
                    channel: channel.clone(),
                    ts: ts.clone(),
                };
                let message = notifier.as_sent(for_update(&facts, &notifier.public_url, now_ms));
                notifier
                    .channels
                    .update(&chat, &message)
                    .await
                    .map(|()| None)
            }
            to => {
                let mut reviews = Vec::with_capacity(group.len());
                for job in group {
                    if let Some(facts) = self.facts(&job.event.review_id).await? {
                        reviews.push(facts);
                    }
                }
                let (message, one_review) = match (first.digest_until_ms, reviews.as_slice()) {
                    (_, []) => return Ok(gone()),
                    (Some(until), _) if group.len() > 1 => {
                        let route = notifier.settings.route(&first.route);
                        let minutes = route.and_then(|r| r.digest_minutes).unwrap_or(1);
                        let window = window_of(until.saturating_sub(1), minutes);
                        (
                            digest(&reviews, window, &notifier.public_url, now_ms),
                            false,
                        )
                    }
                    (_, [facts, ..]) => (
                        notifier.as_sent(message_for(
                            &first.event,
                            facts,
                            &notifier.public_url,
                            now_ms,
                        )),
                        true,
                    ),
                };
                // A digest lists many reviews and has no buttons: it is
                // not remembered, so no review's update overwrites it.
                notifier
                    .channels
                    .send(to, &message)
                    .await
                    .map(|chat| chat.filter(|_| one_review))
            }
        };
        Ok(match sent {
            Ok(chat) => NotificationOutcome::Sent { chat },
            Err(SendError::Permanent(error)) => NotificationOutcome::Failed { error },
            Err(SendError::Transient(error)) if attempts >= MAX_ATTEMPTS => {
                NotificationOutcome::Failed {
                    error: format!("gave up after {attempts} attempts: {error}"),
                }
            }
            Err(SendError::Transient(error)) => NotificationOutcome::Retry {
                error,
                next_attempt_at_ms: now_ms
                    .saturating_add(backoff_ms(attempts, super::delivery::rand_unit())),
            },
        })
    }

    fn outcome_audit(
        &self,
        job: &NotificationJob,
        outcome: &NotificationOutcome,
    ) -> (Option<AuditRecord>, Tally) {
        match outcome {
            NotificationOutcome::Sent { .. } => (None, Tally::Sent),
            NotificationOutcome::Retry { .. } => (None, Tally::Retrying),
            NotificationOutcome::Failed { error } => (
                Some(AuditRecord::system(
                    self.clock.now_ms(),
                    Action::NotificationFailed,
                    Some(&job.event.review_id),
                    Some(format!(
                        "{} to {}: {error}",
                        job.route,
                        job.destination.label()
                    )),
                )),
                Tally::Failed,
            ),
        }
    }
}

/// What a notification about a review that is no longer stored ends as.
fn gone() -> NotificationOutcome {
    NotificationOutcome::Failed {
        error: "the review is no longer stored".into(),
    }
}

enum Tally {
    Sent,
    Retrying,
    Failed,
}

/// The review as notifications see it, from its stored row.
fn facts_of(review: &StoredReview, services: &Services) -> ReviewFacts {
    let need = review
        .policy
        .clone()
        .unwrap_or_else(|| EffectivePolicy::from_request(&review.spec))
        .required_approvals;
    ReviewFacts::pending(
        &review.id,
        &review.execution_arn,
        &review.spec,
        compare(&review.spec, &services.settings.metric_directions),
        review.deadline_ms,
        need,
    )
    .with_outcome(
        review.status,
        &review.decisions,
        review.status_reason.as_deref(),
    )
    .with_delivery(review.delivery.as_ref().map(|delivery| delivery.state))
}

/// What the schedule says for `candidate` at `now_ms`: the step that
/// fires (if one is due and has not fired), the steps it passed, and when
/// the next one is due.
fn reminder_steps(
    candidate: &ReminderCandidate,
    settings: &NotifySettings,
    review_target_ms: i64,
    now_ms: i64,
) -> ReminderSteps {
    let target_minutes = u32::try_from(review_target_ms / 60_000).unwrap_or(u32::MAX);
    let steps = deadline_or_target(
        candidate.received_at_ms,
        candidate.deadline_ms,
        target_minutes,
    )
    .map(|deadline| steps(candidate.received_at_ms, deadline, settings))
    .unwrap_or_default();
    let due = due_now(&steps, &candidate.fired, now_ms, true);
    let mut fired: Vec<String> = Vec::new();
    let mut audit = None;
    if let Some(due) = due {
        fired.extend(due.skipped.iter().map(|step| step.id.clone()));
        fired.push(due.fire.id.clone());
        let action = match due.fire.kind {
            StepKind::Reminder => Action::ReminderDue,
            StepKind::Escalation => Action::Escalated,
        };
        audit = Some(AuditRecord::system(
            now_ms,
            action,
            Some(&candidate.review_id),
            Some(due.fire.audit_detail()),
        ));
    }
    let done = |id: &String| candidate.fired.contains(id) || fired.contains(id);
    let next_step_at_ms = steps
        .iter()
        .filter(|step| !done(&step.id))
        .map(|step| step.due_ms)
        .min();
    ReminderSteps {
        review_id: candidate.review_id.clone(),
        fired,
        next_step_at_ms,
        audit,
    }
}

/// The verified e-mail addresses of the members of each group the routes
/// hearing `event` name, as the people directory has them now.
async fn group_addresses(
    notifier: &Notifier,
    event: &NotificationEvent,
    facts: &ReviewFacts,
) -> Result<GroupAddresses, StoreError> {
    let mut addresses = GroupAddresses::new();
    let Some(kind) = kind_of(event) else {
        return Ok(addresses);
    };
    for group in notifier.settings.groups_to_look_up(kind, facts) {
        let members = notifier.people.people_in_group(&group).await?;
        let emails = members
            .into_iter()
            .filter(|person| person.email_verified)
            .filter_map(|person| person.email)
            .collect();
        addresses.insert(group, emails);
    }
    Ok(addresses)
}

/// What `event` sends: one row per route and destination that hears it
/// (`groups`: the addresses of the groups its routes name); a digest
/// route's arrivals wait for their window's end.
fn notifications_for(
    settings: &NotifySettings,
    event: &NotificationEvent,
    facts: &ReviewFacts,
    groups: &GroupAddresses,
    now_ms: i64,
) -> Vec<NewNotification> {
    let Some(kind) = kind_of(event) else {
        return Vec::new();
    };
    // An arrival, reminder or escalation asks for a decision: once the
    // review has one (or has ended), it would only mislead.
    if kind.awaits_decision() && !facts.is_pending() {
        return Vec::new();
    }
    settings
        .destinations(kind, facts, groups)
        .into_iter()
        .map(|(route, destination)| {
            let digest_until_ms = settings
                .route(&route)
                .and_then(|r| r.digest_minutes)
                .filter(|_| kind == NotifyKind::Arrived)
                .map(|minutes| window_of(event.at_ms, minutes).end_ms);
            NewNotification {
                route,
                destination,
                send_at_ms: digest_until_ms.unwrap_or(now_ms),
                digest_until_ms,
            }
        })
        .collect()
}

fn kind_of(event: &NotificationEvent) -> Option<NotifyKind> {
    Action::parse(&event.action).and_then(|action| NotifyKind::of_action(&action))
}

fn message_for(
    event: &NotificationEvent,
    facts: &ReviewFacts,
    public_url: &str,
    now_ms: i64,
) -> OutgoingMessage {
    // An event whose entry was pruned still says what the review is.
    let kind = kind_of(event).unwrap_or(NotifyKind::Arrived);
    build(kind, facts, public_url, now_ms)
}

/// Claimed notifications in groups that go out as one message: a digest's
/// rows of one route, destination and window together; the updates of one
/// chat message together (several events changed the review since it was
/// last updated: one update shows them all); every other row alone. Order
/// of first appearance is kept.
fn group_jobs(jobs: Vec<NotificationJob>) -> Vec<Vec<NotificationJob>> {
    let mut groups: Vec<Vec<NotificationJob>> = Vec::new();
    for job in jobs {
        let together = |first: &NotificationJob| {
            let digest = job.digest_until_ms.is_some()
                && first.digest_until_ms == job.digest_until_ms
                && first.route == job.route;
            let update = matches!(job.destination, Destination::ChatUpdate { .. });
            (digest || update) && first.destination == job.destination
        };
        match groups.iter_mut().find(|group| together(&group[0])) {
            Some(group) => group.push(job),
            None => groups.push(vec![job]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::route::UPDATE_ROUTE;

    fn job(id: i64, route: &str, to: &str, digest_until_ms: Option<i64>) -> NotificationJob {
        NotificationJob {
            id,
            event: NotificationEvent {
                audit_id: id,
                review_id: format!("r{id}"),
                action: "received".into(),
                actor: "system".into(),
                detail: String::new(),
                at_ms: 0,
            },
            route: route.into(),
            destination: Destination::Email { to: to.into() },
            digest_until_ms,
            attempts: 1,
        }
    }

    fn ids(groups: &[Vec<NotificationJob>]) -> Vec<Vec<i64>> {
        groups
            .iter()
            .map(|g| g.iter().map(|j| j.id).collect())
            .collect()
    }

    #[test]
    fn a_digests_rows_go_together_and_the_rest_alone() {
        let jobs = vec![
            job(1, "busy", "a@x.io", Some(900)),
            job(2, "team", "a@x.io", None),
            job(3, "busy", "a@x.io", Some(900)),
            job(4, "busy", "b@x.io", Some(900)),
            job(5, "busy", "a@x.io", Some(1800)),
            job(6, "team", "a@x.io", None),
        ];
        assert_eq!(
            ids(&group_jobs(jobs)),
            [vec![1, 3], vec![2], vec![4], vec![5], vec![6]]
        );
    }

    fn update(id: i64, ts: &str) -> NotificationJob {
        NotificationJob {
            route: UPDATE_ROUTE.into(),
            destination: Destination::ChatUpdate {
                channel: "C1".into(),
                ts: ts.into(),
            },
            ..job(id, UPDATE_ROUTE, "", None)
        }
    }

    #[test]
    fn the_updates_of_one_chat_message_go_as_one() {
        let jobs = vec![
            update(1, "1.1"),
            job(2, "team", "a@x.io", None),
            update(3, "2.2"),
            update(4, "1.1"),
            job(5, "team", "a@x.io", None),
            update(6, "1.1"),
        ];
        assert_eq!(
            ids(&group_jobs(jobs)),
            [vec![1, 4, 6], vec![2], vec![3], vec![5]],
            "one call per message; e-mails are never collapsed"
        );
    }

    fn candidate(fired: &[&str]) -> ReminderCandidate {
        ReminderCandidate {
            review_id: "r1".into(),
            received_at_ms: 0,
            deadline_ms: Some(100_000),
            fired: fired.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    fn actions(steps: &ReminderSteps) -> Option<String> {
        steps.audit.as_ref().map(|entry| entry.action.clone())
    }

    #[test]
    fn reminders_fire_at_their_shares_then_the_escalation() {
        let settings = NotifySettings::default();
        let early = reminder_steps(&candidate(&[]), &settings, 0, 10_000);
        assert_eq!(
            (early.fired.len(), actions(&early), early.next_step_at_ms),
            (0, None, Some(50_000)),
            "nothing due yet: look again at 50%"
        );
        let half = reminder_steps(&candidate(&[]), &settings, 0, 50_000);
        assert_eq!(half.fired, ["reminder-50"]);
        assert_eq!(actions(&half).as_deref(), Some("reminder due"));
        assert_eq!(half.next_step_at_ms, Some(80_000));
        let late = reminder_steps(&candidate(&["reminder-50"]), &settings, 0, 95_000);
        assert_eq!(
            late.fired,
            ["reminder-80", "escalation-90"],
            "80% passed over"
        );
        assert_eq!(actions(&late).as_deref(), Some("escalated"));
        assert_eq!(late.next_step_at_ms, None, "no step left");
        let again = reminder_steps(
            &candidate(&["reminder-50", "reminder-80", "escalation-90"]),
            &settings,
            0,
            99_000,
        );
        assert_eq!((again.fired.len(), actions(&again)), (0, None));
    }

    #[test]
    fn a_review_without_a_deadline_runs_to_the_review_target() {
        let settings = NotifySettings::default();
        let open = ReminderCandidate {
            deadline_ms: None,
            ..candidate(&[])
        };
        let steps = reminder_steps(&open, &settings, 600_000, 300_000);
        assert_eq!(steps.fired, ["reminder-50"], "half of ten minutes");
        assert_eq!(steps.next_step_at_ms, Some(480_000));
    }

    #[test]
    fn an_escalation_reaches_the_group_addresses_looked_up_for_it() {
        let section = serde_json::from_value(serde_json::json!({"route": [
            {"name": "reviewers", "events": ["escalated"], "email": ["team@example.com"],
             "escalate_to": "leads"},
            {"name": "leads", "events": ["escalated"], "groups": ["ml-leads"],
             "email": ["lee@example.com"], "digest_minutes": 15},
        ]}))
        .expect("section");
        let settings = NotifySettings::new(section).expect("valid");
        let facts = crate::domain::notify::facts::fixtures::facts();
        let escalated = NotificationEvent {
            audit_id: 1,
            review_id: facts.review_id.clone(),
            action: "escalated".into(),
            actor: "system".into(),
            detail: String::new(),
            at_ms: 60_000,
        };
        let groups = GroupAddresses::from([(
            "ml-leads".to_owned(),
            vec!["Lee@example.com".to_owned(), "kim@example.com".to_owned()],
        )]);
        let rows = notifications_for(&settings, &escalated, &facts, &groups, 61_000);
        assert_eq!(
            rows.iter()
                .map(|n| (n.route.as_str(), n.destination.label(), n.send_at_ms))
                .collect::<Vec<_>>(),
            [
                ("leads", "email:lee@example.com".to_owned(), 61_000),
                ("leads", "email:kim@example.com".to_owned(), 61_000),
            ],
            "one row per address, lee once; an escalation is no digest"
        );
        let decided = ReviewFacts {
            status: crate::domain::review::ReviewStatus::Approved,
            ..facts.clone()
        };
        assert!(notifications_for(&settings, &escalated, &decided, &groups, 61_000).is_empty());
    }

    #[test]
    fn arrivals_wait_for_their_digest_and_a_decided_review_gets_no_reminder() {
        let section = serde_json::from_value(serde_json::json!({"route": [{
            "name": "busy", "email": ["team@example.com"], "digest_minutes": 15,
        }]}))
        .expect("section");
        let settings = NotifySettings::new(section).expect("valid");
        let facts = crate::domain::notify::facts::fixtures::facts();
        let event = |action: &str| NotificationEvent {
            audit_id: 1,
            review_id: facts.review_id.clone(),
            action: action.into(),
            actor: "system".into(),
            detail: String::new(),
            at_ms: 60_000,
        };
        let arrived = notifications_for(
            &settings,
            &event("received"),
            &facts,
            &GroupAddresses::new(),
            61_000,
        );
        assert_eq!(
            arrived
                .iter()
                .map(|n| (n.route.as_str(), n.send_at_ms, n.digest_until_ms))
                .collect::<Vec<_>>(),
            [("busy", 900_000, Some(900_000))]
        );
        let expired = notifications_for(
            &settings,
            &event("expired"),
            &facts,
            &GroupAddresses::new(),
            61_000,
        );
        assert_eq!(
            expired
                .iter()
                .map(|n| (n.send_at_ms, n.digest_until_ms))
                .collect::<Vec<_>>(),
            [(61_000, None)]
        );
        assert!(notifications_for(
            &settings,
            &event("viewed"),
            &facts,
            &GroupAddresses::new(),
            61_000
        )
        .is_empty());
        let decided = ReviewFacts {
            status: crate::domain::review::ReviewStatus::Approved,
            ..facts.clone()
        };
        assert!(
            notifications_for(
                &settings,
                &event("reminder due"),
                &decided,
                &GroupAddresses::new(),
                61_000
            )
            .is_empty(),
            "no reminder about a decided review"
        );
        assert_eq!(
            notifications_for(
                &settings,
                &event("expired"),
                &decided,
                &GroupAddresses::new(),
                61_000
            )
            .len(),
            1
        );
    }
}
