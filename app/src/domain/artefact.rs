//! Artefacts on the review page: where an `s3://` URI points, which objects
//! preview inline (by type and size), and how a small object's bytes become
//! a preview. Pure: fetching and presigning are the object store port's.

use serde::{Deserialize, Serialize};

/// Text, JSON and CSV objects up to this size are read and shown inline.
pub const TEXT_PREVIEW_MAX_BYTES: u64 = 64 * 1024;
/// Images up to this size are shown inline (the browser loads them through
/// the presigned link).
pub const IMAGE_PREVIEW_MAX_BYTES: u64 = 2 * 1024 * 1024;
/// Rows of a CSV preview; the rest are counted, not shown.
pub const CSV_PREVIEW_ROWS: usize = 20;

/// A size as people read it: `812 B`, `14.2 KB`, `3.1 MB`.
pub fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else {
        format!("{:.1} GB", b / KB / KB / KB)
    }
}

/// An object in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    /// `s3://bucket/key` → bucket and key; `None` for anything else.
    pub fn parse(uri: &str) -> Option<Self> {
        let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
        (!bucket.is_empty() && !key.is_empty()).then(|| Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// The object's file name, safe to put in a `Content-Disposition`
    /// header: the key's last segment without quotes, backslashes or
    /// control characters.
    pub fn file_name(&self) -> String {
        let last = self
            .key
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or("artefact");
        let safe: String = last
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
            .collect();
        if safe.is_empty() {
            "artefact".into()
        } else {
            safe
        }
    }
}

/// How an object can be shown, from its content type or, when S3 only
/// knows it as bytes, its file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Text,
    Image,
    /// Downloaded, never rendered here (HTML among them: a report's scripts
    /// must not run on Signoff's page).
    Other,
}

impl Format {
    pub fn of(key: &str, content_type: Option<&str>) -> Self {
        let essence = content_type
            .and_then(|t| t.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match essence.as_str() {
            "" | "binary/octet-stream" | "application/octet-stream" => Self::by_extension(key),
            "application/json" => Self::Json,
            "text/csv" => Self::Csv,
            "text/html" => Self::Other,
            t if t.ends_with("+json") => Self::Json,
            t if t.starts_with("text/") => Self::Text,
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/svg+xml" => {
                Self::Image
            }
            _ => Self::Other,
        }
    }

    fn by_extension(key: &str) -> Self {
        let extension = key
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "json" => Self::Json,
            "csv" => Self::Csv,
            "txt" | "log" | "md" | "yaml" | "yml" | "tsv" | "jsonl" => Self::Text,
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" => Self::Image,
            _ => Self::Other,
        }
    }

    /// Whether an object of this format and size previews inline.
    pub fn previews(self, size: u64) -> bool {
        match self {
            Self::Json | Self::Csv | Self::Text => size <= TEXT_PREVIEW_MAX_BYTES,
            Self::Image => size <= IMAGE_PREVIEW_MAX_BYTES,
            Self::Other => false,
        }
    }
}

/// What the page shows of an artefact under its link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Preview {
    Text(String),
    /// Pretty-printed.
    Json(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        /// Rows left out of the preview.
        more_rows: usize,
    },
    /// Shown through the presigned link.
    Image,
}

/// The preview of a text-like object's bytes; `None` when they are not
/// UTF-8 (then the object is only downloaded).
pub fn text_preview(format: Format, bytes: &[u8]) -> Option<Preview> {
    let text = std::str::from_utf8(bytes).ok()?;
    match format {
        Format::Json => Some(
            match serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
            {
                Some(pretty) => Preview::Json(pretty),
                // Not valid JSON after all: show what is there.
                None => Preview::Text(text.to_owned()),
            },
        ),
        Format::Csv => {
            let mut records = parse_csv(text).into_iter();
            let header = records.next().unwrap_or_default();
            let rows: Vec<_> = records.by_ref().take(CSV_PREVIEW_ROWS).collect();
            Some(Preview::Table {
                header,
                rows,
                more_rows: records.count(),
            })
        }
        Format::Text => Some(Preview::Text(text.to_owned())),
        Format::Image | Format::Other => None,
    }
}

/// RFC 4180 records: comma-separated, fields optionally in double quotes
/// (which may hold commas, newlines and `""` for a quote), lines ending in
/// LF or CRLF. Blank lines are skipped; a missing closing quote ends the
/// field at the end of the text.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(14_540), "14.2 KB");
        assert_eq!(human_size(3_250_586), "3.1 MB");
        assert_eq!(human_size(5 << 30), "5.0 GB");
    }

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        assert_eq!(
            S3Location::parse("s3://ml-artefacts/churn/42/report.html"),
            Some(S3Location {
                bucket: "ml-artefacts".into(),
                key: "churn/42/report.html".into()
            })
        );
        assert_eq!(S3Location::parse("s3://bucket-only"), None);
        assert_eq!(S3Location::parse("s3:///key"), None);
        assert_eq!(S3Location::parse("https://example.com/x"), None);
    }

    #[test]
    fn file_names_are_safe_for_a_header() {
        let at = |key: &str| S3Location {
            bucket: "b".into(),
            key: key.into(),
        };
        assert_eq!(at("a/b/report.html").file_name(), "report.html");
        assert_eq!(at("a/b/").file_name(), "b");
        assert_eq!(at("x/\"evil\";\r\nname.txt").file_name(), "evilname.txt");
        assert_eq!(at("\"\"").file_name(), "artefact");
    }

    #[test]
    fn format_follows_content_type_then_extension() {
        assert_eq!(Format::of("m.bin", Some("application/json")), Format::Json);
        assert_eq!(
            Format::of("m", Some("application/vnd.api+json; charset=utf-8")),
            Format::Json
        );
        assert_eq!(Format::of("m", Some("text/csv")), Format::Csv);
        assert_eq!(Format::of("m", Some("text/plain")), Format::Text);
        assert_eq!(Format::of("m", Some("image/png")), Format::Image);
        assert_eq!(Format::of("m.png", Some("image/tiff")), Format::Other);
        // HTML is never rendered inline, whatever the extension says.
        assert_eq!(Format::of("r.txt", Some("text/html")), Format::Other);
        // S3's "just bytes" defers to the extension.
        assert_eq!(
            Format::of("a/metrics.JSON", Some("binary/octet-stream")),
            Format::Json
        );
        assert_eq!(Format::of("a/data.csv", None), Format::Csv);
        assert_eq!(Format::of("a/chart.svg", None), Format::Image);
        assert_eq!(Format::of("a/model.pkl", None), Format::Other);
        assert_eq!(Format::of("a/README", None), Format::Other);
    }

    #[test]
    fn only_small_objects_preview() {
        assert!(Format::Json.previews(TEXT_PREVIEW_MAX_BYTES));
        assert!(!Format::Text.previews(TEXT_PREVIEW_MAX_BYTES + 1));
        assert!(Format::Image.previews(IMAGE_PREVIEW_MAX_BYTES));
        assert!(!Format::Image.previews(IMAGE_PREVIEW_MAX_BYTES + 1));
        assert!(!Format::Other.previews(10));
    }

    #[test]
    fn json_is_pretty_printed_and_bad_json_shown_as_text() {
        assert_eq!(
            text_preview(Format::Json, br#"{"auc":0.9}"#),
            Some(Preview::Json("{\n  \"auc\": 0.9\n}".into()))
        );
        assert_eq!(
            text_preview(Format::Json, b"{not json"),
            Some(Preview::Text("{not json".into()))
        );
        assert_eq!(text_preview(Format::Text, &[0xff, 0xfe]), None);
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
        }) = text_preview(Format::Csv, csv.as_bytes())
        else {
            panic!("a table");
        };
        assert_eq!(header, ["segment", "auc"]);
        assert_eq!(rows.len(), CSV_PREVIEW_ROWS);
        assert_eq!(rows[0], ["s0", "0.9"]);
        assert_eq!(more_rows, 5);
    }

    #[test]
    fn csv_quotes_commas_newlines_and_crlf() {
        let records = parse_csv("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\r\n1,\"two\nlines\",3\r\nlast");
        assert_eq!(
            records,
            vec![
                vec!["a", "b, c", "say \"hi\""],
                vec!["1", "two\nlines", "3"],
                vec!["last"],
            ]
        );
        assert_eq!(parse_csv(""), Vec::<Vec<String>>::new());
        assert_eq!(parse_csv("x,\n"), vec![vec!["x", ""]]);
    }
}
