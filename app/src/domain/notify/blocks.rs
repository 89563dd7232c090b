//! Slack Block Kit within Slack's documented limits: the few blocks
//! Signoff posts (header, section, fields, context, actions with buttons),
//! each cutting its text to fit, and [`problems`], which checks a whole
//! message against the same limits (the tests, and the Slack stand-in,
//! ask it).

use super::text::{fit, mrkdwn, plain, slack_len};
use serde_json::{json, Value};

/// Blocks in one message.
pub const MAX_BLOCKS: usize = 50;
/// A section's text.
pub const MAX_SECTION_TEXT: usize = 3000;
/// A section's fields, and each field's text.
pub const MAX_FIELDS: usize = 10;
pub const MAX_FIELD_TEXT: usize = 2000;
/// A header's plain text.
pub const MAX_HEADER_TEXT: usize = 150;
/// A context block's elements, and each one's text.
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
pub const MAX_CONTEXT_TEXT: usize = 3000;
/// An actions block's elements.
pub const MAX_ACTIONS: usize = 25;
/// A button's text, value, URL and action id.
pub const MAX_BUTTON_TEXT: usize = 75;
pub const MAX_BUTTON_VALUE: usize = 2000;
pub const MAX_BUTTON_URL: usize = 3000;
pub const MAX_ACTION_ID: usize = 255;

/// The action ids of the decision buttons (what the interaction endpoint
/// reads back); their value is the review's id.
pub const APPROVE_ACTION: &str = "signoff_approve";
pub const REJECT_ACTION: &str = "signoff_reject";
/// The link button's action id (Slack sends an interaction for it too).
pub const OPEN_ACTION: &str = "signoff_open";

/// A header: one line of plain text.
pub fn header(text: &str) -> Value {
    json!({"type": "header", "text": {"type": "plain_text", "text": fit(text, MAX_HEADER_TEXT, plain), "emoji": false}})
}

/// A section of mrkdwn written by Signoff, with what a workflow sent
/// already escaped in it ([`super::text::mrkdwn`]): `verbatim` keeps Slack
/// from turning a URL or `#channel` in it into a link.
pub fn section(mrkdwn_text: &str) -> Value {
    json!({"type": "section", "text": mrkdwn_object(mrkdwn_text, MAX_SECTION_TEXT, true)})
}

/// A section of label/value fields (at most [`MAX_FIELDS`]), the values
/// escaped here.
pub fn fields(pairs: &[(&str, String)]) -> Value {
    let fields: Vec<Value> = pairs
        .iter()
        .take(MAX_FIELDS)
        .map(|(label, value)| {
            let label = format!("*{}*\n", fit(label, 100, mrkdwn));
            let room = MAX_FIELD_TEXT.saturating_sub(slack_len(&label));
            let text = format!("{label}{}", fit(value, room, mrkdwn));
            mrkdwn_object(&text, MAX_FIELD_TEXT, true)
        })
        .collect();
    json!({"type": "section", "fields": fields})
}

/// A section of mrkdwn holding links ([`link`]): Slack reads links in it,
/// and would also link a bare URL in the rest of its text.
pub fn section_with_links(mrkdwn_text: &str) -> Value {
    json!({"type": "section", "text": mrkdwn_object(mrkdwn_text, MAX_SECTION_TEXT, false)})
}

/// A context line holding a link to `url` labelled `label`.
pub fn link_context(url: &str, label: &str) -> Value {
    json!({"type": "context", "elements": [mrkdwn_object(&link(url, label), MAX_CONTEXT_TEXT, false)]})
}

/// `<url|label>` for Signoff's own links (the public URL and a review
/// id), escaped all the same; the label cut to 300 characters.
pub fn link(url: &str, label: &str) -> String {
    format!("<{}|{}>", escape_link(url), fit(label, 300, mrkdwn))
}

/// Approve and Reject for the review `review_id`, and a link to its page.
/// Without the decision buttons when the id would not fit a button's
/// value (Signoff's ids are short; this never truncates an id).
pub fn decision_actions(review_id: &str, url: &str) -> Value {
    let mut elements = Vec::new();
    if slack_len(review_id) <= MAX_BUTTON_VALUE {
        elements.push(json!({
            "type": "button", "action_id": APPROVE_ACTION, "style": "primary",
            "text": {"type": "plain_text", "text": "Approve"}, "value": review_id,
        }));
        elements.push(json!({
            "type": "button", "action_id": REJECT_ACTION, "style": "danger",
            "text": {"type": "plain_text", "text": "Reject…"}, "value": review_id,
        }));
    }
    elements.extend(link_button(url));
    json!({"type": "actions", "elements": elements})
}

/// `blocks` without Approve and Reject, for a server whose Slack buttons
/// do not decide (no signing secret): a button that only answers "not
/// available" is worse than none. The link to the review stays, as its
/// button, or as the context line a message has when no button fits it.
pub fn without_decisions(blocks: Vec<Value>) -> Vec<Value> {
    let decides = |element: &Value| {
        element["action_id"] == APPROVE_ACTION || element["action_id"] == REJECT_ACTION
    };
    blocks
        .into_iter()
        .filter_map(|mut block| {
            if block["type"] != "actions" {
                return Some(block);
            }
            let elements = block["elements"].as_array_mut()?;
            elements.retain(|element| !decides(element));
            (!elements.is_empty()).then_some(block)
        })
        .collect()
}

/// "Open in Signoff", when the URL fits a button.
fn link_button(url: &str) -> Option<Value> {
    (slack_len(url) <= MAX_BUTTON_URL).then(|| {
        json!({
            "type": "button", "action_id": OPEN_ACTION,
            "text": {"type": "plain_text", "text": "Open in Signoff"}, "url": url,
        })
    })
}

fn mrkdwn_object(text: &str, max: usize, verbatim: bool) -> Value {
    // `text` is escaped mrkdwn already: cut it without escaping it again.
    json!({"type": "mrkdwn", "text": fit(text, max, plain), "verbatim": verbatim})
}

/// A URL inside `<…|…>`: the three escapes, and `|`, which would end it.
fn escape_link(url: &str) -> String {
    fit(url, MAX_BUTTON_URL, mrkdwn).replace('|', "%7C")
}

/// Every way `blocks` breaks one of Slack's limits above, or is not a
/// shape Signoff posts; empty when the message may be posted.
pub fn problems(blocks: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    if blocks.len() > MAX_BLOCKS {
        found.push(format!("{} blocks (at most {MAX_BLOCKS})", blocks.len()));
    }
    for (n, block) in blocks.iter().enumerate() {
        let mut check = |what: &str, text: &Value, max: usize| {
            if let Some(problem) = length_problem(text, max) {
                found.push(format!("block {n} {what}: {problem}"));
            }
        };
        let list = |key: &str| block[key].as_array().cloned().unwrap_or_default();
        let mut count = Vec::new();
        match block["type"].as_str() {
            Some("header") => check("header", &block["text"]["text"], MAX_HEADER_TEXT),
            Some("section") => {
                if !block["text"].is_null() {
                    check("section text", &block["text"]["text"], MAX_SECTION_TEXT);
                }
                let fields = list("fields");
                if fields.len() > MAX_FIELDS {
                    count.push(format!("{} fields (at most {MAX_FIELDS})", fields.len()));
                }
                for field in &fields {
                    check("field", &field["text"], MAX_FIELD_TEXT);
                }
            }
            Some("context") => {
                let elements = list("elements");
                if elements.is_empty() || elements.len() > MAX_CONTEXT_ELEMENTS {
                    count.push(format!(
                        "{} context elements (1 to {MAX_CONTEXT_ELEMENTS})",
                        elements.len()
                    ));
                }
                for element in &elements {
                    check("context element", &element["text"], MAX_CONTEXT_TEXT);
                }
            }
            Some("actions") => {
                let elements = list("elements");
                if elements.is_empty() || elements.len() > MAX_ACTIONS {
                    count.push(format!("{} actions (1 to {MAX_ACTIONS})", elements.len()));
                }
                for button in &elements {
                    check("button text", &button["text"]["text"], MAX_BUTTON_TEXT);
                    check("action_id", &button["action_id"], MAX_ACTION_ID);
                    if let Some(value) = button.get("value") {
                        check("button value", value, MAX_BUTTON_VALUE);
                    }
                    if let Some(url) = button.get("url") {
                        check("button url", url, MAX_BUTTON_URL);
                    }
                }
            }
            Some("divider") => {}
            other => count.push(format!("has an unknown type {other:?}")),
        }
        found.extend(
            count
                .into_iter()
                .map(|problem| format!("block {n} {problem}")),
        );
    }
    found
}

/// Why `text` is not a string within `max`, if it is not.
fn length_problem(text: &Value, max: usize) -> Option<String> {
    match text.as_str() {
        Some(text) if slack_len(text) <= max => None,
        Some(text) => Some(format!("{} characters (at most {max})", slack_len(text))),
        None => Some("no text".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_cuts_its_text_to_fit() {
        let long = "é🚀<".repeat(2000);
        let blocks = vec![
            header(&long),
            section(&long),
            fields(&vec![("Title", long.clone()); 12]),
            link_context("https://signoff.example.com/reviews/x", &long),
            decision_actions("rv-1", "https://signoff.example.com/reviews/rv-1"),
        ];
        assert_eq!(problems(&blocks), Vec::<String>::new());
        assert_eq!(blocks[2]["fields"].as_array().unwrap().len(), MAX_FIELDS);
        let header_text = blocks[0]["text"]["text"].as_str().unwrap();
        assert!(header_text.ends_with('…') && slack_len(header_text) <= MAX_HEADER_TEXT);
    }

    #[test]
    fn the_checker_names_what_breaks_a_limit() {
        let mut blocks: Vec<Value> = (0..51).map(|_| json!({"type": "divider"})).collect();
        blocks.push(
            json!({"type": "header", "text": {"type": "plain_text", "text": "x".repeat(151)}}),
        );
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": "🚀".repeat(1501)}}),
        );
        blocks.push(json!({"type": "actions", "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x".repeat(76)}, "value": "v".repeat(2001)}
        ]}));
        blocks.push(json!({"type": "image"}));
        assert_eq!(
            problems(&blocks),
            [
                "55 blocks (at most 50)",
                "block 51 header: 151 characters (at most 150)",
                "block 52 section text: 3002 characters (at most 3000)",
                "block 53 button text: 76 characters (at most 75)",
                "block 53 button value: 2001 characters (at most 2000)",
                "block 54 has an unknown type Some(\"image\")",
            ]
        );
    }

    #[test]
    fn without_decisions_only_the_link_is_left() {
        let url = "https://signoff.example.com/reviews/r-1";
        let blocks = vec![section("text"), decision_actions("r-1", url)];
        let left = without_decisions(blocks.clone());
        assert_eq!(left[0], blocks[0]);
        let actions: Vec<&str> = left[1]["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(actions, [OPEN_ACTION]);
        // A URL too long for a button: no actions block is left at all (the
        // message carries the link as a context line instead).
        let long = format!("https://signoff.example.com/{}", "x".repeat(MAX_BUTTON_URL));
        let left = without_decisions(vec![section("text"), decision_actions("r-1", &long)]);
        assert_eq!(left, vec![section("text")]);
    }

    #[test]
    fn buttons_carry_the_review_id_and_the_action_ids() {
        let actions = decision_actions("rv-7f3a", "https://s.example.com/reviews/rv-7f3a");
        let elements = actions["elements"].as_array().unwrap();
        let ids: Vec<&str> = elements
            .iter()
            .map(|b| b["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [APPROVE_ACTION, REJECT_ACTION, OPEN_ACTION]);
        assert_eq!(elements[0]["value"], "rv-7f3a");
        assert_eq!(elements[1]["value"], "rv-7f3a");
        let huge = decision_actions(&"x".repeat(2001), "https://s.example.com/");
        assert_eq!(
            huge["elements"].as_array().unwrap().len(),
            1,
            "only the link"
        );
    }

    #[test]
    fn a_link_cannot_be_broken_out_of() {
        let context = link_context("https://s.example.com/reviews/a|b>c", "<!channel>");
        let text = context["elements"][0]["text"].as_str().unwrap();
        assert_eq!(
            text,
            "<https://s.example.com/reviews/a%7Cb&gt;c|&lt;!channel&gt;>"
        );
    }
}
