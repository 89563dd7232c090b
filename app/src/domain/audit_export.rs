//! Exported audit entries as JSON Lines that keep both hashes, so an
//! exported file can be checked again ([`check_export`]) away from the
//! database: every entry against its own hash, and, when the file holds a
//! contiguous run of the log, every link of the chain. (The CSV export,
//! for spreadsheets, is the server's: `server/src/web/audit_csv.rs`.)

use super::audit::{chain_hash, AuditContent, Broken, ReviewLabel, StoredEntry};
use serde_json::{json, Value};

/// One entry as a JSON line (with its newline), with its review's names
/// when it is about one. The names are not part of the entry (nor of its
/// hash): a check reads past them.
pub fn jsonl_line(entry: &StoredEntry, review: Option<&ReviewLabel>) -> String {
    let c = &entry.content;
    let mut line = json!({
        "id": entry.id, "at": c.at_ms, "actor": c.actor, "actor_subject": c.actor_subject,
        "actor_role": c.actor_role, "action": c.action, "review_id": c.review_id, "detail": c.detail,
        "prev_hash": entry.prev_hash, "hash": entry.hash,
    });
    if let Some(review) = review {
        line["review_title"] = json!(review.title);
        line["model"] = json!(review.model_name);
        line["model_version"] = json!(review.model_version);
        line["execution_arn"] = json!(review.execution_arn);
    }
    let mut line = line.to_string();
    line.push('\n');
    line
}

/// Reads one JSON line back.
pub fn parse_jsonl_line(line: &str) -> Result<StoredEntry, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let text = |key: &str| v[key].as_str().map(str::to_owned);
    let need = |key: &str| text(key).ok_or_else(|| format!("{key} is missing"));
    Ok(StoredEntry {
        id: v["id"].as_i64().ok_or("id is missing")?,
        content: AuditContent {
            at_ms: v["at"].as_i64().ok_or("at is missing")?,
            actor: need("actor")?,
            actor_subject: text("actor_subject"),
            actor_role: text("actor_role"),
            action: need("action")?,
            review_id: text("review_id"),
            detail: text("detail"),
        },
        prev_hash: need("prev_hash")?,
        hash: need("hash")?,
    })
}

/// What checking an export found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCheck {
    pub entries: usize,
    /// Whether the entries, in id order, link up as one unbroken run.
    pub contiguous: bool,
}

/// Checks every entry against its own hash, then whether they link up.
pub fn check_export(mut entries: Vec<StoredEntry>) -> Result<ExportCheck, Broken> {
    for entry in &entries {
        if chain_hash(&entry.prev_hash, &entry.content) != entry.hash {
            return Err(Broken {
                id: entry.id,
                reason: "its content does not match its hash (it was edited)".into(),
            });
        }
    }
    entries.sort_by_key(|e| e.id);
    let contiguous = entries
        .windows(2)
        .all(|pair| pair[1].prev_hash == pair[0].hash);
    Ok(ExportCheck {
        entries: entries.len(),
        contiguous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::test_chain;
    use crate::domain::audit_action::Action;

    fn chain(n: usize) -> Vec<StoredEntry> {
        test_chain((0..n).map(|i| {
            AuditContent::system(
                i as i64,
                Action::Received,
                Some("r1"),
                Some(format!("a, \"quoted\" detail {i}")),
            )
        }))
    }

    #[test]
    fn a_line_names_its_review_outside_what_the_hash_covers() {
        let entry = &chain(1)[0];
        let review = ReviewLabel {
            title: "Promote churn-model v42".into(),
            model_name: "churn-model".into(),
            model_version: "42".into(),
            execution_arn: "arn:aws:states:us-east-1:1:execution:m:run".into(),
        };
        let line = jsonl_line(entry, Some(&review));
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["review_title"], "Promote churn-model v42");
        assert_eq!(value["model"], "churn-model");
        assert_eq!(value["model_version"], "42");
        assert_eq!(value["execution_arn"], review.execution_arn.as_str());
        let parsed = parse_jsonl_line(line.trim_end()).unwrap();
        assert_eq!(&parsed, entry);
        assert!(check_export(vec![parsed]).is_ok());
        let bare: Value = serde_json::from_str(&jsonl_line(entry, None)).unwrap();
        assert!(bare.get("review_title").is_none());
    }

    #[test]
    fn json_lines_round_trip_and_verify() {
        let entries = chain(3);
        let parsed: Vec<StoredEntry> = entries
            .iter()
            .rev()
            .map(|e| parse_jsonl_line(jsonl_line(e, None).trim_end()).unwrap())
            .collect();
        assert_eq!(
            check_export(parsed.clone()),
            Ok(ExportCheck {
                entries: 3,
                contiguous: true
            })
        );
        let mut reversed = entries.clone();
        reversed.reverse();
        assert_eq!(parsed, reversed);
    }

    #[test]
    fn a_filtered_export_verifies_but_is_not_contiguous() {
        let mut entries = chain(3);
        entries.remove(1);
        assert_eq!(
            check_export(entries),
            Ok(ExportCheck {
                entries: 2,
                contiguous: false
            })
        );
    }

    #[test]
    fn an_edited_export_names_the_entry() {
        let mut entries = chain(3);
        entries[2].content.detail = Some("edited".into());
        assert_eq!(check_export(entries).unwrap_err().id, 3);
    }
}
