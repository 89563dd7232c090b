//! `/readyz`: whether this server can do its work, for load balancers and
//! orchestrators. `/healthz` says only that the process answers; this says
//! whether every supervised worker is up and the database answers a query,
//! as JSON, with 200 when all are and 503 while one is not.
//!
//! It is a machine route, asked without sign-in, so it shows only what a
//! probe needs: each worker's name, state, restart count and the fixed
//! summary of its latest failure ("ReceiveMessage failed", "panicked"),
//! never the failure's detail (error messages, queue URLs, anything a
//! message or a token could have put there), which goes to the log.

use crate::workers::supervisor::{Health, WorkerState, WorkerStatus};
use app::ssr::ports::ReviewStore;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// A database that takes longer than this to answer counts as down.
const DATABASE_PATIENCE: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Probe {
    health: Health,
    store: Arc<dyn ReviewStore>,
}

/// The `/readyz` route, with its own state.
pub fn route<S: Clone + Send + Sync + 'static>(
    health: Health,
    store: Arc<dyn ReviewStore>,
) -> MethodRouter<S> {
    get(readyz).with_state(Probe { health, store })
}

#[derive(Debug, Serialize, PartialEq, Eq)]
struct Readiness {
    ready: bool,
    database: WorkerState,
    workers: Vec<WorkerStatus>,
}

async fn readyz(State(probe): State<Probe>) -> Response {
    let answered = tokio::time::timeout(DATABASE_PATIENCE, probe.store.last_audit_id()).await;
    let database = match answered {
        Ok(Ok(_)) => WorkerState::Up,
        Ok(Err(error)) => {
            tracing::warn!("readiness: the database query failed: {error}");
            WorkerState::Down
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer within {DATABASE_PATIENCE:?}");
            WorkerState::Down
        }
    };
    let readiness = readiness(database, probe.health.snapshot());
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

/// Ready when the database and every worker are up.
fn readiness(database: WorkerState, workers: Vec<WorkerStatus>) -> Readiness {
    let ready = database == WorkerState::Up && workers.iter().all(|w| w.state == WorkerState::Up);
    Readiness {
        ready,
        database,
        workers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(name: &'static str, state: WorkerState) -> WorkerStatus {
        WorkerStatus {
            name,
            state,
            restarts: 0,
            last_error: None,
        }
    }

    #[test]
    fn ready_only_when_everything_is_up() {
        let up = || {
            vec![
                worker("intake", WorkerState::Up),
                worker("clock", WorkerState::Up),
            ]
        };
        assert!(readiness(WorkerState::Up, up()).ready);
        assert!(!readiness(WorkerState::Down, up()).ready);
        for state in [
            WorkerState::Down,
            WorkerState::Restarting,
            WorkerState::Stopped,
        ] {
            let workers = vec![worker("intake", state), worker("clock", WorkerState::Up)];
            assert!(!readiness(WorkerState::Up, workers).ready, "{state:?}");
        }
    }

    #[test]
    fn the_answer_names_states_and_summaries_only() {
        let mut intake = worker("intake", WorkerState::Restarting);
        intake.restarts = 2;
        intake.last_error = Some("ReceiveMessage failed");
        let json = serde_json::to_value(readiness(WorkerState::Up, vec![intake])).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "ready": false,
                "database": "up",
                "workers": [{"name": "intake", "state": "restarting", "restarts": 2, "last_error": "ReceiveMessage failed"}]
            })
        );
    }
}
