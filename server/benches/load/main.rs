//! Signoff's benchmark (`cargo xtask bench`, which starts the emulator and
//! builds the release site first). It seeds a SQLite database with pending
//! reviews and a long audit history, starts the release `signoff serve` on
//! it, and prints:
//!
//! - page latency p50/p99 under concurrent load on loopback (queue, review,
//!   audit pages and filters), as ratios to the bare page of the same
//!   server in the same run (`/bench/bare`: the site's shell around a
//!   static 50-row table, no database, no services), and whether the review
//!   page's p99 is within 2× the bare page's;
//! - decision-to-acknowledgement latency next to a bare `SendTaskSuccess`
//!   call to the same emulator, as a ratio;
//! - the WASM bundle and its JS glue, raw and gzip;
//! - the server's resident memory;
//! - on a second server routing arrivals to the Slack stand-in, one review
//!   at a time: arrival to message posted, a click's acknowledgement and
//!   click to message updated, beside a bare round trip to the stand-in
//!   (slack.rs).
//!
//! Settings (environment): SIGNOFF_BENCH_AWS_ENDPOINT and
//! SIGNOFF_BENCH_SITE_ROOT (required), SIGNOFF_BENCH_REVIEWS (100000),
//! SIGNOFF_BENCH_AUDIT_ENTRIES (1000000), SIGNOFF_BENCH_REQUESTS per page
//! (2000), SIGNOFF_BENCH_CONCURRENCY (8), SIGNOFF_BENCH_ROUNDS of each
//! page's load (3; the median round is reported), SIGNOFF_BENCH_DECISIONS
//! (30), SIGNOFF_BENCH_SLACK_REVIEWS (50) and the stand-in's
//! SIGNOFF_BENCH_SLACK_URL, _TOKEN and _SIGNING_SECRET (required for the
//! Slack rows).
//!
//! With SIGNOFF_BENCH_FUZZ_INTAKE=N (`cargo xtask bench --fuzz-intake N`)
//! it does none of that: it throws N generated intake messages at the
//! intake path (the fuzz test's generator, app/tests/intake_fuzz) and
//! prints the count, the rate and the panics; it fails on any.

#[path = "../../../app/tests/intake_fuzz/cases.rs"]
mod cases;
// The scratch directories' databases (SQLite unless told otherwise).
#[path = "../../tests/api/engine.rs"]
#[allow(dead_code)]
mod engine;
#[path = "../../tests/api/http.rs"]
#[allow(dead_code)]
mod http;
mod measure;
mod seed;
mod slack;

use anyhow::{bail, Context};
use app::domain::actor::{Actor, Role};
use http::{Http, ScratchDir};
use measure::{Latencies, Load, Round, Rounds};
use server::auth::sessions::{Lifetimes, Sessions};
use server::aws::{provision, sdk_config};
use server::config::AwsArgs;
use server::db::sqlite::SqliteSessions;
use server::db::SqliteStore;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/signoff-bench";

struct Settings {
    endpoint: String,
    site_root: PathBuf,
    reviews: usize,
    audit_entries: usize,
    requests: usize,
    concurrency: usize,
    rounds: usize,
    decisions: usize,
    /// Reviews taken through Slack, one at a time.
    slack_reviews: usize,
    /// Only the page rows naming one of these words (and the bare page),
    /// and no decisions; every row when empty.
    pages: Vec<String>,
}

impl Settings {
    /// Whether the row `name` is measured.
    fn measures(&self, name: &str) -> bool {
        name == BARE_PAGE
            || self.pages.is_empty()
            || self.pages.iter().any(|word| name.contains(word.as_str()))
    }
}

fn setting(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .with_context(|| format!("{name}={value} is not a count")),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let required = |name: &str| {
            std::env::var(name).with_context(|| {
                format!("{name} is not set: run the benchmark with `cargo xtask bench`")
            })
        };
        let settings = Self {
            endpoint: required("SIGNOFF_BENCH_AWS_ENDPOINT")?,
            site_root: required("SIGNOFF_BENCH_SITE_ROOT")?.into(),
            reviews: setting("SIGNOFF_BENCH_REVIEWS", 100_000)?,
            audit_entries: setting("SIGNOFF_BENCH_AUDIT_ENTRIES", 1_000_000)?,
            requests: setting("SIGNOFF_BENCH_REQUESTS", 2_000)?,
            concurrency: setting("SIGNOFF_BENCH_CONCURRENCY", 8)?.max(1),
            rounds: setting("SIGNOFF_BENCH_ROUNDS", 3)?.max(1),
            decisions: setting("SIGNOFF_BENCH_DECISIONS", 30)?.max(1),
            slack_reviews: setting("SIGNOFF_BENCH_SLACK_REVIEWS", 50)?.max(1),
            pages: std::env::var("SIGNOFF_BENCH_PAGES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        // Each review's "received" entry is part of the audit log; the rest
        // is seeded history, where the audit pages' rare person, word and
        // model are (seed::RARE_EVERY). Say so now rather than fail later.
        if settings.audit_entries < settings.reviews + seed::FIRST_RARE_ENTRIES {
            bail!(
                "--audit-entries ({}) must exceed --reviews ({}) by at least {}: the reviews' own entries count toward it, and the audit pages look for rare entries in the rest",
                settings.audit_entries,
                settings.reviews,
                seed::FIRST_RARE_ENTRIES
            );
        }
        Ok(settings)
    }
}

/// The `signoff serve` process, killed when dropped.
struct ServerProcess {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Ok(count) = std::env::var("SIGNOFF_BENCH_FUZZ_INTAKE") {
        let count = count
            .parse()
            .with_context(|| format!("SIGNOFF_BENCH_FUZZ_INTAKE={count} is not a count"))?;
        return fuzz_intake(count);
    }
    let settings = Settings::from_env()?;
    let dir = ScratchDir::new();
    let database = dir.path().join("bench.db");
    let database_url = format!("sqlite://{}", database.display());
    let now_ms = chrono::Utc::now().timestamp_millis();

    eprintln!("seeding {}", database.display());
    let store = SqliteStore::connect(&database_url).await?;
    let history = settings.audit_entries.saturating_sub(settings.reviews);
    seed::history(&store, history, now_ms).await?;
    let review_ids = seed::pending_reviews(&store, settings.reviews, now_ms).await?;
    let sessions = Sessions::new(
        std::sync::Arc::new(SqliteSessions::new(store.pool())),
        Lifetimes {
            idle_ms: 3_600_000,
            absolute_ms: 12 * 3_600_000,
        },
    );
    let reviewer = sessions
        .create(&actor("bench-reviewer", Role::Reviewer), None, now_ms)
        .await?;
    let lead = sessions
        .create(&actor("bench-lead", Role::Lead), None, now_ms)
        .await?;
    store.pool().close().await;

    let sdk = sdk_config(&AwsArgs {
        endpoint_url: Some(settings.endpoint.clone()),
        region: None,
    })
    .await;
    let sfn = aws_sdk_sfn::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let name = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let queue_url = provision::intake_queue(&sqs, &name).await?;
    // The reviews' artefacts exist, as in a deployment: a review page looks
    // them up (once per few minutes), presigns and audits a link for each.
    // Those of the reviews the benchmark opens are stored: the warm set, and
    // one review for each first view.
    let (warm, first_views) = review_sets(review_ids.len(), &settings);
    let numbers: Vec<usize> = warm.iter().chain(&first_views).copied().collect();
    seed::artefacts(&server::aws::s3_client(&sdk, true), &numbers).await?;
    let asl = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/state-machine.asl.json");
    let machine = provision::state_machine(
        &sfn,
        &name,
        &provision::definition(&asl, &queue_url)?,
        ROLE_ARN,
    )
    .await?;

    let http = Http::new();
    let server = start_server(
        &settings,
        &dir,
        "server",
        &database_url,
        &queue_url,
        &[],
        &http,
    )
    .await?;
    eprintln!(
        "server up at {} (log: {})",
        server.base,
        server.log.display()
    );

    let mut report = Report::default();
    let urls = |numbers: &[usize]| -> Vec<String> {
        numbers
            .iter()
            .map(|n| format!("{}/reviews/{}", server.base, review_ids[*n]))
            .collect()
    };
    measure_pages(
        &settings,
        &server,
        &http,
        (&urls(&warm), &urls(&first_views)),
        &reviewer,
        &lead,
        &mut report,
    )
    .await;
    if settings.pages.is_empty() {
        measure_decisions(
            &settings,
            &server,
            &http,
            &sfn,
            &machine,
            &reviewer,
            &database_url,
            &mut report,
        )
        .await?;
    }
    report.memory = memory(server.child.id())?;
    report.bundle = bundle(&settings.site_root)?;
    drop(server);
    if settings.measures(SLACK_ROWS) {
        eprintln!("  taking {} reviews through Slack", settings.slack_reviews);
        let stand_in = slack::StandIn::from_env()?;
        report.slack = Some(slack::measure(&settings, &stand_in, &sfn, &sqs, &http).await?);
    }
    report.print(&settings);
    Ok(())
}

/// The reviews the benchmark opens, by their number: 500 spread over all
/// (each opened many times), and as many others as the first-view row
/// sends requests (each opened once), fewer if there are not enough (below
/// 1,000 reviews the two sets overlap, and first views are not all first).
fn review_sets(reviews: usize, settings: &Settings) -> (Vec<usize>, Vec<usize>) {
    let step = (reviews / 500).max(1);
    let warm: Vec<usize> = (0..reviews).step_by(step).collect();
    let wanted = settings.requests / 10 + 1 + settings.rounds * settings.requests;
    let first_views: Vec<usize> = (0..reviews)
        .filter(|n| step == 1 || n % step != 0)
        .take(wanted)
        .collect();
    (warm, first_views)
}

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        subject: name.into(),
        email: Some(format!("{name}@example.com")),
        email_verified: true,
        usernames: vec![name.into()],
        display_name: name.into(),
        role,
        // The server derives the role from the groups (SIGNOFF_ROLE_MAP).
        groups: vec![if role >= Role::Lead {
            "ml-leads".into()
        } else {
            "ml-reviewers".into()
        }],
    }
}

/// Starts `signoff serve` on `database_url`, logging to `{name}.log` in
/// `dir`, with `extra` settings beside the benchmark's own.
#[allow(clippy::too_many_arguments)]
async fn start_server(
    settings: &Settings,
    dir: &ScratchDir,
    name: &str,
    database_url: &str,
    queue_url: &str,
    extra: &[(&str, String)],
    http: &Http,
) -> anyhow::Result<ServerProcess> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = dir.path().join(format!("{name}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_signoff"))
        .arg("serve")
        .env("SIGNOFF_LISTEN", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .env("SIGNOFF_SITE_ROOT", &settings.site_root)
        .env("SIGNOFF_INTAKE_QUEUE_URL", queue_url)
        .env("SIGNOFF_INTAKE_WAIT_SECONDS", "1")
        .env("AWS_ENDPOINT_URL", &settings.endpoint)
        .env("SIGNOFF_PUBLIC_URL", &base)
        // Never contacted: the benchmark's sessions are made directly.
        .env("SIGNOFF_OIDC_ISSUER", "http://127.0.0.1:9")
        .env("SIGNOFF_OIDC_CLIENT_SECRET", "unused")
        .env("SIGNOFF_ROLE_MAP", "ml-reviewers=reviewer,ml-leads=lead")
        // The reviews' bucket, and the samples' (the decisions' executions).
        .env(
            "SIGNOFF_ARTEFACT_BUCKETS",
            format!("{},{}", seed::ARTEFACT_BUCKET, server::seed::DEMO_BUCKET),
        )
        // The yardstick every page is measured against.
        .env("SIGNOFF_BENCH_BARE_PAGE", "true")
        .envs(extra.iter().map(|(key, value)| (*key, value)))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .context("starting signoff serve")?;
    let server = ServerProcess { child, base, log };
    let started = Instant::now();
    loop {
        let health = format!("{}/healthz", server.base);
        if let Ok(reply) = http.try_send_with("GET", &health, &[], String::new()).await {
            if reply.status == 200 {
                return Ok(server);
            }
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!(
                "signoff serve did not answer within 2 minutes; see {}",
                server.log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first row: what every page is measured against.
const BARE_PAGE: &str = "bare page /bench/bare (shell, 50 static rows)";
/// The Slack rows' name, for `--pages`.
const SLACK_ROWS: &str = "slack: arrival to message, click to acknowledgement";
/// The row the target is about.
const REVIEW_PAGE: &str = "review page /reviews/{id}";
/// The target: the review page's p99 within this many times the bare page's.
const REVIEW_TARGET: f64 = 2.0;

/// One line of the latency table.
struct PageFigures {
    name: String,
    rounds: Rounds,
}

#[derive(Default)]
struct Report {
    pages: Vec<PageFigures>,
    decide: Option<Latencies>,
    bare_send: Option<Latencies>,
    delivered_inline: usize,
    slack: Option<slack::SlackFigures>,
    memory: (u64, u64),
    bundle: Vec<(String, u64, u64)>,
}

#[allow(clippy::too_many_arguments)]
async fn measure_pages(
    settings: &Settings,
    server: &ServerProcess,
    http: &Http,
    (reviews, first_views): (&[String], &[String]),
    reviewer: &str,
    lead: &str,
    report: &mut Report,
) {
    let base = &server.base;
    let day = |days_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .format("%Y-%m-%d")
            .to_string()
    };
    // (name, URLs, session, text every answer holds, each request a first view)
    let pages: Vec<(&str, Vec<String>, &str, &str, bool)> = vec![
        (
            BARE_PAGE,
            vec![format!("{base}/bench/bare")],
            "",
            "Bare row 49",
            false,
        ),
        (
            "/healthz (static)",
            vec![format!("{base}/healthz")],
            "",
            "ok",
            false,
        ),
        (
            "queue page /",
            vec![format!("{base}/")],
            reviewer,
            "Promote model-",
            false,
        ),
        (
            "queue, one model",
            vec![format!("{base}/?model=model-05")],
            reviewer,
            "model-05",
            false,
        ),
        (
            "queue, search (rare)",
            vec![format!("{base}/?q={}", seed::RARE_MODEL)],
            reviewer,
            seed::RARE_MODEL,
            false,
        ),
        (
            "queue, by priority, failing only",
            vec![format!("{base}/?sort=priority&failing=1")],
            reviewer,
            "Promote model-",
            false,
        ),
        (
            REVIEW_PAGE,
            reviews.to_vec(),
            reviewer,
            "Promote model-",
            false,
        ),
        (
            "review page, first view (artefacts looked up)",
            first_views.to_vec(),
            reviewer,
            "Promote model-",
            true,
        ),
        (
            "audit page /audit",
            vec![format!("{base}/audit")],
            lead,
            "viewed",
            false,
        ),
        (
            "audit, deep page (before_id)",
            vec![format!(
                "{base}/audit?before_id={}",
                settings.audit_entries / 2
            )],
            lead,
            "viewed",
            false,
        ),
        (
            "audit, action=rejected",
            vec![format!("{base}/audit?action=rejected")],
            lead,
            "rejected",
            false,
        ),
        (
            "audit, common person",
            vec![format!("{base}/audit?actor={}", seed::person(7))],
            lead,
            "reviewer007",
            false,
        ),
        (
            "audit, rare person",
            vec![format!("{base}/audit?actor={}", seed::RARE_PERSON)],
            lead,
            seed::RARE_PERSON,
            false,
        ),
        (
            "audit, rare text",
            vec![format!("{base}/audit?text={}", seed::RARE_WORD)],
            lead,
            seed::RARE_WORD,
            false,
        ),
        (
            "audit, rare model",
            vec![format!("{base}/audit?model={}", seed::RARE_MODEL)],
            lead,
            "received",
            false,
        ),
        (
            "audit, one day 200 days ago",
            vec![format!("{base}/audit?from={}&to={}", day(200), day(199))],
            lead,
            "viewed",
            false,
        ),
    ];
    for (name, urls, cookie, expect, fresh) in pages {
        if !settings.measures(name) {
            continue;
        }
        eprintln!("  loading {name}");
        let rounds = Load {
            http,
            urls: &urls,
            cookie: (!cookie.is_empty()).then_some(cookie),
            expect,
            requests: settings.requests,
            concurrency: settings.concurrency,
            rounds: settings.rounds,
            fresh,
        }
        .run()
        .await;
        report.pages.push(PageFigures {
            name: name.into(),
            rounds,
        });
    }
}

/// How long the emulator is left alone before each timed decision or bare
/// call (not part of the figure).
const SETTLE: Duration = Duration::from_millis(200);

/// Decisions through Signoff against bare `SendTaskSuccess` calls, one at
/// a time and interleaved, each on a task really waiting in the emulator.
///
/// Each call starts after a pause ([`SETTLE`]): the emulator goes on
/// running the execution a call has just resumed (at times for more than
/// 50 ms), and without the pause that work lands in whichever call comes
/// next.
#[allow(clippy::too_many_arguments)]
async fn measure_decisions(
    settings: &Settings,
    server: &ServerProcess,
    http: &Http,
    sfn: &aws_sdk_sfn::Client,
    machine: &str,
    reviewer: &str,
    database_url: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    eprintln!("  starting {} executions", settings.decisions * 2);
    let (_, input) = server::seed::samples()
        .into_iter()
        .next()
        .context("no sample review")?;
    let mut arns = Vec::new();
    for n in 0..settings.decisions * 2 {
        let name = format!(
            "bench-{n}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        arns.push(provision::start_execution(sfn, machine, &name, &input).await?);
    }
    let db = sqlx::SqlitePool::connect(database_url).await?;
    let mut tasks = Vec::new();
    for arn in &arns {
        tasks.push(wait_for_review(&db, arn).await?);
    }
    let cookie = format!("signoff_session={reviewer}");
    let (mut decide, mut bare) = (Vec::new(), Vec::new());
    for pair in tasks.chunks(2) {
        let [through_signoff, bare_one] = pair else {
            break;
        };
        let review_id = &through_signoff.id;
        let output = approval_output(bare_one)?;
        tokio::time::sleep(SETTLE).await;
        let started = Instant::now();
        let reply = http
            .post_form(
                &format!("{}/api/decide", server.base),
                &[
                    ("id", review_id.as_str()),
                    ("verdict", "approve"),
                    ("comment", ""),
                ],
                Some(&cookie),
            )
            .await;
        decide.push(started.elapsed());
        if reply.status != 200 {
            bail!(
                "deciding {review_id} answered {}: {}",
                reply.status,
                reply.body
            );
        }
        tokio::time::sleep(SETTLE).await;
        let started = Instant::now();
        sfn.send_task_success()
            .task_token(&bare_one.token)
            .output(output)
            .send()
            .await
            .context("the bare SendTaskSuccess failed")?;
        bare.push(started.elapsed());
    }
    let decided: Vec<&str> = tasks.chunks(2).map(|pair| pair[0].id.as_str()).collect();
    for id in decided {
        let (state,): (String,) = sqlx::query_as("select state from delivery where review_id = ?")
            .bind(id)
            .fetch_one(&db)
            .await?;
        report.delivered_inline += usize::from(state == "delivered");
    }
    report.decide = Some(Latencies::new(decide));
    report.bare_send = Some(Latencies::new(bare));
    Ok(())
}

/// Waits until Signoff has received the execution's request; returns the
/// review id and (for the bare calls only) its task token.
async fn wait_for_review(db: &sqlx::SqlitePool, arn: &str) -> anyhow::Result<WaitingReview> {
    let started = Instant::now();
    loop {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "select id, task_token, review_json, context_json from review where execution_arn = ?",
        )
        .bind(arn)
        .fetch_optional(db)
        .await?;
        if let Some((id, token, review_json, context_json)) = row {
            return Ok(WaitingReview {
                id,
                token,
                review: serde_json::from_str(&review_json)?,
                context: serde_json::from_str(&context_json)?,
            });
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("no review for {arn} after a minute");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A review Signoff has received, as the benchmark decides it: its id (for
/// a decision through Signoff), or its token and content (for a bare call).
struct WaitingReview {
    id: String,
    token: String,
    review: serde_json::Value,
    context: serde_json::Value,
}

/// The output an approval through Signoff sends for `waiting`, built by the
/// same function: the bare call then asks the emulator for the same work.
fn approval_output(waiting: &WaitingReview) -> anyhow::Result<String> {
    use app::domain::decision::{RecordedDecision, Verdict};
    use app::domain::intake::{parse_review_spec, OnReject};
    use app::domain::output::{build_delivery, Delivery};
    use app::domain::policy::EffectivePolicy;
    let reviewer = actor("bench-reviewer", Role::Reviewer);
    let decision = RecordedDecision {
        verdict: Verdict::Approve,
        reviewer_label: reviewer.label().to_owned(),
        reviewer_subject: reviewer.subject,
        reviewer_groups: reviewer.groups,
        comment: None,
        at_ms: chrono::Utc::now().timestamp_millis(),
    };
    // The bench runs without a policy file: the request's own fields apply.
    let spec = parse_review_spec(&waiting.review, "review")
        .map_err(|e| anyhow::anyhow!("the bench's review does not parse: {e:?}"))?;
    match build_delivery(
        &[decision],
        OnReject::Fail,
        &EffectivePolicy::from_request(&spec),
        &waiting.review,
        &waiting.context,
    ) {
        Delivery::Success { output } => Ok(output.to_string()),
        Delivery::Failure { .. } => bail!("an approval built a failure"),
    }
}

/// The server's resident memory now and at its peak, in KiB.
fn memory(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

/// The browser bundle's files, raw and gzip (-9) sizes in bytes.
fn bundle(site_root: &Path) -> anyhow::Result<Vec<(String, u64, u64)>> {
    let mut sizes = Vec::new();
    for file in ["signoff_bg.wasm", "signoff.js", "signoff.css"] {
        let path = site_root.join("pkg").join(file);
        let raw = std::fs::metadata(&path)
            .with_context(|| format!("{} is missing", path.display()))?
            .len();
        let gzip = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&path)
            .output()
            .context("running gzip")?
            .stdout
            .len() as u64;
        sizes.push((file.to_owned(), raw, gzip));
    }
    Ok(sizes)
}

impl Report {
    fn print(&self, settings: &Settings) {
        let baseline = self
            .pages
            .first()
            .map(|p| (p.rounds.median().p50(), p.rounds.median().p99()));
        println!();
        println!(
            "## {} pending reviews, {} audit entries; {} requests a page, {} concurrent, median of {} rounds",
            settings.reviews,
            settings.audit_entries,
            settings.requests,
            settings.concurrency,
            settings.rounds
        );
        println!();
        println!(
            "| page | p50 ms | p99 ms | p50 ratio | p99 ratio | each round's p99 ms | CPU stolen ms |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for page in &self.pages {
            let median = page.rounds.median();
            let (p50, p99) = (median.p50(), median.p99());
            let (b50, b99) = baseline.unwrap_or((p50, p99));
            let each = |figure: &dyn Fn(&Round) -> String| {
                page.rounds
                    .each()
                    .iter()
                    .map(figure)
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            println!(
                "| {} | {p50:.2} | {p99:.2} | {:.1}× | {:.1}× | {} | {} |",
                page.name,
                p50 / b50,
                p99 / b99,
                each(&|round| format!("{:.1}", round.latencies.p99())),
                each(&|round| round
                    .stolen_ms
                    .map_or_else(|| "?".into(), |ms| ms.to_string())),
            );
        }
        println!(
            "\nThe figures are each page's median round (by p99); the ratios are to the bare \
             page's. CPU stolen: time the hypervisor ran something else on this machine's CPUs \
             during the round."
        );
        let review = self.pages.iter().find(|p| p.name == REVIEW_PAGE);
        if let (Some((_, bare_p99)), Some(review)) = (baseline, review) {
            let p99 = review.rounds.median().p99();
            let ratio = p99 / bare_p99;
            println!(
                "\nTarget: the review page's p99 within {REVIEW_TARGET}× the bare page's: \
                 {p99:.2} ms against {bare_p99:.2} ms, {ratio:.1}×: {}.",
                if ratio <= REVIEW_TARGET {
                    "holds"
                } else {
                    "missed"
                }
            );
        }
        if let (Some(decide), Some(bare)) = (&self.decide, &self.bare_send) {
            println!();
            println!("| decision (one at a time) | p50 ms | p99 ms | p50 ratio |");
            println!("|---|---:|---:|---:|");
            println!(
                "| bare SendTaskSuccess | {:.2} | {:.2} | 1.0× |",
                bare.p50(),
                bare.p99()
            );
            println!(
                "| approve through Signoff | {:.2} | {:.2} | {:.2}× |",
                decide.p50(),
                decide.p99(),
                decide.p50() / bare.p50()
            );
            println!(
                "\n{} of {} decisions were delivered before the acknowledgement. \
                 Each bare call sends the output an approval sends (the review and its context).",
                self.delivered_inline, settings.decisions
            );
        }
        if let Some(slack) = &self.slack {
            slack.print();
        }
        println!();
        println!("| browser bundle | raw KB | gzip KB |");
        println!("|---|---:|---:|");
        let (mut raw_total, mut gzip_total) = (0, 0);
        for (file, raw, gzip) in &self.bundle {
            println!(
                "| {file} | {:.0} | {:.0} |",
                *raw as f64 / 1024.0,
                *gzip as f64 / 1024.0
            );
            if !file.ends_with(".css") {
                raw_total += raw;
                gzip_total += gzip;
            }
        }
        println!(
            "| WASM + JS glue | {:.0} | {:.0} |",
            raw_total as f64 / 1024.0,
            gzip_total as f64 / 1024.0
        );
        println!();
        println!(
            "Server memory after the run: RSS {:.1} MiB, peak {:.1} MiB.",
            self.memory.0 as f64 / 1024.0,
            self.memory.1 as f64 / 1024.0
        );
    }
}

/// The intake fuzz run: counts, rate, panics; an error when any property broke.
fn fuzz_intake(count: u64) -> anyhow::Result<()> {
    let report = cases::run(count, 15);
    let rate = report.messages as f64 / report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "intake fuzz: {} messages ({} accepted, {} rejected) in {:.1} s, {rate:.0}/s; {} panics, {} other failures",
        report.messages,
        report.accepted,
        report.rejected,
        report.elapsed.as_secs_f64(),
        report.panics,
        report.failure_count
    );
    for failure in &report.failures {
        println!("  {failure}");
    }
    if report.panics + report.failure_count > 0 {
        bail!("the intake path broke on generated messages");
    }
    Ok(())
}
