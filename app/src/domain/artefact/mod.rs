//! Artefacts on the review page: where an `s3://` URI points, which objects
//! preview inline (by type and size), how a small object's bytes become a
//! preview ([`preview`]), which buckets Signoff opens ([`buckets`]) and when
//! a person's links are audited again ([`window`]). Pure: fetching and
//! presigning are the object store port's.

pub mod buckets;
pub mod preview;
pub mod window;

pub use preview::{text_preview, Preview};

/// Text, JSON and CSV objects up to this size are read and shown inline.
pub const TEXT_PREVIEW_MAX_BYTES: u64 = 64 * 1024;
/// Images up to this size are shown inline (the browser loads them through
/// the presigned link).
pub const IMAGE_PREVIEW_MAX_BYTES: u64 = 2 * 1024 * 1024;

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
}
