//! The entry a prune leaves at the head of what remains of the audit chain:
//! it names the last removed entry and its hash, so the rest verifies from
//! there, and `signoff audit verify` can tell a prune from entries cut away.

use super::audit::{AuditContent, StoredEntry};
use super::audit_action::Action;
use serde_json::{json, Value};

/// The checkpoint for a prune that removed `removed` entries through
/// `last_removed`, exported to the file named `exported_to`.
pub fn checkpoint(
    at_ms: i64,
    last_removed: &StoredEntry,
    removed: usize,
    exported_to: Option<String>,
) -> AuditContent {
    let detail = json!({
        "pruned_through_id": last_removed.id,
        "last_hash": last_removed.hash,
        "entries": removed,
        "exported_to": exported_to,
    });
    AuditContent::system(at_ms, Action::Checkpoint, None, Some(detail.to_string()))
}

/// The hash the chain continues from when its first remaining entry is
/// `first_id`, if `detail` is the checkpoint of the prune that removed the
/// entries before it.
pub fn resumes_from(detail: Option<&str>, first_id: i64) -> Option<String> {
    let detail: Value = serde_json::from_str(detail?).ok()?;
    (detail["pruned_through_id"].as_i64()? == first_id - 1)
        .then(|| detail["last_hash"].as_str().map(str::to_owned))
        .flatten()
}

/// As [`resumes_from`], for an engine whose ids may skip numbers (a
/// PostgreSQL sequence is not rolled back with its transaction): `detail`
/// is the checkpoint of a prune that removed entries before `first_id`,
/// and the first remaining entry follows the last one it removed.
pub fn resumes_before(detail: Option<&str>, first_id: i64, first_prev_hash: &str) -> bool {
    let Some(detail) = detail.and_then(|d| serde_json::from_str::<Value>(d).ok()) else {
        return false;
    };
    detail["pruned_through_id"]
        .as_i64()
        .is_some_and(|through| through < first_id)
        && detail["last_hash"].as_str() == Some(first_prev_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(id: i64) -> StoredEntry {
        StoredEntry {
            id,
            content: AuditContent::system(1_000, Action::Received, Some("r-1"), None),
            prev_hash: "p".repeat(64),
            hash: "h".repeat(64),
        }
    }

    #[test]
    fn a_checkpoint_resumes_the_chain_right_after_what_it_removed() {
        let entry = checkpoint(2_000, &removed(41), 41, Some("old.jsonl".into()));
        assert_eq!(entry.action, "checkpoint");
        assert_eq!(entry.actor, "system");
        let detail = entry.detail.as_deref();
        assert_eq!(resumes_from(detail, 42), Some("h".repeat(64)));
        assert_eq!(
            resumes_from(detail, 43),
            None,
            "an entry missing after the prune"
        );
        assert_eq!(resumes_from(detail, 41), None);
    }

    #[test]
    fn other_details_never_resume_a_chain() {
        assert_eq!(resumes_from(None, 2), None);
        assert_eq!(resumes_from(Some("not json"), 2), None);
        assert_eq!(resumes_from(Some(r#"{"pruned_through_id": 1}"#), 2), None);
        assert_eq!(
            resumes_from(Some(r#"{"pruned_through_id": "1", "last_hash": "h"}"#), 2),
            None
        );
    }

    #[test]
    fn with_gaps_in_ids_a_checkpoint_resumes_the_entry_that_follows_its_last_hash() {
        let entry = checkpoint(2_000, &removed(41), 41, None);
        let detail = entry.detail.as_deref();
        let last = "h".repeat(64);
        assert!(
            resumes_before(detail, 43, &last),
            "an id skipped after the prune"
        );
        assert!(
            !resumes_before(detail, 43, &"x".repeat(64)),
            "an entry cut after the prune"
        );
        assert!(!resumes_before(detail, 41, &last), "the prune's own range");
        assert!(!resumes_before(None, 43, &last));
    }
}
