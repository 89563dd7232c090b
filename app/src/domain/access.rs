//! Who may do what: roles from the identity provider's groups, who may decide
//! a given review, and which return paths a sign-in may land on. Pure rules,
//! re-checked by every server function that needs them.

use super::actor::{Actor, Role};
use super::decision::Verdict;
use super::identity::{compare_requester, RequesterMatch};
use super::intake::ReviewSpec;
use super::policy::EffectivePolicy;

/// Maps identity-provider groups to Signoff roles, e.g. from
/// `ml-reviewers=reviewer,ml-leads=lead`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleMap(Vec<(String, Role)>);

impl RoleMap {
    /// Parses `group=role` pairs separated by commas.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pairs = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (group, role) = pair
                .split_once('=')
                .ok_or_else(|| format!("\"{pair}\" is not group=role"))?;
            let role = role.trim();
            let role = Role::parse(role).ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role \"{role}\" ({})", known.join(", "))
            })?;
            pairs.push((group.trim().to_owned(), role));
        }
        Ok(Self(pairs))
    }

    /// The `(group, role)` pairs, in the order given.
    pub fn pairs(&self) -> &[(String, Role)] {
        &self.0
    }

    /// The highest role any of `groups` maps to; `None` when none maps.
    pub fn role_for(&self, groups: &[String]) -> Option<Role> {
        self.0
            .iter()
            .filter(|(group, _)| groups.iter().any(|g| g == group))
            .map(|(_, role)| *role)
            .max()
    }
}

/// Why someone may not decide a review; the text is what they read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAllowed {
    #[error("Your role ({0}) can view reviews but not decide them.")]
    RoleTooLow(&'static str),
    #[error("You requested this review, so someone else has to approve it.")]
    OwnRequest,
    #[error(
        "This review was requested by {0}, and your sign-in carries no verified e-mail or \
         username to compare with that name, so Signoff cannot rule out that it is you. \
         Someone else has to approve it."
    )]
    CannotTellRequester(String),
    #[error("Only members of {0} (and leads) may decide this review.")]
    NotInReviewerGroup(String),
}

/// Whether `actor` may give `verdict` on the review described by `spec`,
/// held to `policy`. Nobody approves their own request (rejecting, i.e.
/// withdrawing, it is fine), and when Signoff cannot tell whether the
/// decider is the requester, approving is refused too; the policy's
/// reviewer groups limit deciders to their members and leads.
pub fn may_decide(
    actor: &Actor,
    spec: &ReviewSpec,
    policy: &EffectivePolicy,
    verdict: Verdict,
) -> Result<(), NotAllowed> {
    if !actor.has_role(Role::Reviewer) {
        return Err(NotAllowed::RoleTooLow(actor.role.as_str()));
    }
    if let (Verdict::Approve, Some(requested_by)) = (verdict, &spec.requested_by) {
        match compare_requester(actor.known_names(), requested_by) {
            RequesterMatch::Same => return Err(NotAllowed::OwnRequest),
            RequesterMatch::CannotTell => {
                return Err(NotAllowed::CannotTellRequester(requested_by.clone()))
            }
            RequesterMatch::Different => {}
        }
    }
    let groups = &policy.reviewer_groups;
    let member = groups.iter().any(|g| actor.groups.contains(g));
    if groups.is_empty() || member || actor.has_role(Role::Lead) {
        Ok(())
    } else {
        Err(NotAllowed::NotInReviewerGroup(groups.join(" or ")))
    }
}

/// The path to return to after sign-in, if it is safe: a path on this site
/// (`/reviews/abc?x=1`), never another site (`//evil.example`,
/// `https://…`, `/\evil.example`) and nothing a browser would reinterpret.
pub fn safe_return_path(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(|c| c.is_control() || c.is_whitespace())
        && raw.len() <= 2048;
    ok.then_some(raw)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::intake::parse_review_spec;
    use serde_json::json;

    /// A signed-in person with a verified e-mail, for rules' tests.
    pub(crate) fn actor(role: Role, email: &str, groups: &[&str]) -> Actor {
        Actor {
            subject: format!("sub-{email}"),
            email: Some(email.into()),
            email_verified: true,
            usernames: Vec::new(),
            display_name: email.into(),
            role,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    fn spec(requested_by: &str, group: Option<&str>) -> ReviewSpec {
        let mut review = json!({
            "title": "t", "model": {"name": "m", "version": "1"}, "metrics": {}, "requestedBy": requested_by,
        });
        if let Some(group) = group {
            review["reviewerGroup"] = json!(group);
        }
        parse_review_spec(&review, "review").unwrap()
    }

    fn decide(actor: &Actor, spec: &ReviewSpec, verdict: Verdict) -> Result<(), NotAllowed> {
        may_decide(actor, spec, &EffectivePolicy::from_request(spec), verdict)
    }

    #[test]
    fn role_map_picks_the_highest_role() {
        let map =
            RoleMap::parse("ml-viewers=viewer, ml-reviewers=reviewer,ml-leads=lead,admins=admin")
                .unwrap();
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            map.role_for(&groups(&["ml-reviewers"])),
            Some(Role::Reviewer)
        );
        assert_eq!(
            map.role_for(&groups(&["ml-viewers", "ml-leads"])),
            Some(Role::Lead)
        );
        assert_eq!(map.role_for(&groups(&["other"])), None);
        assert_eq!(map.role_for(&[]), None);
    }

    #[test]
    fn role_map_errors_name_the_problem() {
        assert_eq!(
            RoleMap::parse("a=boss").unwrap_err(),
            "unknown role \"boss\" (viewer, reviewer, lead, admin)"
        );
        assert_eq!(RoleMap::parse("a").unwrap_err(), "\"a\" is not group=role");
        assert_eq!(RoleMap::parse("").unwrap(), RoleMap::default());
    }

    #[test]
    fn viewers_may_not_decide() {
        let refusal = decide(
            &actor(Role::Viewer, "val@x", &[]),
            &spec("ci", None),
            Verdict::Approve,
        );
        assert_eq!(refusal, Err(NotAllowed::RoleTooLow("viewer")));
        assert_eq!(
            refusal.unwrap_err().to_string(),
            "Your role (viewer) can view reviews but not decide them."
        );
    }

    #[test]
    fn nobody_approves_their_own_request() {
        let dana = actor(Role::Reviewer, "dana@example.com", &[]);
        let own = spec("DANA@example.com", None);
        assert_eq!(
            decide(&dana, &own, Verdict::Approve),
            Err(NotAllowed::OwnRequest)
        );
        assert_eq!(
            decide(&dana, &own, Verdict::Reject),
            Ok(()),
            "withdrawing is fine"
        );
        let by_subject = spec("sub-dana@example.com", None);
        assert_eq!(
            decide(&dana, &by_subject, Verdict::Approve),
            Err(NotAllowed::OwnRequest)
        );
        let lead = actor(Role::Lead, "dana@example.com", &[]);
        assert_eq!(
            decide(&lead, &own, Verdict::Approve),
            Err(NotAllowed::OwnRequest),
            "leads too"
        );
    }

    #[test]
    fn approving_fails_closed_when_the_requester_cannot_be_compared() {
        let mut noor = actor(Role::Reviewer, "unused", &[]);
        noor.email = None;
        let by_address = spec("noor@example.com", None);
        assert_eq!(
            decide(&noor, &by_address, Verdict::Approve),
            Err(NotAllowed::CannotTellRequester("noor@example.com".into()))
        );
        assert_eq!(
            decide(&noor, &by_address, Verdict::Reject),
            Ok(()),
            "rejecting is fine"
        );
        noor.usernames = vec!["noor".into()];
        assert_eq!(
            decide(&noor, &spec("noor", None), Verdict::Approve),
            Err(NotAllowed::OwnRequest)
        );
        assert_eq!(
            decide(&noor, &spec("ci-bot", None), Verdict::Approve),
            Ok(())
        );
        // An e-mail the provider says is unverified compares with nothing.
        let mut eve = actor(Role::Reviewer, "dana@example.com", &[]);
        eve.email_verified = false;
        assert_eq!(
            decide(&eve, &spec("dana@example.com", None), Verdict::Approve),
            Err(NotAllowed::CannotTellRequester("dana@example.com".into()))
        );
    }

    #[test]
    fn the_policys_groups_limit_deciders_not_the_requests() {
        let review = spec("ci", None);
        let mut policy = EffectivePolicy::from_request(&review);
        policy.reviewer_groups = vec!["ml-reviewers".into(), "fraud-reviewers".into()];
        let outsider = actor(Role::Reviewer, "eve@x", &["interns"]);
        assert_eq!(
            may_decide(&outsider, &review, &policy, Verdict::Approve),
            Err(NotAllowed::NotInReviewerGroup(
                "ml-reviewers or fraud-reviewers".into()
            ))
        );
        let member = actor(Role::Reviewer, "fay@x", &["fraud-reviewers"]);
        assert_eq!(
            may_decide(&member, &review, &policy, Verdict::Approve),
            Ok(())
        );
    }

    #[test]
    fn a_reviewer_group_limits_deciders_to_members_and_leads() {
        let review = spec("ci", Some("ml-reviewers"));
        let member = actor(Role::Reviewer, "ada@x", &["ml-reviewers"]);
        let outsider = actor(Role::Reviewer, "eve@x", &["fraud-reviewers"]);
        let lead = actor(Role::Lead, "lee@x", &["ml-leads"]);
        assert_eq!(decide(&member, &review, Verdict::Approve), Ok(()));
        assert_eq!(
            decide(&outsider, &review, Verdict::Reject),
            Err(NotAllowed::NotInReviewerGroup("ml-reviewers".into()))
        );
        assert_eq!(decide(&lead, &review, Verdict::Approve), Ok(()));
    }

    #[test]
    fn only_local_paths_are_safe_to_return_to() {
        for good in [
            "/",
            "/reviews/abc",
            "/reviews/abc?tab=history#x",
            "/intake/rejected",
        ] {
            assert_eq!(safe_return_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "reviews/abc",
            "//evil.example",
            "//evil.example/path",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/reviews\n/x",
            "/ evil",
            "javascript:alert(1)",
            "http:/evil.example",
        ] {
            assert_eq!(safe_return_path(bad), None, "{bad:?}");
        }
        assert_eq!(safe_return_path(&format!("/{}", "a".repeat(3000))), None);
    }
}
