//! Supervision of the background workers. Each worker runs under
//! [`supervise`]: one that panics, returns an error, or returns at all
//! before shutdown is logged and started again after a capped, jittered
//! exponential backoff. Every worker's state is kept in a [`Health`]
//! registry, which `/readyz` reads; a worker also reports there how its
//! steps go, so one that keeps failing at its job (a queue that no longer
//! exists) shows as down while it still runs.
//!
//! What the registry holds is shown without sign-in, so a failure carries
//! two texts: a fixed summary chosen in code (`&'static str`, which can hold
//! no token, URL or message from outside), shown; and its detail, logged only.

use futures::FutureExt;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The first restart waits about this long…
pub const FIRST_RESTART: Duration = Duration::from_secs(1);
/// …doubling per failure in a row, never longer than this.
pub const MAX_RESTART: Duration = Duration::from_secs(30);
/// A run this long resets the doubling: the next failure is a new streak.
const STEADY_RUN: Duration = Duration::from_secs(60);

/// Where a worker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    /// Running, and its last step (if any) succeeded.
    Up,
    /// Running, but its last step failed (it keeps trying).
    Down,
    /// It ended abnormally and waits to be started again, or was started
    /// again and has not yet finished a step.
    Restarting,
    /// Stopped by shutdown.
    Stopped,
}

/// One worker's state as `/readyz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerStatus {
    pub name: &'static str,
    pub state: WorkerState,
    /// Times it was started again since the server started.
    pub restarts: u32,
    /// The summary of its latest failure (never its detail).
    pub last_error: Option<&'static str>,
}

/// Why a worker step or a whole run failed: a fixed summary that may be
/// shown, and a detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerFailure {
    pub summary: &'static str,
    pub detail: String,
}

impl WorkerFailure {
    pub fn new(summary: &'static str, detail: impl std::fmt::Display) -> Self {
        Self {
            summary,
            detail: detail.to_string(),
        }
    }
}

/// What a worker's run returns: `Ok` only when shutdown asked it to stop.
pub type WorkerResult = Result<(), WorkerFailure>;

/// The states of all supervised workers of one server, cheap to clone.
#[derive(Clone, Default)]
pub struct Health {
    workers: Arc<Mutex<BTreeMap<&'static str, WorkerStatus>>>,
}

impl Health {
    /// Every worker's state, by name.
    pub fn snapshot(&self) -> Vec<WorkerStatus> {
        self.lock().values().cloned().collect()
    }

    /// The reporting handle of worker `name`, registered as up.
    pub fn register(&self, name: &'static str) -> WorkerHandle {
        self.lock().insert(
            name,
            WorkerStatus {
                name,
                state: WorkerState::Up,
                restarts: 0,
                last_error: None,
            },
        );
        WorkerHandle {
            name,
            health: self.clone(),
        }
    }

    fn update(&self, name: &'static str, change: impl FnOnce(&mut WorkerStatus)) {
        if let Some(status) = self.lock().get_mut(name) {
            change(status);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, WorkerStatus>> {
        // A panic while holding this lock cannot leave a status half
        // written (each update is one assignment), so poisoning is ignored.
        self.workers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How a worker reports its steps.
#[derive(Clone)]
pub struct WorkerHandle {
    name: &'static str,
    health: Health,
}

impl WorkerHandle {
    /// A step succeeded: the worker is up.
    pub fn step_ok(&self) {
        self.health.update(self.name, |s| s.state = WorkerState::Up);
    }

    /// A step failed; the worker goes on, but shows as down until a step succeeds.
    pub fn step_failed(&self, failure: &WorkerFailure) {
        self.health.update(self.name, |s| {
            s.state = WorkerState::Down;
            s.last_error = Some(failure.summary);
        });
    }

    fn restarting(&self, summary: &'static str) {
        self.health.update(self.name, |s| {
            s.state = WorkerState::Restarting;
            s.restarts = s.restarts.saturating_add(1);
            s.last_error = Some(summary);
        });
    }

    fn stopped(&self) {
        self.health
            .update(self.name, |s| s.state = WorkerState::Stopped);
    }
}

/// How long to wait before start number `streak + 1` of a worker that
/// failed `streak` times in a row, given a `jitter` in `[0, 1)`: the window
/// doubles from [`FIRST_RESTART`] up to [`MAX_RESTART`], and the wait is
/// drawn from its upper half, so it never collapses to zero and workers
/// failing together do not restart in lockstep.
pub fn restart_delay(streak: u32, jitter: f64) -> Duration {
    let window = FIRST_RESTART
        .saturating_mul(1_u32 << streak.saturating_sub(1).min(16))
        .min(MAX_RESTART);
    let half = window / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

/// Runs the worker `start` makes, again and again until `shutdown`: each
/// run gets the worker's handle; a panic, an error, or a return before
/// shutdown is logged (with the worker's name and cause) and counted, and
/// the worker starts again after [`restart_delay`]. A worker stops by
/// returning once `shutdown` is cancelled, so it finishes its current step.
pub async fn supervise<F, Fut>(
    name: &'static str,
    health: Health,
    shutdown: CancellationToken,
    mut start: F,
) where
    F: FnMut(WorkerHandle) -> Fut,
    Fut: Future<Output = WorkerResult>,
{
    let handle = health.register(name);
    let mut streak = 0_u32;
    loop {
        let started = Instant::now();
        let ended = AssertUnwindSafe(start(handle.clone())).catch_unwind().await;
        if shutdown.is_cancelled() {
            break;
        }
        let failure = match ended {
            Ok(Ok(())) => WorkerFailure::new("stopped unexpectedly", "it returned before shutdown"),
            Ok(Err(failure)) => failure,
            Err(panic) => WorkerFailure::new("panicked", panic_message(panic.as_ref())),
        };
        streak = if started.elapsed() >= STEADY_RUN {
            1
        } else {
            streak.saturating_add(1)
        };
        let delay = restart_delay(streak, rand::random::<f64>());
        tracing::error!(
            worker = name,
            cause = failure.summary,
            detail = ?failure.detail,
            "worker failed; restarting in {delay:?}"
        );
        handle.restarting(failure.summary);
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    handle.stopped();
}

/// A panic's message, when it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn restarts_back_off_exponentially_up_to_a_cap() {
        let top = |streak| restart_delay(streak, 1.0);
        assert_eq!(top(1), Duration::from_secs(1));
        assert_eq!(top(2), Duration::from_secs(2));
        assert_eq!(top(3), Duration::from_secs(4));
        assert_eq!(top(5), Duration::from_secs(16));
        assert_eq!(top(6), MAX_RESTART);
        assert_eq!(top(u32::MAX), MAX_RESTART);
    }

    #[test]
    fn jitter_stays_in_the_upper_half_of_the_window() {
        assert_eq!(restart_delay(3, 0.0), Duration::from_secs(2));
        let middle = restart_delay(3, 0.5);
        assert!(middle > Duration::from_secs(2) && middle < Duration::from_secs(4));
        assert_eq!(restart_delay(0, 0.0), Duration::from_millis(500));
        assert_eq!(restart_delay(3, 7.0), Duration::from_secs(4), "clamped");
    }

    #[tokio::test]
    async fn a_panicking_worker_is_restarted_and_counted() {
        let health = Health::default();
        let shutdown = CancellationToken::new();
        let runs = Arc::new(AtomicU32::new(0));
        let supervisor = tokio::spawn(supervise("flaky", health.clone(), shutdown.clone(), {
            let runs = runs.clone();
            let shutdown = shutdown.clone();
            move |handle| {
                let runs = runs.clone();
                let shutdown = shutdown.clone();
                async move {
                    if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                        panic!("poison message");
                    }
                    handle.step_ok();
                    shutdown.cancelled().await;
                    Ok(())
                }
            }
        }));
        let deadline = Instant::now() + Duration::from_secs(30);
        while runs.load(Ordering::SeqCst) < 3 {
            assert!(Instant::now() < deadline, "not restarted twice");
            assert!(!supervisor.is_finished(), "the supervisor ended");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::task::yield_now().await;
        let status = health.snapshot().remove(0);
        assert_eq!(status.name, "flaky");
        assert_eq!(status.state, WorkerState::Up);
        assert_eq!(status.restarts, 2);
        assert_eq!(status.last_error, Some("panicked"));
        shutdown.cancel();
        supervisor
            .await
            .expect("the supervisor itself never panics");
        assert_eq!(health.snapshot()[0].state, WorkerState::Stopped);
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "not restarted after shutdown"
        );
    }

    #[tokio::test]
    async fn a_worker_that_errs_or_returns_early_is_restarting_then_down_while_it_fails() {
        let health = Health::default();
        let shutdown = CancellationToken::new();
        let runs = Arc::new(AtomicU32::new(0));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(supervise("intake", health.clone(), shutdown.clone(), {
            let runs = runs.clone();
            move |handle| {
                let run = runs.fetch_add(1, Ordering::SeqCst);
                let tx = tx.clone();
                async move {
                    match run {
                        0 => Err(WorkerFailure::new(
                            "receive failed",
                            "queue https://x/1 gone",
                        )),
                        1 => Ok(()),
                        _ => {
                            handle.step_failed(&WorkerFailure::new("receive failed", "again"));
                            let _ = tx.send(());
                            std::future::pending().await
                        }
                    }
                }
            }
        }));
        rx.recv().await.expect("third run");
        let status = health.snapshot().remove(0);
        assert_eq!(status.state, WorkerState::Down);
        assert_eq!(status.restarts, 2);
        assert_eq!(status.last_error, Some("receive failed"));
        shutdown.cancel();
    }
}
