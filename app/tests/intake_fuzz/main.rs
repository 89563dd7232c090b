//! Property-based fuzzing of the intake parser: 100,000 generated messages
//! (valid, mutated, truncated, malformed, deep, huge, odd Unicode, carrying
//! planted tokens) through the whole intake path with no I/O. Each block's
//! cases add up to that; `cargo xtask bench --fuzz-intake N` runs more.
//!
//! Failures are not persisted to files (the tests write nothing into the
//! source tree): a failing case is shrunk and printed instead.

mod cases;

use cases::{check, Case};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn holds(case: &Case) -> Result<(), TestCaseError> {
    check(case).map(drop).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(config(40_000))]
    #[test]
    fn valid_and_mutated_messages_are_accepted_or_rejected_with_reasons(case in cases::mutated()) {
        holds(&case)?;
    }
}

proptest! {
    #![proptest_config(config(20_000))]
    #[test]
    fn truncated_and_malformed_json_is_rejected_with_reasons(case in cases::malformed()) {
        holds(&case)?;
    }
}

proptest! {
    #![proptest_config(config(15_000))]
    #[test]
    fn deep_nesting_and_huge_numbers_never_panic(case in cases::deep_or_huge()) {
        holds(&case)?;
    }
}

proptest! {
    #![proptest_config(config(25_000))]
    #[test]
    fn planted_tokens_never_reach_a_rejections_kept_form(case in cases::planted()) {
        holds(&case)?;
    }
}

/// The benchmark's long run, on a few messages: it counts what it sees.
#[test]
fn the_counting_run_tallies_every_message() {
    let report = cases::run(2_000, 7);
    assert_eq!(report.messages, 2_000);
    assert_eq!(report.accepted + report.rejected, 2_000, "{report:?}");
    assert_eq!((report.panics, report.failure_count), (0, 0), "{report:?}");
    assert!(report.accepted > 0 && report.rejected > 0, "{report:?}");
}

/// The poison message of issue 15, and a token under another key, as
/// fixed cases beside the generated ones.
#[test]
fn known_bad_messages_hold_the_properties() {
    let poison = r#"{"taskToken":"t","executionArn":"arn:aws:states:r:1:execution:m:x","stateName":"S","enteredTime":"2026-11-21T08:47:30Z","review":{"title":"t","model":{"name":"m","version":"1"},"metrics":{},"requestedBy":"ci","timeoutSeconds":10000000000000}}"#;
    let reasons: Vec<String> = app::domain::intake::parse_review_request(poison)
        .expect_err("rejected")
        .errors
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        reasons,
        ["review.timeoutSeconds: at most 99999999 (Step Functions' limit), got 10000000000000"]
    );
    let leaky = r#"{"task_token":"SECRET-abcdefgh","review":{"title":"SECRET-abcdefgh"}}"#;
    assert_eq!(
        check(&Case {
            body: leaky.into(),
            planted: vec!["SECRET-abcdefgh".into()]
        }),
        Ok(cases::Verdict::Rejected)
    );
}
