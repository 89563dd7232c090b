//! Payload signatures, both ways: how Signoff signs the webhooks it sends
//! (`X-Signoff-Signature: v1=…`), and how a request claiming to come from
//! Slack is checked (Slack's documented `v0` scheme). Both are an
//! HMAC-SHA256 over `{version}:{timestamp}:{raw body}`, hex-encoded, with
//! timestamps more than five minutes from now refused (a captured request
//! cannot be replayed later) and the comparison done in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a request's timestamp may be from now, either way, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// The header holding the Unix time (seconds) a webhook was signed at.
pub const WEBHOOK_TIMESTAMP_HEADER: &str = "X-Signoff-Timestamp";
/// The header holding a webhook's signature, `v1=<hex>`.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "X-Signoff-Signature";
/// Slack's header holding the Unix time (seconds) it signed the request at.
pub const SLACK_TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";
/// Slack's header holding the request's signature, `v0=<hex>`.
pub const SLACK_SIGNATURE_HEADER: &str = "X-Slack-Signature";

/// One signing scheme: its version tag and the headers that carry it.
#[derive(Debug, Clone, Copy)]
struct Scheme {
    version: &'static str,
    timestamp_header: &'static str,
    signature_header: &'static str,
}

const WEBHOOK: Scheme = Scheme {
    version: "v1",
    timestamp_header: WEBHOOK_TIMESTAMP_HEADER,
    signature_header: WEBHOOK_SIGNATURE_HEADER,
};

const SLACK: Scheme = Scheme {
    version: "v0",
    timestamp_header: SLACK_TIMESTAMP_HEADER,
    signature_header: SLACK_SIGNATURE_HEADER,
};

/// Why a signed request was refused. The text names the header and the
/// fault, never the secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no {0} header")]
    MissingHeader(&'static str),
    #[error("the {header} header is malformed: {problem}")]
    Malformed {
        header: &'static str,
        problem: &'static str,
    },
    #[error(
        "the request's timestamp is {skew_secs} s from now, more than the {MAX_SKEW_SECS} s allowed (a replay, or a clock that is off)"
    )]
    Stale { skew_secs: u128 },
    #[error("the signature does not match the request's body and timestamp")]
    Mismatch,
}

/// The two headers a signed webhook carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// [`WEBHOOK_TIMESTAMP_HEADER`]'s value.
    pub timestamp: String,
    /// [`WEBHOOK_SIGNATURE_HEADER`]'s value.
    pub signature: String,
}

/// Signs a webhook's raw `body` at `timestamp` (Unix seconds) with `secret`.
pub fn sign_webhook(secret: &[u8], timestamp: i64, body: &[u8]) -> WebhookHeaders {
    WebhookHeaders {
        timestamp: timestamp.to_string(),
        signature: sign(WEBHOOK, secret, &timestamp.to_string(), body),
    }
}

/// Checks a webhook Signoff sent, as a receiver does: the two headers'
/// values (as received, `None` when absent), the raw body, and the
/// receiver's clock (`now`, Unix seconds).
pub fn verify_webhook(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    verify(WEBHOOK, secret, timestamp, signature, body, now)
}

/// Slack's `X-Slack-Signature` for `body` sent at `timestamp` (Unix
/// seconds), as Slack computes it with the app's signing secret.
pub fn sign_slack(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    sign(SLACK, secret, &timestamp.to_string(), body)
}

/// Checks a request as Slack documents it: `X-Slack-Request-Timestamp`
/// within five minutes of `now` (Unix seconds), then `X-Slack-Signature`
/// against the HMAC of `v0:{timestamp}:{raw body}`, in constant time.
/// Give it the body's bytes as received, before any parsing.
pub fn verify_slack(
    signing_secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    verify(SLACK, signing_secret, timestamp, signature, body, now)
}

/// The keyed MAC over `{version}:{timestamp}:{body}`. HMAC takes a key of
/// any length, so keying cannot fail; `None` stands for that impossible
/// case, and both callers then refuse (a verifier) or sign with nothing a
/// receiver accepts (a signer), never the other way round.
fn mac(scheme: Scheme, secret: &[u8], timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(scheme.version.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    Some(mac)
}

fn sign(scheme: Scheme, secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let tag = mac(scheme, secret, timestamp, body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{}={tag}", scheme.version)
}

fn verify(
    scheme: Scheme,
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let timestamp = timestamp.ok_or(SignatureError::MissingHeader(scheme.timestamp_header))?;
    let signature = signature.ok_or(SignatureError::MissingHeader(scheme.signature_header))?;
    let sent_at = parse_timestamp(scheme, timestamp)?;
    // i128: neither a huge timestamp nor a far-off clock can overflow.
    let skew_secs = (i128::from(sent_at) - i128::from(now)).unsigned_abs();
    if skew_secs > MAX_SKEW_SECS.unsigned_abs().into() {
        return Err(SignatureError::Stale { skew_secs });
    }
    let claimed = parse_signature(scheme, signature)?;
    let mac = mac(scheme, secret, timestamp, body).ok_or(SignatureError::Mismatch)?;
    // `verify_slice` compares in constant time.
    mac.verify_slice(&claimed)
        .map_err(|_| SignatureError::Mismatch)
}

/// Unix seconds: ASCII digits only (no sign, no spaces, no fraction).
fn parse_timestamp(scheme: Scheme, text: &str) -> Result<i64, SignatureError> {
    let malformed = |problem| SignatureError::Malformed {
        header: scheme.timestamp_header,
        problem,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("not a Unix time in whole seconds"));
    }
    text.parse()
        .map_err(|_| malformed("the number is too large to be a time"))
}

/// `{version}=` followed by 64 hex digits (32 bytes).
fn parse_signature(scheme: Scheme, text: &str) -> Result<Vec<u8>, SignatureError> {
    let malformed = |problem| SignatureError::Malformed {
        header: scheme.signature_header,
        problem,
    };
    let hex_part = text
        .strip_prefix(scheme.version)
        .and_then(|rest| rest.strip_prefix('='))
        .ok_or_else(|| {
            malformed(if scheme.version == "v0" {
                "it does not start with v0="
            } else {
                "it does not start with v1="
            })
        })?;
    let bytes = hex::decode(hex_part).map_err(|_| malformed("the signature is not hex"))?;
    if bytes.len() != 32 {
        return Err(malformed("the signature is not 32 bytes (64 hex digits)"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const BODY: &[u8] = b"payload=%7B%22type%22%3A%22block_actions%22%7D";
    const NOW: i64 = 1_531_420_618;

    fn slack(
        secret: &[u8],
        ts: &str,
        sig: &str,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        verify_slack(secret, Some(ts), Some(sig), body, now)
    }

    #[test]
    fn slacks_documented_example_verifies() {
        // The example from Slack's "Verifying requests from Slack" page.
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(sign_slack(SECRET, NOW, body), signature);
        assert_eq!(slack(SECRET, "1531420618", signature, body, NOW), Ok(()));
    }

    #[test]
    fn a_good_slack_request_verifies_and_a_bad_one_does_not() {
        let signature = sign_slack(SECRET, NOW, BODY);
        assert_eq!(
            slack(SECRET, &NOW.to_string(), &signature, BODY, NOW),
            Ok(())
        );
        let mut flipped = signature.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        assert_eq!(
            slack(SECRET, &NOW.to_string(), &flipped, BODY, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_wrong_secret_or_a_body_altered_by_one_byte_is_a_mismatch() {
        let signature = sign_slack(SECRET, NOW, BODY);
        assert_eq!(
            slack(b"another-secret", &NOW.to_string(), &signature, BODY, NOW),
            Err(SignatureError::Mismatch)
        );
        for index in [0, BODY.len() / 2, BODY.len() - 1] {
            let mut altered = BODY.to_vec();
            altered[index] ^= 0x01;
            assert_eq!(
                slack(SECRET, &NOW.to_string(), &signature, &altered, NOW),
                Err(SignatureError::Mismatch),
                "byte {index}"
            );
        }
        // The timestamp is signed too: the same signature with another
        // (still fresh) timestamp does not verify.
        assert_eq!(
            slack(SECRET, &(NOW + 1).to_string(), &signature, BODY, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_timestamps_are_refused_both_ways_and_the_edge_is_allowed() {
        for sent in [NOW - MAX_SKEW_SECS, NOW + MAX_SKEW_SECS] {
            let signature = sign_slack(SECRET, sent, BODY);
            assert_eq!(
                slack(SECRET, &sent.to_string(), &signature, BODY, NOW),
                Ok(())
            );
        }
        for sent in [NOW - MAX_SKEW_SECS - 1, NOW + MAX_SKEW_SECS + 1] {
            let signature = sign_slack(SECRET, sent, BODY);
            assert_eq!(
                slack(SECRET, &sent.to_string(), &signature, BODY, NOW),
                Err(SignatureError::Stale { skew_secs: 301 })
            );
        }
    }

    #[test]
    fn huge_timestamps_and_clocks_do_not_overflow() {
        let max = i64::MAX.to_string();
        let signature = sign_slack(SECRET, i64::MAX, BODY);
        assert!(matches!(
            slack(SECRET, &max, &signature, BODY, i64::MIN),
            Err(SignatureError::Stale { .. })
        ));
        assert!(matches!(
            slack(SECRET, &max, &signature, BODY, 0),
            Err(SignatureError::Stale { .. })
        ));
        assert!(matches!(
            slack(SECRET, "0", &signature, BODY, i64::MAX),
            Err(SignatureError::Stale { .. })
        ));
        assert_eq!(
            slack(SECRET, "99999999999999999999999999", &signature, BODY, NOW),
            Err(SignatureError::Malformed {
                header: SLACK_TIMESTAMP_HEADER,
                problem: "the number is too large to be a time"
            })
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let signature = sign_slack(SECRET, NOW, BODY);
        let ts = NOW.to_string();
        assert_eq!(
            verify_slack(SECRET, None, Some(&signature), BODY, NOW),
            Err(SignatureError::MissingHeader(SLACK_TIMESTAMP_HEADER))
        );
        assert_eq!(
            verify_slack(SECRET, Some(&ts), None, BODY, NOW),
            Err(SignatureError::MissingHeader(SLACK_SIGNATURE_HEADER))
        );
        for bad_ts in [
            "",
            " 1531420618",
            "+1531420618",
            "-5",
            "1531420618.5",
            "abc",
        ] {
            assert!(
                matches!(
                    slack(SECRET, bad_ts, &signature, BODY, NOW),
                    Err(SignatureError::Malformed {
                        header: SLACK_TIMESTAMP_HEADER,
                        ..
                    })
                ),
                "{bad_ts:?}"
            );
        }
        let hex = signature.trim_start_matches("v0=");
        for bad_sig in [
            String::new(),
            hex.to_owned(),
            format!("v1={hex}"),
            format!("v0:{hex}"),
            format!("v0={}", &hex[..62]),
            format!("v0={hex}00"),
            format!("v0={}zz", &hex[..62]),
            "v0=".to_owned(),
        ] {
            assert!(
                matches!(
                    slack(SECRET, &ts, &bad_sig, BODY, NOW),
                    Err(SignatureError::Malformed {
                        header: SLACK_SIGNATURE_HEADER,
                        ..
                    })
                ),
                "{bad_sig:?}"
            );
        }
    }

    #[test]
    fn errors_read_as_sentences_without_the_secret() {
        let texts = [
            SignatureError::MissingHeader(SLACK_SIGNATURE_HEADER).to_string(),
            SignatureError::Stale { skew_secs: 301 }.to_string(),
            SignatureError::Mismatch.to_string(),
        ];
        assert_eq!(texts[0], "the request has no X-Slack-Signature header");
        assert!(texts[1].contains("301 s from now"), "{}", texts[1]);
        let secret = String::from_utf8_lossy(SECRET);
        assert!(texts.iter().all(|t| !t.contains(secret.as_ref())));
    }

    #[test]
    fn webhooks_sign_v1_and_verify_with_the_same_rules() {
        let headers = sign_webhook(SECRET, NOW, BODY);
        assert_eq!(headers.timestamp, NOW.to_string());
        assert!(headers.signature.starts_with("v1="));
        // The v1 string is its own: a Slack-style v0 signature never passes.
        assert_ne!(
            headers.signature.trim_start_matches("v1="),
            sign_slack(SECRET, NOW, BODY).trim_start_matches("v0=")
        );
        let check = |secret: &[u8], body: &[u8], now| {
            verify_webhook(
                secret,
                Some(&headers.timestamp),
                Some(&headers.signature),
                body,
                now,
            )
        };
        assert_eq!(check(SECRET, BODY, NOW), Ok(()));
        assert_eq!(check(b"other", BODY, NOW), Err(SignatureError::Mismatch));
        assert_eq!(
            check(SECRET, b"payload=x", NOW),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            check(SECRET, BODY, NOW + MAX_SKEW_SECS + 1),
            Err(SignatureError::Stale { .. })
        ));
        assert!(matches!(
            check(SECRET, BODY, NOW - MAX_SKEW_SECS - 1),
            Err(SignatureError::Stale { .. })
        ));
        assert_eq!(
            verify_webhook(SECRET, Some(&headers.timestamp), None, BODY, NOW),
            Err(SignatureError::MissingHeader(WEBHOOK_SIGNATURE_HEADER))
        );
        let v0 = headers.signature.replacen("v1=", "v0=", 1);
        assert!(matches!(
            verify_webhook(SECRET, Some(&headers.timestamp), Some(&v0), BODY, NOW),
            Err(SignatureError::Malformed {
                header: WEBHOOK_SIGNATURE_HEADER,
                ..
            })
        ));
    }

    #[test]
    fn upper_case_hex_is_accepted() {
        let signature = sign_slack(SECRET, NOW, BODY);
        let upper = format!("v0={}", signature.trim_start_matches("v0=").to_uppercase());
        assert_eq!(slack(SECRET, &NOW.to_string(), &upper, BODY, NOW), Ok(()));
    }
}
