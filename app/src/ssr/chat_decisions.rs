//! Deciding from a chat tool: the chat tool vouches for an e-mail, the
//! people directory says which Signoff person has that verified e-mail, the
//! role map gives them their role as of now, and the one decision service
//! applies every rule. Each click, accepted or refused, ends in a sentence
//! for the clicker alone: never silence.

use super::ports::{People, StoreError};
use super::{DecideError, Services, Via};
use crate::api::DecisionReceipt;
use crate::domain::access::RoleMap;
use crate::domain::actor::{Actor, Role};
use crate::domain::decision::{normalise_comment, Verdict};
use crate::domain::notify::message::review_url;
use crate::domain::notify::text::{fit, mrkdwn};
use crate::domain::review::ReviewStatus;
use std::sync::Arc;

/// What deciding from a chat tool needs besides the services.
#[derive(Clone)]
pub struct ChatDesk {
    pub people: Arc<dyn People>,
    pub roles: Arc<RoleMap>,
    /// `--public-url`: where the clicker is sent to sign in or to look.
    pub public_url: String,
    /// The chat tool, as the decisions' audit entries name it.
    pub via: Via,
}

/// Why a click does not act as anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrecognised {
    /// The chat tool could not be asked who it was.
    Unasked,
    /// The chat tool's profile shows no e-mail (or the tool would not say).
    NoEmail,
    /// Nobody with this verified e-mail has signed in to Signoff.
    NeverSignedIn { email: String },
    /// Their groups, as of their last sign-in, give them no role now.
    NoRole,
}

/// How a click ended, to be answered to the clicker alone.
#[derive(Debug)]
pub enum ChatOutcome {
    /// The verdict was recorded; the words say what became of it.
    Decided(String),
    Unrecognised(Unrecognised),
    /// A rule refused it (the rule's own words).
    Refused(String),
    /// The reject form may open: the person may reject this pending review.
    MayReject,
    /// Something of ours failed; the text is a reference, not the cause.
    Failed(String),
}

impl ChatDesk {
    /// The Signoff person acting for `email`, with the role their groups
    /// give them now.
    pub async fn actor(&self, email: Option<&str>) -> Result<Actor, ChatLookup> {
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .ok_or(ChatLookup::Unrecognised(Unrecognised::NoEmail))?;
        let person = self
            .people
            .person_by_verified_email(email)
            .await?
            .ok_or_else(|| {
                ChatLookup::Unrecognised(Unrecognised::NeverSignedIn {
                    email: email.to_owned(),
                })
            })?;
        let role = self
            .roles
            .role_for(&person.groups)
            .ok_or(ChatLookup::Unrecognised(Unrecognised::NoRole))?;
        Ok(person.actor(role))
    }

    /// What the clicker reads about `outcome` of a click on `review_id`.
    pub fn answer(&self, outcome: &ChatOutcome, review_id: &str) -> String {
        answer_text(outcome, &self.public_url, review_id)
    }
}

/// A failed lookup of the person behind a click.
#[derive(Debug)]
pub enum ChatLookup {
    Unrecognised(Unrecognised),
    Store(StoreError),
}

impl From<StoreError> for ChatLookup {
    fn from(error: StoreError) -> Self {
        ChatLookup::Store(error)
    }
}

impl Services {
    /// Records the verdict of the person behind `email` on a review, under
    /// every rule the review page applies.
    pub async fn decide_from_chat(
        &self,
        desk: &ChatDesk,
        email: Option<&str>,
        review_id: &str,
        verdict: Verdict,
        reason: &str,
    ) -> ChatOutcome {
        let actor = match desk.actor(email).await {
            Ok(actor) => actor,
            Err(lookup) => return lookup_outcome(lookup),
        };
        match self
            .decide_via(&actor, review_id, verdict, reason, desk.via)
            .await
        {
            Ok(decided) => ChatOutcome::Decided(DecisionReceipt::from(decided).message),
            Err(DecideError::NotFound) => {
                ChatOutcome::Refused("This review no longer exists.".into())
            }
            Err(DecideError::NotAllowed(why)) => ChatOutcome::Refused(why.to_string()),
            Err(DecideError::Refused(why)) => ChatOutcome::Refused(why.to_string()),
            Err(DecideError::Store(error)) => failed(&error),
        }
    }

    /// Whether the reject form should open for the person behind `email`:
    /// someone who may reject a review that still waits. The rules are
    /// applied again when the form comes back.
    pub async fn may_reject_from_chat(
        &self,
        desk: &ChatDesk,
        email: Option<&str>,
        review_id: &str,
    ) -> ChatOutcome {
        let actor = match desk.actor(email).await {
            Ok(actor) => actor,
            Err(lookup) => return lookup_outcome(lookup),
        };
        if !actor.has_role(Role::Reviewer) {
            return ChatOutcome::Refused(
                crate::domain::access::NotAllowed::RoleTooLow(actor.role.as_str()).to_string(),
            );
        }
        match self.store.review(review_id).await {
            Ok(Some(review)) if review.status == ReviewStatus::Pending => ChatOutcome::MayReject,
            Ok(Some(review)) => ChatOutcome::Refused(
                crate::domain::decision::Refusal::NotPending {
                    status: review.status,
                    decided_by: review.decisions.last().map(|d| d.reviewer_label.clone()),
                }
                .to_string(),
            ),
            Ok(None) => ChatOutcome::Refused("This review no longer exists.".into()),
            Err(error) => failed(&error),
        }
    }
}

/// A reason given in the chat tool's reject form, or why it cannot be one
/// (shown on the form, which stays open).
pub fn reject_reason_problem(reason: &str) -> Option<String> {
    match normalise_comment(reason) {
        Ok(Some(_)) => None,
        Ok(None) => Some("A rejection needs a reason.".into()),
        Err(refusal) => Some(refusal.to_string()),
    }
}

fn lookup_outcome(lookup: ChatLookup) -> ChatOutcome {
    match lookup {
        ChatLookup::Unrecognised(why) => ChatOutcome::Unrecognised(why),
        ChatLookup::Store(error) => failed(&error),
    }
}

fn failed(error: &StoreError) -> ChatOutcome {
    let reference = uuid::Uuid::new_v4().simple().to_string();
    tracing::error!(reference = %reference, "a decision from chat failed: {error}");
    ChatOutcome::Failed(reference[..8].to_owned())
}

/// The sentence for the clicker: what happened, and where to go next.
fn answer_text(outcome: &ChatOutcome, public_url: &str, review_id: &str) -> String {
    let page = review_url(public_url, review_id);
    match outcome {
        ChatOutcome::Decided(words) => format!("{words} <{page}|Open the review>"),
        ChatOutcome::Refused(why) => format!("Not recorded: {why} <{page}|Open the review>"),
        ChatOutcome::MayReject => "Opening the reject form…".into(),
        ChatOutcome::Unrecognised(Unrecognised::Unasked) => format!(
            "Signoff could not ask Slack who you are, so nothing was decided. Try again in a \
             moment, or decide on the review page: <{page}|open the review>."
        ),
        ChatOutcome::Unrecognised(Unrecognised::NoEmail) => format!(
            "Signoff cannot tell who you are: your Slack profile shows no e-mail. Decide on the \
             review page instead: <{page}|open the review>."
        ),
        ChatOutcome::Unrecognised(Unrecognised::NeverSignedIn { email }) => format!(
            "Signoff does not know {} yet. <{}|Sign in to Signoff> once with that e-mail, then \
             click again.",
            fit(email, 200, mrkdwn),
            public_url.trim_end_matches('/')
        ),
        ChatOutcome::Unrecognised(Unrecognised::NoRole) => format!(
            "Your groups, as of your last sign-in, give you no role in Signoff. Ask an \
             administrator, or sign in again if your groups changed: <{page}|open the review>."
        ),
        ChatOutcome::Failed(reference) => format!(
            "Signoff could not record this (reference {reference}); nothing was decided. Try \
             again, or decide on the review page: <{page}|open the review>."
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ssr::ports::Person;
    use async_trait::async_trait;

    struct Directory(Vec<Person>);

    #[async_trait]
    impl People for Directory {
        async fn record_sign_in(&self, _: &Actor, _: i64) -> Result<(), StoreError> {
            Ok(())
        }
        async fn person_by_verified_email(
            &self,
            email: &str,
        ) -> Result<Option<Person>, StoreError> {
            Ok(self
                .0
                .iter()
                .find(|p| p.email_verified && p.email.as_deref() == Some(email))
                .cloned())
        }
        async fn people_in_group(&self, _: &str) -> Result<Vec<Person>, StoreError> {
            Ok(Vec::new())
        }
    }

    /// A reviewer who signed in with `groups`, as the directory keeps them.
    pub(crate) fn person(email: &str, groups: &[&str]) -> Person {
        Person {
            subject: format!("sub-{email}"),
            email: Some(email.into()),
            email_verified: true,
            display_name: email.into(),
            usernames: Vec::new(),
            role: Role::Reviewer,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            last_seen_ms: 0,
        }
    }

    fn desk() -> ChatDesk {
        ChatDesk {
            people: Arc::new(Directory(vec![
                person("ada@example.com", &["ml-reviewers"]),
                person("gone@example.com", &["old-team"]),
            ])),
            roles: Arc::new(
                RoleMap::parse("ml-reviewers=reviewer,ml-leads=lead").expect("role map"),
            ),
            public_url: "https://signoff.example.com/".into(),
            via: Via::Slack,
        }
    }

    fn unrecognised(result: Result<Actor, ChatLookup>) -> Option<Unrecognised> {
        match result {
            Err(ChatLookup::Unrecognised(why)) => Some(why),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_click_acts_as_the_person_with_that_verified_email_and_todays_role() {
        let desk = desk();
        let ada = desk.actor(Some(" ada@example.com ")).await.expect("ada");
        assert_eq!(
            (ada.subject.as_str(), ada.role),
            ("sub-ada@example.com", Role::Reviewer)
        );
        assert_eq!(
            unrecognised(desk.actor(None).await),
            Some(Unrecognised::NoEmail)
        );
        assert_eq!(
            unrecognised(desk.actor(Some("")).await),
            Some(Unrecognised::NoEmail)
        );
        assert_eq!(
            unrecognised(desk.actor(Some("eve@example.com")).await),
            Some(Unrecognised::NeverSignedIn {
                email: "eve@example.com".into()
            })
        );
        assert_eq!(
            unrecognised(desk.actor(Some("gone@example.com")).await),
            Some(Unrecognised::NoRole),
            "a group the role map no longer names gives no role"
        );
    }

    #[test]
    fn every_answer_says_what_happened_and_where_to_go() {
        let desk = desk();
        let link = "<https://signoff.example.com/reviews/r-1|";
        let refused = desk.answer(
            &ChatOutcome::Refused("A rejection needs a reason.".into()),
            "r-1",
        );
        assert!(
            refused.starts_with("Not recorded: A rejection needs a reason."),
            "{refused}"
        );
        assert!(refused.contains(link), "{refused}");
        let stranger = desk.answer(
            &ChatOutcome::Unrecognised(Unrecognised::NeverSignedIn {
                email: "<!channel>@x.io".into(),
            }),
            "r-1",
        );
        assert!(
            stranger.contains("<https://signoff.example.com|Sign in to Signoff>"),
            "{stranger}"
        );
        assert!(
            stranger.contains("&lt;!channel&gt;@x.io"),
            "escaped: {stranger}"
        );
        for outcome in [
            ChatOutcome::Decided("Approved.".into()),
            ChatOutcome::Unrecognised(Unrecognised::Unasked),
            ChatOutcome::Unrecognised(Unrecognised::NoEmail),
            ChatOutcome::Unrecognised(Unrecognised::NoRole),
            ChatOutcome::Failed("abcd1234".into()),
        ] {
            assert!(desk.answer(&outcome, "r-1").contains(link), "{outcome:?}");
        }
    }

    #[test]
    fn a_reject_form_needs_a_reason_within_the_limit() {
        assert_eq!(
            reject_reason_problem("  "),
            Some("A rejection needs a reason.".into())
        );
        assert_eq!(reject_reason_problem("Recall fell on the holdout."), None);
        assert!(
            reject_reason_problem(&"x".repeat(5000)).is_some_and(|why| why.contains("too long"))
        );
    }
}
