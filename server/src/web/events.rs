//! `GET /api/events`: a server-sent event stream telling signed-in pages
//! which reviews changed, so the queue and an open review update without a
//! reload. Events carry review ids and actions only, never review content
//! (pages refetch that through their guarded server functions). A stream
//! ends with its session; a session holds at most `--streams-per-session`
//! at once.

use super::limits::StreamCounts;
use super::refusal::Refusal;
use crate::auth::SessionWatch;
use crate::workers::changes::Changes;
use app::domain::actor::Actor;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures::StreamExt;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// The stream's source, and the server's shutdown: open streams end with
/// it, or a graceful shutdown would wait for them forever.
#[derive(Clone)]
struct Feed {
    changes: broadcast::Sender<Changes>,
    shutdown: CancellationToken,
    streams: StreamCounts,
}

pub fn router(
    changes: broadcast::Sender<Changes>,
    shutdown: CancellationToken,
    streams: StreamCounts,
) -> Router {
    Router::new()
        .route("/api/events", get(events))
        .with_state(Feed {
            changes,
            shutdown,
            streams,
        })
}

async fn events(
    State(feed): State<Feed>,
    actor: Option<Extension<Actor>>,
    watch: Option<Extension<SessionWatch>>,
) -> Response {
    let (Some(_), Some(Extension(watch))) = (actor, watch) else {
        return (StatusCode::UNAUTHORIZED, "Sign in to continue.").into_response();
    };
    // Held by the stream: its place is freed when the stream ends.
    let Some(place) = feed.streams.open(watch.session_key()) else {
        let refusal = Refusal::TooManyStreams;
        return refusal.answer("text/plain; charset=utf-8", refusal.message());
    };
    let stream = futures::stream::unfold(feed.changes.subscribe(), |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(batch) => Event::default()
                .event("changes")
                .json_data(batch.as_slice())
                .unwrap_or_else(|_| resync()),
            // This page fell behind: it should reload everything it shows.
            Err(RecvError::Lagged(_)) => resync(),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), receiver))
    })
    .take_until(feed.shutdown.cancelled_owned())
    // A stream outlives its page's sign-in otherwise: end it with the
    // session (the page's reconnect then meets a 401).
    .take_until(watch.ended())
    .map(move |event| {
        let _ = &place;
        event
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn resync() -> Event {
    Event::default().event("resync").data("")
}
