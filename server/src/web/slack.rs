//! `POST /slack/interactions`: Slack's callback when someone presses
//! Approve or Reject… on a Signoff message, or sends the reject form back.
//! The raw body is checked against Slack's signature before anything reads
//! it; the answer goes back at once (Slack waits three seconds at most),
//! and the decision runs afterwards, answered to the clicker alone through
//! the interaction's `response_url`. A retry or a replay is acted on once.

use super::machine::MachineError;
use crate::notify::slack::SlackClient;
use crate::notify::slack_interaction::{
    form_error, parse, private_answer, reject_form, Button, Click, Interaction, RejectForm,
};
use app::domain::decision::Verdict;
use app::domain::notify::signature::verify_slack;
use app::ssr::chat_decisions::{reject_reason_problem, ChatDesk, ChatOutcome, Unrecognised};
use app::ssr::ports::InteractionLedger;
use app::ssr::Services;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use std::sync::Arc;

/// Slack refuses signatures more than five minutes off; a key is kept a
/// little longer than that, so no replay outlives its key.
const FORGET_AFTER_MS: i64 = 10 * 60_000;

/// Everything the callback needs.
pub struct SlackInteractions {
    pub signing_secret: String,
    pub slack: Arc<SlackClient>,
    pub services: Services,
    pub desk: ChatDesk,
    pub ledger: Arc<dyn InteractionLedger>,
}

/// The route, answering that Slack is not set up when `interactions` is `None`.
pub fn route(interactions: Option<Arc<SlackInteractions>>) -> Router {
    match interactions {
        Some(interactions) => Router::new()
            .route("/slack/interactions", post(receive))
            .with_state(interactions),
        None => Router::new().route("/slack/interactions", post(not_configured)),
    }
}

async fn not_configured() -> MachineError {
    MachineError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "Slack interactions are not configured: start Signoff with \
                  --slack-signing-secret and --slack-bot-token"
            .into(),
    }
}

async fn receive(
    State(this): State<Arc<SlackInteractions>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now_ms = this.services.clock.now_ms();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(why) = verify_slack(
        this.signing_secret.as_bytes(),
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        &body,
        now_ms / 1000,
    ) {
        tracing::warn!("a Slack interaction refused: {why}");
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the Slack signature does not check out",
        );
    }
    let interaction = match parse(&body) {
        Ok(interaction) => interaction,
        Err(why) => {
            tracing::warn!("a signed Slack interaction could not be read: {why}");
            return refuse(StatusCode::BAD_REQUEST, "the interaction could not be read");
        }
    };
    if let Interaction::RejectForm(form) = &interaction {
        // Answered on the form itself, which stays open.
        if let Some(problem) = reject_reason_problem(&form.reason) {
            return Json(form_error(&problem)).into_response();
        }
    }
    let Some(key) = interaction.key() else {
        if let Interaction::Ignored(what) = &interaction {
            tracing::debug!("a Slack interaction ignored: {what}");
        }
        return StatusCode::OK.into_response();
    };
    match this
        .ledger
        .first_sight(&key, now_ms, now_ms - FORGET_AFTER_MS)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(
                retry = header("x-slack-retry-num").unwrap_or("none"),
                "a Slack interaction seen before; acted on once"
            );
            return StatusCode::OK.into_response();
        }
        Err(error) => {
            tracing::error!("could not record a Slack interaction: {error}");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    }
    tokio::spawn(act(this, interaction));
    StatusCode::OK.into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    MachineError {
        status,
        message: message.into(),
    }
    .into_response()
}

/// What the interaction asks for, after Slack has its acknowledgement.
async fn act(this: Arc<SlackInteractions>, interaction: Interaction) {
    match interaction {
        Interaction::Click(click) => match click.button {
            Button::Approve => approve(&this, &click).await,
            Button::Reject => open_reject_form(&this, &click).await,
        },
        Interaction::RejectForm(form) => reject(&this, &form).await,
        Interaction::Ignored(_) => {}
    }
}

async fn approve(this: &SlackInteractions, click: &Click) {
    let email = match email_of(this, &click.user_id).await {
        Ok(email) => email,
        Err(outcome) => {
            return answer(
                this,
                click.response_url.as_deref(),
                &outcome,
                &click.review_id,
            )
            .await
        }
    };
    let outcome = this
        .services
        .decide_from_chat(
            &this.desk,
            email.as_deref(),
            &click.review_id,
            Verdict::Approve,
            "",
        )
        .await;
    answer(
        this,
        click.response_url.as_deref(),
        &outcome,
        &click.review_id,
    )
    .await;
}

async fn open_reject_form(this: &SlackInteractions, click: &Click) {
    let email = match email_of(this, &click.user_id).await {
        Ok(email) => email,
        Err(outcome) => {
            return answer(
                this,
                click.response_url.as_deref(),
                &outcome,
                &click.review_id,
            )
            .await
        }
    };
    let outcome = this
        .services
        .may_reject_from_chat(&this.desk, email.as_deref(), &click.review_id)
        .await;
    if !matches!(outcome, ChatOutcome::MayReject) {
        return answer(
            this,
            click.response_url.as_deref(),
            &outcome,
            &click.review_id,
        )
        .await;
    }
    let title = match this.services.store.review(&click.review_id).await {
        Ok(Some(review)) => review.spec.title,
        _ => click.review_id.clone(),
    };
    if let Err(error) = this
        .slack
        .open_view(&click.trigger_id, &reject_form(click, &title))
        .await
    {
        tracing::warn!("could not open Slack's reject form: {error}");
        let outcome = ChatOutcome::Refused(
            "Slack would not open the reject form in time. Press Reject… again, or reject on \
             the review page."
                .into(),
        );
        answer(
            this,
            click.response_url.as_deref(),
            &outcome,
            &click.review_id,
        )
        .await;
    }
}

async fn reject(this: &SlackInteractions, form: &RejectForm) {
    let email = match email_of(this, &form.user_id).await {
        Ok(email) => email,
        Err(outcome) => {
            return answer(
                this,
                form.response_url.as_deref(),
                &outcome,
                &form.review_id,
            )
            .await
        }
    };
    let outcome = this
        .services
        .decide_from_chat(
            &this.desk,
            email.as_deref(),
            &form.review_id,
            Verdict::Reject,
            &form.reason,
        )
        .await;
    answer(
        this,
        form.response_url.as_deref(),
        &outcome,
        &form.review_id,
    )
    .await;
}

/// The e-mail on the clicker's Slack profile, if it shows one; the
/// outcome to answer when Slack could not be asked.
async fn email_of(this: &SlackInteractions, user_id: &str) -> Result<Option<String>, ChatOutcome> {
    this.slack.user_email(user_id).await.map_err(|error| {
        tracing::warn!("could not ask Slack who clicked: {error}");
        ChatOutcome::Unrecognised(Unrecognised::Unasked)
    })
}

/// Tells the clicker alone how it ended.
async fn answer(
    this: &SlackInteractions,
    response_url: Option<&str>,
    outcome: &ChatOutcome,
    review_id: &str,
) {
    let text = this.desk.answer(outcome, review_id);
    let Some(url) = response_url else {
        tracing::info!(
            review_id,
            "a Slack interaction without a response_url: {text}"
        );
        return;
    };
    if let Err(error) = this.slack.respond(url, &private_answer(&text)).await {
        tracing::warn!(review_id, "could not answer a Slack interaction: {error}");
    }
}
