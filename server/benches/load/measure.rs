//! Latency under concurrent load: many requests, a few connections, every
//! answer checked (a fast error page would flatter the figures).

use crate::http::Http;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Request durations of one run, sorted.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self(samples)
    }

    /// The `p`th percentile (nearest rank), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1].as_secs_f64() * 1000.0
    }

    pub fn p50(&self) -> f64 {
        self.percentile_ms(50.0)
    }

    pub fn p99(&self) -> f64 {
        self.percentile_ms(99.0)
    }
}

/// Several load runs of one page, back to back. A single run's p99 is its
/// twentieth-slowest request or so, and one hiccup of a shared two-core
/// machine moves it by milliseconds; the median run is the figure, and each
/// run's p99 and the CPU time the hypervisor took meanwhile say how noisy
/// the machine was.
pub struct Rounds(Vec<Round>);

/// One load run.
pub struct Round {
    pub latencies: Latencies,
    /// CPU time the hypervisor gave to others during the run (steal), in
    /// milliseconds, summed over the CPUs; `None` where /proc/stat is not.
    pub stolen_ms: Option<u64>,
}

impl Rounds {
    /// The run with the median p99 (the lower middle one of an even count).
    pub fn median(&self) -> &Latencies {
        let mut by_p99: Vec<&Latencies> = self.0.iter().map(|r| &r.latencies).collect();
        by_p99.sort_by(|a, b| a.p99().total_cmp(&b.p99()));
        by_p99[(by_p99.len() - 1) / 2]
    }

    /// The runs in the order they ran.
    pub fn each(&self) -> &[Round] {
        &self.0
    }
}

/// The machine's CPU steal time so far, in milliseconds (the `cpu` line of
/// /proc/stat counts it in hundredths of a second).
fn stolen_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let steal = stat.lines().next()?.split_whitespace().nth(8)?;
    steal.parse::<u64>().ok().map(|ticks| ticks * 10)
}

/// What one load run sends.
pub struct Load<'a> {
    pub http: &'a Http,
    pub urls: &'a [String],
    pub cookie: Option<&'a str>,
    /// Text every answer must contain.
    pub expect: &'a str,
    pub requests: usize,
    pub concurrency: usize,
    /// How many times the load is run (after one warm-up).
    pub rounds: usize,
    /// Each request takes the next URL, never one an earlier round or the
    /// warm-up took (while `urls` lasts): every page is a first view.
    pub fresh: bool,
}

impl Load<'_> {
    /// Sends `requests` GETs from `concurrency` clients (cycling through
    /// `urls`), `rounds` times after a warm-up of a tenth as many; returns
    /// each round's durations.
    pub async fn run(&self) -> Rounds {
        let warm_up = self.requests / 10 + 1;
        self.round(warm_up, 0).await;
        let mut rounds = Vec::with_capacity(self.rounds);
        for round in 0..self.rounds.max(1) {
            let stolen_before = stolen_ms();
            let first = if self.fresh {
                warm_up + round * self.requests
            } else {
                0
            };
            let latencies = self.round(self.requests, first).await;
            let stolen_ms = stolen_before
                .zip(stolen_ms())
                .map(|(b, a)| a.saturating_sub(b));
            rounds.push(Round {
                latencies,
                stolen_ms,
            });
        }
        Rounds(rounds)
    }

    /// Requests the URLs from the `first`th on (cycling).
    async fn round(&self, requests: usize, first: usize) -> Latencies {
        let next = Arc::new(AtomicUsize::new(0));
        let mut clients = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency {
            let (next, http, urls) = (next.clone(), self.http.clone(), self.urls.to_vec());
            let cookie = self.cookie.map(|c| format!("signoff_session={c}"));
            let expect = self.expect.to_owned();
            clients.spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= requests {
                        return samples;
                    }
                    let url = &urls[(first + n) % urls.len()];
                    let started = Instant::now();
                    let reply = http.get(url, cookie.as_deref()).await;
                    samples.push(started.elapsed());
                    assert!(
                        reply.status == 200 && reply.body.contains(&expect),
                        "GET {url} answered {} without {expect:?}: {}",
                        reply.status,
                        reply.body.split_once("<main").map_or("", |(_, main)| main)
                    );
                }
            });
        }
        let mut samples = Vec::with_capacity(requests);
        while let Some(done) = clients.join_next().await {
            samples.extend(done.expect("a load client panicked"));
        }
        Latencies::new(samples)
    }
}
