//! What the edge refuses before a handler answers (too large, too slow,
//! too often), recognised in the bare answers of the layers that enforce
//! the limits, so each part of the router can say it in its own error
//! format: the browser part in words (or as the server functions' error),
//! the machine part as JSON.

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

/// A request the edge refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its body was over `--max-body-bytes` (413).
    TooLarge,
    /// It was not sent and answered within `--request-timeout-seconds` (408).
    TimedOut,
    /// Its address is over a rate limit; it may try again after this many
    /// seconds (429).
    TooMany { retry_after_secs: u64 },
    /// Its session already holds `--streams-per-session` live streams (429).
    TooManyStreams,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::TimedOut => StatusCode::REQUEST_TIMEOUT,
            Refusal::TooMany { .. } | Refusal::TooManyStreams => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// What the person (or the calling system) reads.
    pub fn message(self) -> String {
        match self {
            Refusal::TooLarge => "This request is too large for Signoff.".into(),
            Refusal::TimedOut => {
                "This request took too long to arrive. Check the connection and try again.".into()
            }
            Refusal::TooMany { retry_after_secs } => format!(
                "Too many requests from your address. Try again in {retry_after_secs} seconds."
            ),
            Refusal::TooManyStreams => "Too many live pages are open in this session: close \
                                        some tabs, then reload this one."
                .into(),
        }
    }

    /// The refusal a limit layer answered with, if `response` is one. The
    /// layers answer bare statuses (rendered answers are marked, so a
    /// handler's own 429 is left alone).
    pub fn recognise(response: &Response) -> Option<Self> {
        if response.extensions().get::<Rendered>().is_some() {
            return None;
        }
        match response.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Some(Refusal::TooLarge),
            StatusCode::REQUEST_TIMEOUT => Some(Refusal::TimedOut),
            StatusCode::TOO_MANY_REQUESTS => Some(Refusal::TooMany {
                retry_after_secs: retry_after(response).unwrap_or(60),
            }),
            _ => None,
        }
    }

    /// An answer with this refusal's status, `body` of `content_type`, and
    /// `Retry-After` where there is one; marked as rendered.
    pub fn answer(self, content_type: &'static str, body: String) -> Response {
        let mut response = Response::new(axum::body::Body::from(body));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Refusal::TooMany { retry_after_secs } = self {
            headers.insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response.extensions_mut().insert(Rendered);
        response
    }
}

/// Marks an answer that already says why it refused.
#[derive(Debug, Clone, Copy)]
struct Rendered;

fn retry_after(response: &Response) -> Option<u64> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare(status: StatusCode, retry_after: Option<&'static str>) -> Response {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = status;
        if let Some(value) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static(value));
        }
        response
    }

    #[test]
    fn bare_limit_answers_are_recognised() {
        assert_eq!(
            Refusal::recognise(&bare(StatusCode::PAYLOAD_TOO_LARGE, None)),
            Some(Refusal::TooLarge)
        );
        assert_eq!(
            Refusal::recognise(&bare(StatusCode::REQUEST_TIMEOUT, None)),
            Some(Refusal::TimedOut)
        );
        assert_eq!(
            Refusal::recognise(&bare(StatusCode::TOO_MANY_REQUESTS, Some("7"))),
            Some(Refusal::TooMany {
                retry_after_secs: 7
            })
        );
        assert_eq!(Refusal::recognise(&bare(StatusCode::NOT_FOUND, None)), None);
    }

    #[test]
    fn a_rendered_answer_is_left_alone_and_keeps_retry_after() {
        let refusal = Refusal::TooMany {
            retry_after_secs: 12,
        };
        let answer = refusal.answer("text/plain; charset=utf-8", refusal.message());
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.headers()[RETRY_AFTER], "12");
        assert_eq!(Refusal::recognise(&answer), None);
        assert!(refusal.message().contains("12 seconds"));
    }
}
