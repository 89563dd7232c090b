//! Who may decide a review, as its page says: each reviewer group its
//! policy names, with the people who have signed in with that group and
//! whose approval the review would take (a reviewer role or above, and not
//! the requester), and leads besides. The people are those Signoff has
//! seen, so someone who never signed in is not listed: the page says
//! "nobody has signed in with it yet" rather than suggesting the group is
//! empty.
//!
//! A group's members are remembered for a minute: they change only at
//! sign-ins, and a review page should not read the directory on every load.
//! The directory is also the sign-in's [`People`], so a sign-in here is
//! seen at once; one at another replica, within the minute.

use super::ports::{People, Person, StoreError};
use crate::api::GroupDeciders;
use crate::domain::access::may_decide;
use crate::domain::actor::Actor;
use crate::domain::decision::Verdict;
use crate::domain::intake::ReviewSpec;
use crate::domain::policy::EffectivePolicy;
use async_trait::async_trait;
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;

/// How long a group's members are remembered.
pub const KEEP_MEMBERS_FOR: Duration = Duration::from_secs(60);

/// Names listed per group at most; the rest are counted.
pub const NAMES_PER_GROUP: usize = 8;

/// Groups remembered at most.
const MAX_GROUPS: u64 = 1_000;

/// The people directory, by group, with a short memory.
pub struct GroupDirectory {
    people: Arc<dyn People>,
    members: Cache<String, Arc<Vec<Person>>>,
}

impl GroupDirectory {
    pub fn new(people: Arc<dyn People>, keep_for: Duration) -> Self {
        Self {
            people,
            members: Cache::builder()
                .max_capacity(MAX_GROUPS)
                .time_to_live(keep_for)
                .build(),
        }
    }

    /// The people who signed in with `group`, most recently seen first.
    async fn members(&self, group: &str) -> Result<Arc<Vec<Person>>, StoreError> {
        if let Some(known) = self.members.get(group).await {
            return Ok(known);
        }
        // A failure is not kept: the next page asks again.
        let members = Arc::new(self.people.people_in_group(group).await?);
        self.members.insert(group.to_owned(), members.clone()).await;
        Ok(members)
    }

    /// Each of the policy's reviewer groups with the people in it who may
    /// approve the review `spec` describes. Empty when the policy names no
    /// group (any reviewer may decide).
    pub async fn deciders(
        &self,
        spec: &ReviewSpec,
        policy: &EffectivePolicy,
    ) -> Result<Vec<GroupDeciders>, StoreError> {
        let mut groups = Vec::with_capacity(policy.reviewer_groups.len());
        for group in &policy.reviewer_groups {
            let members = self.members(group).await?;
            groups.push(group_deciders(group, &members, spec, policy));
        }
        Ok(groups)
    }
}

/// The directory itself, for sign-ins and notifications: read as stored
/// (a notification goes to whoever is in the group now); a sign-in
/// forgets the remembered groups, as it may change any of them.
#[async_trait]
impl People for GroupDirectory {
    async fn record_sign_in(&self, actor: &Actor, now_ms: i64) -> Result<(), StoreError> {
        self.people.record_sign_in(actor, now_ms).await?;
        self.members.invalidate_all();
        Ok(())
    }

    async fn person_by_verified_email(&self, email: &str) -> Result<Option<Person>, StoreError> {
        self.people.person_by_verified_email(email).await
    }

    async fn people_in_group(&self, group: &str) -> Result<Vec<Person>, StoreError> {
        self.people.people_in_group(group).await
    }
}

/// `group`'s members who may approve: named up to [`NAMES_PER_GROUP`], the
/// rest counted.
pub fn group_deciders(
    group: &str,
    members: &[Person],
    spec: &ReviewSpec,
    policy: &EffectivePolicy,
) -> GroupDeciders {
    let able: Vec<String> = members
        .iter()
        .filter(|person| {
            may_decide(&person.actor(person.role), spec, policy, Verdict::Approve).is_ok()
        })
        .map(|person| {
            person
                .email
                .clone()
                .unwrap_or_else(|| person.display_name.clone())
        })
        .collect();
    let more = able.len().saturating_sub(NAMES_PER_GROUP);
    GroupDeciders {
        group: group.to_owned(),
        people: able.into_iter().take(NAMES_PER_GROUP).collect(),
        more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actor::Role;
    use crate::domain::intake::parse_review_spec;
    use crate::ssr::chat_decisions::tests::person;
    use serde_json::json;

    fn member(email: &str, role: Role) -> Person {
        Person {
            role,
            ..person(email, &["ml-reviewers"])
        }
    }

    fn spec() -> ReviewSpec {
        parse_review_spec(
            &json!({
                "title": "t", "model": {"name": "m", "version": "1"}, "metrics": {},
                "requestedBy": "cy@example.com", "reviewerGroup": "ml-reviewers",
            }),
            "review",
        )
        .unwrap()
    }

    #[test]
    fn the_requester_and_viewers_are_not_among_those_who_can_decide() {
        let spec = spec();
        let policy = EffectivePolicy::from_request(&spec);
        let members = [
            member("ada@example.com", Role::Reviewer),
            member("cy@example.com", Role::Reviewer),
            member("val@example.com", Role::Viewer),
            member("lee@example.com", Role::Lead),
        ];
        let got = group_deciders("ml-reviewers", &members, &spec, &policy);
        assert_eq!(got.people, ["ada@example.com", "lee@example.com"]);
        assert_eq!(got.more, 0);
    }

    #[test]
    fn a_long_group_names_a_few_and_counts_the_rest() {
        let spec = spec();
        let policy = EffectivePolicy::from_request(&spec);
        let members: Vec<Person> = (0..11)
            .map(|n| member(&format!("r{n}@example.com"), Role::Reviewer))
            .collect();
        let got = group_deciders("ml-reviewers", &members, &spec, &policy);
        assert_eq!(got.people.len(), NAMES_PER_GROUP);
        assert_eq!(got.people[0], "r0@example.com", "most recently seen first");
        assert_eq!(got.more, 3);
    }

    /// A directory that counts how often it is read.
    #[derive(Default)]
    struct Counted {
        reads: std::sync::atomic::AtomicUsize,
    }

    #[async_trait]
    impl People for Counted {
        async fn record_sign_in(&self, _: &Actor, _: i64) -> Result<(), StoreError> {
            Ok(())
        }
        async fn person_by_verified_email(&self, _: &str) -> Result<Option<Person>, StoreError> {
            Ok(None)
        }
        async fn people_in_group(&self, _: &str) -> Result<Vec<Person>, StoreError> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(vec![member("ada@example.com", Role::Reviewer)])
        }
    }

    #[tokio::test]
    async fn groups_are_remembered_until_someone_signs_in() {
        let counted = Arc::new(Counted::default());
        let directory = GroupDirectory::new(counted.clone(), KEEP_MEMBERS_FOR);
        let spec = spec();
        let policy = EffectivePolicy::from_request(&spec);
        let reads = || counted.reads.load(std::sync::atomic::Ordering::SeqCst);
        for _ in 0..3 {
            let groups = directory.deciders(&spec, &policy).await.unwrap();
            assert_eq!(groups[0].people, ["ada@example.com"]);
        }
        assert_eq!(reads(), 1, "one read for three pages");
        let bob = member("bob@example.com", Role::Reviewer).actor(Role::Reviewer);
        directory.record_sign_in(&bob, 0).await.unwrap();
        directory.deciders(&spec, &policy).await.unwrap();
        assert_eq!(reads(), 2, "a sign-in may change any group");
    }
}
