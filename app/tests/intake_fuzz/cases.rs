//! Generated intake messages and the property every one must keep: the
//! intake path (parse, policy, metrics, deadline, and for a rejection the
//! form that is kept) never panics; a message is accepted, or rejected with
//! reasons that are not empty; and a rejection's kept form holds no token
//! that was planted in the message.
//!
//! Shared by the test (tests/intake_fuzz/main.rs, 100,000 messages in the
//! test command) and the benchmark's `--fuzz-intake N` (server/benches/load,
//! through `#[path]`), so it needs only `app`, `serde_json` and `proptest`.
//! Generation is kept cheap: small strategies over a few fixed shapes, the
//! messages' variety coming from how they are combined.

use app::domain::intake::{parse_review_request, IntakeRejection};
use app::domain::metrics::{compare, DirectionRules};
use app::domain::policy::resolve;
use app::domain::rejected_intake::keep;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// One generated message, and the secrets planted in it.
#[derive(Debug, Clone)]
pub struct Case {
    pub body: String,
    pub planted: Vec<String>,
}

impl Case {
    fn plain(body: String) -> Self {
        Self {
            body,
            planted: Vec::new(),
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected,
}

/// Runs a message through the whole intake path, as `receive_intake` does
/// without its I/O; `Err` says which property broke.
pub fn check(case: &Case) -> Result<Verdict, String> {
    let request = match parse_review_request(&case.body) {
        Ok(request) => request,
        Err(rejection) => return judge(case, &rejection),
    };
    let _ = request.deadline().map(|at| at.timestamp_millis());
    let _ = compare(&request.spec, &DirectionRules::default());
    match resolve(None, &request) {
        Ok(_) => Ok(Verdict::Accepted),
        Err(errors) => judge(
            case,
            &IntakeRejection {
                errors,
                task_token: Some(request.task_token.clone()),
                execution_arn: Some(request.execution_arn.clone()),
            },
        ),
    }
}

fn judge(case: &Case, rejection: &IntakeRejection) -> Result<Verdict, String> {
    if rejection.errors.is_empty() {
        return Err("rejected without a reason".into());
    }
    if let Some(empty) = rejection
        .errors
        .iter()
        .find(|e| e.field.is_empty() || e.reason.trim().is_empty())
    {
        return Err(format!("an empty reason: {empty:?}"));
    }
    let kept = keep(&case.body, rejection);
    let shown = [
        kept.reasons.join("\n"),
        kept.execution_arn.unwrap_or_default(),
        kept.body.unwrap_or_default(),
    ];
    for secret in &case.planted {
        if let Some(text) = shown.iter().find(|text| text.contains(secret.as_str())) {
            return Err(format!("planted token {secret} kept: {text}"));
        }
    }
    Ok(Verdict::Rejected)
}

/// A fuzzing run's tally.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub messages: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub panics: u64,
    /// Broken properties other than panics (the first few).
    pub failures: Vec<String>,
    pub failure_count: u64,
    pub elapsed: Duration,
}

/// `count` messages from `seed`, counted rather than stopped at the first
/// failure (the benchmark's long run; the test's proptest blocks shrink).
pub fn run(count: u64, seed: u64) -> Report {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = any_case();
    let mut report = Report::default();
    let started = Instant::now();
    for _ in 0..count {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let case = tree.current();
        report.messages += 1;
        match catch_unwind(AssertUnwindSafe(|| check(&case))) {
            Ok(Ok(Verdict::Accepted)) => report.accepted += 1,
            Ok(Ok(Verdict::Rejected)) => report.rejected += 1,
            Ok(Err(failure)) => {
                report.failure_count += 1;
                if report.failures.len() < 5 {
                    report.failures.push(failure);
                }
            }
            Err(_) => report.panics += 1,
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// Every kind of message, mixed.
pub fn any_case() -> impl Strategy<Value = Case> {
    prop_oneof![
        3 => mutated(),
        2 => malformed(),
        1 => deep_or_huge(),
        2 => planted(),
    ]
}

/// Valid messages, and valid messages with one or two fields changed.
pub fn mutated() -> impl Strategy<Value = Case> {
    mutated_value().prop_map(|message| Case::plain(message.to_string()))
}

fn mutated_value() -> impl Strategy<Value = Value> {
    (
        valid(),
        prop::collection::vec((0..PATHS.len(), mutation()), 0..3),
    )
        .prop_map(|(mut message, edits)| {
            for (path, edit) in edits {
                edit.apply(&mut message, PATHS[path]);
            }
            message
        })
}

/// Truncated JSON, and raw literals no `Value` can hold (lone surrogate
/// escapes, numbers out of range, control characters, broken syntax).
pub fn malformed() -> impl Strategy<Value = Case> {
    prop_oneof![
        (valid(), any::<prop::sample::Index>()).prop_map(|(message, at)| {
            let body = message.to_string();
            let mut cut = at.index(body.len() + 1);
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            Case::plain(body[..cut].to_owned())
        }),
        (
            valid(),
            0..RAW_SLOTS.len(),
            prop::sample::select(RAW_LITERALS)
        )
            .prop_map(|(mut message, slot, literal)| {
                set(&mut message, RAW_SLOTS[slot], json!(PLACEHOLDER));
                let body = message
                    .to_string()
                    .replace(&format!("\"{PLACEHOLDER}\""), literal);
                Case::plain(body)
            }),
    ]
}

/// Nesting around and past the limits, and numbers of every size.
pub fn deep_or_huge() -> impl Strategy<Value = Case> {
    prop_oneof![
        // Around Signoff's limit (32) and serde_json's (128), written as
        // text: building deep values would cost more than checking them.
        8 => (valid(), prop_oneof![0usize..40, 120usize..140], any::<bool>()).prop_map(
            |(mut message, depth, objects)| {
                message["context"] = json!(PLACEHOLDER);
                let (open, close) = if objects { ("{\"a\":", "}") } else { ("[", "]") };
                let nest = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                Case::plain(message.to_string().replace(&format!("\"{PLACEHOLDER}\""), &nest))
            }
        ),
        4 => (0usize..20_000).prop_map(|n| Case::plain("[".repeat(n))),
        // Rare and dear: bodies around the context and message size limits.
        1 => (valid(), prop::sample::select(&[65_500usize, 65_600, 262_200][..])).prop_map(
            |(mut message, n)| {
                message["context"] = json!({"blob": "x".repeat(n)});
                Case::plain(message.to_string())
            }
        ),
        8 => (
            valid(),
            prop::sample::select(NUMBER_SLOTS),
            prop::sample::select(HUGE_NUMBERS)
        )
            .prop_map(|(mut message, slot, number)| {
                set(&mut message, slot, json!(PLACEHOLDER));
                let body = message
                    .to_string()
                    .replace(&format!("\"{PLACEHOLDER}\""), number);
                Case::plain(body)
            }),
    ]
}

/// Messages carrying secrets under token keys and in other fields' values.
pub fn planted() -> impl Strategy<Value = Case> {
    (
        mutated_value(),
        prop::collection::vec(plant(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(mut message, plants, token_shaped)| {
            if !message.is_object() {
                message = json!({});
            }
            let mut planted = Vec::new();
            for plant in plants {
                planted.push(plant.apply(&mut message));
            }
            if token_shaped {
                // Under no token key: only its shape gives it away.
                let shaped = format!(
                    "AAAAKgAAAAIAAAAAAAAAA{}",
                    planted[0].repeat(8).replace("SECRET", "Zq+/")
                );
                set(
                    &mut message,
                    "/review/title",
                    json!(format!("see {shaped}")),
                );
                planted.push(shaped);
            }
            Case {
                body: message.to_string(),
                planted,
            }
        })
}

const PLACEHOLDER: &str = "@@raw@@";

/// Where mutations land (JSON pointers into a valid message).
const PATHS: &[&str] = &[
    "",
    "/version",
    "/taskToken",
    "/executionArn",
    "/stateName",
    "/enteredTime",
    "/review",
    "/review/title",
    "/review/model",
    "/review/model/name",
    "/review/model/version",
    "/review/model/stage",
    "/review/metrics",
    "/review/metrics/auc",
    "/review/baseline",
    "/review/baseline/auc",
    "/review/thresholds",
    "/review/thresholds/auc",
    "/review/thresholds/auc/min",
    "/review/directions",
    "/review/artefacts",
    "/review/artefacts/0",
    "/review/artefacts/0/uri",
    "/review/requestedBy",
    "/review/reviewerGroup",
    "/review/requiredApprovals",
    "/review/timeoutSeconds",
    "/review/heartbeatSeconds",
    "/review/onReject",
    "/review/priority",
    "/context",
];

const RAW_SLOTS: &[&str] = &[
    "/review/title",
    "/review/timeoutSeconds",
    "/review/metrics/auc",
    "/context",
    "/taskToken",
    "/enteredTime",
];

const RAW_LITERALS: &[&str] = &[
    "\"\\ud800\"",
    "\"\\udfff\\ud800\"",
    "\"\\ud83d\\ude00\"",
    "\"a\\u0000b\"",
    "\"tab\tin string\"",
    "\"\\x41\"",
    "\"\\u12\"",
    "1e400",
    "-1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "1e-400",
    "NaN",
    "Infinity",
    "01",
    "1.",
    "-",
    "tru",
    "[1,]",
    "{\"a\" 1}",
    "{\"a\":1,}",
    "\"unterminated",
    "\u{FEFF}\"bom\"",
];

const NUMBER_SLOTS: &[&str] = &[
    "/review/timeoutSeconds",
    "/review/heartbeatSeconds",
    "/review/requiredApprovals",
    "/review/metrics/auc",
    "/review/thresholds/auc/min",
    "/review/model/version",
    "/version",
];

const HUGE_NUMBERS: &[&str] = &[
    "10000000000000",
    "99999999",
    "100000000",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "5e-324",
    "0",
    "-0",
    "0.5",
    "1e21",
    "4294967296",
];

/// Pieces of text people and tools produce: plain words, zero-width and
/// bidi controls, combining marks (NFD), ligatures, case-folding oddities,
/// emoji, control characters.
const PIECES: &[&str] = &[
    "churn",
    "model",
    " ",
    "v42",
    "\u{200B}",
    "\u{200D}",
    "\u{202E}",
    "\u{2066}",
    "\u{FEFF}",
    "e\u{301}",
    "\u{212A}",
    "ß",
    "ﬁ",
    "İ",
    "😀",
    "\u{0}",
    "\u{7}",
    "\n",
    "\"",
    "\\",
    "</script>",
    "=HYPERLINK(\"x\")",
];

fn odd_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|pieces| pieces.concat())
}

/// A valid message: the contract's example with a few fields drawn.
pub fn valid() -> impl Strategy<Value = Value> {
    (
        odd_text(),
        1usize..4,
        prop::option::of(1u64..=99_999_999),
        0usize..3,
        prop::sample::select(&["low", "normal", "high", "urgent"][..]),
        any::<u32>(),
    )
        .prop_map(|(title, metrics, timeout, artefacts, priority, n)| {
            let names = ["auc", "precision", "flagged_rate"];
            let metric_map: Map<String, Value> = names[..metrics]
                .iter()
                .enumerate()
                .map(|(i, name)| ((*name).to_owned(), json!(f64::from(n % 1000) / 1000.0 + i as f64)))
                .collect();
            let artefact_list: Vec<Value> = (0..artefacts)
                .map(|i| json!({"label": format!("report {i}"), "uri": format!("s3://ml-artefacts/churn/{n}/{i}.html")}))
                .collect();
            json!({
                "taskToken": format!("token-{n}"),
                "executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:model-release:run-{n}"),
                "stateName": "RequestApproval",
                "enteredTime": "2026-11-21T08:47:30.345Z",
                "review": {
                    "title": format!("Promote churn-model {title}"),
                    "model": {"name": "churn-model", "version": n, "stage": "production"},
                    "metrics": metric_map,
                    "baseline": {"auc": 0.9},
                    "thresholds": {"auc": {"min": 0.5}},
                    "artefacts": artefact_list,
                    "requestedBy": "ci@example.com",
                    "requiredApprovals": 1 + n % 3,
                    "timeoutSeconds": timeout,
                    "heartbeatSeconds": null,
                    "onReject": "fail",
                    "priority": priority,
                },
                "context": {"run": n},
            })
        })
}

/// One change to a field.
#[derive(Debug, Clone)]
pub enum Mutation {
    Remove,
    Replace(Value),
    /// An array (even counts) or object (odd counts) of this many items.
    Multiply(usize),
}

impl Mutation {
    fn apply(self, message: &mut Value, path: &str) {
        match self {
            Mutation::Remove => remove(message, path),
            Mutation::Replace(value) => set(message, path, value),
            // Copies of a small item, not of the field: edits compound, and
            // copies of copies would grow without bound.
            Mutation::Multiply(n) => {
                let many = if n % 2 == 0 {
                    Value::Array(vec![json!({"uri": "s3://b/k"}); n])
                } else {
                    Value::Object((0..n).map(|i| (format!("m{i}"), json!(0.5))).collect())
                };
                set(message, path, many);
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => Just(Mutation::Remove),
        4 => wild_value().prop_map(Mutation::Replace),
        1 => prop::sample::select(&[0usize, 1, 49, 50, 51, 199, 200, 201, 202, 1000][..])
            .prop_map(Mutation::Multiply),
    ]
}

fn wild_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        prop::sample::select(
            &[
                0u64,
                1,
                99_999_999,
                100_000_000,
                10_000_000_000_000,
                u64::MAX
            ][..]
        )
        .prop_map(|n| json!(n)),
        odd_text().prop_map(Value::String),
        prop::sample::select(&[0usize, 299, 300, 301, 2_049][..])
            .prop_map(|n| Value::String("é".repeat(n))),
        prop::sample::select(
            &[
                "fail",
                "succeed",
                "urgent",
                "2026-11-21T08:47:30Z",
                "s3://b",
                "s3://b/k",
                "https://x",
                "arn:aws:states:x:1:execution:m:r"
            ][..]
        )
        .prop_map(|s| json!(s)),
        (0usize..36, any::<bool>()).prop_map(|(depth, objects)| nested(depth, objects)),
    ]
}

fn nested(depth: usize, objects: bool) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = if objects {
            json!({ "a": value })
        } else {
            json!([value])
        };
    }
    value
}

/// Keys a token may hide under.
const TOKEN_KEYS: &[&str] = &[
    "task_token",
    "token",
    "TaskToken",
    "taskToken",
    "resumeToken",
    "token.$",
    "TOKEN",
];

/// Where a planted token sits, and where copies of it go.
const TOKEN_HOMES: &[&str] = &[
    "",
    "/review",
    "/review/model",
    "/context",
    "/context/deeper",
];
const COPY_SLOTS: &[&str] = &[
    "/review/title",
    "/review/requestedBy",
    "/review/model/name",
    "/review/onReject",
    "/review/priority",
    "/enteredTime",
    "/stateName",
    "/context/echo",
    "/review/artefacts/0/uri",
];

/// A secret under a token key, with copies in other fields (as a value, as
/// part of a value, as a metric's name, in the execution ARN).
#[derive(Debug, Clone)]
pub struct Plant {
    secret: String,
    key: &'static str,
    home: &'static str,
    copies: Vec<(usize, bool)>,
    as_metric_name: bool,
    in_arn: bool,
}

impl Plant {
    fn apply(self, message: &mut Value) -> String {
        let home = ensure_object(message, self.home);
        // A second secret under the same key joins the first, so neither
        // stops being one.
        let secrets = match home.remove(self.key) {
            Some(earlier) => json!([earlier, self.secret]),
            None => json!(self.secret),
        };
        home.insert(self.key.to_owned(), secrets);
        for (slot, embedded) in self.copies {
            let text = if embedded {
                format!("copy of {} here", self.secret)
            } else {
                self.secret.clone()
            };
            set(message, COPY_SLOTS[slot], json!(text));
        }
        if self.as_metric_name {
            ensure_object(message, "/review/metrics").insert(self.secret.clone(), json!("high"));
        }
        if self.in_arn {
            message["executionArn"] = json!(format!(
                "arn:aws:states:us-east-1:1:execution:m:{}",
                self.secret
            ));
        }
        self.secret
    }
}

fn plant() -> impl Strategy<Value = Plant> {
    (
        any::<u64>(),
        prop::sample::select(TOKEN_KEYS),
        prop::sample::select(TOKEN_HOMES),
        prop::collection::vec((0..COPY_SLOTS.len(), any::<bool>()), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(n, key, home, copies, as_metric_name, in_arn)| Plant {
            secret: format!("SECRET{n:016x}"),
            key,
            home,
            copies,
            as_metric_name,
            in_arn,
        })
}

/// Sets the value at a JSON pointer, making parent objects as needed (and
/// replacing whatever non-object stood in the way).
fn set(message: &mut Value, pointer: &str, value: Value) {
    if pointer.is_empty() {
        *message = value;
        return;
    }
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match ensure_container(message, parent) {
        Value::Array(items) => match last.parse::<usize>() {
            Ok(index) if index < items.len() => items[index] = value,
            _ => items.push(value),
        },
        Value::Object(map) => {
            map.insert(last.to_owned(), value);
        }
        _ => {}
    }
}

fn remove(message: &mut Value, pointer: &str) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match message.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(last);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = last.parse::<usize>() {
                if index < items.len() {
                    items.remove(index);
                }
            }
        }
        _ => {}
    }
}

fn ensure_container<'a>(message: &'a mut Value, pointer: &str) -> &'a mut Value {
    let mut here = message;
    for part in pointer.split('/').skip(1) {
        if !(here.is_object() || here.is_array()) {
            *here = json!({});
        }
        here = match here {
            Value::Array(items) => match part.parse::<usize>() {
                Ok(index) if index < items.len() => &mut items[index],
                _ => {
                    items.push(json!({}));
                    let last = items.len() - 1;
                    &mut items[last]
                }
            },
            Value::Object(map) => map.entry(part.to_owned()).or_insert_with(|| json!({})),
            _ => unreachable!("made a container above"),
        };
    }
    if !(here.is_object() || here.is_array()) {
        *here = json!({});
    }
    here
}

/// The object at a JSON pointer; where an array stands, a new object in it
/// (replacing the array would drop what earlier plants put there).
fn ensure_object<'a>(message: &'a mut Value, pointer: &str) -> &'a mut Map<String, Value> {
    let mut here = ensure_container(message, pointer);
    if let Value::Array(items) = here {
        items.push(json!({}));
        let last = items.len() - 1;
        here = &mut items[last];
    }
    if !here.is_object() {
        *here = json!({});
    }
    match here {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}
