//! The tamper-evident audit log: each entry's SHA-256 covers its canonical
//! content and the previous entry's hash, so editing, removing or reordering
//! any entry breaks the chain from that entry on. Pure: the store computes
//! hashes when it appends, and `signoff audit verify` walks them.

use super::actor::Actor;
use super::audit_action::Action;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry says, as hashed: when, who (a person's label, subject and
/// role, or `system`), what, about which review, and the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContent {
    pub at_ms: i64,
    /// Email or name of a person, or `system`.
    pub actor: String,
    pub actor_subject: Option<String>,
    pub actor_role: Option<String>,
    /// The action's text: what Signoff writes is an [`Action`]'s name, but
    /// an entry keeps whatever it was written with (an older version's, an
    /// import's), so it still verifies and shows.
    pub action: String,
    pub review_id: Option<String>,
    pub detail: Option<String>,
}

impl AuditContent {
    /// An entry for something Signoff itself did.
    pub fn system(
        at_ms: i64,
        action: Action,
        review_id: Option<&str>,
        detail: Option<String>,
    ) -> Self {
        Self {
            at_ms,
            actor: "system".into(),
            actor_subject: None,
            actor_role: None,
            action: action.to_string(),
            review_id: review_id.map(str::to_owned),
            detail,
        }
    }

    /// An entry for something a policy rule did by itself (`policy:<rule>`).
    pub fn by_rule(
        rule: &str,
        at_ms: i64,
        action: Action,
        review_id: Option<&str>,
        detail: Option<String>,
    ) -> Self {
        let actor = format!("policy:{rule}");
        Self {
            actor_subject: Some(actor.clone()),
            actor_role: Some("policy".into()),
            actor,
            ..Self::system(at_ms, action, review_id, detail)
        }
    }

    /// An entry for something a person did.
    pub fn by(
        actor: &Actor,
        at_ms: i64,
        action: Action,
        review_id: Option<&str>,
        detail: Option<String>,
    ) -> Self {
        Self {
            actor: actor.label().to_owned(),
            actor_subject: Some(actor.subject.clone()),
            actor_role: Some(actor.role.as_str().to_owned()),
            ..Self::system(at_ms, action, review_id, detail)
        }
    }
}

/// The entry's canonical form: a JSON array in a fixed order, so the same
/// content always hashes the same, whatever the database returns.
pub fn canonical(content: &AuditContent) -> String {
    json!([
        content.at_ms,
        content.actor,
        content.actor_subject,
        content.actor_role,
        content.action,
        content.review_id,
        content.detail,
    ])
    .to_string()
}

/// The hash of an entry that follows the entry hashed `previous`.
pub fn chain_hash(previous: &str, content: &AuditContent) -> String {
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical(content).as_bytes());
    hex::encode(hasher.finalize())
}

/// A stored entry as verification reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub content: AuditContent,
    pub prev_hash: String,
    pub hash: String,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit log is broken at entry {id}: {reason}")]
pub struct Broken {
    pub id: i64,
    pub reason: String,
}

/// Walks entries in order from `start` (the genesis hash, or a checkpoint's)
/// and returns how many were checked, or the first entry that does not fit.
pub fn verify<'a>(
    start: &str,
    entries: impl IntoIterator<Item = &'a StoredEntry>,
) -> Result<usize, Broken> {
    let mut previous = start.to_owned();
    let mut checked = 0;
    for entry in entries {
        if entry.prev_hash != previous {
            return Err(Broken {
                id: entry.id,
                reason:
                    "it does not follow the entry before it (an entry was removed or reordered)"
                        .into(),
            });
        }
        if chain_hash(&previous, &entry.content) != entry.hash {
            return Err(Broken {
                id: entry.id,
                reason: "its content does not match its hash (it was edited)".into(),
            });
        }
        previous = entry.hash.clone();
        checked += 1;
    }
    Ok(checked)
}

/// What names a review in the audit log and its exports (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLabel {
    pub title: String,
    pub model_name: String,
    pub model_version: String,
    pub execution_arn: String,
}

/// Chains `contents` from the genesis hash, ids from 1 (for tests).
#[cfg(test)]
pub(crate) fn test_chain(contents: impl IntoIterator<Item = AuditContent>) -> Vec<StoredEntry> {
    let mut previous = GENESIS.to_owned();
    contents
        .into_iter()
        .enumerate()
        .map(|(i, content)| {
            let hash = chain_hash(&previous, &content);
            let prev_hash = std::mem::replace(&mut previous, hash.clone());
            StoredEntry {
                id: i as i64 + 1,
                content,
                prev_hash,
                hash,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(action: &str) -> AuditContent {
        AuditContent {
            at_ms: 1_795_250_850_345,
            actor: "ada@example.com".into(),
            actor_subject: Some("user-ada".into()),
            actor_role: Some("reviewer".into()),
            action: action.into(),
            review_id: Some("r1".into()),
            detail: Some("looks good".into()),
        }
    }

    fn chain(actions: &[&str]) -> Vec<StoredEntry> {
        test_chain(actions.iter().map(|action| content(action)))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(
            verify(GENESIS, &chain(&["received", "approved", "delivered"])),
            Ok(3)
        );
        assert_eq!(verify(GENESIS, &[]), Ok(0));
    }

    #[test]
    fn the_canonical_form_is_fixed() {
        assert_eq!(
            canonical(&content("approved")),
            r#"[1795250850345,"ada@example.com","user-ada","reviewer","approved","r1","looks good"]"#
        );
        assert_eq!(chain_hash(GENESIS, &content("x")).len(), 64);
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut entries = chain(&["received", "approved", "delivered"]);
        entries[1].content.detail = Some("looks bad".into());
        let broken = verify(GENESIS, &entries).unwrap_err();
        assert_eq!(broken.id, 2);
        assert!(broken.reason.contains("edited"));
    }

    #[test]
    fn a_removed_or_reordered_entry_is_named() {
        let mut entries = chain(&["received", "approved", "delivered"]);
        entries.remove(1);
        assert_eq!(verify(GENESIS, &entries).unwrap_err().id, 3);
        let mut entries = chain(&["received", "approved", "delivered"]);
        entries.swap(0, 1);
        assert_eq!(verify(GENESIS, &entries).unwrap_err().id, 2);
    }

    #[test]
    fn a_rehashed_forgery_still_breaks_at_the_next_entry() {
        let mut entries = chain(&["received", "approved", "delivered"]);
        entries[1].content.action = "rejected".into();
        entries[1].hash = chain_hash(&entries[1].prev_hash, &entries[1].content);
        assert_eq!(verify(GENESIS, &entries).unwrap_err().id, 3);
    }
}
