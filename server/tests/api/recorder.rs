//! What reached the emulator: moto's request recorder, which logs every
//! request it serves while recording (before answering it, so a request
//! whose answer never arrived is there too). The recorder is the whole
//! emulator's, so one test records on the shared emulator at a time (the
//! others' requests are recorded too, and told apart by the test's own
//! bucket names and task tokens); a private emulator records for its test.

use crate::http::Http;
use base64::Engine;
use serde_json::Value;
use tokio::sync::{Mutex, MutexGuard};

static RECORDER: Mutex<()> = Mutex::const_new(());

/// A recording in progress; on the shared emulator, stopped when dropped.
pub struct Recording {
    endpoint: String,
    http: Http,
    /// The shared emulator's turn; `None` on a private emulator, which
    /// dies with its test (and may be frozen when the recording is dropped).
    turn: Option<MutexGuard<'static, ()>>,
}

/// A request as moto recorded it: method and path (with the query).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Recorded {
    pub method: String,
    pub path: String,
}

impl Recording {
    /// Waits for the shared emulator's recorder, empties it and starts recording.
    pub async fn start(endpoint: &str) -> Self {
        let turn = RECORDER.lock().await;
        Self::begin(endpoint, Some(turn)).await
    }

    /// Empties a private emulator's recorder and starts recording.
    pub async fn start_private(endpoint: &str) -> Self {
        Self::begin(endpoint, None).await
    }

    async fn begin(endpoint: &str, turn: Option<MutexGuard<'static, ()>>) -> Self {
        let recording = Self {
            endpoint: endpoint.to_owned(),
            http: Http::new(),
            turn,
        };
        recording.post("reset-recording").await;
        recording.post("start-recording").await;
        recording
    }

    /// Everything recorded so far, one JSON entry a line.
    async fn download(&self) -> String {
        let reply = self
            .http
            .get(
                &format!("{}/moto-api/recorder/download-recording", self.endpoint),
                None,
            )
            .await;
        assert_eq!(reply.status, 200, "download-recording");
        reply.body
    }

    /// The Step Functions requests recorded so far, in the order the
    /// emulator took them.
    pub async fn sfn_requests(&self) -> Vec<SfnRequest> {
        sfn_requests(&self.download().await)
    }

    /// The recorded requests naming `token`, in order.
    pub async fn requests_with_token(&self, token: &str) -> Vec<SfnRequest> {
        let mut requests = self.sfn_requests().await;
        requests.retain(|request| request.names_token(token));
        requests
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
        self.download()
            .await
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
        if self.turn.is_none() {
            return;
        }
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

/// A Step Functions request as it reached the emulator. A call the SDK
/// retried (no answer in time) is there once per attempt, all with the same
/// `call`. Its `Debug` leaves out the body, which holds the task token.
#[derive(Clone)]
pub struct SfnRequest {
    /// The operation, e.g. `SendTaskSuccess` (from `X-Amz-Target`).
    pub operation: String,
    /// The SDK's id of the call (`amz-sdk-invocation-id`), the same on
    /// each of its attempts.
    pub call: String,
    /// The SDK's user agent, with `app/NAME` for a process started with
    /// `AWS_SDK_UA_APP_ID=NAME`.
    pub user_agent: String,
    /// The request's JSON body.
    pub body: Value,
}

impl std::fmt::Debug for SfnRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (call {})", self.operation, self.call)
    }
}

impl SfnRequest {
    pub fn names_token(&self, token: &str) -> bool {
        self.body["taskToken"] == token
    }

    /// `SendTaskSuccess` or `SendTaskFailure`: an answer for the waiting task.
    pub fn is_answer(&self) -> bool {
        matches!(
            self.operation.as_str(),
            "SendTaskSuccess" | "SendTaskFailure"
        )
    }

    pub fn is_heartbeat(&self) -> bool {
        self.operation == "SendTaskHeartbeat"
    }

    /// Sent by a process started with `AWS_SDK_UA_APP_ID=app`.
    pub fn sent_by(&self, app: &str) -> bool {
        let tag = format!("app/{app}");
        self.user_agent.split(' ').any(|part| part == tag)
    }
}

/// The calls these requests belong to, each once (its first attempt), in
/// order: what Signoff sent, whatever the SDK retried within a call.
pub fn calls<'a>(requests: impl IntoIterator<Item = &'a SfnRequest>) -> Vec<&'a SfnRequest> {
    let mut seen = std::collections::HashSet::new();
    requests
        .into_iter()
        .filter(|request| seen.insert(request.call.as_str()))
        .collect()
}

/// The Step Functions requests in a recording, in order.
pub fn sfn_requests(recording: &str) -> Vec<SfnRequest> {
    recording
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|entry| {
            let header = |name: &str| {
                entry["headers"]
                    .as_object()?
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .and_then(|(_, value)| value.as_str())
                    .map(str::to_owned)
            };
            let operation = header("X-Amz-Target")?
                .strip_prefix("AWSStepFunctions.")?
                .to_owned();
            let body = entry["body"].as_str().unwrap_or_default();
            let body = if entry["body_encoded"] == true {
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap_or_default()
            } else {
                body.as_bytes().to_vec()
            };
            Some(SfnRequest {
                operation,
                call: header("amz-sdk-invocation-id").unwrap_or_default(),
                user_agent: header("x-amz-user-agent")
                    .or_else(|| header("User-Agent"))
                    .unwrap_or_default(),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            })
        })
        .collect()
}
