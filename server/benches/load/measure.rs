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

/// What one load run sends.
pub struct Load<'a> {
    pub http: &'a Http,
    pub urls: &'a [String],
    pub cookie: Option<&'a str>,
    /// Text every answer must contain.
    pub expect: &'a str,
    pub requests: usize,
    pub concurrency: usize,
}

impl Load<'_> {
    /// Sends `requests` GETs from `concurrency` clients (cycling through
    /// `urls`) after a warm-up of a tenth as many; returns their durations.
    pub async fn run(&self) -> Latencies {
        self.round(self.requests / 10 + 1).await;
        self.round(self.requests).await
    }

    async fn round(&self, requests: usize) -> Latencies {
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
                    let url = &urls[n % urls.len()];
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
