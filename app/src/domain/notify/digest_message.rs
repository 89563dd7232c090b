//! A digest route's one message per window: the reviews that arrived in
//! it, each with its link, as many as fit each channel's limits and the
//! rest counted ("and N more"), with a link to the queue. No decision
//! buttons: a digest lists many reviews and is never updated, so it
//! links to them instead.

use super::blocks;
use super::digest::Window;
use super::facts::ReviewFacts;
use super::message::{
    review_json, review_url, short, with_link, OutgoingMessage, MAX_SUBJECT, MAX_TEXT, TITLE_CHARS,
    VALUE_CHARS,
};
use super::metrics_summary::thresholds_line;
use super::text::{fit, html, mrkdwn, plain, slack_len};
use crate::domain::time::{until, utc_minutes};
use serde_json::{json, Value};

/// Reviews a digest's Slack message lists (a section each, well within
/// Slack's 50 blocks).
pub const SLACK_LISTED: usize = 20;
/// Reviews a digest's webhook body lists.
pub const JSON_LISTED: usize = 100;

/// The digest of `reviews`, arrived in `window`.
pub fn digest(
    reviews: &[ReviewFacts],
    window: Window,
    public_url: &str,
    now_ms: i64,
) -> OutgoingMessage {
    let count = reviews.len();
    let headline = format!(
        "{count} new {} waiting",
        if count == 1 { "review" } else { "reviews" }
    );
    let intro = format!(
        "Arrived between {} and {}.",
        utc_minutes(window.start_ms),
        utc_minutes(window.end_ms)
    );
    let queue = format!("{}/", public_url.trim_end_matches('/'));
    let lines: Vec<Line> = reviews
        .iter()
        .map(|facts| Line::of(facts, public_url, now_ms))
        .collect();
    let text = text(&headline, &intro, &lines, &queue);
    let listed: Vec<Value> = reviews
        .iter()
        .zip(&lines)
        .take(JSON_LISTED)
        .map(|(facts, line)| review_json(facts, &line.url))
        .collect();
    OutgoingMessage {
        subject: fit(&headline, MAX_SUBJECT, plain),
        html: html_part(&headline, &intro, &lines, &queue),
        slack_blocks: slack(&headline, &intro, &lines, &queue),
        json: json!({
            "event": "digest",
            "window": {"start": window.start_ms, "end": window.end_ms},
            "reviews": listed,
            "more": count.saturating_sub(JSON_LISTED),
            "text": text,
        }),
        text,
    }
}

/// One review of the list, as plain pieces already cut to length.
struct Line {
    title: String,
    about: String,
    url: String,
}

impl Line {
    fn of(facts: &ReviewFacts, public_url: &str, now_ms: i64) -> Self {
        let model = &facts.model;
        let stage = model
            .stage
            .as_deref()
            .map_or_else(|| "no stage".to_owned(), |s| short(s, VALUE_CHARS));
        let deadline = facts.deadline_ms.map_or_else(
            || "no deadline".to_owned(),
            |d| format!("deadline {}", until(d, now_ms)),
        );
        Self {
            title: short(&facts.title, TITLE_CHARS),
            about: format!(
                "{} v{} · {stage} · {} · {deadline}",
                short(&model.name, VALUE_CHARS),
                short(&model.version, VALUE_CHARS),
                thresholds_line(&facts.metrics, facts.failing_thresholds)
            ),
            url: review_url(public_url, &facts.review_id),
        }
    }
}

/// As many lines as fit `room` (in UTF-16 units, with a line for "and N
/// more" kept free), each made by `show`, then that line.
fn as_fit(
    lines: &[Line],
    room: usize,
    show: impl Fn(&Line) -> String,
    more: impl Fn(usize) -> String,
) -> Vec<String> {
    let reserve = slack_len(&more(lines.len()));
    let mut out = Vec::new();
    let mut used = 0;
    for (n, line) in lines.iter().enumerate() {
        let shown = show(line);
        let len = slack_len(&shown) + 1;
        let last = n + 1 == lines.len();
        if used + len > room.saturating_sub(if last { 0 } else { reserve }) {
            out.push(more(lines.len() - n));
            return out;
        }
        used += len;
        out.push(shown);
    }
    out
}

fn text(headline: &str, intro: &str, lines: &[Line], queue: &str) -> String {
    let head = format!("{headline}\n\n{intro}\n");
    let room = MAX_TEXT.saturating_sub(slack_len(&head) + slack_len(queue) + 40);
    let listed = as_fit(
        lines,
        room,
        |line| format!("- {} ({}): {}", line.title, line.about, line.url),
        |n| format!("and {n} more"),
    );
    with_link(
        &format!("{head}\n{}", listed.join("\n")),
        "Open the queue",
        queue,
    )
}

fn html_part(headline: &str, intro: &str, lines: &[Line], queue: &str) -> String {
    let e = |text: &str| fit(text, MAX_TEXT, html);
    let items: String = lines
        .iter()
        .map(|line| {
            format!(
                "<li><a href=\"{}\">{}</a> ({})</li>",
                e(&line.url),
                e(&line.title),
                e(&line.about)
            )
        })
        .collect();
    format!(
        "<!doctype html><html><body><h2>{}</h2><p>{}</p><ul>{items}</ul>\
         <p><a href=\"{}\">Open the queue in Signoff</a></p></body></html>",
        e(headline),
        e(intro),
        e(queue)
    )
}

fn slack(headline: &str, intro: &str, lines: &[Line], queue: &str) -> Vec<Value> {
    let mut out = vec![
        blocks::header(headline),
        blocks::section(&fit(intro, blocks::MAX_SECTION_TEXT, mrkdwn)),
    ];
    for line in lines.iter().take(SLACK_LISTED) {
        let about = fit(&line.about, 1000, mrkdwn);
        out.push(blocks::section_with_links(&format!(
            "*{}*\n{about}",
            blocks::link(&line.url, &line.title)
        )));
    }
    let more = lines.len().saturating_sub(SLACK_LISTED);
    if more > 0 {
        out.push(blocks::section_with_links(&format!(
            "and {more} more waiting: {}",
            blocks::link(queue, "open the queue")
        )));
    } else {
        out.push(blocks::link_context(queue, "Open the queue in Signoff"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::digest::window_of;
    use super::super::facts::fixtures::*;
    use super::*;
    use crate::domain::notify::blocks::problems;
    use serde_json::json;

    const PUBLIC: &str = "https://signoff.example.com";
    const NOW: i64 = 1_795_219_200_000;

    fn reviews(count: usize, title: &str) -> Vec<ReviewFacts> {
        (0..count)
            .map(|n| {
                let mut facts = facts_from(json!({"title": title}));
                facts.review_id = format!("rv-{n}");
                facts
            })
            .collect()
    }

    #[test]
    fn a_digest_lists_what_arrived_with_links() {
        let message = digest(
            &reviews(2, "Promote churn-model v42"),
            window_of(NOW, 15),
            PUBLIC,
            NOW,
        );
        assert_eq!(message.subject, "2 new reviews waiting");
        assert_eq!(
            message.text,
            "2 new reviews waiting\n\nArrived between 2026-11-21 00:00 UTC and 2026-11-21 00:15 UTC.\n\n\
             - Promote churn-model v42 (churn-model v42 · production · 1 of 2 thresholds fail. · deadline in 1d): https://signoff.example.com/reviews/rv-0\n\
             - Promote churn-model v42 (churn-model v42 · production · 1 of 2 thresholds fail. · deadline in 1d): https://signoff.example.com/reviews/rv-1\n\n\
             Open the queue: https://signoff.example.com/"
        );
        assert_eq!(message.slack_blocks.len(), 5);
        assert_eq!(
            message.slack_blocks[2]["text"]["text"],
            "*<https://signoff.example.com/reviews/rv-0|Promote churn-model v42>*\nchurn-model v42 · production · 1 of 2 thresholds fail. · deadline in 1d"
        );
        assert_eq!(message.json["reviews"].as_array().unwrap().len(), 2);
        assert_eq!(message.json["event"], "digest");
        assert!(message
            .html
            .contains("<a href=\"https://signoff.example.com/reviews/rv-1\">"));
        assert_eq!(
            digest(&reviews(1, "t"), window_of(NOW, 15), PUBLIC, NOW).subject,
            "1 new review waiting"
        );
    }

    #[test]
    fn markup_in_a_title_stays_text() {
        let message = digest(
            &reviews(1, "<!channel> *x* <https://evil.example|y> &"),
            window_of(NOW, 15),
            PUBLIC,
            NOW,
        );
        let listed = message.slack_blocks[2]["text"]["text"].as_str().unwrap();
        assert_eq!(
            listed.split('\n').next().unwrap(),
            "*<https://signoff.example.com/reviews/rv-0|&lt;!channel&gt; *x* &lt;https://evil.example|y&gt; &amp;>*"
        );
        assert!(message.html.contains("&lt;!channel&gt;") && !message.html.contains("<!channel>"));
    }

    #[test]
    fn sixty_long_reviews_stay_within_every_limit() {
        let title = format!(
            "{}<&>",
            "Ünïcødé 模型 🚀 "
                .repeat(30)
                .chars()
                .take(297)
                .collect::<String>()
        );
        let message = digest(&reviews(60, &title), window_of(NOW, 15), PUBLIC, NOW);
        assert_eq!(problems(&message.slack_blocks), Vec::<String>::new());
        assert!(message.slack_blocks.len() <= blocks::MAX_BLOCKS);
        let last = &message.slack_blocks[message.slack_blocks.len() - 1];
        assert!(last["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("and 40 more waiting: <https://signoff.example.com/|"));
        assert!(
            slack_len(&message.text) <= MAX_TEXT,
            "{}",
            slack_len(&message.text)
        );
        assert!(message
            .text
            .ends_with("Open the queue: https://signoff.example.com/"));
        let more = message
            .text
            .lines()
            .find(|l| l.starts_with("and "))
            .expect("a count of the rest");
        let listed = message.text.lines().filter(|l| l.starts_with("- ")).count();
        assert_eq!(more, format!("and {} more", 60 - listed));
        assert!(listed >= 5, "{listed}");
        assert_eq!(message.json["reviews"].as_array().unwrap().len(), 60);
        let everything = format!(
            "{}{}{}{:?}",
            message.text, message.html, message.json, message.slack_blocks
        );
        assert!(!everything.contains(ARTEFACT_URI) && !everything.contains(TASK_TOKEN));
        let many = digest(&reviews(150, "t"), window_of(NOW, 15), PUBLIC, NOW);
        assert_eq!(
            (
                many.json["reviews"].as_array().unwrap().len(),
                many.json["more"].clone()
            ),
            (100, json!(50))
        );
    }
}
