//! The delivery recorder: writes how a decider's delivery attempt ended, a
//! moment after the decider has heard it, in one task the server's shutdown
//! waits for.
//!
//! A first attempt takes a [`Ticket`] before it sends; the ticket is a
//! sender on the recorder's channel, so while any attempt is still under
//! way (even one the decider stopped waiting for) the channel stays open.
//! [`OutcomeRecorder::close`] drops the one sender that is not a ticket: the
//! recorder then writes what is queued, waits for the attempts still in
//! flight (the SDK's timeouts bound them) and ends. Nothing is written
//! twice: each attempt records once, through its own ticket.

use super::ports::{AuditRecord, DeliveryOutcome, ReviewStore};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long the decider's answer has to itself before its delivery's
/// outcome is written. Written at once, the write transaction competed with
/// sending the answer: on 2 cores, while Step Functions (the emulator) ran
/// the resumed execution, 4 decisions in 10 waited 2 to 4 ms longer for it
/// (docs/benchmarks.md). The claim's lease covers the gap.
pub const RECORD_AFTER_ANSWER: Duration = Duration::from_millis(20);

/// How one attempt ended, to be written at `due`.
struct Record {
    review_id: String,
    outcome: DeliveryOutcome,
    at_ms: i64,
    audit: Option<AuditRecord>,
    due: Instant,
}

/// The services' side of the recorder, cheap to clone.
#[derive(Clone)]
pub struct OutcomeRecorder {
    /// `None` once closed: a shutdown has begun.
    sender: Arc<Mutex<Option<mpsc::UnboundedSender<Record>>>>,
}

/// The right to record one attempt's outcome; held while the attempt runs.
pub struct Ticket(mpsc::UnboundedSender<Record>);

/// The recorder's task: run it once, with the workers.
pub struct Recording {
    receiver: mpsc::UnboundedReceiver<Record>,
    store: Arc<dyn ReviewStore>,
}

/// A recorder writing to `store`, and the task that does the writing.
pub fn outcome_recorder(store: Arc<dyn ReviewStore>) -> (OutcomeRecorder, Recording) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (
        OutcomeRecorder {
            sender: Arc::new(Mutex::new(Some(sender))),
        },
        Recording { receiver, store },
    )
}

impl OutcomeRecorder {
    /// A ticket for one attempt, or `None` once the recorder is closed (the
    /// attempt is then not made: its claim lapses and the next sender takes it).
    pub fn ticket(&self) -> Option<Ticket> {
        self.lock().clone().map(Ticket)
    }

    /// No new tickets: the recorder ends once every ticket has recorded and
    /// what they queued is written. Call it when nothing can decide any more.
    pub fn close(&self) {
        self.lock().take();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<mpsc::UnboundedSender<Record>>> {
        // Each use is one clone or one take: poisoning cannot leave it half done.
        self.sender.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Ticket {
    /// Queues the outcome, written [`RECORD_AFTER_ANSWER`] from now.
    pub fn record(
        self,
        review_id: String,
        outcome: DeliveryOutcome,
        at_ms: i64,
        audit: Option<AuditRecord>,
    ) {
        let record = Record {
            review_id,
            outcome,
            at_ms,
            audit,
            due: Instant::now() + RECORD_AFTER_ANSWER,
        };
        // The receiver lives until every ticket is gone, unless its task
        // panicked; then the claim lapses and the delivery worker sends again.
        if let Err(lost) = self.0.send(record) {
            tracing::warn!(review_id = %lost.0.review_id, "the delivery recorder has stopped; the worker will check this delivery again");
        }
    }
}

impl Recording {
    /// Writes each outcome when it is due, until the recorder is closed and
    /// every ticket has recorded.
    pub async fn run(self) {
        let store = &self.store;
        write_each(self.receiver, move |record| async move {
            let written = store
                .finish_delivery(
                    &record.review_id,
                    &record.outcome,
                    record.at_ms,
                    record.audit.as_ref(),
                )
                .await;
            if let Err(error) = written {
                tracing::warn!(review_id = %record.review_id, "could not record the delivery; the worker will check it again: {error}");
            }
        })
        .await;
        tracing::info!("delivery recorder stopped");
    }
}

/// Hands each record to `write` once it is due, in the order they came,
/// until every sender is gone.
async fn write_each<F, Fut>(mut receiver: mpsc::UnboundedReceiver<Record>, mut write: F)
where
    F: FnMut(Record) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    while let Some(record) = receiver.recv().await {
        tokio::time::sleep_until(record.due).await;
        write(record).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closing_waits_for_every_ticket_and_writes_each_once() {
        let (sender, receiver) = mpsc::unbounded_channel();
        let recorder = OutcomeRecorder {
            sender: Arc::new(Mutex::new(Some(sender))),
        };
        let answered = recorder.ticket().expect("open");
        let in_flight = recorder.ticket().expect("open");
        answered.record("r1".into(), DeliveryOutcome::Delivered, 1, None);
        recorder.close();
        assert!(recorder.ticket().is_none(), "no new attempt after close");

        let written = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(write_each(receiver, {
            let written = written.clone();
            move |record: Record| {
                written.lock().unwrap().push(record.review_id);
                async {}
            }
        }));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while written.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "r1 never written");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::task::yield_now().await;
        assert!(
            !task.is_finished(),
            "the recorder waits for the attempt still in flight"
        );
        in_flight.record(
            "r2".into(),
            DeliveryOutcome::Retry {
                error: "timed out".into(),
                next_attempt_at_ms: 5,
            },
            2,
            None,
        );
        task.await
            .expect("the recorder ends once every ticket recorded");
        assert_eq!(*written.lock().unwrap(), ["r1", "r2"]);
    }
}
