//! The Step Functions task token.
//!
//! A task token is a bearer capability: whoever holds it can resume, fail or
//! keep alive the paused workflow, and IAM cannot scope it. This type makes the
//! safe thing the easy thing: it is not `Serialize` or `Display`, its `Debug`
//! is redacted, and the raw text is reachable only through [`TaskToken::expose`],
//! which the Step Functions adapter alone calls.

use sha2::{Digest, Sha256};
use std::fmt;

/// Longest token Step Functions issues (its API's documented maximum).
pub const MAX_TASK_TOKEN_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct TaskToken(String);

impl TaskToken {
    /// Accepts any non-empty token up to [`MAX_TASK_TOKEN_LEN`] characters;
    /// tokens are opaque, so nothing else about their form is checked.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > MAX_TASK_TOKEN_LEN {
            return Err(format!(
                "must be at most {MAX_TASK_TOKEN_LEN} characters, got {}",
                raw.len()
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The raw token, for the one call that hands it back to Step Functions.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the token, hex-encoded: a stable key that recognises a
    /// redelivered request without indexing or comparing the secret itself.
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for TaskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_token() {
        let token = TaskToken::parse("secret-token-value").unwrap();
        assert_eq!(format!("{token:?}"), "TaskToken(<redacted>)");
        assert!(!format!("{:?}", Some(&token)).contains("secret"));
    }

    #[test]
    fn fingerprint_is_stable_and_hides_the_token() {
        let a = TaskToken::parse("abc").unwrap();
        let b = TaskToken::parse("abc").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 64);
        assert!(!a.fingerprint().contains("abc"));
        assert_ne!(
            a.fingerprint(),
            TaskToken::parse("abd").unwrap().fingerprint()
        );
    }

    #[test]
    fn empty_and_oversized_tokens_are_refused() {
        assert_eq!(TaskToken::parse("").unwrap_err(), "must not be empty");
        let long = "x".repeat(MAX_TASK_TOKEN_LEN + 1);
        assert!(TaskToken::parse(&long)
            .unwrap_err()
            .contains("at most 2048"));
        assert!(TaskToken::parse(&"x".repeat(MAX_TASK_TOKEN_LEN)).is_ok());
    }
}
