//! Fills a database the way a busy year would: an audit history of
//! decisions, views and sign-ins, then the pending reviews, each received
//! through the same store call intake uses (and audited like it).

use app::domain::audit_action::Action;
use app::domain::intake::parse_review_request;
use app::ssr::ports::{AuditRecord, NewReview, ReviewStore};
use serde_json::json;
use server::db::SqliteStore;
use std::time::Instant;

const DAY_MS: i64 = 86_400_000;
/// Entries appended per transaction while seeding the history.
const BATCH: usize = 20_000;
/// People who act in the history; entries are spread evenly over them.
const PEOPLE: u64 = 200;
/// Models of the pending reviews; the first few are much more common.
const MODELS: u64 = 40;

/// Someone who appears a handful of times in a million entries: filtering
/// by them is the worst case for a scan.
pub const RARE_PERSON: &str = "rare.person@example.com";
/// A word that appears in a handful of rejection reasons.
pub const RARE_WORD: &str = "quokka";
/// A model with a handful of pending reviews.
pub const RARE_MODEL: &str = "model-rare";
/// How often the rare person, word and model appear.
const RARE_EVERY: u64 = 100_000;
/// History entries needed before each of them has appeared once.
pub const FIRST_RARE_ENTRIES: usize = 4;

/// A small deterministic generator (splitmix64): the same data every run.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn person(n: u64) -> String {
    format!("reviewer{:03}@example.com", n % PEOPLE)
}

/// Appends `count` entries spread over the year before `now_ms`.
pub async fn history(store: &SqliteStore, count: usize, now_ms: i64) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut dice = Dice::new(7);
    let span = 364 * DAY_MS;
    let start = now_ms - 365 * DAY_MS;
    let mut batch = Vec::with_capacity(BATCH);
    for n in 0..count as u64 {
        let at_ms = start + (span as u128 * n as u128 / count.max(1) as u128) as i64;
        batch.push(history_entry(&mut dice, n, at_ms));
        if batch.len() == BATCH {
            store.append_audit_batch(&batch).await?;
            batch.clear();
            eprint!("\r  audit history: {}/{count}", n + 1);
        }
    }
    store.append_audit_batch(&batch).await?;
    eprintln!(
        "\r  audit history: {count} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn history_entry(dice: &mut Dice, n: u64, at_ms: i64) -> AuditRecord {
    let review = format!("hist-{}", n / 8);
    let actor = if n % RARE_EVERY == 1 {
        RARE_PERSON.to_owned()
    } else {
        person(dice.next())
    };
    let by = |action: Action, detail: Option<String>| AuditRecord {
        at_ms,
        actor: actor.clone(),
        actor_subject: Some(actor.clone()),
        actor_role: Some("reviewer".into()),
        action: action.to_string(),
        review_id: Some(review.clone()),
        detail,
    };
    match dice.below(100) {
        0..=54 => by(Action::Viewed, None),
        55..=69 => by(
            Action::Approved,
            Some("Looks good against baseline.".into()),
        ),
        70..=72 => {
            let word = if n % RARE_EVERY == 2 {
                RARE_WORD
            } else {
                "regression"
            };
            by(
                Action::Rejected,
                Some(format!("Recall {word} on the holdout segment.")),
            )
        }
        73..=89 => AuditRecord::system(
            at_ms,
            Action::Delivered,
            Some(&review),
            Some("SendTaskSuccess".into()),
        ),
        90..=96 => AuditRecord {
            review_id: None,
            ..by(Action::SignedIn, None)
        },
        _ => AuditRecord {
            review_id: None,
            ..by(Action::SignedOut, None)
        },
    }
}

/// A pending review's intake message, as the state machine sends it.
fn intake_message(dice: &mut Dice, n: u64, entered: &str) -> String {
    let model = if n % RARE_EVERY == 3 {
        RARE_MODEL.to_owned()
    } else {
        // Skewed: a few models get most reviews, as in real pipelines.
        format!("model-{:02}", dice.below(MODELS).min(dice.below(MODELS)))
    };
    let auc = 0.80 + dice.below(150) as f64 / 1000.0;
    let group = ["ml-reviewers", "risk-reviewers", "search-reviewers"][dice.below(3) as usize];
    json!({
        "version": 1,
        "taskToken": format!("bench-token-{n:08}-{}", dice.next()),
        "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:bench:run-{n}"),
        "stateName": "RequestApproval",
        "enteredTime": entered,
        "review": {
            "title": format!("Promote {model} v{} to production", n % 97),
            "model": {"name": model, "version": (n % 97).to_string(), "stage": "production"},
            "metrics": {"auc": auc, "precision": 0.81, "recall": 0.7},
            "baseline": {"auc": 0.88, "precision": 0.8, "recall": 0.69},
            "thresholds": {"auc": {"min": 0.85}, "precision": {"min": 0.8}},
            "artefacts": [
                {"label": "Report", "uri": format!("s3://{ARTEFACT_BUCKET}/{n}/report.html")},
                {"label": "Metrics", "uri": format!("s3://{ARTEFACT_BUCKET}/{n}/metrics.json")}
            ],
            "requestedBy": person(dice.next()),
            "reviewerGroup": group,
            "timeoutSeconds": 30 * 86_400
        },
        "context": {"run": n}
    })
    .to_string()
}

/// Where the pending reviews' artefacts are: review `n`'s under `n/`.
pub const ARTEFACT_BUCKET: &str = "bench-artefacts";

/// Stores the artefacts of the reviews numbered `numbers` (their position
/// in [`pending_reviews`]' ids), a few uploads at a time.
pub async fn artefacts(s3: &aws_sdk_s3::Client, numbers: &[usize]) -> anyhow::Result<()> {
    use futures::StreamExt;
    let started = Instant::now();
    server::aws::provision::bucket_with(s3, ARTEFACT_BUCKET, Vec::new()).await?;
    let uploads = numbers.iter().flat_map(|n| {
        [
            (
                format!("{n}/report.html"),
                "text/html",
                format!("<h1>Review {n}</h1>"),
            ),
            (
                format!("{n}/metrics.json"),
                "application/json",
                format!("{{\"review\":{n},\"auc\":0.9}}"),
            ),
        ]
    });
    let stored: Vec<anyhow::Result<()>> = futures::stream::iter(uploads)
        .map(|(key, content_type, body)| async move {
            s3.put_object()
                .bucket(ARTEFACT_BUCKET)
                .key(&key)
                .content_type(content_type)
                .body(body.into_bytes().into())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("storing s3://{ARTEFACT_BUCKET}/{key}: {e}"))
        })
        .buffer_unordered(8)
        .collect()
        .await;
    stored.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    eprintln!(
        "  artefacts of {} reviews in {:.1} s",
        numbers.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Inserts `count` pending reviews received over the last day; returns
/// their ids.
pub async fn pending_reviews(
    store: &SqliteStore,
    count: usize,
    now_ms: i64,
) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    let mut dice = Dice::new(11);
    let mut ids = Vec::with_capacity(count);
    let entered = chrono::DateTime::from_timestamp_millis(now_ms - DAY_MS)
        .unwrap_or_default()
        .to_rfc3339();
    for n in 0..count as u64 {
        let received_at_ms =
            now_ms - DAY_MS + (DAY_MS as u128 * n as u128 / count.max(1) as u128) as i64;
        let request =
            parse_review_request(&intake_message(&mut dice, n, &entered)).map_err(|rejection| {
                anyhow::anyhow!("seed message refused: {}", rejection.summary())
            })?;
        let audit = AuditRecord::system(
            received_at_ms,
            Action::Received,
            None,
            Some(format!(
                "from sqs by {}",
                request.spec.requested_by.as_deref().unwrap_or_default()
            )),
        );
        let review = NewReview {
            id: uuid::Uuid::new_v4().to_string(),
            policy: app::domain::policy::EffectivePolicy::from_request(&request.spec),
            failing_thresholds: app::domain::metrics::failing_thresholds(&request.spec),
            request,
            received_at_ms,
        };
        store.insert_review(&review, &audit).await?;
        ids.push(review.id);
        if (n + 1) % 5_000 == 0 {
            eprint!("\r  pending reviews: {}/{count}", n + 1);
        }
    }
    eprintln!(
        "\r  pending reviews: {count} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ids)
}
