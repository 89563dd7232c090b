//! The bounds of intake contract v1: how big a message, how deep its JSON,
//! how many artefacts and metrics, how long a wait. A message past any of
//! them is refused with a reason that names the limit
//! (`review.artefacts: at most 50 artefacts, got 51`), before it can reach
//! arithmetic, storage or a page that would not cope.
//!
//! These are checked at intake only, never when a stored review is read
//! back: a review stored before a limit existed must still open.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::intake::FieldError;

/// SQS's own limit for one message (256 KiB); the HTTP intake uses it too.
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Objects and arrays inside each other. The contract needs 3; serde_json
/// stops at 128, deep enough that every recursive walk over the message
/// (the token check, scrubbing, the stored form, the page's pretty printer)
/// would go 128 frames down. 32 keeps them shallow and is still far more
/// than any workflow's `context` needs.
pub const MAX_DEPTH: usize = 32;
/// Step Functions' own ceiling for `TimeoutSeconds` and `HeartbeatSeconds`.
pub const MAX_WAIT_SECONDS: u64 = 99_999_999;
pub const MAX_ARTEFACTS: usize = 50;
/// For `metrics`, and so for `baseline`, `thresholds` and `directions`,
/// which name metrics.
pub const MAX_METRICS: usize = 200;
/// `context`, serialised: it is stored, shown and sent back on resume.
pub const MAX_CONTEXT_BYTES: usize = 65_536;
/// Reasons kept for one message: past this, one more says how many were left out.
pub const MAX_REASONS: usize = 50;

/// Refuses a body over [`MAX_MESSAGE_BYTES`] or nested deeper than
/// [`MAX_DEPTH`], before anything parses it.
pub fn check_body(body: &str) -> Result<(), FieldError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(message_error(format!(
            "at most {MAX_MESSAGE_BYTES} bytes (SQS's limit for a message), got {} bytes",
            body.len()
        )));
    }
    if !nesting_within(body, MAX_DEPTH) {
        return Err(message_error(format!(
            "at most {MAX_DEPTH} levels of nested objects and arrays"
        )));
    }
    Ok(())
}

fn message_error(reason: String) -> FieldError {
    FieldError {
        field: "(message)".into(),
        reason,
    }
}

/// Whether no object or array in `body` lies deeper than `limit`, read as
/// JSON text in one pass with a counter (no recursion, so no depth can
/// exhaust the stack). Brackets inside strings do not count; what is not
/// JSON at all is left for the parser to name.
pub fn nesting_within(body: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for byte in body.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// The limits on the parsed message's sizes and waits, each problem naming
/// its field and limit.
pub fn check_message(top: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, reason: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            reason,
        })
    };
    if let Some(context) = top.get("context") {
        let bytes = context.to_string().len();
        if bytes > MAX_CONTEXT_BYTES {
            fail(
                "context",
                format!("at most {MAX_CONTEXT_BYTES} bytes as JSON, got {bytes} bytes"),
            );
        }
    }
    let Some(Value::Object(review)) = top.get("review") else {
        return errors;
    };
    if let Some(Value::Array(items)) = review.get("artefacts") {
        if items.len() > MAX_ARTEFACTS {
            fail(
                "review.artefacts",
                format!("at most {MAX_ARTEFACTS} artefacts, got {}", items.len()),
            );
        }
    }
    for key in ["metrics", "baseline", "thresholds", "directions"] {
        if let Some(Value::Object(names)) = review.get(key) {
            if names.len() > MAX_METRICS {
                fail(
                    &format!("review.{key}"),
                    format!("at most {MAX_METRICS} metrics, got {}", names.len()),
                );
            }
        }
    }
    let seconds = |key: &str| review.get(key).and_then(Value::as_u64);
    let (timeout, heartbeat) = (seconds("timeoutSeconds"), seconds("heartbeatSeconds"));
    for (key, value) in [("timeoutSeconds", timeout), ("heartbeatSeconds", heartbeat)] {
        if let Some(n) = value.filter(|n| *n > MAX_WAIT_SECONDS) {
            fail(
                &format!("review.{key}"),
                format!("at most {MAX_WAIT_SECONDS} (Step Functions' limit), got {n}"),
            );
        }
    }
    // Step Functions requires a heartbeat shorter than the timeout.
    if let (Some(timeout), Some(heartbeat)) = (timeout, heartbeat) {
        if heartbeat >= timeout && timeout > 0 {
            fail(
                "review.heartbeatSeconds",
                format!("must be less than timeoutSeconds ({timeout}), got {heartbeat}"),
            );
        }
    }
    errors
}

/// Keeps the first [`MAX_REASONS`] problems and says how many more there were.
pub fn cap_reasons(errors: &mut Vec<FieldError>) {
    if errors.len() > MAX_REASONS {
        let left_out = errors.len() - MAX_REASONS;
        errors.truncate(MAX_REASONS);
        errors.push(message_error(format!(
            "{left_out} more problems not listed (at most {MAX_REASONS} are)"
        )));
    }
}

/// `start + seconds`, saturating at the latest time chrono can hold instead
/// of overflowing: no timeout, however large, can panic a worker.
pub fn after_seconds(start: DateTime<Utc>, seconds: u64) -> DateTime<Utc> {
    i64::try_from(seconds)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .and_then(|wait| start.checked_add_signed(wait))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A value as a reason may mention it: its kind and size, never its text
/// (which may hold a token, or anything else the sender should not see
/// repeated in logs and exports).
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(text) => describe_text(text),
        Value::Array(items) => plural("an array of", items.len(), "item"),
        Value::Object(keys) => plural("an object with", keys.len(), "key"),
    }
}

/// `a string of 40 characters`.
pub fn describe_text(text: &str) -> String {
    plural("a string of", text.chars().count(), "character")
}

fn plural(lead: &str, count: usize, noun: &str) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{lead} {count} {noun}{s}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reasons(top: Value) -> Vec<String> {
        check_message(top.as_object().unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_oversized_message_names_sqs_limit() {
        let body = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(
            check_body(&body).unwrap_err().to_string(),
            format!(
                "(message): at most 262144 bytes (SQS's limit for a message), got {} bytes",
                body.len()
            )
        );
        let just_fits = format!("\"{}\"", "a".repeat(MAX_MESSAGE_BYTES - 2));
        assert!(check_body(&just_fits).is_ok());
    }

    #[test]
    fn nesting_is_counted_without_recursing_and_strings_do_not_count() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(nesting_within(&deep(32), 32));
        assert!(!nesting_within(&deep(33), 32));
        assert_eq!(
            check_body(&deep(33)).unwrap_err().to_string(),
            "(message): at most 32 levels of nested objects and arrays"
        );
        // Far past serde_json's own limit (128) and any stack: still one pass.
        assert!(!nesting_within(&"[".repeat(10_000_000), 32));
        let brackets_in_strings =
            format!("{{\"a\": \"{}\\\"{}\"}}", "[".repeat(40), "{".repeat(40));
        assert!(nesting_within(&brackets_in_strings, 1));
        let objects = format!("{}{}", "{\"a\":".repeat(33), "}".repeat(33));
        assert!(!nesting_within(&objects, 32));
    }

    #[test]
    fn each_size_limit_is_named_in_its_reason() {
        let many = |n: usize| {
            (0..n)
                .map(|i| (format!("m{i}"), json!(0.5)))
                .collect::<Map<_, _>>()
        };
        let artefacts: Vec<Value> = (0..51)
            .map(|i| json!({"uri": format!("s3://b/{i}")}))
            .collect();
        assert_eq!(
            reasons(json!({"review": {"artefacts": artefacts}})),
            ["review.artefacts: at most 50 artefacts, got 51"]
        );
        for key in ["metrics", "baseline", "thresholds", "directions"] {
            assert_eq!(
                reasons(json!({"review": {key: many(201)}})),
                [format!("review.{key}: at most 200 metrics, got 201")]
            );
            assert!(reasons(json!({"review": {key: many(200)}})).is_empty());
        }
        let context = json!({"blob": "x".repeat(MAX_CONTEXT_BYTES)});
        assert_eq!(
            reasons(json!({"context": context})),
            [format!(
                "context: at most 65536 bytes as JSON, got {} bytes",
                MAX_CONTEXT_BYTES + 11
            )]
        );
        assert!(
            reasons(json!({"context": {"blob": "x".repeat(MAX_CONTEXT_BYTES - 11)}})).is_empty()
        );
    }

    #[test]
    fn waits_are_bounded_by_step_functions_limits() {
        assert_eq!(
            reasons(json!({"review": {"timeoutSeconds": 10_000_000_000_000_u64}})),
            ["review.timeoutSeconds: at most 99999999 (Step Functions' limit), got 10000000000000"]
        );
        assert!(reasons(json!({"review": {"timeoutSeconds": 99_999_999}})).is_empty());
        assert_eq!(
            reasons(json!({"review": {"heartbeatSeconds": u64::MAX}})),
            [format!(
                "review.heartbeatSeconds: at most 99999999 (Step Functions' limit), got {}",
                u64::MAX
            )]
        );
        assert_eq!(
            reasons(json!({"review": {"timeoutSeconds": 600, "heartbeatSeconds": 600}})),
            ["review.heartbeatSeconds: must be less than timeoutSeconds (600), got 600"]
        );
        assert!(
            reasons(json!({"review": {"timeoutSeconds": 600, "heartbeatSeconds": 599}})).is_empty()
        );
    }

    #[test]
    fn deadline_arithmetic_saturates_instead_of_panicking() {
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(after_seconds(start, 60).timestamp(), 1_800_000_060);
        for seconds in [u64::MAX, i64::MAX as u64, 10_000_000_000_000] {
            assert_eq!(after_seconds(start, seconds), DateTime::<Utc>::MAX_UTC);
        }
        assert_eq!(
            after_seconds(DateTime::<Utc>::MAX_UTC, 1),
            DateTime::<Utc>::MAX_UTC
        );
        // What the store keeps: milliseconds, which MAX_UTC still fits.
        assert!(DateTime::<Utc>::MAX_UTC.timestamp_millis() < i64::MAX);
    }

    #[test]
    fn reasons_are_capped_with_a_count_of_the_rest() {
        let mut errors: Vec<FieldError> = (0..60)
            .map(|i| FieldError {
                field: format!("f{i}"),
                reason: "bad".into(),
            })
            .collect();
        cap_reasons(&mut errors);
        assert_eq!(errors.len(), MAX_REASONS + 1);
        assert_eq!(
            errors[MAX_REASONS].to_string(),
            "(message): 10 more problems not listed (at most 50 are)"
        );
    }

    #[test]
    fn values_are_described_not_echoed() {
        assert_eq!(describe(&json!("SECRET-abc")), "a string of 10 characters");
        assert_eq!(describe(&json!("é")), "a string of 1 character");
        assert_eq!(
            describe(&json!({"a": 1, "b": 2, "c": 3})),
            "an object with 3 keys"
        );
        assert_eq!(describe(&json!([1])), "an array of 1 item");
        assert_eq!(describe(&json!(4.5)), "a number");
    }
}
