//! One notification as each channel receives it: built once from the
//! review's facts, then read by the channel's adapter (Slack blocks, an
//! e-mail's text and HTML parts, SNS's subject and body, a webhook's JSON).
//!
//! What a workflow sent (title, names, reasons) is put on one line, cut to
//! a length and escaped for each channel; every message links to the
//! review's page. Approve and Reject buttons are there only while the
//! review waits for a decision.

use super::blocks;
use super::event::NotifyKind;
use super::facts::ReviewFacts;
use super::metrics_summary::summary_lines;
use super::text::{fit, html, mrkdwn, one_line, plain, slack_len};
use crate::domain::review::{DeliveryState, ReviewStatus};
use crate::domain::time::{until, utc_minutes};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

/// A message ready to send. It never holds a task token or a presigned
/// URL: it links to the review's page, where links are minted on view.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// One line: an e-mail's subject, SNS's subject (at most 100 characters).
    pub subject: String,
    /// Plain text: the e-mail's text part, SNS's body, Slack's fallback.
    pub text: String,
    /// The e-mail's HTML part (every value escaped).
    pub html: String,
    /// Slack Block Kit blocks (within Slack's limits).
    pub slack_blocks: Vec<Value>,
    /// The webhook's JSON body.
    pub json: Value,
}

impl OutgoingMessage {
    /// The message without Slack's Approve and Reject (see
    /// [`blocks::without_decisions`]).
    pub fn without_chat_decisions(mut self) -> Self {
        self.slack_blocks = blocks::without_decisions(self.slack_blocks);
        self
    }

    /// The plain text as a Slack message's top-level `text` (its
    /// notification and fallback), which Slack reads as mrkdwn: escaped,
    /// so a `<!channel>` in a title stays text.
    pub fn slack_text(&self) -> String {
        fit(&self.text, MAX_TEXT * 5, mrkdwn)
    }
}

/// A subject's length (SNS's limit for one).
pub const MAX_SUBJECT: usize = 100;
/// The plain text's length: what Slack shows of a message's `text` in
/// full, and plenty for an e-mail or SNS.
pub const MAX_TEXT: usize = 4000;
/// How much of a title a message repeats.
pub(super) const TITLE_CHARS: usize = 300;
/// How much of any other value a workflow or reviewer wrote.
pub(super) const VALUE_CHARS: usize = 200;
/// How much of a reason (a rejection's comment) a message quotes.
const REASON_CHARS: usize = 500;

/// The message about `kind` for the review of `facts`.
pub fn build(
    kind: NotifyKind,
    facts: &ReviewFacts,
    public_url: &str,
    now_ms: i64,
) -> OutgoingMessage {
    let content = Content::of(kind, facts, now_ms);
    content.render(
        kind.as_str(),
        facts,
        &review_url(public_url, &facts.review_id),
    )
}

/// The message that replaces one posted about this review, once it has
/// changed: its outcome, who decided and when. Without buttons once the
/// review is decided or closed; a review still waiting (one approval of
/// several) keeps them, so the next reviewer can still decide.
pub fn for_update(facts: &ReviewFacts, public_url: &str, now_ms: i64) -> OutgoingMessage {
    let kind = match facts.status {
        ReviewStatus::Pending if facts.approvals_have == 0 => NotifyKind::Arrived,
        ReviewStatus::Approved | ReviewStatus::Rejected
            if facts.delivery == Some(DeliveryState::Delivered) =>
        {
            NotifyKind::Delivered
        }
        ReviewStatus::Expired => NotifyKind::Expired,
        ReviewStatus::ClosedUpstream => NotifyKind::ClosedUpstream,
        _ => NotifyKind::Decided,
    };
    let mut content = Content::of(kind, facts, now_ms);
    content.buttons = facts.is_pending();
    content.render(
        kind.as_str(),
        facts,
        &review_url(public_url, &facts.review_id),
    )
}

/// `{public_url}/reviews/{id}`, the id encoded as a path segment.
pub fn review_url(public_url: &str, review_id: &str) -> String {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_');
    format!(
        "{}/reviews/{}",
        public_url.trim_end_matches('/'),
        utf8_percent_encode(review_id, SEGMENT)
    )
}

/// What a message says, as plain text pieces already cut to length; each
/// channel escapes and lays them out.
struct Content {
    headline: String,
    intro: String,
    details: Vec<(&'static str, String)>,
    metrics: Vec<String>,
    buttons: bool,
}

impl Content {
    fn of(kind: NotifyKind, facts: &ReviewFacts, now_ms: i64) -> Self {
        let title = short(&facts.title, TITLE_CHARS);
        Self {
            headline: format!("{}: {title}", headline(kind, facts)),
            intro: intro(kind, facts, now_ms),
            details: details(facts, now_ms),
            metrics: summary_lines(&facts.metrics, facts.failing_thresholds)
                .iter()
                .map(|line| short(line, VALUE_CHARS))
                .collect(),
            buttons: kind.awaits_decision() && facts.is_pending(),
        }
    }

    fn render(&self, event: &str, facts: &ReviewFacts, url: &str) -> OutgoingMessage {
        let text = self.text(url);
        OutgoingMessage {
            subject: fit(&self.headline, MAX_SUBJECT, plain),
            html: self.html(url),
            slack_blocks: self.blocks(&facts.review_id, url),
            json: json!({"event": event, "review": review_json(facts, url), "text": text}),
            text,
        }
    }

    fn text(&self, url: &str) -> String {
        let mut body = vec![
            self.headline.clone(),
            String::new(),
            self.intro.clone(),
            String::new(),
        ];
        body.extend(
            self.details
                .iter()
                .map(|(label, value)| format!("{label}: {value}")),
        );
        body.push(String::new());
        body.extend(self.metrics.iter().cloned());
        with_link(&body.join("\n"), "Open the review", url)
    }

    fn html(&self, url: &str) -> String {
        let e = |text: &str| fit(text, MAX_TEXT, html);
        let rows: String = self
            .details
            .iter()
            .map(|(label, value)| {
                format!(
                    "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                    e(label),
                    e(value)
                )
            })
            .collect();
        let metrics: String = self
            .metrics
            .iter()
            .map(|line| format!("<li>{}</li>", e(line)))
            .collect();
        format!(
            "<!doctype html><html><body><h2>{}</h2><p>{}</p><table>{rows}</table><ul>{metrics}</ul>\
             <p><a href=\"{}\">Open the review in Signoff</a></p></body></html>",
            e(&self.headline),
            e(&self.intro),
            e(url)
        )
    }

    fn blocks(&self, review_id: &str, url: &str) -> Vec<Value> {
        let esc = |text: &str| fit(text, blocks::MAX_SECTION_TEXT, mrkdwn);
        let mut out = vec![
            blocks::header(&self.headline),
            blocks::section(&esc(&self.intro)),
            blocks::fields(&self.details),
            blocks::section(&esc(&self.metrics.join("\n"))),
        ];
        if self.buttons {
            out.push(blocks::decision_actions(review_id, url));
        }
        if !self.buttons || slack_len(url) > blocks::MAX_BUTTON_URL {
            out.push(blocks::link_context(url, "Open the review in Signoff"));
        }
        out
    }
}

/// `text`, cut so that the link after it always fits.
pub(super) fn with_link(text: &str, label: &str, url: &str) -> String {
    let link = format!("\n\n{label}: {url}");
    let room = MAX_TEXT.saturating_sub(slack_len(&link));
    format!("{}{link}", fit(text, room, plain))
}

/// A value a workflow or a person wrote, on one line and cut to `max`.
pub(super) fn short(text: &str, max: usize) -> String {
    fit(&one_line(text), max, plain)
}

fn headline(kind: NotifyKind, facts: &ReviewFacts) -> String {
    match kind {
        NotifyKind::Arrived => "Review waiting".to_owned(),
        NotifyKind::Reminder => "Reminder, still waiting".to_owned(),
        NotifyKind::Escalated => "Escalated, no decision yet".to_owned(),
        NotifyKind::Decided => match facts.status {
            ReviewStatus::Pending => format!(
                "Approval {} of {}",
                facts.approvals_have, facts.approvals_need
            ),
            status => status.label().to_owned(),
        },
        NotifyKind::ApprovalWithdrawn => "Approval withdrawn".to_owned(),
        NotifyKind::Delivered => format!("{}, delivered", facts.status.label()),
        NotifyKind::ClosedUpstream => "Closed upstream".to_owned(),
        NotifyKind::Expired => "Expired".to_owned(),
        NotifyKind::DeliveryStuck => "Delivery stuck".to_owned(),
    }
}

fn intro(kind: NotifyKind, facts: &ReviewFacts, now_ms: i64) -> String {
    let deadline = facts
        .deadline_ms
        .map(|d| format!("; the deadline is {}", until(d, now_ms)))
        .unwrap_or_default();
    match kind {
        NotifyKind::Arrived => format!("Waiting for a decision{deadline}."),
        NotifyKind::Reminder => format!("Still waiting for a decision{deadline}."),
        NotifyKind::Escalated => {
            format!("Nobody has decided yet{deadline}. Escalated so that someone does.")
        }
        NotifyKind::ApprovalWithdrawn => format!(
            "An approval was taken back: {} of {} now{deadline}.",
            facts.approvals_have, facts.approvals_need
        ),
        NotifyKind::Delivered => format!("{} The workflow has the decision.", outcome(facts)),
        NotifyKind::DeliveryStuck => format!(
            "{} The decision has not reached Step Functions: the review page says why, and whether Signoff is still trying.",
            outcome(facts)
        ),
        NotifyKind::Decided | NotifyKind::ClosedUpstream | NotifyKind::Expired => outcome(facts),
    }
}

/// Where the review stands: who decided and when, or how it ended.
fn outcome(facts: &ReviewFacts) -> String {
    let by = || {
        let who = facts
            .decided_by
            .as_deref()
            .map_or_else(|| "someone".to_owned(), |w| short(w, VALUE_CHARS));
        let when = facts
            .decided_at_ms
            .map(|at| format!(" at {}", utc_minutes(at)))
            .unwrap_or_default();
        format!("by {who}{when}")
    };
    let reason = facts
        .outcome_reason
        .as_deref()
        .map(|r| short(r, REASON_CHARS))
        .filter(|r| !r.is_empty());
    let because = reason
        .as_ref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    match facts.status {
        ReviewStatus::Pending if facts.approvals_have == 0 => "Waiting for a decision.".to_owned(),
        ReviewStatus::Pending => format!(
            "Approved {}: {} of {} approvals, waiting for more.",
            by(),
            facts.approvals_have,
            facts.approvals_need
        ),
        ReviewStatus::Approved => format!("Approved {}.", by()),
        ReviewStatus::Rejected => format!("Rejected {}{because}.", by()),
        ReviewStatus::Expired => format!("The deadline passed before anyone decided{because}."),
        ReviewStatus::ClosedUpstream => {
            format!("The workflow's execution ended without Signoff's decision{because}.")
        }
        ReviewStatus::Superseded => format!("A newer request replaced this review{because}."),
    }
}

pub(super) fn details(facts: &ReviewFacts, now_ms: i64) -> Vec<(&'static str, String)> {
    let model = &facts.model;
    let deadline = facts.deadline_ms.map_or_else(
        || "none".to_owned(),
        |d| format!("{} ({})", utc_minutes(d), until(d, now_ms)),
    );
    vec![
        (
            "Model",
            format!(
                "{} v{}",
                short(&model.name, VALUE_CHARS),
                short(&model.version, VALUE_CHARS)
            ),
        ),
        (
            "Stage",
            model
                .stage
                .as_deref()
                .map_or_else(|| "none".to_owned(), |s| short(s, VALUE_CHARS)),
        ),
        (
            "Requested by",
            facts
                .requested_by
                .as_deref()
                .map_or_else(|| "not given".to_owned(), |r| short(r, VALUE_CHARS)),
        ),
        ("Deadline", deadline),
        (
            "Approvals",
            format!("{} of {}", facts.approvals_have, facts.approvals_need),
        ),
        ("Status", facts.status.label().to_owned()),
    ]
}

/// The review in a webhook's body.
pub(super) fn review_json(facts: &ReviewFacts, url: &str) -> Value {
    let rfc3339 = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    json!({
        "id": facts.review_id,
        "title": short(&facts.title, 1000),
        "model": {"name": short(&facts.model.name, VALUE_CHARS), "version": short(&facts.model.version, VALUE_CHARS)},
        "stage": facts.model.stage.as_deref().map(|s| short(s, VALUE_CHARS)),
        "url": url,
        "requestedBy": facts.requested_by.as_deref().map(|r| short(r, VALUE_CHARS)),
        "deadline": facts.deadline_ms.and_then(rfc3339),
        "failingThresholds": facts.failing_thresholds,
        "status": facts.status.as_str(),
        "approvals": {"have": facts.approvals_have, "need": facts.approvals_need},
        "decidedBy": facts.decided_by.as_deref().map(|d| short(d, VALUE_CHARS)),
        "decidedAt": facts.decided_at_ms.and_then(rfc3339),
        "reason": facts.outcome_reason.as_deref().map(|r| short(r, REASON_CHARS)),
    })
}

#[cfg(test)]
pub(super) mod checks {
    //! What every message must be, whatever went into it.
    use super::*;
    use crate::domain::notify::facts::fixtures::{ARTEFACT_URI, TASK_TOKEN};

    /// Every limit and promise of a message, as one list of problems.
    pub fn problems(message: &OutgoingMessage, url: &str) -> Vec<String> {
        let mut found = blocks::problems(&message.slack_blocks);
        let subject = &message.subject;
        if slack_len(subject) > MAX_SUBJECT || subject.contains(['\n', '\r']) {
            found.push(format!("subject {subject:?}"));
        }
        if slack_len(&message.text) > MAX_TEXT {
            found.push(format!("text: {} characters", slack_len(&message.text)));
        }
        let everything = format!(
            "{}\n{}\n{}\n{}\n{}",
            message.subject,
            message.text,
            message.html,
            serde_json::to_string(&message.slack_blocks).unwrap(),
            message.json
        );
        for secret in [
            ARTEFACT_URI,
            "ml-artefacts",
            TASK_TOKEN,
            "token-secret",
            "X-Amz-",
            "s3://",
        ] {
            if everything.contains(secret) {
                found.push(format!("contains {secret:?}"));
            }
        }
        for (part, text) in [("text", &message.text), ("html", &message.html)] {
            if !text.contains(url) {
                found.push(format!("{part} lacks the link {url}"));
            }
        }
        if !serde_json::to_string(&message.slack_blocks)
            .unwrap()
            .contains(url)
        {
            found.push("the blocks lack the link".to_owned());
        }
        found
    }

    /// The action ids of the message's buttons.
    pub fn buttons(message: &OutgoingMessage) -> Vec<String> {
        message
            .slack_blocks
            .iter()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["action_id"].as_str().map(str::to_owned))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::checks::{buttons, problems};
    use super::*;
    use crate::domain::decision::Verdict;
    use crate::domain::intake::MAX_TITLE_CHARS;
    use crate::domain::intake_limits::MAX_METRICS;
    use crate::domain::notify::facts::fixtures::*;
    use serde_json::json;

    const PUBLIC: &str = "https://signoff.example.com/";
    const URL: &str = "https://signoff.example.com/reviews/rv-7f3a";
    const NOW: i64 = 1_795_219_200_000; // 2026-11-21 00:00 UTC

    fn approved() -> ReviewFacts {
        facts().with_outcome(
            ReviewStatus::Approved,
            &[
                decision(Verdict::Approve, "bo@example.com", NOW + 60_000, None),
                decision(Verdict::Approve, "ana@example.com", NOW + 120_000, None),
            ],
            None,
        )
    }

    #[test]
    fn an_arrival_says_what_is_waiting_and_offers_the_decision() {
        let message = build(NotifyKind::Arrived, &facts(), PUBLIC, NOW);
        assert_eq!(problems(&message, URL), Vec::<String>::new());
        assert_eq!(
            message.subject,
            "Review waiting: Promote churn-model v42 to production"
        );
        assert_eq!(
            message.text,
            "Review waiting: Promote churn-model v42 to production\n\n\
             Waiting for a decision; the deadline is in 1d.\n\n\
             Model: churn-model v42\nStage: production\nRequested by: ci@example.com\n\
             Deadline: 2026-11-22 00:00 UTC (in 1d)\nApprovals: 0 of 2\nStatus: Pending\n\n\
             1 of 2 thresholds fail.\nLargest moves against the baseline:\n\
             flagged_rate 0.071 (▲ +0.019 vs 0.052, worse)\nrecall 0.7 (▼ −0.02 vs 0.72, worse)\n\
             precision 0.83 (▼ −0.01 vs 0.84, worse)\nand 1 more\n\n\
             Open the review: https://signoff.example.com/reviews/rv-7f3a"
        );
        assert_eq!(
            buttons(&message),
            ["signoff_approve", "signoff_reject", "signoff_open"]
        );
        let review = &message.json["review"];
        assert_eq!(message.json["event"], "arrived");
        assert_eq!(
            (
                review["id"].clone(),
                review["url"].clone(),
                review["deadline"].clone()
            ),
            (json!("rv-7f3a"), json!(URL), json!("2026-11-22T00:00:00Z"))
        );
        assert_eq!(
            review["model"],
            json!({"name": "churn-model", "version": "42"})
        );
        assert_eq!(
            (review["stage"].clone(), review["failingThresholds"].clone()),
            (json!("production"), json!(1))
        );
        assert_eq!(
            (review["requestedBy"].clone(), review["status"].clone()),
            (json!("ci@example.com"), json!("pending"))
        );
        assert!(message
            .html
            .contains("<a href=\"https://signoff.example.com/reviews/rv-7f3a\">"));
    }

    #[test]
    fn reminders_and_escalations_keep_the_buttons_the_rest_do_not() {
        for kind in [NotifyKind::Reminder, NotifyKind::Escalated] {
            let message = build(kind, &facts(), PUBLIC, NOW);
            assert_eq!(buttons(&message).len(), 3, "{kind}");
            assert_eq!(problems(&message, URL), Vec::<String>::new());
        }
        let decided = approved();
        for kind in NotifyKind::ALL {
            let message = build(*kind, &decided, PUBLIC, NOW);
            assert!(
                buttons(&message).is_empty(),
                "{kind}: the review is decided"
            );
            assert_eq!(problems(&message, URL), Vec::<String>::new(), "{kind}");
        }
        for kind in [
            NotifyKind::Decided,
            NotifyKind::Delivered,
            NotifyKind::Expired,
        ] {
            assert!(
                buttons(&build(kind, &facts(), PUBLIC, NOW)).is_empty(),
                "{kind}"
            );
        }
    }

    #[test]
    fn an_outcome_says_who_decided_and_when() {
        let message = build(NotifyKind::Decided, &approved(), PUBLIC, NOW);
        assert_eq!(
            message.subject,
            "Approved: Promote churn-model v42 to production"
        );
        assert!(
            message
                .text
                .contains("Approved by ana@example.com at 2026-11-21 00:02 UTC."),
            "{}",
            message.text
        );
        assert_eq!(message.json["review"]["decidedBy"], "ana@example.com");
        assert_eq!(message.json["review"]["decidedAt"], "2026-11-21T00:02:00Z");
        let rejected = facts().with_outcome(
            ReviewStatus::Rejected,
            &[decision(
                Verdict::Reject,
                "bo@example.com",
                NOW,
                Some("AUC <dropped>\nbadly"),
            )],
            None,
        );
        let message = build(NotifyKind::Decided, &rejected, PUBLIC, NOW);
        assert!(message
            .text
            .contains("Rejected by bo@example.com at 2026-11-21 00:00 UTC: AUC <dropped> badly."));
        assert!(
            message.html.contains("AUC &lt;dropped&gt; badly"),
            "{}",
            message.html
        );
        let section = message.slack_blocks[1]["text"]["text"].as_str().unwrap();
        assert!(section.contains("AUC &lt;dropped&gt; badly"), "{section}");
        let delivered = build(NotifyKind::Delivered, &rejected, PUBLIC, NOW);
        assert_eq!(
            delivered.subject,
            "Rejected, delivered: Promote churn-model v42 to production"
        );
        let expired = facts().with_outcome(ReviewStatus::Expired, &[], Some("the deadline passed"));
        let message = build(NotifyKind::Expired, &expired, PUBLIC, NOW);
        assert!(message
            .text
            .contains("The deadline passed before anyone decided: the deadline passed."));
    }

    #[test]
    fn an_update_replaces_the_buttons_with_the_outcome() {
        let update = for_update(&approved(), PUBLIC, NOW);
        assert!(buttons(&update).is_empty());
        assert_eq!(
            update.subject,
            "Approved: Promote churn-model v42 to production"
        );
        assert_eq!(problems(&update, URL), Vec::<String>::new());
        let partial = facts().with_outcome(
            ReviewStatus::Pending,
            &[decision(Verdict::Approve, "bo@example.com", NOW, None)],
            None,
        );
        let update = for_update(&partial, PUBLIC, NOW);
        assert_eq!(
            update.subject,
            "Approval 1 of 2: Promote churn-model v42 to production"
        );
        assert!(update.text.contains("Approved by bo@example.com at 2026-11-21 00:00 UTC: 1 of 2 approvals, waiting for more."));
        assert_eq!(
            buttons(&update).len(),
            3,
            "one approval of two: the next reviewer still decides from the message"
        );
        let delivered = approved().with_delivery(Some(DeliveryState::Delivered));
        let update = for_update(&delivered, PUBLIC, NOW);
        assert_eq!(
            update.subject,
            "Approved, delivered: Promote churn-model v42 to production"
        );
        assert!(
            update.text.contains(
                "Approved by ana@example.com at 2026-11-21 00:02 UTC. The workflow has the decision."
            ),
            "{}",
            update.text
        );
        assert!(buttons(&update).is_empty());
        let queued = approved().with_delivery(Some(DeliveryState::Queued));
        assert_eq!(
            for_update(&queued, PUBLIC, NOW).subject,
            "Approved: Promote churn-model v42 to production",
            "not delivered yet"
        );
        for (status, subject) in [
            (ReviewStatus::Expired, "Expired"),
            (ReviewStatus::ClosedUpstream, "Closed upstream"),
            (ReviewStatus::Superseded, "Superseded"),
            (ReviewStatus::Rejected, "Rejected"),
        ] {
            let update = for_update(&facts().with_outcome(status, &[], None), PUBLIC, NOW);
            assert!(update.subject.starts_with(subject), "{}", update.subject);
            assert!(buttons(&update).is_empty(), "{status}");
        }
    }

    /// Every mrkdwn text of `blocks`, and whether Slack reads links in it.
    fn mrkdwn_texts(blocks: &[Value]) -> Vec<(String, bool)> {
        fn walk(value: &Value, out: &mut Vec<(String, bool)>) {
            match value {
                Value::Object(map) => {
                    if map.get("type") == Some(&json!("mrkdwn")) {
                        let text = map["text"].as_str().unwrap_or_default().to_owned();
                        out.push((text, map["verbatim"] != json!(true)));
                    }
                    map.values().for_each(|v| walk(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        blocks.iter().for_each(|b| walk(b, &mut out));
        out
    }

    #[test]
    fn markup_in_what_a_workflow_sent_stays_text() {
        let sneaky = "<!channel> <https://evil.example|click> & co";
        let mut facts = facts_from(json!({"title": sneaky, "requestedBy": sneaky,
            "model": {"name": sneaky, "version": "1", "stage": sneaky}}));
        facts.outcome_reason = Some(sneaky.into());
        facts.decided_by = Some(sneaky.into());
        let escaped = "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; co";
        for status in [ReviewStatus::Pending, ReviewStatus::Rejected] {
            let facts = ReviewFacts {
                status,
                ..facts.clone()
            };
            for kind in NotifyKind::ALL {
                let message = build(*kind, &facts, PUBLIC, NOW);
                let texts = mrkdwn_texts(&message.slack_blocks);
                assert!(
                    texts.iter().any(|(t, _)| t.contains(escaped)),
                    "{kind}: {texts:?}"
                );
                for (text, links) in texts {
                    assert!(
                        !text.contains("<!") && !text.contains("<https://evil"),
                        "{kind}: {text}"
                    );
                    if links {
                        assert!(
                            !text.contains(sneaky),
                            "{kind}: a linking text holds it raw"
                        );
                    }
                }
                let header = &message.slack_blocks[0]["text"];
                assert_eq!(header["type"], "plain_text", "Slack reads no markup there");
                assert!(
                    !message.html.contains("<!channel>") && !message.html.contains("<https://evil")
                );
                assert!(message.html.contains("&lt;!channel&gt;"));
                assert!(
                    message.slack_text().contains(escaped) && !message.slack_text().contains("<!")
                );
            }
        }
    }

    #[test]
    fn odd_and_huge_input_stays_within_every_limit() {
        let tail = "\u{202E}evil\u{202C}\n<!channel> <https://x.example|click> & *bold* 🚀";
        let odd: String = "Ünïcødé 模型 👩‍👩‍👧 "
            .repeat(40)
            .chars()
            .take(MAX_TITLE_CHARS - tail.chars().count())
            .chain(tail.chars())
            .collect();
        assert_eq!(odd.chars().count(), MAX_TITLE_CHARS);
        let names: Vec<String> = (0..MAX_METRICS)
            .map(|n| format!("{}_{n}", "metric".repeat(60)))
            .collect();
        let values: serde_json::Map<String, Value> = names
            .iter()
            .enumerate()
            .map(|(n, name)| (name.clone(), json!(n as f64 / 7.0)))
            .collect();
        let baseline: serde_json::Map<String, Value> =
            names.iter().map(|n| (n.clone(), json!(1.0))).collect();
        let thresholds: serde_json::Map<String, Value> = names
            .iter()
            .take(5)
            .map(|n| (n.clone(), json!({"min": 0.5})))
            .collect();
        let long = "x".repeat(5000);
        let through_intake = facts_from(json!({
            "title": odd,
            "model": {"name": long, "version": long, "stage": long},
            "requestedBy": long,
            "metrics": values,
            "baseline": baseline,
            "thresholds": thresholds,
        }));
        assert_eq!(through_intake.failing_thresholds, 4);
        let mut beyond_intake = through_intake.clone();
        beyond_intake.title = format!("{}\u{0}{}", "🚀<".repeat(3000), tail);
        beyond_intake.review_id = "rv-".repeat(700);
        beyond_intake.outcome_reason = Some("<&>".repeat(3000));
        beyond_intake.decided_by = Some(long.clone());
        for huge in [through_intake, beyond_intake] {
            let url = review_url(PUBLIC, &huge.review_id);
            for kind in NotifyKind::ALL {
                let message = build(*kind, &huge, PUBLIC, NOW);
                assert_eq!(problems(&message, &url), Vec::<String>::new(), "{kind}");
                assert!(
                    !message.subject.contains('\u{202E}') && !message.text.contains('\u{202E}')
                );
                assert!(!message.html.contains("<!channel>") && !message.html.contains("<https"));
                let blocks = serde_json::to_string(&message.slack_blocks).unwrap();
                assert!(
                    !blocks.contains("<!channel>") && !blocks.contains("<https://x.example"),
                    "{kind}"
                );
            }
            let rejected = huge.with_outcome(ReviewStatus::Rejected, &[], Some(&"y".repeat(9000)));
            assert_eq!(
                problems(&for_update(&rejected, PUBLIC, NOW), &url),
                Vec::<String>::new()
            );
        }
    }

    #[test]
    fn a_message_never_carries_the_token_or_an_artefact() {
        // The fixture's request holds both; every kind, every part is clean.
        for facts in [facts(), approved()] {
            for kind in NotifyKind::ALL {
                let message = build(*kind, &facts, PUBLIC, NOW);
                assert_eq!(problems(&message, URL), Vec::<String>::new(), "{kind}");
            }
        }
    }

    #[test]
    fn the_deep_link_is_the_reviews_page() {
        assert_eq!(
            review_url("https://s.example.com", "rv-1"),
            "https://s.example.com/reviews/rv-1"
        );
        assert_eq!(
            review_url("https://s.example.com///", "rv_1"),
            "https://s.example.com/reviews/rv_1"
        );
        assert_eq!(
            review_url("https://s.example.com", "../a b?c"),
            "https://s.example.com/reviews/%2E%2E%2Fa%20b%3Fc"
        );
    }
}
