//! One notification as each channel receives it: built once from the
//! review's facts, then read by the channel's adapter (Slack blocks, an
//! e-mail's text and HTML parts, SNS's subject and body, a webhook's JSON).

use serde_json::Value;

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
