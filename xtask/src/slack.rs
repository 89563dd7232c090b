//! The stand-in of Slack's Web API (end2end/slack/standin.mjs) for the
//! tests and the demo: Slack itself cannot be reached from here. It also
//! plays Slack's side of the buttons, sending signed interactions to
//! Signoff's `/slack/interactions`.

use crate::paths::Paths;
use crate::process::{start_service, step, Service};
use std::path::Path;
use std::process::Command;

/// The bot token the stand-in accepts (a test value, not a secret).
pub const TEST_TOKEN: &str = "xoxb-signoff-test";
/// The signing secret it signs interactions with (a test value).
pub const TEST_SIGNING_SECRET: &str = "signoff-standin-signing-secret";
/// The channel ids it knows (the Slack tests post to the first).
pub const CHANNELS: &str = "C0REVIEWS";

pub struct SlackStandIn {
    /// Its Web API's base, as `--slack-api-url` takes it.
    pub api_url: String,
    /// Its page of posted messages, with working buttons.
    pub page_url: String,
    _service: Service,
}

/// Starts the stand-in on `port`; its buttons send interactions to
/// `interactions_url` (a request to its `/_interact` may name another).
pub fn start(
    paths: &Paths,
    port: u16,
    interactions_url: &str,
    log: &Path,
) -> anyhow::Result<SlackStandIn> {
    step(&format!(
        "starting the Slack stand-in on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let service = start_service(
        "the Slack stand-in",
        Command::new("node")
            .arg(paths.root.join("end2end/slack/standin.mjs"))
            .env("SLACK_PORT", port.to_string())
            .env("SLACK_BOT_TOKEN", TEST_TOKEN)
            .env("SLACK_SIGNING_SECRET", TEST_SIGNING_SECRET)
            .env("SLACK_INTERACTIONS_URL", interactions_url)
            .env("SLACK_CHANNELS", CHANNELS),
        Some(log),
        port,
        "/_calls",
    )?;
    Ok(SlackStandIn {
        api_url: format!("http://127.0.0.1:{port}/api"),
        page_url: format!("http://127.0.0.1:{port}/"),
        _service: service,
    })
}
