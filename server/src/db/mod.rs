//! Storage adapters: the [`app::ssr::ports::ReviewStore`] implementations.
//! SQLite is the default; PostgreSQL joins for several replicas.

pub mod audit_log;
mod audit_query;
mod indexed_sql;
#[cfg(test)]
mod query_plans;
mod queue_query;
mod rows;
mod sqlite;
mod sqlx_error;

pub use sqlite::SqliteStore;

/// Trigram indexes need three characters; shorter terms cannot use them.
const MIN_INDEXED_CHARS: usize = 3;

/// Whether `text` is long enough for a trigram index.
fn indexed(text: &str) -> bool {
    text.chars().count() >= MIN_INDEXED_CHARS
}

/// `text` as an FTS5 phrase (with trigrams: a substring, any case).
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `escape '\'`).
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(super::like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
