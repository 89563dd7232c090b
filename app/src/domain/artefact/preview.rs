//! A small object's bytes as the review page previews them, capped after
//! formatting: pretty-printing a 64 KB JSON file can make it a hundred
//! times larger, and a CSV file can be a few very wide rows. What is left
//! out is counted and said.

use super::Format;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// A text or JSON preview holds at most this much, formatted.
pub const PREVIEW_MAX_BYTES: usize = 64 * 1024;
/// Rows of a CSV preview; the rest are counted, not shown.
pub const CSV_PREVIEW_ROWS: usize = 20;
/// Columns of a CSV preview; the rest are counted, not shown.
pub const CSV_PREVIEW_COLUMNS: usize = 30;
/// Characters of a CSV cell; longer cells end in `…`.
pub const CSV_CELL_CHARS: usize = 200;

/// What the page shows of an artefact under its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Preview {
    Text {
        text: String,
        /// The text was cut at [`PREVIEW_MAX_BYTES`].
        cut: bool,
    },
    /// Pretty-printed.
    Json { text: String, cut: bool },
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        /// Rows left out of the preview.
        more_rows: usize,
        /// Columns left out (of the widest row).
        more_columns: usize,
        /// Whether some cell was cut at [`CSV_CELL_CHARS`].
        cut_cells: bool,
    },
}

impl Preview {
    /// What was left out, in words; `None` when nothing was.
    pub fn cut_note(&self) -> Option<String> {
        match self {
            Preview::Text { cut: true, .. } | Preview::Json { cut: true, .. } => Some(format!(
                "The preview stops after {} KB; open the file for the rest.",
                PREVIEW_MAX_BYTES / 1024
            )),
            Preview::Table {
                more_rows,
                more_columns,
                cut_cells,
                ..
            } => {
                let mut parts = Vec::new();
                if *more_rows > 0 {
                    parts.push(format!("{more_rows} more rows"));
                }
                if *more_columns > 0 {
                    parts.push(format!("{more_columns} more columns"));
                }
                if *cut_cells {
                    parts.push(format!("cells cut at {CSV_CELL_CHARS} characters"));
                }
                (!parts.is_empty()).then(|| format!("Not shown: {}.", parts.join(", ")))
            }
            _ => None,
        }
    }
}

/// The preview of a text-like object's bytes; `None` when they are not
/// UTF-8 or the format is not text (then the object is only downloaded).
pub fn text_preview(format: Format, bytes: &[u8]) -> Option<Preview> {
    let text = std::str::from_utf8(bytes).ok()?;
    match format {
        Format::Json => Some(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => {
                let (text, cut) = capped(|out| serde_json::to_writer_pretty(out, &value).is_ok());
                Preview::Json { text, cut }
            }
            // Not valid JSON after all: show what is there.
            Err(_) => plain(text),
        }),
        Format::Csv => Some(table(text)),
        Format::Text => Some(plain(text)),
        Format::Image | Format::Other => None,
    }
}

fn plain(text: &str) -> Preview {
    let (text, cut) = capped(|out| out.write_all(text.as_bytes()).is_ok());
    Preview::Text { text, cut }
}

/// Runs `write` into a buffer that takes at most [`PREVIEW_MAX_BYTES`] and
/// then refuses more, which stops the formatter; returns the text (whole
/// characters only) and whether it was cut.
fn capped(write: impl FnOnce(&mut CappedWriter) -> bool) -> (String, bool) {
    let mut out = CappedWriter {
        bytes: Vec::new(),
        cut: false,
    };
    let finished = write(&mut out);
    let cut = out.cut || !finished;
    let text = match String::from_utf8(out.bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let mut bytes = error.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    (text, cut)
}

struct CappedWriter {
    bytes: Vec<u8>,
    cut: bool,
}

impl Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = PREVIEW_MAX_BYTES.saturating_sub(self.bytes.len());
        if buf.len() > room {
            self.bytes.extend_from_slice(&buf[..room]);
            self.cut = true;
            return Err(std::io::Error::other("the preview is full"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// RFC 4180 records through the `csv` crate (quotes, embedded newlines,
/// rows of uneven length), cut to the preview's rows, columns and cells.
fn table(text: &str) -> Preview {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records().map_while(Result::ok);
    let (mut more_columns, mut cut_cells) = (0, false);
    let mut shown = |record: &csv::StringRecord| -> Vec<String> {
        more_columns = more_columns.max(record.len().saturating_sub(CSV_PREVIEW_COLUMNS));
        record
            .iter()
            .take(CSV_PREVIEW_COLUMNS)
            .map(|cell| match cell.char_indices().nth(CSV_CELL_CHARS) {
                Some((at, _)) => {
                    cut_cells = true;
                    format!("{}…", &cell[..at])
                }
                None => cell.to_owned(),
            })
            .collect()
    };
    let header = records.next().map(|r| shown(&r)).unwrap_or_default();
    let rows: Vec<Vec<String>> = records
        .by_ref()
        .take(CSV_PREVIEW_ROWS)
        .map(|r| shown(&r))
        .collect();
    let more_rows = records.count();
    Preview::Table {
        header,
        rows,
        more_rows,
        more_columns,
        cut_cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_printed_and_bad_json_shown_as_text() {
        assert_eq!(
            text_preview(Format::Json, br#"{"auc":0.9}"#),
            Some(Preview::Json {
                text: "{\n  \"auc\": 0.9\n}".into(),
                cut: false
            })
        );
        assert_eq!(
            text_preview(Format::Json, b"{not json"),
            Some(Preview::Text {
                text: "{not json".into(),
                cut: false
            })
        );
        assert_eq!(text_preview(Format::Text, &[0xff, 0xfe]), None);
    }

    #[test]
    fn pretty_printed_json_is_capped_after_formatting() {
        // 64 KB of deep nesting pretty-prints to far more than 64 KB.
        let depth = 100;
        let inner = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let mut raw = String::from("[");
        while raw.len() + 2 * inner.len() + 2 < 64 * 1024 {
            raw.push_str(&inner);
            raw.push(',');
        }
        raw.push_str(&inner);
        raw.push(']');
        assert!(raw.len() <= 64 * 1024);
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&raw).unwrap())
                .unwrap();
        assert!(pretty.len() > 20 * raw.len(), "{}", pretty.len());
        let Some(Preview::Json { text, cut }) = text_preview(Format::Json, raw.as_bytes()) else {
            panic!("a JSON preview");
        };
        assert!(cut);
        assert_eq!(text.len(), PREVIEW_MAX_BYTES);
        assert!(pretty.starts_with(&text));
        assert!(Preview::Json { text, cut }
            .cut_note()
            .unwrap()
            .contains("64 KB"));
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let raw = format!("\"{}\"", "é".repeat(40_000));
        let Some(Preview::Json { text, cut }) = text_preview(Format::Json, raw.as_bytes()) else {
            panic!("a JSON preview");
        };
        assert!(cut);
        assert!(text.len() <= PREVIEW_MAX_BYTES && text.len() > PREVIEW_MAX_BYTES - 2);
        assert!(text.ends_with('é'));
    }

    #[test]
    fn text_that_fits_is_whole() {
        let Some(preview) = text_preview(Format::Text, b"line one\nline two") else {
            panic!("a preview");
        };
        assert_eq!(preview.cut_note(), None);
    }

    #[test]
    fn csv_previews_as_a_table_with_the_rest_counted() {
        let mut csv = String::from("segment,auc\n");
        for i in 0..(CSV_PREVIEW_ROWS + 5) {
            csv.push_str(&format!("s{i},0.9\n"));
        }
        let Some(Preview::Table {
            header,
            rows,
            more_rows,
            more_columns,
            cut_cells,
        }) = text_preview(Format::Csv, csv.as_bytes())
        else {
            panic!("a table");
        };
        assert_eq!(header, ["segment", "auc"]);
        assert_eq!(rows.len(), CSV_PREVIEW_ROWS);
        assert_eq!(rows[0], ["s0", "0.9"]);
        assert_eq!((more_rows, more_columns, cut_cells), (5, 0, false));
    }

    #[test]
    fn wide_rows_and_long_cells_are_cut_and_said() {
        let wide: Vec<String> = (0..45).map(|i| format!("c{i}")).collect();
        let long = "x".repeat(5_000);
        let csv = format!("{}\n{long},b\n", wide.join(","));
        let Some(preview) = text_preview(Format::Csv, csv.as_bytes()) else {
            panic!("a table");
        };
        let Preview::Table {
            header,
            rows,
            more_columns,
            cut_cells,
            ..
        } = &preview
        else {
            panic!("a table");
        };
        assert_eq!(header.len(), CSV_PREVIEW_COLUMNS);
        assert_eq!(*more_columns, 15);
        assert!(*cut_cells);
        assert_eq!(rows[0][0].chars().count(), CSV_CELL_CHARS + 1);
        assert!(rows[0][0].ends_with('…'));
        assert_eq!(
            preview.cut_note().unwrap(),
            "Not shown: 15 more columns, cells cut at 200 characters."
        );
    }

    #[test]
    fn csv_quotes_commas_newlines_and_crlf() {
        let Some(Preview::Table { header, rows, .. }) = text_preview(
            Format::Csv,
            b"a,\"b, c\",\"say \"\"hi\"\"\"\r\n\r\n1,\"two\nlines\",3\r\nlast",
        ) else {
            panic!("a table");
        };
        assert_eq!(header, ["a", "b, c", "say \"hi\""]);
        assert_eq!(rows, vec![vec!["1", "two\nlines", "3"], vec!["last"]]);
    }
}
