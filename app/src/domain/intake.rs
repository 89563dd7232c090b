//! Intake contract, version 1: turns the JSON a Step Functions callback task
//! sends into a validated [`ReviewRequest`], or into the list of every problem
//! found, each naming its field (`review.metrics.auc: must be a number, got
//! string`). Unknown fields are kept: top-level ones in
//! [`ReviewRequest::extra`], those inside `review` in the raw review object
//! that is echoed back to the workflow.

use super::artefact::S3Location;
use super::identity::invisible_character;
use super::intake_limits::{self, after_seconds, check_body, describe_text};
use super::metric_direction::Direction;
use super::string_enum::string_enum;
use super::token::TaskToken;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The only contract version this build understands.
pub const CONTRACT_VERSION: u64 = 1;
/// Upper bound for `requiredApprovals`: more is almost surely a typo.
pub const MAX_REQUIRED_APPROVALS: u64 = 10;
/// Titles are counted in characters, not bytes.
pub const MAX_TITLE_CHARS: usize = 300;

/// One problem with one field of an intake message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `review.model.name`.
    pub field: String,
    pub reason: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Why a message was not accepted, with what could still be salvaged from it
/// (the token lets Signoff fail the waiting task at once instead of leaving
/// it to time out).
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeRejection {
    pub errors: Vec<FieldError>,
    pub task_token: Option<TaskToken>,
    pub execution_arn: Option<String>,
}

impl IntakeRejection {
    /// All reasons on one line each, for logs and the workflow's failure cause.
    pub fn summary(&self) -> String {
        self.errors
            .iter()
            .map(FieldError::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A review request that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    pub task_token: TaskToken,
    pub execution_arn: String,
    pub state_name: String,
    pub entered_at: DateTime<Utc>,
    pub spec: ReviewSpec,
    /// The `review` object exactly as received (unknown fields included).
    pub review_json: Value,
    /// Opaque data the workflow wants back after resuming.
    pub context: Value,
    /// Unknown top-level fields, kept rather than dropped.
    pub extra: Map<String, Value>,
}

impl ReviewRequest {
    /// When the workflow gives up on this review, if it set a timeout
    /// (saturating: no timeout can overflow the arithmetic).
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.spec
            .timeout_seconds
            .map(|secs| after_seconds(self.entered_at, secs))
    }
}

/// What is to be reviewed, parsed from the `review` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSpec {
    pub title: String,
    pub model: ModelRef,
    pub metrics: Vec<NamedValue>,
    pub baseline: Vec<NamedValue>,
    pub thresholds: Vec<NamedThreshold>,
    /// Which way is better, where the request says so. Reviews stored
    /// before the field existed have none.
    #[serde(default)]
    pub directions: Vec<NamedDirection>,
    pub artefacts: Vec<Artefact>,
    /// Who asked, as the workflow claims it. Required unless a policy rule
    /// says otherwise ([`super::policy`]).
    pub requested_by: Option<String>,
    pub reviewer_group: Option<String>,
    /// What the request asks; the review's policy decides what it needs.
    pub required_approvals: Option<u32>,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    pub on_reject: OnReject,
    #[serde(default)]
    pub priority: Priority,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRef {
    pub name: String,
    pub version: String,
    pub stage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedValue {
    pub name: String,
    pub value: f64,
}

/// Bounds a metric must stay within; at least one is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedThreshold {
    pub name: String,
    pub threshold: Threshold,
}

/// The request's word on which way is better for one metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDirection {
    pub name: String,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artefact {
    pub label: String,
    pub uri: String,
}

string_enum! {
    /// What a rejection does to the workflow.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum OnReject {
        /// `SendTaskFailure` with error `Signoff.Rejected`, for a `Catch` to route.
        Fail => "fail",
        /// `SendTaskSuccess` with `"decision": "rejected"`, for a `Choice` to route.
        Succeed => "succeed",
    }
}

string_enum! {
    /// How urgent a review is; `normal` unless the request says otherwise.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Priority {
        Low => "low",
        #[default]
        Normal => "normal",
        High => "high",
        Urgent => "urgent",
    }
}

impl Priority {
    /// The stored form: higher is more urgent.
    pub fn rank(self) -> i64 {
        self as i64
    }
}

/// Parses and validates one intake message body.
pub fn parse_review_request(body: &str) -> Result<ReviewRequest, IntakeRejection> {
    if let Err(error) = check_body(body) {
        let (task_token, execution_arn) = salvage(body);
        return Err(IntakeRejection {
            errors: vec![error],
            task_token,
            execution_arn,
        });
    }
    let value: Value = serde_json::from_str(body).map_err(|e| IntakeRejection {
        errors: vec![error("(message)", format!("is not valid JSON: {e}"))],
        task_token: None,
        execution_arn: None,
    })?;
    let Value::Object(mut top) = value else {
        return Err(IntakeRejection {
            errors: vec![error(
                "(message)",
                format!("must be a JSON object, got {}", kind(&value)),
            )],
            task_token: None,
            execution_arn: None,
        });
    };

    // Limits first: they are what a lead needs to read, and they stay in
    // view when the list of problems is capped.
    let mut errors = intake_limits::check_message(&top);
    let mut fields = Fields::new(&top, "", &mut errors);
    if let Some(version) = fields.optional_u64("version") {
        if version != CONTRACT_VERSION {
            fields.fail(
                "version",
                format!("must be {CONTRACT_VERSION}, got {version}"),
            );
        }
    }
    let task_token =
        fields
            .required_string("taskToken")
            .and_then(|raw| match TaskToken::parse(&raw) {
                Ok(token) => Some(token),
                Err(reason) => {
                    fields.fail("taskToken", reason);
                    None
                }
            });
    let execution_arn = fields.required_string("executionArn");
    if let Some(arn) = &execution_arn {
        if !(arn.starts_with("arn:") && arn.contains(":states:") && arn.contains(":execution:")) {
            fields.fail(
                "executionArn",
                "must be a Step Functions execution ARN (arn:…:states:…:execution:…)".into(),
            );
        }
    }
    let state_name = fields.required_string("stateName");
    let entered_at = fields.required_timestamp("enteredTime");
    let spec = match top.get("review") {
        None | Some(Value::Null) => {
            errors.push(error("review", "is required".into()));
            None
        }
        Some(review) => parse_review_spec(review, "review")
            .map_err(|e| errors.extend(e))
            .ok(),
    };
    // Checked here, at intake, rather than in `parse_review_spec`: a review
    // stored before this rule must still read back (and its requester is
    // compared without such characters anyway).
    if let Some(reason) = top
        .get("review")
        .and_then(|review| review.get("requestedBy"))
        .and_then(Value::as_str)
        .and_then(|name| invisible_character(name.trim()))
    {
        errors.push(error("review.requestedBy", reason));
    }

    let (
        Some(task_token),
        Some(execution_arn),
        Some(state_name),
        Some(entered_at),
        Some(spec),
        true,
    ) = (
        task_token.clone(),
        execution_arn.clone(),
        state_name,
        entered_at,
        spec,
        errors.is_empty(),
    )
    else {
        intake_limits::cap_reasons(&mut errors);
        return Err(IntakeRejection {
            errors,
            task_token,
            execution_arn,
        });
    };

    let review_json = top.remove("review").unwrap_or(Value::Null);
    let context = match top.remove("context") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(context) => context,
    };
    for known in [
        "version",
        "taskToken",
        "executionArn",
        "stateName",
        "enteredTime",
    ] {
        top.remove(known);
    }
    // Review and context are shown to reviewers; a token copied into them
    // (say `"context": {"token.$": "$$.Task.Token"}`) would reach the page.
    let copies = [("review", &review_json), ("context", &context)]
        .into_iter()
        .filter(|(_, value)| value.to_string().contains(task_token.expose()))
        .map(|(field, _)| {
            error(
                field,
                "must not contain the task token: send it only as taskToken".into(),
            )
        })
        .chain(
            top.iter()
                .filter(|(_, value)| value.to_string().contains(task_token.expose()))
                .map(|(key, _)| {
                    error(
                        key,
                        "must not contain the task token: send it only as taskToken".into(),
                    )
                }),
        )
        .collect::<Vec<_>>();
    if !copies.is_empty() {
        return Err(IntakeRejection {
            errors: copies,
            task_token: Some(task_token),
            execution_arn: Some(execution_arn),
        });
    }
    Ok(ReviewRequest {
        task_token,
        execution_arn,
        state_name,
        entered_at,
        spec,
        review_json,
        context,
        extra: top,
    })
}

/// The token and execution of a message refused before it was read in full
/// (too deep for Signoff, not for serde_json), so its waiting task can still
/// be failed at once. Only top-level strings are taken; nothing past the size
/// limit is parsed.
fn salvage(body: &str) -> (Option<TaskToken>, Option<String>) {
    if body.len() > intake_limits::MAX_MESSAGE_BYTES {
        return (None, None);
    }
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(body) else {
        return (None, None);
    };
    let text = |key: &str| top.get(key).and_then(Value::as_str).map(str::to_owned);
    let token = text("taskToken").and_then(|raw| TaskToken::parse(&raw).ok());
    (token, text("executionArn"))
}

/// Validates a `review` object. Also used to read back a stored review, so
/// what is shown is always what was validated.
pub fn parse_review_spec(review: &Value, path: &str) -> Result<ReviewSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Value::Object(obj) = review else {
        return Err(vec![error(
            path,
            format!("must be an object, got {}", kind(review)),
        )]);
    };
    let mut fields = Fields::new(obj, path, &mut errors);
    let title = fields.required_string("title");
    if let Some(title) = &title {
        if title.chars().count() > MAX_TITLE_CHARS {
            fields.fail(
                "title",
                format!(
                    "at most {MAX_TITLE_CHARS} characters, got {}",
                    title.chars().count()
                ),
            );
        }
    }
    let model = fields.required_object("model").and_then(|model| {
        let model_path = format!("{path}.model");
        let mut model_fields = Fields::new(model, &model_path, fields.errors);
        let name = model_fields.required_string("name");
        let version = model_fields.required_version("version");
        let stage = model_fields.optional_string("stage");
        Some(ModelRef {
            name: name?,
            version: version?,
            stage,
        })
    });
    let metrics = fields.number_map("metrics", true);
    let baseline = fields.number_map("baseline", false);
    let thresholds = fields.thresholds("thresholds");
    let directions = fields.directions("directions");
    let artefacts = fields.artefacts("artefacts");
    let requested_by = fields.optional_string("requestedBy");
    let reviewer_group = fields.optional_string("reviewerGroup");
    let required_approvals = match fields.optional_u64("requiredApprovals") {
        None => None,
        Some(n) if (1..=MAX_REQUIRED_APPROVALS).contains(&n) => u32::try_from(n).ok(),
        Some(n) => {
            fields.fail(
                "requiredApprovals",
                format!("must be between 1 and {MAX_REQUIRED_APPROVALS}, got {n}"),
            );
            None
        }
    };
    let timeout_seconds = fields.optional_positive_seconds("timeoutSeconds");
    let heartbeat_seconds = fields.optional_positive_seconds("heartbeatSeconds");
    let on_reject = match fields.optional_string("onReject") {
        None => OnReject::Fail,
        Some(text) => OnReject::parse(&text).unwrap_or_else(|| {
            fields.fail(
                "onReject",
                format!(
                    "must be \"fail\" or \"succeed\", got {}",
                    describe_text(&text)
                ),
            );
            OnReject::Fail
        }),
    };
    let priority = match fields.optional_string("priority") {
        None => Priority::Normal,
        Some(text) => Priority::parse(&text).unwrap_or_else(|| {
            fields.fail(
                "priority",
                format!(
                    "must be \"low\", \"normal\", \"high\" or \"urgent\", got {}",
                    describe_text(&text)
                ),
            );
            Priority::Normal
        }),
    };
    // Names as written, valid values or not: a bad value is one error, not three.
    let metric_names: Option<Vec<&str>> = obj
        .get("metrics")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect());
    check_names_refer_to_metrics(
        path,
        metric_names.as_deref(),
        &baseline,
        &thresholds,
        &directions,
        &mut errors,
    );

    match (title, model, metrics) {
        (Some(title), Some(model), Some(metrics)) if errors.is_empty() => Ok(ReviewSpec {
            title,
            model,
            metrics,
            baseline: baseline.unwrap_or_default(),
            thresholds,
            directions,
            artefacts,
            requested_by,
            reviewer_group,
            required_approvals,
            timeout_seconds,
            heartbeat_seconds,
            on_reject,
            priority,
        }),
        _ => Err(errors),
    }
}

/// A baseline or threshold for a metric that was not reported is almost
/// always a typo, and would silently show nothing: say so instead.
fn check_names_refer_to_metrics(
    path: &str,
    metric_names: Option<&[&str]>,
    baseline: &Option<Vec<NamedValue>>,
    thresholds: &[NamedThreshold],
    directions: &[NamedDirection],
    errors: &mut Vec<FieldError>,
) {
    let Some(metric_names) = metric_names else {
        return;
    };
    let known = |name: &str| metric_names.contains(&name);
    for entry in baseline.iter().flatten() {
        if !known(&entry.name) {
            errors.push(error(
                &format!("{path}.baseline.{}", entry.name),
                format!("no metric named \"{}\" in {path}.metrics", entry.name),
            ));
        }
    }
    let named = thresholds
        .iter()
        .map(|t| ("thresholds", &t.name))
        .chain(directions.iter().map(|d| ("directions", &d.name)));
    for (key, name) in named {
        if !known(name) {
            errors.push(error(
                &format!("{path}.{key}.{name}"),
                format!("no metric named \"{name}\" in {path}.metrics"),
            ));
        }
    }
}

fn error(field: &str, reason: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        reason,
    }
}

/// The JSON type of a value, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads typed fields out of one JSON object, recording a precise error for
/// each field that is missing or malformed.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    path: String,
    errors: &'a mut Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn new(obj: &'a Map<String, Value>, path: &str, errors: &'a mut Vec<FieldError>) -> Self {
        Self {
            obj,
            path: path.to_owned(),
            errors,
        }
    }

    fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn fail(&mut self, key: &str, reason: String) {
        let field = self.name(key);
        self.errors.push(FieldError { field, reason });
    }

    /// The value, or `None` when absent or null.
    fn present(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn required_string(&mut self, key: &str) -> Option<String> {
        if self.present(key).is_none() {
            self.fail(key, "is required".into());
            return None;
        }
        self.optional_string(key)
    }

    fn optional_string(&mut self, key: &str) -> Option<String> {
        match self.present(key)? {
            Value::String(text) if text.trim().is_empty() => {
                self.fail(key, "must not be empty".into());
                None
            }
            Value::String(text) => Some(text.trim().to_owned()),
            other => {
                self.fail(key, format!("must be a string, got {}", kind(other)));
                None
            }
        }
    }

    /// Model versions are often written as numbers (`"version": 42`).
    fn required_version(&mut self, key: &str) -> Option<String> {
        match self.present(key) {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
            Some(Value::Number(_)) => {
                self.fail(key, "must be a string or a whole number".into());
                None
            }
            _ => self.required_string(key),
        }
    }

    fn required_timestamp(&mut self, key: &str) -> Option<DateTime<Utc>> {
        let text = self.required_string(key)?;
        match DateTime::parse_from_rfc3339(&text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                self.fail(
                    key,
                    format!(
                        "must be an RFC 3339 timestamp, got {}",
                        describe_text(&text)
                    ),
                );
                None
            }
        }
    }

    fn optional_u64(&mut self, key: &str) -> Option<u64> {
        let value = self.present(key)?;
        match value.as_u64() {
            Some(n) => Some(n),
            None => {
                let got = match value {
                    Value::Number(n) => n.to_string(),
                    other => kind(other).to_owned(),
                };
                self.fail(key, format!("must be a whole number, got {got}"));
                None
            }
        }
    }

    fn optional_positive_seconds(&mut self, key: &str) -> Option<u64> {
        match self.optional_u64(key)? {
            0 => {
                self.fail(key, "must be at least 1 second".into());
                None
            }
            n => Some(n),
        }
    }

    fn required_object(&mut self, key: &str) -> Option<&'a Map<String, Value>> {
        match self.present(key) {
            None => {
                self.fail(key, "is required".into());
                None
            }
            Some(Value::Object(obj)) => Some(obj),
            Some(other) => {
                self.fail(key, format!("must be an object, got {}", kind(other)));
                None
            }
        }
    }

    /// An object of metric name to number, in the order given.
    fn number_map(&mut self, key: &str, required: bool) -> Option<Vec<NamedValue>> {
        let obj = if required {
            self.required_object(key)?
        } else {
            match self.present(key) {
                None => return None,
                Some(_) => self.required_object(key)?,
            }
        };
        let mut values = Vec::with_capacity(obj.len());
        for (name, value) in obj {
            match value.as_f64() {
                Some(number) => values.push(NamedValue {
                    name: name.clone(),
                    value: number,
                }),
                None => self.fail(
                    &format!("{key}.{name}"),
                    format!("must be a number, got {}", kind(value)),
                ),
            }
        }
        Some(values)
    }

    fn thresholds(&mut self, key: &str) -> Vec<NamedThreshold> {
        let Some(obj) = self.present(key).and_then(|_| self.required_object(key)) else {
            return Vec::new();
        };
        let mut thresholds = Vec::with_capacity(obj.len());
        for (name, value) in obj {
            let field = format!("{key}.{name}");
            let Value::Object(bounds) = value else {
                self.fail(
                    &field,
                    format!(
                        "must be an object with \"min\" and/or \"max\", got {}",
                        kind(value)
                    ),
                );
                continue;
            };
            let bound = |which: &str| match bounds.get(which).filter(|v| !v.is_null()) {
                None => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                    error(
                        &self.name(&format!("{field}.{which}")),
                        format!("must be a number, got {}", kind(v)),
                    )
                }),
            };
            let (min, max) = (bound("min"), bound("max"));
            let (min, max) = match (min, max) {
                (Ok(min), Ok(max)) => (min, max),
                (min, max) => {
                    self.errors.extend(min.err().into_iter().chain(max.err()));
                    continue;
                }
            };
            match (min, max) {
                (None, None) => self.fail(&field, "needs \"min\", \"max\" or both".into()),
                (Some(lo), Some(hi)) if lo > hi => {
                    self.fail(&field, format!("min ({lo}) must not exceed max ({hi})"))
                }
                _ => thresholds.push(NamedThreshold {
                    name: name.clone(),
                    threshold: Threshold { min, max },
                }),
            }
        }
        thresholds
    }

    /// An object of metric name to `"higher"` or `"lower"`.
    fn directions(&mut self, key: &str) -> Vec<NamedDirection> {
        let Some(obj) = self.present(key).and_then(|_| self.required_object(key)) else {
            return Vec::new();
        };
        let mut directions = Vec::with_capacity(obj.len());
        for (name, value) in obj {
            match value.as_str().and_then(Direction::parse) {
                Some(direction) => directions.push(NamedDirection {
                    name: name.clone(),
                    direction,
                }),
                None => {
                    let got = match value {
                        Value::String(text) => describe_text(text),
                        other => kind(other).to_owned(),
                    };
                    self.fail(
                        &format!("{key}.{name}"),
                        format!("must be \"higher\" or \"lower\", got {got}"),
                    );
                }
            }
        }
        directions
    }

    fn artefacts(&mut self, key: &str) -> Vec<Artefact> {
        let items = match self.present(key) {
            None => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.fail(key, format!("must be an array, got {}", kind(other)));
                return Vec::new();
            }
        };
        let mut artefacts = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let path = self.name(&format!("{key}[{index}]"));
            let Value::Object(obj) = item else {
                self.errors.push(error(
                    &path,
                    format!("must be an object, got {}", kind(item)),
                ));
                continue;
            };
            let mut fields = Fields::new(obj, &path, self.errors);
            let uri = fields.required_string("uri");
            let label = fields.optional_string("label");
            let Some(uri) = uri else { continue };
            if let Err(reason) = check_artefact_uri(&uri) {
                fields.fail("uri", reason);
                continue;
            }
            let label = label.unwrap_or_else(|| default_label(&uri));
            artefacts.push(Artefact { label, uri });
        }
        artefacts
    }
}

/// Artefacts live in S3 (presigned on view) or behind an https link.
fn check_artefact_uri(uri: &str) -> Result<(), String> {
    if uri.starts_with("s3://") {
        match S3Location::parse(uri) {
            Some(_) => Ok(()),
            None => Err(format!(
                "must name a bucket and a key (s3://bucket/key), got {}",
                describe_text(uri)
            )),
        }
    } else if uri.starts_with("https://") {
        Ok(())
    } else {
        Err(format!(
            "must start with s3:// or https://, got {}",
            describe_text(uri)
        ))
    }
}

/// The file name of an artefact, used when the sender gave no label.
fn default_label(uri: &str) -> String {
    uri.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(uri)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "taskToken": "token-123",
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:model-release:run-1",
            "stateName": "RequestApproval",
            "enteredTime": "2026-11-21T08:47:30.345880+00:00",
            "review": {
                "title": "Promote churn-model v42 to production",
                "model": {"name": "churn-model", "version": "42", "stage": "production"},
                "metrics": {"auc": 0.912, "precision": 0.83, "flagged_rate": 0.071},
                "baseline": {"auc": 0.905, "precision": 0.84, "flagged_rate": 0.052},
                "thresholds": {"auc": {"min": 0.85}, "flagged_rate": {"max": 0.06}},
                "artefacts": [{"label": "Evaluation report", "uri": "s3://ml-artefacts/churn/42/report.html"}],
                "requestedBy": "ci@example.com",
                "reviewerGroup": "ml-reviewers",
                "requiredApprovals": 1,
                "timeoutSeconds": 86400,
                "heartbeatSeconds": null,
                "onReject": "fail",
                "ticket": "ML-1234"
            },
            "context": {"anything": "the workflow needs again"},
            "traceId": "abc"
        })
    }

    fn parse(value: &Value) -> Result<ReviewRequest, IntakeRejection> {
        parse_review_request(&value.to_string())
    }

    /// Applies `edit` to a valid message and returns the reasons it now fails with.
    fn reasons_after(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut message = valid();
        edit(&mut message);
        parse(&message)
            .expect_err("the edited message should be rejected")
            .errors
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_valid_message_parses_with_everything_kept() {
        let request = parse(&valid()).unwrap();
        assert_eq!(request.task_token.expose(), "token-123");
        assert_eq!(request.state_name, "RequestApproval");
        assert_eq!(request.spec.model.version, "42");
        assert_eq!(request.spec.metrics.len(), 3);
        assert_eq!(
            request.spec.metrics[2].name, "flagged_rate",
            "order is kept"
        );
        assert_eq!(request.spec.thresholds[1].threshold.max, Some(0.06));
        assert!(request.spec.directions.is_empty());
        assert_eq!(request.spec.on_reject, OnReject::Fail);
        assert_eq!(
            request.review_json["ticket"], "ML-1234",
            "unknown review fields kept"
        );
        assert_eq!(
            request.extra["traceId"], "abc",
            "unknown top-level fields kept"
        );
        assert!(!request.extra.contains_key("taskToken"));
        assert_eq!(request.context["anything"], "the workflow needs again");
        let deadline = request.deadline().unwrap();
        assert_eq!((deadline - request.entered_at).num_seconds(), 86400);
    }

    #[test]
    fn aws_and_emulator_timestamps_both_parse() {
        for stamp in [
            "2026-11-21T08:47:30.345Z",
            "2026-11-21T08:47:30.345880+00:00",
        ] {
            let mut message = valid();
            message["enteredTime"] = json!(stamp);
            assert!(parse(&message).is_ok(), "{stamp}");
        }
    }

    #[test]
    fn defaults_apply_when_optional_fields_are_missing() {
        let mut message = valid();
        let review = message["review"].as_object_mut().unwrap();
        for key in [
            "baseline",
            "thresholds",
            "artefacts",
            "reviewerGroup",
            "requiredApprovals",
            "timeoutSeconds",
            "onReject",
        ] {
            review.remove(key);
        }
        message.as_object_mut().unwrap().remove("context");
        let request = parse(&message).unwrap();
        assert_eq!(request.spec.required_approvals, None, "the policy decides");
        assert_eq!(request.spec.on_reject, OnReject::Fail);
        assert_eq!(request.spec.priority, Priority::Normal);
        assert_eq!(request.deadline(), None);
        assert_eq!(request.context, json!({}));
    }

    #[test]
    fn not_json_and_not_an_object_are_named() {
        let err = parse_review_request("{oops").unwrap_err();
        assert!(err.errors[0].reason.starts_with("is not valid JSON"));
        let err = parse_review_request("[1,2]").unwrap_err();
        assert_eq!(
            err.errors[0].to_string(),
            "(message): must be a JSON object, got array"
        );
    }

    #[test]
    fn a_request_may_say_which_way_is_better() {
        let mut message = valid();
        message["review"]["directions"] = json!({"flagged_rate": "lower", "auc": "higher"});
        let directions = parse(&message).unwrap().spec.directions;
        assert_eq!(
            directions,
            [
                NamedDirection {
                    name: "flagged_rate".into(),
                    direction: Direction::LowerIsBetter
                },
                NamedDirection {
                    name: "auc".into(),
                    direction: Direction::HigherIsBetter
                }
            ]
        );
    }

    #[test]
    fn each_bad_field_gets_a_precise_reason() {
        type Edit = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|m| { m.as_object_mut().unwrap().remove("taskToken"); }), "taskToken: is required"),
            (Box::new(|m| m["taskToken"] = json!(7)), "taskToken: must be a string, got number"),
            (Box::new(|m| m["executionArn"] = json!("run-1")), "executionArn: must be a Step Functions execution ARN (arn:…:states:…:execution:…)"),
            (Box::new(|m| m["stateName"] = json!("  ")), "stateName: must not be empty"),
            (Box::new(|m| m["enteredTime"] = json!("yesterday")), "enteredTime: must be an RFC 3339 timestamp, got a string of 9 characters"),
            (Box::new(|m| m["version"] = json!(2)), "version: must be 1, got 2"),
            (Box::new(|m| { m.as_object_mut().unwrap().remove("review"); }), "review: is required"),
            (Box::new(|m| m["review"] = json!("x")), "review: must be an object, got string"),
            (Box::new(|m| m["review"]["title"] = json!(null)), "review.title: is required"),
            (Box::new(|m| m["review"]["model"]["name"] = json!(""), ), "review.model.name: must not be empty"),
            (Box::new(|m| m["review"]["model"]["version"] = json!(4.2)), "review.model.version: must be a string or a whole number"),
            (Box::new(|m| m["review"]["metrics"]["auc"] = json!("high")), "review.metrics.auc: must be a number, got string"),
            (Box::new(|m| m["review"]["metrics"] = json!([1])), "review.metrics: must be an object, got array"),
            (Box::new(|m| m["review"]["baseline"]["recall"] = json!(0.5)), "review.baseline.recall: no metric named \"recall\" in review.metrics"),
            (Box::new(|m| m["review"]["thresholds"]["auc"] = json!({})), "review.thresholds.auc: needs \"min\", \"max\" or both"),
            (Box::new(|m| m["review"]["thresholds"]["auc"] = json!({"min": 0.9, "max": 0.8})), "review.thresholds.auc: min (0.9) must not exceed max (0.8)"),
            (Box::new(|m| m["review"]["thresholds"]["auc"] = json!({"min": "0.9"})), "review.thresholds.auc.min: must be a number, got string"),
            (Box::new(|m| m["review"]["thresholds"]["recall"] = json!({"min": 0.5})), "review.thresholds.recall: no metric named \"recall\" in review.metrics"),
            (Box::new(|m| m["review"]["directions"] = json!({"auc": "up"})), "review.directions.auc: must be \"higher\" or \"lower\", got a string of 2 characters"),
            (Box::new(|m| m["review"]["directions"] = json!({"auc": 1})), "review.directions.auc: must be \"higher\" or \"lower\", got number"),
            (Box::new(|m| m["review"]["directions"] = json!(["auc"])), "review.directions: must be an object, got array"),
            (Box::new(|m| m["review"]["directions"] = json!({"recall": "higher"})), "review.directions.recall: no metric named \"recall\" in review.metrics"),
            (Box::new(|m| m["review"]["artefacts"] = json!({})), "review.artefacts: must be an array, got object"),
            (Box::new(|m| m["review"]["artefacts"][0]["uri"] = json!("ftp://x/y")), "review.artefacts[0].uri: must start with s3:// or https://, got a string of 9 characters"),
            (Box::new(|m| m["review"]["artefacts"][0]["uri"] = json!("s3://bucket-only")), "review.artefacts[0].uri: must name a bucket and a key (s3://bucket/key), got a string of 16 characters"),
            (Box::new(|m| m["review"]["requestedBy"] = json!(["a"])), "review.requestedBy: must be a string, got array"),
            (Box::new(|m| m["review"]["requestedBy"] = json!("dana@example.com\u{200B}")), "review.requestedBy: must not contain invisible characters: U+200B (a format character) at position 17"),
            (Box::new(|m| m["review"]["requiredApprovals"] = json!(0)), "review.requiredApprovals: must be between 1 and 10, got 0"),
            (Box::new(|m| m["review"]["requiredApprovals"] = json!(-1)), "review.requiredApprovals: must be a whole number, got -1"),
            (Box::new(|m| m["review"]["timeoutSeconds"] = json!(0)), "review.timeoutSeconds: must be at least 1 second"),
            (Box::new(|m| m["review"]["heartbeatSeconds"] = json!("60")), "review.heartbeatSeconds: must be a whole number, got string"),
            (Box::new(|m| m["review"]["onReject"] = json!("explode")), "review.onReject: must be \"fail\" or \"succeed\", got a string of 7 characters"),
            (Box::new(|m| m["review"]["priority"] = json!("asap")), "review.priority: must be \"low\", \"normal\", \"high\" or \"urgent\", got a string of 4 characters"),
        ];
        for (edit, expected) in cases {
            let reasons = reasons_after(edit);
            assert_eq!(
                reasons,
                vec![expected.to_owned()],
                "expected exactly: {expected}"
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let reasons = reasons_after(|m| {
            m["stateName"] = json!(1);
            m["review"]["title"] = json!("");
            m["review"]["metrics"]["auc"] = json!(null);
        });
        assert_eq!(reasons.len(), 3, "{reasons:?}");
    }

    #[test]
    fn a_rejection_keeps_the_token_so_the_workflow_can_be_told() {
        let mut message = valid();
        message["review"]["title"] = json!("");
        let rejection = parse(&message).unwrap_err();
        assert_eq!(rejection.task_token.as_ref().unwrap().expose(), "token-123");
        assert!(rejection
            .execution_arn
            .as_deref()
            .unwrap()
            .contains(":execution:"));
        assert!(!rejection.summary().contains("token-123"));
    }

    #[test]
    fn a_token_copied_into_shown_fields_is_refused() {
        let mut message = valid();
        message["context"] = json!({"resumeWith": "token-123"});
        message["note"] = json!("token-123");
        let rejection = parse(&message).unwrap_err();
        let reasons: Vec<_> = rejection.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            reasons,
            [
                "context: must not contain the task token: send it only as taskToken",
                "note: must not contain the task token: send it only as taskToken",
            ]
        );
        assert!(
            rejection.task_token.is_some(),
            "the workflow can still be told"
        );
    }

    #[test]
    fn a_request_may_leave_out_its_requester_for_the_policy_to_judge() {
        let mut message = valid();
        message["review"]
            .as_object_mut()
            .unwrap()
            .remove("requestedBy");
        assert_eq!(parse(&message).unwrap().spec.requested_by, None);
    }

    #[test]
    fn a_numeric_model_version_is_accepted_as_text() {
        let mut message = valid();
        message["review"]["model"]["version"] = json!(42);
        assert_eq!(parse(&message).unwrap().spec.model.version, "42");
    }

    #[test]
    fn artefact_labels_default_to_the_file_name() {
        let mut message = valid();
        message["review"]["artefacts"] = json!([{"uri": "s3://bucket/a/b/report.html"}]);
        assert_eq!(
            parse(&message).unwrap().spec.artefacts[0].label,
            "report.html"
        );
    }
}
