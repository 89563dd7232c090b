//! SNS: one `Publish` per send, the notification's subject as the
//! message's `Subject` (SNS's limits: one line, under 100 characters) and
//! its plain text as the body. SNS fans out from there (e-mail, SQS,
//! Lambda, chat tools), so Signoff needs nothing else per subscriber.

use app::domain::notify::message::OutgoingMessage;
use app::ssr::ports::SendError;
use aws_sdk_sns::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// SNS refuses a subject of 100 characters or more.
const SUBJECT_MAX_CHARS: usize = 99;

/// Error codes for a request that will never succeed as sent.
const PERMANENT_CODES: [&str; 9] = [
    "NotFound",
    "NotFoundException",
    "InvalidParameter",
    "InvalidParameterValue",
    "ParameterValueInvalid",
    "AuthorizationError",
    "AccessDenied",
    "AccessDeniedException",
    "EndpointDisabled",
];

/// Error codes that say "later": throttling and SNS's own trouble.
const TRANSIENT_CODES: [&str; 6] = [
    "Throttled",
    "Throttling",
    "ThrottlingException",
    "KMSThrottling",
    "InternalError",
    "ServiceUnavailable",
];

/// Publishes notifications to SNS topics.
pub struct SnsPublisher {
    client: aws_sdk_sns::Client,
}

impl SnsPublisher {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        Self { client }
    }

    pub async fn send(&self, topic_arn: &str, message: &OutgoingMessage) -> Result<(), SendError> {
        let mut request = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .message(message.text.clone());
        if let Some(subject) = subject(&message.subject) {
            request = request.subject(subject);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(&error, topic_arn)),
        }
    }
}

/// The subject as SNS accepts it: control characters (line breaks
/// included) become spaces, runs of spaces one, and a subject too long is
/// cut at a character boundary with `...`. `None` when nothing is left
/// (the subject is optional).
pub fn subject(text: &str) -> Option<String> {
    let one_line = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>();
    let words: Vec<&str> = one_line.split_whitespace().collect();
    let clean = words.join(" ");
    if clean.is_empty() {
        return None;
    }
    if clean.chars().count() <= SUBJECT_MAX_CHARS {
        return Some(clean);
    }
    let cut: String = clean.chars().take(SUBJECT_MAX_CHARS - 3).collect();
    Some(format!("{}...", cut.trim_end()))
}

fn classify<E>(
    error: &SdkError<E, aws_sdk_sns::config::http::HttpResponse>,
    topic_arn: &str,
) -> SendError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("Unknown");
            let text = format!(
                "SNS publish to {topic_arn}: {code}: {}",
                err.message().unwrap_or("no message")
            );
            kind_of(code, status)(text)
        }
        // Timeouts, connection failures, unreadable responses: try again.
        other => SendError::Transient(format!(
            "SNS publish to {topic_arn}: SNS unreachable: {}",
            DisplayErrorContext(other)
        )),
    }
}

/// What an error code (and the answer's status) means for a publish.
fn kind_of(code: &str, status: Option<u16>) -> fn(String) -> SendError {
    if PERMANENT_CODES.contains(&code) {
        SendError::Permanent
    } else if TRANSIENT_CODES.contains(&code) {
        SendError::Transient
    } else {
        match status {
            // Another client error (KMS key disabled, a policy): it will
            // be answered the same way next time.
            Some(status) if (400..500).contains(&status) && status != 429 => SendError::Permanent,
            _ => SendError::Transient,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str, status: Option<u16>) -> &'static str {
        match kind_of(code, status)(String::new()) {
            SendError::Permanent(_) => "permanent",
            SendError::Transient(_) => "transient",
        }
    }

    #[test]
    fn error_codes_are_sorted_into_permanent_and_transient() {
        for code in ["NotFound", "InvalidParameter", "AuthorizationError"] {
            assert_eq!(kind(code, Some(400)), "permanent", "{code}");
        }
        for code in ["Throttled", "KMSThrottling", "InternalError"] {
            assert_eq!(kind(code, Some(400)), "transient", "{code}");
        }
        assert_eq!(kind("Whatever", Some(500)), "transient");
        assert_eq!(kind("Whatever", Some(503)), "transient");
        assert_eq!(kind("Whatever", Some(429)), "transient");
        assert_eq!(kind("Whatever", None), "transient");
        assert_eq!(kind("KMSDisabled", Some(400)), "permanent");
    }

    #[test]
    fn subjects_fit_snss_limits() {
        assert_eq!(subject("Review waiting").as_deref(), Some("Review waiting"));
        assert_eq!(
            subject("line one\r\nline two\ttab\u{7}").as_deref(),
            Some("line one line two tab")
        );
        assert_eq!(subject(" \n\t "), None);
        let long = "é".repeat(150);
        let cut = subject(&long).expect("a subject");
        assert_eq!(cut.chars().count(), SUBJECT_MAX_CHARS);
        assert!(cut.ends_with("..."), "{cut}");
        let exact = "x".repeat(SUBJECT_MAX_CHARS);
        assert_eq!(subject(&exact).as_deref(), Some(exact.as_str()));
    }
}
