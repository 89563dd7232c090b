//! What reached the emulator: moto's request recorder, which logs every
//! request it serves while recording. The recorder is the whole emulator's,
//! so one test records at a time (the others' requests are recorded too,
//! and told apart by the test's own bucket names).

use crate::http::Http;
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

static RECORDER: Mutex<()> = Mutex::const_new(());

/// A recording in progress; stopped when dropped.
pub struct Recording {
    endpoint: String,
    http: Http,
    _turn: MutexGuard<'static, ()>,
}

/// A request as moto recorded it: method and path (with the query).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recorded {
    pub method: String,
    pub path: String,
}

impl Recording {
    /// Waits for the recorder, empties it and starts recording.
    pub async fn start(endpoint: &str) -> Self {
        let turn = RECORDER.lock().await;
        let recording = Self {
            endpoint: endpoint.to_owned(),
            http: Http::new(),
            _turn: turn,
        };
        recording.post("reset-recording").await;
        recording.post("start-recording").await;
        recording
    }

    async fn post(&self, action: &str) {
        let reply = self
            .http
            .send_with(
                "POST",
                &format!("{}/moto-api/recorder/{action}", self.endpoint),
                &[],
                String::new(),
            )
            .await;
        assert!(reply.status < 300, "{action}: {}", reply.status);
    }

    /// The requests recorded so far whose path is in `bucket` (path-style
    /// S3: `/bucket` or `/bucket/key`).
    pub async fn requests_to(&self, bucket: &str) -> Vec<Recorded> {
        let reply = self
            .http
            .get(
                &format!("{}/moto-api/recorder/download-recording", self.endpoint),
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "download-recording");
        reply
            .body
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter_map(|entry| {
                let url = entry["url"].as_str()?;
                let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}"))?;
                let in_bucket = path == format!("/{bucket}")
                    || path.starts_with(&format!("/{bucket}/"))
                    || path.starts_with(&format!("/{bucket}?"));
                in_bucket.then(|| Recorded {
                    method: entry["method"].as_str().unwrap_or_default().to_owned(),
                    path,
                })
            })
            .collect()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        // Blocking, so that a failed assertion still stops it.
        use std::io::{Read, Write};
        let Some(address) = self.endpoint.strip_prefix("http://") else {
            return;
        };
        if let Ok(mut tcp) = std::net::TcpStream::connect(address) {
            let _ = write!(
                tcp,
                "POST /moto-api/recorder/stop-recording HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = tcp.read(&mut [0; 256]);
        }
    }
}
