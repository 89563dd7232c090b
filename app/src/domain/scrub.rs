//! Scrubbing secrets out of a rejected intake message before any of it is
//! kept: stored, shown on `/intake/rejected`, audited, exported or logged.
//!
//! A message that failed validation cannot be trusted to keep its token
//! where the contract says, so two rules apply to every string in it (keys
//! included) and to every reason and ARN taken from it:
//!
//! - **Values under token keys.** Whatever sits under a key matching
//!   `/token/i`, at any depth (`taskToken`, `task_token`, `TaskToken`,
//!   `token.$`), is replaced whole, and each string in it becomes a secret:
//!   a string equal to a secret is replaced, and so is every occurrence of a
//!   secret of at least [`MIN_CONTAINED_CHARS`] characters inside another
//!   string (shorter values are no credential, and replacing every `"a"`
//!   would leave nothing to read).
//! - **Token-shaped text.** A run of at least [`TOKEN_SHAPED_CHARS`]
//!   characters from the base64 and base64url alphabets
//!   (`A-Z a-z 0-9 + / = _ -`) is replaced wherever it is: real Step
//!   Functions tokens are several hundred such characters. (The emulator's
//!   are 36-character UUIDs, which only the first rule catches.)

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";
/// Shortest secret replaced where it appears inside a longer string.
pub const MIN_CONTAINED_CHARS: usize = 8;
/// Shortest run of base64-alphabet characters taken for a token.
pub const TOKEN_SHAPED_CHARS: usize = 100;

/// Whether values under this key are secrets: it matches `/token/i`.
pub fn is_token_key(key: &str) -> bool {
    // Full lowercasing, not ASCII: /token/i also matches the Kelvin sign.
    key.to_lowercase().contains("token")
}

/// The secrets of one message, and how to remove them from text.
pub struct Scrubber {
    exact: HashSet<String>,
    contained: Contained,
    /// The secrets could not be indexed: every string is replaced.
    fail_closed: bool,
}

/// How contained secrets are found: a few one by one, many in one pass
/// over each string (a message may name thousands, and testing each in turn
/// would be quadratic; building the automaton costs more than a few scans).
enum Contained {
    Few(Vec<String>),
    Many(AhoCorasick),
}

/// Past this many contained secrets, one automaton finds them all.
const FEW_SECRETS: usize = 16;

impl Scrubber {
    /// The secrets under token keys in `message`, plus any `known` ones
    /// (the parsed task token).
    pub fn of_message(message: Option<&Value>, known: &[&str]) -> Self {
        let mut exact: HashSet<String> = known
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| (*s).to_owned())
            .collect();
        if let Some(message) = message {
            collect_secrets(message, &mut exact);
        }
        let mut contained: Vec<&str> = exact
            .iter()
            .map(String::as_str)
            .filter(|s| s.chars().count() >= MIN_CONTAINED_CHARS)
            .collect();
        // Longest first: a secret that contains another goes whole.
        contained.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let (contained, fail_closed) = if contained.len() <= FEW_SECRETS {
            (
                Contained::Few(contained.into_iter().map(str::to_owned).collect()),
                false,
            )
        } else {
            // An NFA, not the DFA the builder may pick for few patterns:
            // its construction is linear in the secrets' length, and a
            // message may plant one of 100,000 characters. No prefilter:
            // building one costs more than the few short strings of a
            // message take to search.
            match AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .prefilter(false)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&contained)
            {
                Ok(automaton) => (Contained::Many(automaton), false),
                Err(_) => (Contained::Few(Vec::new()), true),
            }
        };
        Self {
            exact,
            contained,
            fail_closed,
        }
    }

    /// `text` with every secret and every token-shaped run replaced.
    pub fn text(&self, text: &str) -> String {
        if self.fail_closed || self.exact.contains(text) {
            return REDACTED.to_owned();
        }
        let text = match &self.contained {
            Contained::Few(secrets) => {
                let mut text = text.to_owned();
                for secret in secrets {
                    if secret.len() <= text.len() && text.contains(secret.as_str()) {
                        text = text.replace(secret.as_str(), REDACTED);
                    }
                }
                text
            }
            Contained::Many(automaton) => {
                let mut out = String::with_capacity(text.len());
                match automaton.try_replace_all_with(text, &mut out, |_, _, out| {
                    out.push_str(REDACTED);
                    true
                }) {
                    Ok(()) => out,
                    Err(_) => return REDACTED.to_owned(),
                }
            }
        };
        replace_token_shaped(&text)
    }

    /// `value` with values under token keys replaced whole and every other
    /// string (keys too) scrubbed as [`Scrubber::text`] does. Recursive: the
    /// caller has bounded the depth (intake refuses more than 32 levels, and
    /// serde_json parses no more than 128).
    pub fn value(&self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => {
                let mut scrubbed = Map::new();
                for (key, inner) in map {
                    let inner = if is_token_key(&key) {
                        Value::String(REDACTED.into())
                    } else {
                        self.value(inner)
                    };
                    scrubbed.insert(self.text(&key), inner);
                }
                Value::Object(scrubbed)
            }
            other => other,
        }
    }
}

/// Every string (and number, and key) found under a token key, at any depth.
/// Iterative: it runs before anything else has looked at the message.
fn collect_secrets(message: &Value, secrets: &mut HashSet<String>) {
    let mut stack = vec![(message, false)];
    while let Some((value, secret)) = stack.pop() {
        match value {
            Value::String(text) if secret && !text.is_empty() => {
                secrets.insert(text.clone());
            }
            Value::Number(number) if secret => {
                secrets.insert(number.to_string());
            }
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, secret))),
            Value::Object(map) => {
                for (key, inner) in map {
                    if secret && !key.is_empty() {
                        secrets.insert(key.clone());
                    }
                    stack.push((inner, secret || is_token_key(key)));
                }
            }
            _ => {}
        }
    }
}

fn token_alphabet(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-')
}

/// `text` with each run of [`TOKEN_SHAPED_CHARS`] or more base64-alphabet
/// characters replaced.
fn replace_token_shaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run_start = None;
    for (at, c) in text.char_indices() {
        match (token_alphabet(c), run_start) {
            (true, None) => run_start = Some(at),
            (true, Some(_)) => {}
            (false, start) => {
                if let Some(start) = start {
                    push_run(&mut out, &text[start..at]);
                    run_start = None;
                }
                out.push(c);
            }
        }
    }
    if let Some(start) = run_start {
        push_run(&mut out, &text[start..]);
    }
    out
}

fn push_run(out: &mut String, run: &str) {
    // The alphabet is ASCII: bytes are characters.
    out.push_str(if run.len() >= TOKEN_SHAPED_CHARS {
        REDACTED
    } else {
        run
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scrubbed(message: &Value) -> String {
        Scrubber::of_message(Some(message), &[])
            .value(message.clone())
            .to_string()
    }

    #[test]
    fn values_under_any_token_key_are_redacted_at_any_depth() {
        let message = json!({
            "taskToken": "SECRET-one",
            "task_token": "SECRET-two",
            "review": {"token": "SECRET-three", "deep": [{"TaskToken": {"x": ["SECRET-four"]}}]},
            "context": {"Kelvin_to\u{212A}en": "SECRET-five", "tokens": 123456789012_u64},
        });
        let text = scrubbed(&message);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("123456789012"), "{text}");
        assert!(
            text.contains("\"task_token\":\"<redacted>\""),
            "keys stay: {text}"
        );
    }

    #[test]
    fn secrets_are_removed_wherever_they_are_echoed() {
        let message = json!({
            "token": "SECRET-abcdef",
            "review": {
                "title": "resume with SECRET-abcdef please",
                "metrics": {"SECRET-abcdef": "x"},
                "note": "SECRET-abcdef"
            },
        });
        let scrubber = Scrubber::of_message(Some(&message), &[]);
        let text = scrubber.value(message.clone()).to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("resume with <redacted> please"), "{text}");
        assert_eq!(
            scrubber.text("review.metrics.SECRET-abcdef: must be a number"),
            "review.metrics.<redacted>: must be a number"
        );
    }

    #[test]
    fn short_secrets_are_replaced_only_where_a_string_equals_them() {
        let message = json!({"token": "abc", "title": "abc abc", "other": "abc"});
        let text = scrubbed(&message);
        assert!(text.contains("\"title\":\"abc abc\""), "{text}");
        assert!(text.contains("\"other\":\"<redacted>\""), "{text}");
    }

    #[test]
    fn token_shaped_runs_are_replaced_under_any_key() {
        let token = format!("AAAAKgAAAAIAAAAAAAAAA{}", "x9+/_-=".repeat(20));
        let message = json!({"note": format!("see {token}."), "short": "A".repeat(99)});
        let text = scrubbed(&message);
        assert!(!text.contains(&token), "{text}");
        assert!(text.contains("see <redacted>."), "{text}");
        assert!(
            text.contains(&"A".repeat(99)),
            "99 characters is not a token: {text}"
        );
        assert_eq!(
            replace_token_shaped(&format!("é{}é", "a".repeat(100))),
            "é<redacted>é"
        );
    }

    #[test]
    fn many_secrets_are_found_in_one_pass() {
        let secrets: Vec<Value> = (0..100)
            .map(|i| json!(format!("SECRET-{i:04}-x")))
            .collect();
        let message = json!({"tokens": secrets, "note": "a SECRET-0042-x and a SECRET-0099-x"});
        let text = scrubbed(&message);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("a <redacted> and a <redacted>"), "{text}");
    }

    #[test]
    fn known_secrets_count_even_without_a_message() {
        let scrubber = Scrubber::of_message(None, &["tok-123456789"]);
        assert_eq!(scrubber.text("x tok-123456789 y"), "x <redacted> y");
    }
}
