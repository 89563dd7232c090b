//! The Slack rows of the benchmark. A `signoff serve` of their own, on an
//! empty database and a queue of its own, routes arrivals to the Slack
//! stand-in that `cargo xtask bench` starts. One review at a time, the
//! benchmark starts an execution and measures
//!
//! - how long after the review arrived (its `received_at`) the stand-in
//!   receives the `chat.postMessage` about it;
//! - how long Signoff takes to acknowledge the stand-in's signed Approve
//!   click, as the stand-in times it (the figure Slack holds to 3 s);
//! - how long after the click the stand-in receives the `chat.update` that
//!   takes the buttons away;
//!
//! next to a bare HTTP round trip to the same stand-in. Both clocks are this
//! machine's, so the stand-in's arrival stamps and Signoff's compare.

use crate::http::Http;
use crate::measure::Latencies;
use crate::{actor, start_server, ServerProcess, Settings};
use anyhow::{bail, Context};
use app::domain::actor::Role;
use app::domain::notify::blocks::APPROVE_ACTION;
use app::ssr::ports::People;
use serde_json::{json, Value};
use server::aws::provision;
use server::db::SqliteStore;
use std::path::Path;
use std::time::{Duration, Instant};

/// The stand-in's channel the route posts to (xtask's `slack::CHANNELS`).
const CHANNEL: &str = "C0REVIEWS";
/// The stand-in's user whose e-mail is the bench reviewer's.
const CLICKER: &str = "U0ADA";
/// How long one step may take before the run is called broken.
const PATIENCE: Duration = Duration::from_secs(30);
/// Bare round trips per review (they are cheap; more samples, steadier p99).
const BARE_PER_REVIEW: usize = 4;

/// Where the stand-in is and how it signs.
pub struct StandIn {
    /// Its base, e.g. `http://127.0.0.1:3100` (its Web API under `/api`).
    pub url: String,
    pub token: String,
    pub signing_secret: String,
}

impl StandIn {
    /// From SIGNOFF_BENCH_SLACK_URL, _TOKEN and _SIGNING_SECRET.
    pub fn from_env() -> anyhow::Result<Self> {
        let required = |name: &str| {
            std::env::var(name).with_context(|| {
                format!("{name} is not set: run the benchmark with `cargo xtask bench`")
            })
        };
        Ok(Self {
            url: required("SIGNOFF_BENCH_SLACK_URL")?,
            token: required("SIGNOFF_BENCH_SLACK_TOKEN")?,
            signing_secret: required("SIGNOFF_BENCH_SLACK_SIGNING_SECRET")?,
        })
    }
}

pub struct SlackFigures {
    pub reviews: usize,
    pub bare: Latencies,
    pub posted: Latencies,
    pub acknowledged: Latencies,
    pub updated: Latencies,
}

/// Event to message posted: the target's p99, in milliseconds.
pub const POSTED_TARGET_MS: f64 = 1_000.0;
/// A click's acknowledgement: the target's p99, and Slack's own limit.
pub const ACK_TARGET_MS: f64 = 300.0;
pub const ACK_LIMIT_MS: f64 = 3_000.0;

pub async fn measure(
    settings: &Settings,
    stand_in: &StandIn,
    sfn: &aws_sdk_sfn::Client,
    sqs: &aws_sdk_sqs::Client,
    http: &Http,
) -> anyhow::Result<SlackFigures> {
    let dir = crate::http::ScratchDir::new();
    let database_url = format!("sqlite://{}", dir.path().join("slack.db").display());
    // The reviewer the stand-in's user maps to, as after a sign-in.
    let store = SqliteStore::connect(&database_url).await?;
    store
        .record_sign_in(
            &actor("ada", Role::Reviewer),
            chrono::Utc::now().timestamp_millis(),
        )
        .await?;
    store.pool().close().await;
    let config = dir.path().join("signoff.toml");
    std::fs::write(
        &config,
        format!(
            "[[notify.route]]\nname = \"bench\"\nevents = [\"arrived\"]\nslack = [\"{CHANNEL}\"]\n"
        ),
    )?;

    let name = format!(
        "bench-slack-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let queue_url = provision::intake_queue(sqs, &name).await?;
    let asl = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/state-machine.asl.json");
    let machine = provision::state_machine(
        sfn,
        &name,
        &provision::definition(&asl, &queue_url)?,
        crate::ROLE_ARN,
    )
    .await?;
    let server = start_server(
        settings,
        &dir,
        "slack-server",
        &database_url,
        &queue_url,
        &[
            ("SIGNOFF_CONFIG", config.display().to_string()),
            ("SIGNOFF_SLACK_API_URL", format!("{}/api", stand_in.url)),
            ("SIGNOFF_SLACK_BOT_TOKEN", stand_in.token.clone()),
            (
                "SIGNOFF_SLACK_SIGNING_SECRET",
                stand_in.signing_secret.clone(),
            ),
        ],
        http,
    )
    .await?;
    let db = sqlx::SqlitePool::connect(&database_url).await?;
    let (_, input) = server::seed::samples()
        .into_iter()
        .next()
        .context("no sample review")?;
    let mut calls = CallLog::new(&stand_in.url);
    let mut figures = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for n in 0..settings.slack_reviews {
        for _ in 0..BARE_PER_REVIEW {
            figures.0.push(bare_round_trip(http, stand_in).await?);
        }
        let execution = format!("{name}-{n}");
        let arn = provision::start_execution(sfn, &machine, &execution, &input).await?;
        let review = crate::wait_for_review(&db, &arn).await?;
        let (received_at,): (i64,) = sqlx::query_as("select received_at from review where id = ?")
            .bind(&review.id)
            .fetch_one(&db)
            .await?;
        let link = format!("/reviews/{}", review.id);
        let post = calls
            .wait_for(http, &server, "chat.postMessage about the review", |call| {
                call["method"] == "chat.postMessage"
                    && call["answer"]["ok"] == true
                    && call["args"].to_string().contains(&link)
            })
            .await?;
        figures.1.push(between(received_at, &post)?);
        let ts = post["answer"]["ts"]
            .as_str()
            .context("a posted message without its ts")?
            .to_owned();

        let clicked_at = chrono::Utc::now().timestamp_millis();
        let click = http
            .try_send_with(
                "POST",
                &format!("{}/_interact", stand_in.url),
                &[("content-type", "application/json")],
                json!({
                    "type": "block_actions", "user": CLICKER, "channel": CHANNEL, "ts": ts,
                    "action_id": APPROVE_ACTION, "url": format!("{}/slack/interactions", server.base),
                })
                .to_string(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("the stand-in's click failed: {e}"))?;
        let answer: Value = serde_json::from_str(&click.body)
            .with_context(|| format!("the stand-in's click answered {}", click.body))?;
        let sent = &answer["sent"][0];
        if sent["status"] != 200 {
            bail!("Signoff answered the click with {sent}");
        }
        let ms = sent["ms"].as_f64().context("a click without its time")?;
        figures.2.push(Duration::from_secs_f64(ms / 1000.0));
        let update = calls
            .wait_for(http, &server, "chat.update after the click", |call| {
                call["method"] == "chat.update"
                    && call["answer"]["ok"] == true
                    && call["args"]["ts"] == ts.as_str()
            })
            .await?;
        figures.3.push(between(clicked_at, &update)?);
    }
    db.close().await;
    Ok(SlackFigures {
        reviews: settings.slack_reviews,
        bare: Latencies::new(figures.0),
        posted: Latencies::new(figures.1),
        acknowledged: Latencies::new(figures.2),
        updated: Latencies::new(figures.3),
    })
}

/// From `since_ms` to when the stand-in stamped `call` as arrived.
fn between(since_ms: i64, call: &Value) -> anyhow::Result<Duration> {
    let at = call["at"].as_i64().context("a call without its arrival")?;
    Ok(Duration::from_millis(
        at.saturating_sub(since_ms).max(0) as u64
    ))
}

/// One call of a real Web API method, as Signoff makes them.
async fn bare_round_trip(http: &Http, stand_in: &StandIn) -> anyhow::Result<Duration> {
    let bearer = format!("Bearer {}", stand_in.token);
    let started = Instant::now();
    let reply = http
        .try_send_with(
            "POST",
            &format!("{}/api/users.info", stand_in.url),
            &[
                ("content-type", "application/json"),
                ("authorization", bearer.as_str()),
            ],
            json!({ "user": CLICKER }).to_string(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("users.info failed: {e}"))?;
    let elapsed = started.elapsed();
    if !reply.body.contains("\"ok\":true") {
        bail!("users.info answered {}", reply.body);
    }
    Ok(elapsed)
}

/// The stand-in's record of calls, read from where the last read ended.
struct CallLog {
    url: String,
    calls: Vec<Value>,
}

impl CallLog {
    fn new(stand_in: &str) -> Self {
        Self {
            url: format!("{stand_in}/_calls"),
            calls: Vec::new(),
        }
    }

    /// The first call recorded that `wanted` accepts, waiting for it.
    async fn wait_for(
        &mut self,
        http: &Http,
        server: &ServerProcess,
        what: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        let started = Instant::now();
        let mut looked = 0;
        loop {
            if let Some(call) = self.calls[looked..].iter().find(|call| wanted(call)) {
                return Ok(call.clone());
            }
            looked = self.calls.len();
            if started.elapsed() > PATIENCE {
                bail!(
                    "the Slack stand-in received no {what} within {PATIENCE:?}; see {}",
                    server.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            let url = format!("{}?after={}", self.url, self.calls.len());
            let reply = http
                .try_send_with("GET", &url, &[], String::new())
                .await
                .map_err(|e| anyhow::anyhow!("reading the stand-in's calls failed: {e}"))?;
            let more: Vec<Value> = serde_json::from_str(&reply.body)
                .with_context(|| format!("the stand-in's calls: {}", reply.body))?;
            self.calls.extend(more);
        }
    }
}

impl SlackFigures {
    pub fn print(&self) {
        let bare = self.bare.p50();
        println!();
        println!(
            "| Slack, one review at a time ({} reviews) | p50 ms | p99 ms | max ms | p50 ratio |",
            self.reviews
        );
        println!("|---|---:|---:|---:|---:|");
        for (name, figures) in [
            ("bare round trip to the stand-in (users.info)", &self.bare),
            ("review arrived → chat.postMessage received", &self.posted),
            (
                "Approve click → acknowledged (timed by the stand-in)",
                &self.acknowledged,
            ),
            ("Approve click → chat.update received", &self.updated),
        ] {
            println!(
                "| {name} | {:.1} | {:.1} | {:.1} | {:.1}× |",
                figures.p50(),
                figures.p99(),
                figures.percentile_ms(100.0),
                figures.p50() / bare
            );
        }
        let verdict = |holds: bool| if holds { "holds" } else { "missed" };
        let (posted, acknowledged) = (self.posted.p99(), self.acknowledged.p99());
        let slowest = self.acknowledged.percentile_ms(100.0);
        println!(
            "\nTargets: arrival to message posted p99 under {POSTED_TARGET_MS} ms: {posted:.1} ms, {}. \
             A click acknowledged p99 under {ACK_TARGET_MS} ms: {acknowledged:.1} ms, {}; \
             none over Slack's {ACK_LIMIT_MS} ms: the slowest {slowest:.1} ms, {}.",
            verdict(posted < POSTED_TARGET_MS),
            verdict(acknowledged < ACK_TARGET_MS),
            verdict(slowest < ACK_LIMIT_MS),
        );
        println!(
            "Arrival is the review's receipt; the stand-in stamps each call as it arrives. \
             A message waits for the change feed (every half second) rather than the sweep interval."
        );
    }
}
