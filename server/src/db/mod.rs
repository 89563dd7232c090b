//! Storage adapters: the [`app::ssr::ports::ReviewStore`] implementations.
//! SQLite is the default; PostgreSQL joins for several replicas.

pub mod audit_log;
mod audit_query;
mod queue_query;
mod rows;
mod sqlite;

pub use sqlite::SqliteStore;

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
