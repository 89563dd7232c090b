//! Slack's interaction payloads, translated: a click on one of Signoff's
//! buttons, or the reject form sent back, out of the form-encoded
//! `payload=` Slack POSTs; and the reject form (a modal view) Signoff opens.
//! What a click may do is decided elsewhere (`app::ssr::chat_decisions`).

use app::domain::decision::MAX_COMMENT_CHARS;
use app::domain::notify::blocks::{APPROVE_ACTION, OPEN_ACTION, REJECT_ACTION};
use app::domain::notify::text::{fit, plain};
use serde_json::{json, Value};

/// The reject form's `callback_id`, and its reason input's ids.
pub const REJECT_FORM: &str = "signoff_reject_form";
pub const REASON_BLOCK: &str = "reason";
const REASON_INPUT: &str = "reason_input";
/// Slack's limit on a view's `private_metadata`.
const MAX_PRIVATE_METADATA: usize = 3000;

/// What Slack sent, as far as Signoff acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    /// Approve or Reject… pressed on a message.
    Click(Click),
    /// The reject form sent back with a reason.
    RejectForm(RejectForm),
    /// Anything else Slack may send (the link button, a closed form, other
    /// apps' shortcuts): acknowledged, nothing done. The text says what.
    Ignored(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub user_id: String,
    pub button: Button,
    pub review_id: String,
    /// Valid for three seconds: what opens the reject form.
    pub trigger_id: String,
    /// Where answers for the clicker alone go.
    pub response_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectForm {
    pub user_id: String,
    pub review_id: String,
    pub reason: String,
    pub trigger_id: String,
    /// The click's, carried through the form's private metadata.
    pub response_url: Option<String>,
}

impl Interaction {
    /// The key a retry or a replay of this interaction shares with it:
    /// Slack's `trigger_id` is minted once per interaction.
    pub fn key(&self) -> Option<String> {
        match self {
            Interaction::Click(click) => Some(format!("click:{}", click.trigger_id)),
            Interaction::RejectForm(form) => Some(format!("form:{}", form.trigger_id)),
            Interaction::Ignored(_) => None,
        }
    }
}

/// Why a payload could not be read; the text is for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads Slack's `application/x-www-form-urlencoded` body (`payload=` a
/// JSON document).
pub fn parse(body: &[u8]) -> Result<Interaction, Unreadable> {
    let payload = form_urlencoded::parse(body)
        .find(|(name, _)| name == "payload")
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| Unreadable("the body has no payload field".into()))?;
    let payload: Value =
        serde_json::from_str(&payload).map_err(|_| Unreadable("the payload is not JSON".into()))?;
    let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let user_id = text(&payload["user"]["id"]).ok_or_else(|| Unreadable("no user.id".into()))?;
    let trigger_id = text(&payload["trigger_id"]);
    match payload["type"].as_str() {
        Some("block_actions") => {
            let action = &payload["actions"][0];
            let button = match action["action_id"].as_str() {
                Some(APPROVE_ACTION) => Button::Approve,
                Some(REJECT_ACTION) => Button::Reject,
                Some(OPEN_ACTION) => return Ok(Interaction::Ignored("the link button".into())),
                _ => return Ok(Interaction::Ignored("another app's action".into())),
            };
            Ok(Interaction::Click(Click {
                user_id,
                button,
                review_id: text(&action["value"])
                    .ok_or_else(|| Unreadable("the button carries no review id".into()))?,
                trigger_id: trigger_id.ok_or_else(|| Unreadable("no trigger_id".into()))?,
                response_url: text(&payload["response_url"]),
            }))
        }
        Some("view_submission") if payload["view"]["callback_id"] == REJECT_FORM => {
            let view = &payload["view"];
            let metadata: Value = view["private_metadata"]
                .as_str()
                .and_then(|m| serde_json::from_str(m).ok())
                .ok_or_else(|| Unreadable("the form's private_metadata is not ours".into()))?;
            Ok(Interaction::RejectForm(RejectForm {
                user_id,
                review_id: text(&metadata["review"])
                    .ok_or_else(|| Unreadable("the form names no review".into()))?,
                reason: view["state"]["values"][REASON_BLOCK][REASON_INPUT]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                trigger_id: trigger_id.ok_or_else(|| Unreadable("no trigger_id".into()))?,
                response_url: text(&metadata["response_url"]),
            }))
        }
        Some(other) => Ok(Interaction::Ignored(format!(
            "a {} interaction",
            fit(other, 40, plain)
        ))),
        None => Err(Unreadable("the payload has no type".into())),
    }
}

/// The reject form for `click`'s review (`title`: the review's). The
/// click's `response_url` rides in the private metadata, so the outcome
/// can be answered to the clicker once the form comes back.
pub fn reject_form(click: &Click, title: &str) -> Value {
    let mut metadata = json!({"review": click.review_id, "response_url": click.response_url});
    if metadata.to_string().len() > MAX_PRIVATE_METADATA {
        metadata = json!({"review": click.review_id});
    }
    json!({
        "type": "modal",
        "callback_id": REJECT_FORM,
        "private_metadata": metadata.to_string(),
        "title": {"type": "plain_text", "text": "Reject review"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "text": {"type": "plain_text", "text": fit(title, 300, plain)}},
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why is it rejected?"},
                "hint": {"type": "plain_text", "text": "The workflow receives this reason, and the audit log keeps it."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": true,
                    "max_length": MAX_COMMENT_CHARS,
                },
            },
        ],
    })
}

/// The answer to a form sent back with a problem: Slack shows `problem`
/// under the reason and keeps the form open.
pub fn form_error(problem: &str) -> Value {
    json!({"response_action": "errors", "errors": {REASON_BLOCK: problem}})
}

/// A message for the clicker alone, posted to the `response_url`.
pub fn private_answer(text: &str) -> Value {
    json!({"response_type": "ephemeral", "replace_original": false, "text": text})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_body(payload: &Value) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish()
            .into_bytes()
    }

    fn click_payload(action_id: &str) -> Value {
        json!({
            "type": "block_actions",
            "user": {"id": "U0ADA", "username": "ada"},
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "response_url": "https://hooks.slack.com/actions/T0/1/abc",
            "actions": [{"type": "button", "action_id": action_id, "value": "r-1", "action_ts": "1.2"}],
        })
    }

    #[test]
    fn clicks_on_our_buttons_are_read_and_others_ignored() {
        let read = parse(&form_body(&click_payload(APPROVE_ACTION))).expect("read");
        let Interaction::Click(click) = &read else {
            panic!("{read:?}")
        };
        assert_eq!(
            (
                click.user_id.as_str(),
                click.button,
                click.review_id.as_str()
            ),
            ("U0ADA", Button::Approve, "r-1")
        );
        assert_eq!(
            read.key().as_deref(),
            Some("click:13345224609.738474920.8088930838d88f008e0")
        );
        assert!(matches!(
            parse(&form_body(&click_payload(REJECT_ACTION))),
            Ok(Interaction::Click(Click {
                button: Button::Reject,
                ..
            }))
        ));
        for ignored in [OPEN_ACTION, "someone_elses"] {
            assert!(matches!(
                parse(&form_body(&click_payload(ignored))),
                Ok(Interaction::Ignored(_))
            ));
        }
        assert!(matches!(
            parse(&form_body(
                &json!({"type": "shortcut", "user": {"id": "U1"}})
            )),
            Ok(Interaction::Ignored(_))
        ));
    }

    #[test]
    fn what_is_not_a_payload_is_unreadable() {
        for body in [
            &b""[..],
            b"payload=not-json",
            b"other=1",
            b"payload=%7B%22type%22%3A%22block_actions%22%7D",
        ] {
            assert!(parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        let mut no_value = click_payload(APPROVE_ACTION);
        no_value["actions"][0]["value"] = json!("");
        assert!(parse(&form_body(&no_value)).is_err());
    }

    #[test]
    fn the_reject_form_comes_back_with_its_review_reason_and_response_url() {
        let Ok(Interaction::Click(click)) = parse(&form_body(&click_payload(REJECT_ACTION))) else {
            panic!("a click")
        };
        let form = reject_form(&click, "Fraud model v7");
        assert_eq!(form["callback_id"], REJECT_FORM);
        let submitted = json!({
            "type": "view_submission",
            "user": {"id": "U0ADA"},
            "trigger_id": "2.3.abc",
            "view": {
                "callback_id": REJECT_FORM,
                "private_metadata": form["private_metadata"],
                "state": {"values": {REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "Recall fell."}}}},
            },
        });
        assert_eq!(
            parse(&form_body(&submitted)).expect("read"),
            Interaction::RejectForm(RejectForm {
                user_id: "U0ADA".into(),
                review_id: "r-1".into(),
                reason: "Recall fell.".into(),
                trigger_id: "2.3.abc".into(),
                response_url: click.response_url.clone(),
            })
        );
    }

    #[test]
    fn a_long_response_url_is_left_out_rather_than_breaking_slacks_limit() {
        let Ok(Interaction::Click(mut click)) = parse(&form_body(&click_payload(REJECT_ACTION)))
        else {
            panic!("a click")
        };
        click.response_url = Some("x".repeat(4000));
        let form = reject_form(&click, "t");
        let metadata = form["private_metadata"].as_str().expect("text");
        assert!(metadata.len() <= MAX_PRIVATE_METADATA);
        assert!(metadata.contains("r-1"));
    }
}
