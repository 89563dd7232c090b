//! The `[notify]` section of the configuration file: when reminders and
//! the escalation fire, and the routes that say who hears about which
//! reviews (matched like `[[policy]]` rules, but every matching route
//! hears, not only the first). Who is notified is configured apart from
//! who may decide. A route may name identity-provider groups: their
//! members with a verified e-mail, as Signoff last saw them sign in, are
//! e-mailed (looked up for each event, then handed to [`NotifySettings::destinations`]).
//! The checks refuse a section that cannot work at start-up, naming every
//! problem at once.

use super::event::NotifyKind;
use super::facts::{plausible_email, ReviewFacts};
use super::Destination;
use crate::domain::policy::{rule_name_problem, Glob, Scope};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The longest digest window: a day.
pub const MAX_DIGEST_MINUTES: u32 = 1440;

/// The route name a requester's own notification goes out under.
pub const REQUESTER_ROUTE: &str = "requester";

/// The route name of an update to a posted chat message (a route's name
/// cannot hold parentheses, so no configured route shares it).
pub const UPDATE_ROUTE: &str = "(update)";

/// The longest group name a route may give.
const MAX_GROUP_CHARS: usize = 256;

/// The verified e-mail addresses of each group's members, as looked up for
/// one event (groups nobody is known in are absent or empty).
pub type GroupAddresses = BTreeMap<String, Vec<String>>;

/// The section as written (`[notify]` and its `[[notify.route]]` tables).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySection {
    /// Shares of the time from arrival to the deadline at which a pending
    /// review's routes are reminded.
    #[serde(default = "default_reminders")]
    pub reminders: Vec<f64>,
    /// The share at which a pending review escalates.
    #[serde(default = "default_escalate_at")]
    pub escalate_at: f64,
    /// A decision retrying to reach Step Functions for longer than this
    /// notifies (`delivery_stuck`).
    #[serde(default = "default_stuck_after_minutes")]
    pub stuck_after_minutes: u32,
    /// A requester whose `requestedBy` is an e-mail address hears the
    /// outcome.
    #[serde(default = "yes")]
    pub notify_requester: bool,
    #[serde(default)]
    pub route: Vec<NotifyRoute>,
}

impl Default for NotifySection {
    fn default() -> Self {
        Self {
            reminders: default_reminders(),
            escalate_at: default_escalate_at(),
            stuck_after_minutes: default_stuck_after_minutes(),
            notify_requester: true,
            route: Vec::new(),
        }
    }
}

fn default_reminders() -> Vec<f64> {
    vec![0.5, 0.8]
}

fn default_escalate_at() -> f64 {
    0.9
}

fn default_stuck_after_minutes() -> u32 {
    30
}

fn yes() -> bool {
    true
}

fn every_kind() -> Vec<NotifyKind> {
    NotifyKind::ALL.to_vec()
}

/// One `[[notify.route]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyRoute {
    /// Shown on the admin page and in the audit log; what `escalate_to` names.
    pub name: String,
    /// As a `[[policy]]` rule's: each list left out matches every review.
    #[serde(default)]
    pub state_machines: Vec<Glob>,
    #[serde(default)]
    pub models: Vec<Glob>,
    #[serde(default)]
    pub stages: Vec<Glob>,
    /// The kinds it hears about; left out: all of them.
    #[serde(default = "every_kind")]
    pub events: Vec<NotifyKind>,
    /// Slack channel ids (`C0123ABCD`) or names.
    #[serde(default)]
    pub slack: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    /// SNS topic ARNs.
    #[serde(default)]
    pub sns: Vec<String>,
    #[serde(default)]
    pub webhook: Vec<WebhookTarget>,
    /// Identity-provider groups (`ml-leads`): their members with a verified
    /// e-mail, as Signoff last saw them sign in, are e-mailed.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Arrivals batched: one message per window of this many minutes.
    pub digest_minutes: Option<u32>,
    /// Another route's name: escalations of the reviews this route covers
    /// go there instead.
    pub escalate_to: Option<String>,
}

/// A generic webhook of a route.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    pub url: String,
    /// The environment variable holding the signing secret (the file
    /// holds no secret).
    pub secret_env: String,
}

impl NotifyRoute {
    /// Which reviews it covers.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            state_machines: &self.state_machines,
            models: &self.models,
            stages: &self.stages,
        }
    }

    /// Whether it hears about `kind` for the review of `facts`.
    pub fn hears(&self, kind: NotifyKind, facts: &ReviewFacts) -> bool {
        self.events.contains(&kind)
            && self.scope().covers(
                facts.state_machine.as_ref(),
                &facts.model.name,
                facts.model.stage.as_deref(),
            )
    }

    /// In words, for the settings page: which reviews, which events, where
    /// it sends (a webhook without its query, which may hold a key), and
    /// how (groups, digest, escalation).
    pub fn describe(&self) -> String {
        let events: Vec<&str> = self.events.iter().map(|kind| kind.as_str()).collect();
        let mut to: Vec<String> = self.destinations().iter().map(Destination::label).collect();
        to.extend(self.groups.iter().map(|group| format!("group {group}")));
        let mut how = Vec::new();
        if let Some(minutes) = self.digest_minutes {
            how.push(format!("one digest every {minutes} min"));
        }
        if let Some(route) = &self.escalate_to {
            how.push(format!("escalates to {route}"));
        }
        let how = if how.is_empty() {
            String::new()
        } else {
            format!("; {}", how.join(", "))
        };
        format!(
            "{} → {}: {}{how}",
            self.scope().describe(),
            events.join(", "),
            to.join(", ")
        )
    }

    /// Every destination, in the order written: Slack, e-mail, SNS, webhooks.
    pub fn destinations(&self) -> Vec<Destination> {
        let slack = self.slack.iter().map(|channel| Destination::Slack {
            channel: channel.clone(),
        });
        let email = self
            .email
            .iter()
            .map(|to| Destination::Email { to: to.clone() });
        let sns = self.sns.iter().map(|arn| Destination::Sns {
            topic_arn: arn.clone(),
        });
        let webhook = self.webhook.iter().map(|hook| Destination::Webhook {
            url: hook.url.clone(),
            secret_env: hook.secret_env.clone(),
        });
        slack.chain(email).chain(sns).chain(webhook).collect()
    }
}

/// The section, checked: what the reminder schedule, the stuck-delivery
/// check and the router read. Its default is a file without `[notify]`:
/// reminders at 50% and 80%, escalation at 90%, stuck after 30 minutes,
/// requesters told, no routes.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {
    section: NotifySection,
}

impl NotifySettings {
    /// Checks the section as a whole; every problem is named at once.
    pub fn new(section: NotifySection) -> Result<Self, Vec<String>> {
        let mut problems = timing_problems(&section);
        for (index, route) in section.route.iter().enumerate() {
            let at = format!("notify.route {} ({:?})", index + 1, route.name);
            let mut found = route_problems(route);
            if section.route[..index].iter().any(|r| r.name == route.name) {
                found.push("another route has this name".to_owned());
            }
            if route.name == REQUESTER_ROUTE {
                found.push(format!(
                    "the name \"{REQUESTER_ROUTE}\" is kept for the requester's own notices"
                ));
            }
            match &route.escalate_to {
                Some(target) if *target == route.name => {
                    found.push("escalate_to names the route itself".to_owned())
                }
                Some(target) if !section.route.iter().any(|r| r.name == *target) => {
                    found.push(format!("escalate_to names no route: {target:?}"))
                }
                _ => {}
            }
            problems.extend(found.into_iter().map(|p| format!("{at}: {p}")));
        }
        if problems.is_empty() {
            Ok(Self { section })
        } else {
            Err(problems)
        }
    }

    pub fn reminders(&self) -> &[f64] {
        &self.section.reminders
    }

    pub fn escalate_at(&self) -> f64 {
        self.section.escalate_at
    }

    /// How long a delivery may retry before it counts as stuck.
    pub fn stuck_after_ms(&self) -> i64 {
        i64::from(self.section.stuck_after_minutes) * 60_000
    }

    pub fn notify_requester(&self) -> bool {
        self.section.notify_requester
    }

    /// The reminder schedule in words, for the settings page.
    pub fn describe_schedule(&self) -> String {
        let share = |share: &f64| format!("{}%", (share * 100.0).round());
        let reminders: Vec<String> = self.reminders().iter().map(share).collect();
        let reminders = if reminders.is_empty() {
            "no reminders".to_owned()
        } else {
            format!("reminders at {}", reminders.join(" and "))
        };
        format!(
            "{reminders} of a review's time to its deadline, escalation at {}; a delivery retrying for {} min notifies",
            share(&self.escalate_at()),
            self.section.stuck_after_minutes
        )
    }

    pub fn routes(&self) -> &[NotifyRoute] {
        &self.section.route
    }

    pub fn route(&self, name: &str) -> Option<&NotifyRoute> {
        self.section.route.iter().find(|r| r.name == name)
    }

    /// The routes that hear about `kind` for the review of `facts`, each
    /// once: every route that covers the review and hears `kind`, or for
    /// an escalation the route's `escalate_to` when it names one.
    fn targets(&self, kind: NotifyKind, facts: &ReviewFacts) -> Vec<&NotifyRoute> {
        let mut targets: Vec<&NotifyRoute> = Vec::new();
        for route in self.routes().iter().filter(|r| r.hears(kind, facts)) {
            let target = match (&route.escalate_to, kind) {
                (Some(name), NotifyKind::Escalated) => self.route(name).unwrap_or(route),
                _ => route,
            };
            if !targets.iter().any(|t| t.name == target.name) {
                targets.push(target);
            }
        }
        targets
    }

    /// The groups whose members' addresses [`Self::destinations`] needs for
    /// `kind` and the review of `facts`, each once.
    pub fn groups_to_look_up(&self, kind: NotifyKind, facts: &ReviewFacts) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for group in self.targets(kind, facts).iter().flat_map(|t| &t.groups) {
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        groups
    }

    /// Who hears about `kind` for the review of `facts`, as (route name,
    /// destination) pairs, each pair once (e-mail addresses compared
    /// without regard to case): every route that covers the review and
    /// hears `kind`, with the addresses of its groups' members from
    /// `groups`; an escalation goes to a route's `escalate_to` instead of
    /// the route when it names one; a final decision also goes to the
    /// requester's address (route `requester`) when `notify_requester` is
    /// on.
    pub fn destinations(
        &self,
        kind: NotifyKind,
        facts: &ReviewFacts,
        groups: &GroupAddresses,
    ) -> Vec<(String, Destination)> {
        let mut out: Vec<(String, Destination)> = Vec::new();
        let mut add = |route: &str, destination: Destination| {
            if !out
                .iter()
                .any(|(r, d)| r == route && same_destination(d, &destination))
            {
                out.push((route.to_owned(), destination));
            }
        };
        for target in self.targets(kind, facts) {
            for destination in target.destinations() {
                add(&target.name, destination);
            }
            let members = target
                .groups
                .iter()
                .filter_map(|group| groups.get(group))
                .flatten()
                .filter(|address| plausible_email(address));
            for to in members {
                add(&target.name, Destination::Email { to: to.clone() });
            }
        }
        if kind == NotifyKind::Decided && !facts.is_pending() && self.notify_requester() {
            if let Some(to) = facts.requester_email() {
                add(REQUESTER_ROUTE, Destination::Email { to: to.to_owned() });
            }
        }
        out
    }
}

/// Whether two destinations are one: e-mail addresses compared without
/// regard to case (a person's address as the provider spells it may differ
/// from the route's), everything else exactly.
fn same_destination(a: &Destination, b: &Destination) -> bool {
    match (a, b) {
        (Destination::Email { to: x }, Destination::Email { to: y }) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// What stops start-up when routes name groups but nothing can e-mail
/// their members: `email_configured` is whether `--smtp-url` and
/// `--email-from` are given.
pub fn group_email_problem(settings: &NotifySettings, email_configured: bool) -> Option<String> {
    let named: Vec<&str> = settings
        .routes()
        .iter()
        .filter(|r| !r.groups.is_empty())
        .map(|r| r.name.as_str())
        .collect();
    (!named.is_empty() && !email_configured).then(|| {
        format!(
            "notify.route {named:?} names groups, whose members are e-mailed, but e-mail is not \
             configured: start Signoff with --smtp-url (SIGNOFF_SMTP_URL) and --email-from \
             (SIGNOFF_EMAIL_FROM), or leave groups out"
        )
    })
}

fn timing_problems(section: &NotifySection) -> Vec<String> {
    let mut problems = Vec::new();
    let reminders = &section.reminders;
    if reminders
        .iter()
        .any(|share| !(*share > 0.0 && *share < 1.0))
    {
        problems.push("notify.reminders: each share must be between 0 and 1 (0.5 is half the time to the deadline)".to_owned());
    }
    if reminders.windows(2).any(|pair| pair[0] >= pair[1]) {
        problems.push("notify.reminders: the shares must ascend (0.5, 0.8)".to_owned());
    }
    let ids: Vec<String> = reminders
        .iter()
        .map(|s| super::schedule::percent(*s))
        .collect();
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        problems.push(
            "notify.reminders: two shares are closer than a hundredth of a percent".to_owned(),
        );
    }
    let escalate_at = section.escalate_at;
    if !(escalate_at > 0.0 && escalate_at <= 1.0) {
        problems.push("notify.escalate_at must be above 0 and at most 1".to_owned());
    } else if reminders.last().is_some_and(|last| escalate_at <= *last) {
        problems.push("notify.escalate_at must come after the last reminder".to_owned());
    }
    if section.stuck_after_minutes == 0 {
        problems.push("notify.stuck_after_minutes must be at least 1".to_owned());
    }
    problems
}

fn route_problems(route: &NotifyRoute) -> Vec<String> {
    let mut problems: Vec<String> = rule_name_problem(&route.name)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if route.events.is_empty() {
        problems.push("events is empty: leave it out to hear every kind".to_owned());
    }
    if route.escalate_to.is_some() && !route.events.contains(&NotifyKind::Escalated) {
        problems.push(
            "escalate_to is set but events leave out \"escalated\", so it is never used".to_owned(),
        );
    }
    if route.destinations().is_empty() && route.groups.is_empty() {
        problems.push(
            "no destination: name at least one slack, email, sns, webhook or groups".to_owned(),
        );
    }
    for group in &route.groups {
        if group.trim().is_empty()
            || group.chars().count() > MAX_GROUP_CHARS
            || group.chars().any(char::is_control)
        {
            problems.push(format!(
                "groups {group:?} is not a group name (1 to {MAX_GROUP_CHARS} characters, as the identity provider names it)"
            ));
        }
    }
    for channel in &route.slack {
        if channel.is_empty()
            || channel.len() > 80
            || channel.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            problems.push(format!("slack {channel:?} is not a channel id or name"));
        }
    }
    for address in &route.email {
        if !plausible_email(address) {
            problems.push(format!("email {address:?} is not an e-mail address"));
        }
    }
    for arn in &route.sns {
        if !plausible_topic_arn(arn) {
            problems.push(format!(
                "sns {arn:?} is not a topic ARN (arn:aws:sns:<region>:<account>:<topic>)"
            ));
        }
    }
    for hook in &route.webhook {
        if !plausible_url(&hook.url) {
            problems.push(format!(
                "webhook url {:?} is not an http:// or https:// URL",
                hook.url
            ));
        }
        if !plausible_env_name(&hook.secret_env) {
            problems.push(format!(
                "webhook secret_env {:?} is not an environment variable's name",
                hook.secret_env
            ));
        }
    }
    if let Some(minutes) = route.digest_minutes {
        if !(1..=MAX_DIGEST_MINUTES).contains(&minutes) {
            problems.push(format!(
                "digest_minutes must be between 1 and {MAX_DIGEST_MINUTES}"
            ));
        }
    }
    problems
}

/// `arn:<aws partition>:sns:<region>:<account>:<topic>`, every part there.
fn plausible_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "sns", region, account, topic]
            if partition.starts_with("aws") && !region.is_empty()
                && !account.is_empty() && !topic.is_empty()
    )
}

/// `http://` or `https://`, a host, no spaces.
fn plausible_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// Letters, digits and `_`, not starting with a digit.
fn plausible_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 128
}

#[cfg(test)]
mod tests {
    use super::super::facts::fixtures::*;
    use super::super::facts::ReviewFacts;
    use super::*;
    use crate::domain::decision::Verdict;
    use crate::domain::review::ReviewStatus;
    use serde_json::json;

    fn section(value: serde_json::Value) -> NotifySection {
        serde_json::from_value(value).unwrap()
    }

    fn settings(value: serde_json::Value) -> NotifySettings {
        NotifySettings::new(section(value)).unwrap()
    }

    fn routed(settings: &NotifySettings, kind: NotifyKind, facts: &ReviewFacts) -> Vec<String> {
        settings
            .destinations(kind, facts, &GroupAddresses::new())
            .into_iter()
            .map(|(route, to)| format!("{route} {}", to.label()))
            .collect()
    }

    #[test]
    fn a_route_and_the_schedule_read_as_words() {
        let settings = settings(
            json!({"reminders": [0.25, 0.5], "escalate_at": 0.75, "route": [
                {"name": "prod", "models": ["churn-*"], "events": ["arrived", "escalated"],
                 "slack": ["C0123ABCD"], "webhook": [{"url": "https://hooks.example.com/in?sig=KEY", "secret_env": "HOOK"}],
                 "groups": ["ml-leads"], "digest_minutes": 15, "escalate_to": "leads"},
                {"name": "leads", "events": ["escalated"], "email": ["leads@example.com"]},
            ]}),
        );
        let prod = settings.routes()[0].describe();
        assert_eq!(
            prod,
            "any state machine; model churn-*; any stage → arrived, escalated: slack:C0123ABCD, \
             webhook:https://hooks.example.com/in, group ml-leads; one digest every 15 min, escalates to leads"
        );
        assert!(!prod.contains("KEY"), "a webhook's key stays off the page");
        assert_eq!(
            settings.routes()[1].describe(),
            "any state machine; any model; any stage → escalated: email:leads@example.com"
        );
        assert_eq!(
            settings.describe_schedule(),
            "reminders at 25% and 50% of a review's time to its deadline, escalation at 75%; \
             a delivery retrying for 30 min notifies"
        );
    }

    fn two_routes() -> NotifySettings {
        settings(json!({"route": [
            {"name": "prod-reviewers", "state_machines": ["model-release-*"], "models": ["churn-*"],
             "stages": ["production"], "events": ["arrived", "reminder", "escalated", "decided"],
             "slack": ["C0123ABCD"], "email": ["ml-reviewers@example.com"], "escalate_to": "ml-leads"},
            {"name": "ml-leads", "events": ["escalated", "delivery_stuck"], "stages": ["nowhere"],
             "email": ["leads@example.com"]},
            {"name": "audit-hook", "webhook": [{"url": "https://hooks.example.com/x?k=1", "secret_env": "HOOK_SECRET"}],
             "sns": ["arn:aws:sns:eu-west-1:123456789012:signoff"]},
        ]}))
    }

    #[test]
    fn without_a_section_the_defaults_hold() {
        let defaults = NotifySettings::default();
        assert_eq!(defaults.reminders(), [0.5, 0.8]);
        assert_eq!(defaults.escalate_at(), 0.9);
        assert_eq!(defaults.stuck_after_ms(), 30 * 60_000);
        assert!(defaults.notify_requester());
        assert!(defaults.routes().is_empty());
        let empty = NotifySettings::new(section(json!({}))).unwrap();
        assert_eq!(
            (
                empty.reminders(),
                empty.escalate_at(),
                empty.stuck_after_ms()
            ),
            (
                defaults.reminders(),
                defaults.escalate_at(),
                defaults.stuck_after_ms()
            )
        );
        assert!(empty.notify_requester() && empty.routes().is_empty());
    }

    #[test]
    fn every_route_that_covers_a_review_and_hears_the_kind_hears_it() {
        let settings = two_routes();
        assert_eq!(
            routed(&settings, NotifyKind::Arrived, &facts()),
            [
                "prod-reviewers slack:C0123ABCD",
                "prod-reviewers email:ml-reviewers@example.com",
                "audit-hook sns:arn:aws:sns:eu-west-1:123456789012:signoff",
                "audit-hook webhook:https://hooks.example.com/x",
            ]
        );
        let staging = facts_from(
            json!({"model": {"name": "churn-model", "version": "42", "stage": "staging"}}),
        );
        assert_eq!(
            routed(&settings, NotifyKind::Arrived, &staging),
            [
                "audit-hook sns:arn:aws:sns:eu-west-1:123456789012:signoff",
                "audit-hook webhook:https://hooks.example.com/x",
            ]
        );
        assert_eq!(
            routed(&settings, NotifyKind::Delivered, &facts()).len(),
            2,
            "prod-reviewers does not hear deliveries"
        );
    }

    #[test]
    fn an_escalation_goes_to_the_escalation_route_instead() {
        let settings = two_routes();
        assert_eq!(
            routed(&settings, NotifyKind::Escalated, &facts()),
            [
                "ml-leads email:leads@example.com",
                "audit-hook sns:arn:aws:sns:eu-west-1:123456789012:signoff",
                "audit-hook webhook:https://hooks.example.com/x",
            ],
            "ml-leads covers no production review itself, but is named by prod-reviewers"
        );
        assert_eq!(
            routed(&settings, NotifyKind::Reminder, &facts())[0],
            "prod-reviewers slack:C0123ABCD",
            "a reminder stays on the route"
        );
    }

    #[test]
    fn the_requester_hears_a_final_decision_only() {
        let settings = two_routes();
        let approved = facts().with_outcome(
            ReviewStatus::Approved,
            &[decision(Verdict::Approve, "ana@example.com", 1, None)],
            None,
        );
        let heard = routed(&settings, NotifyKind::Decided, &approved);
        assert_eq!(heard.last().unwrap(), "requester email:ci@example.com");
        let partial = facts().with_outcome(
            ReviewStatus::Pending,
            &[decision(Verdict::Approve, "ana@example.com", 1, None)],
            None,
        );
        let heard = routed(&settings, NotifyKind::Decided, &partial);
        assert!(
            !heard.iter().any(|h| h.starts_with("requester")),
            "{heard:?}"
        );
        let bot = facts_from(json!({"requestedBy": "ci-pipeline"})).with_outcome(
            ReviewStatus::Rejected,
            &[],
            None,
        );
        let heard = routed(&settings, NotifyKind::Decided, &bot);
        assert!(
            !heard.iter().any(|h| h.starts_with("requester")),
            "{heard:?}"
        );
        let quiet = NotifySettings::new(NotifySection {
            notify_requester: false,
            ..NotifySection::default()
        })
        .unwrap();
        assert!(quiet
            .destinations(NotifyKind::Decided, &approved, &GroupAddresses::new())
            .is_empty());
        assert_eq!(
            routed(&NotifySettings::default(), NotifyKind::Decided, &approved),
            ["requester email:ci@example.com"]
        );
        assert!(NotifySettings::default()
            .destinations(NotifyKind::Expired, &approved, &GroupAddresses::new())
            .is_empty());
    }

    #[test]
    fn the_same_destination_is_sent_to_once_per_route() {
        let settings = settings(json!({"route": [
            {"name": "a", "slack": ["C1", "C1"], "email": ["x@example.com"], "escalate_to": "leads"},
            {"name": "b", "slack": ["C1"], "escalate_to": "leads"},
            {"name": "leads", "email": ["leads@example.com"]},
        ]}));
        assert_eq!(
            routed(&settings, NotifyKind::Arrived, &facts()),
            [
                "a slack:C1",
                "a email:x@example.com",
                "b slack:C1",
                "leads email:leads@example.com"
            ]
        );
        assert_eq!(
            routed(&settings, NotifyKind::Escalated, &facts()),
            ["leads email:leads@example.com"],
            "two routes escalating to one, and the route itself: one message"
        );
    }

    fn escalating_to_a_group() -> NotifySettings {
        settings(json!({"route": [
            {"name": "reviewers", "events": ["arrived", "escalated"], "email": ["team@example.com"],
             "escalate_to": "leads"},
            {"name": "leads", "events": ["escalated"], "stages": ["nowhere"],
             "email": ["leads@example.com"], "groups": ["ml-leads", "platform-leads"]},
        ]}))
    }

    #[test]
    fn an_escalation_to_a_group_route_writes_to_its_members_once_each() {
        let settings = escalating_to_a_group();
        assert_eq!(
            settings.groups_to_look_up(NotifyKind::Escalated, &facts()),
            ["ml-leads", "platform-leads"]
        );
        assert!(
            settings
                .groups_to_look_up(NotifyKind::Arrived, &facts())
                .is_empty(),
            "an arrival stays with the reviewers, who name no group"
        );
        let members = GroupAddresses::from([
            (
                "ml-leads".to_owned(),
                vec!["lee@example.com".to_owned(), "LEADS@example.com".to_owned()],
            ),
            (
                "platform-leads".to_owned(),
                vec!["Lee@Example.com".to_owned(), "not an address".to_owned()],
            ),
            (
                "ml-reviewers".to_owned(),
                vec!["ada@example.com".to_owned()],
            ),
        ]);
        let heard: Vec<String> = settings
            .destinations(NotifyKind::Escalated, &facts(), &members)
            .into_iter()
            .map(|(route, to)| format!("{route} {}", to.label()))
            .collect();
        assert_eq!(
            heard,
            [
                "leads email:leads@example.com",
                "leads email:lee@example.com"
            ],
            "the route's own address and each member once, whatever the case; \
             nobody outside the route's groups"
        );
        assert_eq!(
            routed(&settings, NotifyKind::Escalated, &facts()),
            ["leads email:leads@example.com"],
            "a group nobody was seen in adds no one"
        );
        let arrived: Vec<String> = settings
            .destinations(NotifyKind::Arrived, &facts(), &members)
            .into_iter()
            .map(|(route, to)| format!("{route} {}", to.label()))
            .collect();
        assert_eq!(arrived, ["reviewers email:team@example.com"]);
    }

    #[test]
    fn a_route_may_reach_groups_alone_and_names_them_plainly() {
        let alone = settings(json!({"route": [
            {"name": "leads", "events": ["escalated"], "groups": ["ml-leads"]},
        ]}));
        assert_eq!(alone.routes()[0].groups, ["ml-leads"]);
        let problems = NotifySettings::new(section(json!({"route": [
            {"name": "leads", "groups": ["", "  ", "ml\nleads", "ml-leads"]},
        ]})))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "notify.route 1 (\"leads\"): groups \"\" is not a group name (1 to 256 characters, as the identity provider names it)",
                "notify.route 1 (\"leads\"): groups \"  \" is not a group name (1 to 256 characters, as the identity provider names it)",
                "notify.route 1 (\"leads\"): groups \"ml\\nleads\" is not a group name (1 to 256 characters, as the identity provider names it)",
            ]
        );
    }

    #[test]
    fn groups_need_e_mail_configured() {
        let settings = escalating_to_a_group();
        assert_eq!(group_email_problem(&settings, true), None);
        let problem = group_email_problem(&settings, false).expect("a problem");
        assert!(problem.contains("[\"leads\"]"), "{problem}");
        assert!(
            problem.contains("--smtp-url") && problem.contains("--email-from"),
            "{problem}"
        );
        assert_eq!(group_email_problem(&two_routes(), false), None);
    }

    #[test]
    fn a_section_with_mistakes_names_each_one() {
        let problems = NotifySettings::new(section(json!({
            "reminders": [0.8, 0.5, 1.0],
            "escalate_at": 0.7,
            "stuck_after_minutes": 0,
            "route": [
                {"name": "two words", "events": [], "escalate_to": "nobody"},
                {"name": "b", "slack": ["C 1"], "email": ["not-an-address"], "sns": ["arn:aws:sqs:eu-west-1:1:q"],
                 "webhook": [{"url": "ftp://x", "secret_env": "1SECRET"}], "digest_minutes": 0,
                 "escalate_to": "b", "events": ["arrived"]},
                {"name": "b", "email": ["a@example.com"], "digest_minutes": 1441},
                {"name": "requester", "email": ["a@example.com"]},
            ]
        })))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "notify.reminders: each share must be between 0 and 1 (0.5 is half the time to the deadline)",
                "notify.reminders: the shares must ascend (0.5, 0.8)",
                "notify.escalate_at must come after the last reminder",
                "notify.stuck_after_minutes must be at least 1",
                "notify.route 1 (\"two words\"): name must be 1 to 64 letters, digits, '-', '_' or '.'",
                "notify.route 1 (\"two words\"): events is empty: leave it out to hear every kind",
                "notify.route 1 (\"two words\"): escalate_to is set but events leave out \"escalated\", so it is never used",
                "notify.route 1 (\"two words\"): no destination: name at least one slack, email, sns, webhook or groups",
                "notify.route 1 (\"two words\"): escalate_to names no route: \"nobody\"",
                "notify.route 2 (\"b\"): escalate_to is set but events leave out \"escalated\", so it is never used",
                "notify.route 2 (\"b\"): slack \"C 1\" is not a channel id or name",
                "notify.route 2 (\"b\"): email \"not-an-address\" is not an e-mail address",
                "notify.route 2 (\"b\"): sns \"arn:aws:sqs:eu-west-1:1:q\" is not a topic ARN (arn:aws:sns:<region>:<account>:<topic>)",
                "notify.route 2 (\"b\"): webhook url \"ftp://x\" is not an http:// or https:// URL",
                "notify.route 2 (\"b\"): webhook secret_env \"1SECRET\" is not an environment variable's name",
                "notify.route 2 (\"b\"): digest_minutes must be between 1 and 1440",
                "notify.route 2 (\"b\"): escalate_to names the route itself",
                "notify.route 3 (\"b\"): digest_minutes must be between 1 and 1440",
                "notify.route 3 (\"b\"): another route has this name",
                "notify.route 4 (\"requester\"): the name \"requester\" is kept for the requester's own notices",
            ]
        );
    }

    #[test]
    fn shares_are_checked_at_their_edges() {
        let problems = |value| {
            NotifySettings::new(section(value))
                .err()
                .unwrap_or_default()
        };
        assert!(problems(json!({"reminders": [], "escalate_at": 1.0})).is_empty());
        assert!(problems(json!({"reminders": [0.001, 0.999], "escalate_at": 1.0})).is_empty());
        assert_eq!(
            problems(json!({"reminders": [0.0]})),
            ["notify.reminders: each share must be between 0 and 1 (0.5 is half the time to the deadline)"]
        );
        assert_eq!(
            problems(json!({"reminders": [0.5, 0.5]})),
            [
                "notify.reminders: the shares must ascend (0.5, 0.8)",
                "notify.reminders: two shares are closer than a hundredth of a percent"
            ]
        );
        assert_eq!(
            problems(json!({"reminders": [0.5, 0.500_000_1]})),
            ["notify.reminders: two shares are closer than a hundredth of a percent"]
        );
        assert_eq!(
            problems(json!({"reminders": [0.5], "escalate_at": 0.5})),
            ["notify.escalate_at must come after the last reminder"]
        );
        for bad in [0.0, 1.01, -1.0] {
            assert_eq!(
                problems(json!({"reminders": [], "escalate_at": bad})),
                ["notify.escalate_at must be above 0 and at most 1"],
                "{bad}"
            );
        }
        let nan = NotifySection {
            reminders: vec![f64::NAN],
            escalate_at: f64::NAN,
            ..NotifySection::default()
        };
        assert_eq!(NotifySettings::new(nan).unwrap_err().len(), 2);
    }

    #[test]
    fn unknown_keys_and_kinds_are_refused() {
        let typo = serde_json::from_value::<NotifySection>(json!({"reminder": [0.5]}));
        assert!(typo
            .unwrap_err()
            .to_string()
            .contains("unknown field `reminder`"));
        let route = serde_json::from_value::<NotifyRoute>(json!({"name": "a", "channel": ["C1"]}));
        assert!(route
            .unwrap_err()
            .to_string()
            .contains("unknown field `channel`"));
        let hook = serde_json::from_value::<NotifyRoute>(
            json!({"name": "a", "webhook": [{"url": "https://x", "secret": "s"}]}),
        );
        assert!(hook
            .unwrap_err()
            .to_string()
            .contains("unknown field `secret`"));
        let kind =
            serde_json::from_value::<NotifyRoute>(json!({"name": "a", "events": ["approved"]}));
        assert!(kind
            .unwrap_err()
            .to_string()
            .contains("unknown variant `approved`"));
    }

    #[test]
    fn plausible_destinations() {
        assert!(plausible_topic_arn(
            "arn:aws:sns:eu-west-1:123456789012:signoff"
        ));
        assert!(plausible_topic_arn("arn:aws-us-gov:sns:us-gov-west-1:1:t"));
        assert!(!plausible_topic_arn("arn:aws:sns:eu-west-1:123456789012"));
        assert!(!plausible_topic_arn("arn:aws:sns::1:t"));
        assert!(plausible_url("https://hooks.example.com/x"));
        assert!(plausible_url("http://127.0.0.1:9000"));
        assert!(!plausible_url("https://"));
        assert!(!plausible_url("https:// x"));
        assert!(!plausible_url("hooks.example.com"));
        assert!(plausible_env_name("SIGNOFF_WEBHOOK_SECRET"));
        assert!(plausible_env_name("_x1"));
        assert!(!plausible_env_name(""));
        assert!(!plausible_env_name("MY-SECRET"));
    }
}
