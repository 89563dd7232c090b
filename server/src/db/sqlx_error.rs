//! The one place where sqlx's errors become the port's [`StoreError`]: a
//! unique key already taken is a conflict, a column that does not decode is
//! a corrupt row, anything else is the engine failing. sqlx's errors are
//! the same type for every engine it drives, so this serves them all.

use app::ssr::ports::StoreError;

/// What `error` means to the caller.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    let reason = match &error {
        sqlx::Error::Database(database) if database.is_unique_violation() => {
            // The constraint's name, never the clashing value.
            return StoreError::Conflict(match database.constraint() {
                Some(constraint) => format!("unique key {constraint} already taken"),
                None => "a unique key already taken".to_owned(),
            });
        }
        sqlx::Error::ColumnDecode { index, source } => {
            return StoreError::corrupt(format!("column {index}"), source);
        }
        sqlx::Error::Decode(source) => return StoreError::corrupt("row", source),
        sqlx::Error::Database(database) if is_busy(database.code().as_deref()) => {
            "the database stayed locked"
        }
        sqlx::Error::Database(_) => "the database refused a statement",
        sqlx::Error::PoolTimedOut => "no connection was free in time",
        sqlx::Error::PoolClosed => "the connection pool is closed",
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => "the database could not be reached",
        sqlx::Error::RowNotFound => "a row the statement expected is missing",
        sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => "a statement does not fit the schema",
        _ => "the database driver failed",
    };
    StoreError::Unavailable {
        reason,
        source: Box::new(error),
    }
}

/// A value could not be written as JSON for storing.
pub(crate) fn encode_error(what: &str, error: serde_json::Error) -> StoreError {
    StoreError::corrupt(format!("{what} to store"), error)
}

/// SQLite's "busy" and "locked" result codes (primary and extended), which
/// outlasted the busy timeout.
fn is_busy(code: Option<&str>) -> bool {
    matches!(code, Some("5" | "6" | "261" | "517" | "262"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;

    const SECRET: &str = "a-task-token-value";

    async fn memory() -> sqlx::SqlitePool {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        sqlx::query("create table t (token text not null unique, n integer)")
            .execute(&pool)
            .await
            .expect("a table");
        pool
    }

    #[tokio::test]
    async fn a_unique_clash_is_a_conflict_that_names_no_value() {
        let pool = memory().await;
        let insert = || {
            sqlx::query("insert into t (token) values (?)")
                .bind(SECRET)
                .execute(&pool)
        };
        insert().await.expect("the first insert");
        let error = store_error(insert().await.expect_err("a clash"));
        assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
        assert!(!error.to_string().contains(SECRET), "{error}");
    }

    #[tokio::test]
    async fn a_column_that_does_not_decode_is_corrupt() {
        let pool = memory().await;
        sqlx::query("insert into t (token, n) values (?, 'not a number')")
            .bind(SECRET)
            .execute(&pool)
            .await
            .expect("a row");
        let failed = sqlx::query_as::<_, (i64,)>("select n from t")
            .fetch_one(&pool)
            .await
            .expect_err("text is no i64");
        let error = store_error(failed);
        assert!(
            matches!(&error, StoreError::Corrupt { what, .. } if what == "column 0"),
            "{error:?}"
        );
        assert!(!error.to_string().contains(SECRET), "{error}");
    }

    #[tokio::test]
    async fn a_failing_statement_is_unavailable_with_its_source_and_no_sql() {
        let pool = memory().await;
        let failed = sqlx::query("insert into missing (token) values (?)")
            .bind(SECRET)
            .execute(&pool)
            .await
            .expect_err("no such table");
        let error = store_error(failed);
        assert_eq!(
            error.to_string(),
            "store unavailable: the database refused a statement"
        );
        let source = std::error::Error::source(&error).expect("the engine's error");
        assert!(source.to_string().contains("no such table"), "{source}");
    }

    #[test]
    fn the_pool_running_dry_is_unavailable() {
        let error = store_error(sqlx::Error::PoolTimedOut);
        assert_eq!(
            error.to_string(),
            "store unavailable: no connection was free in time"
        );
    }

    #[test]
    fn busy_codes_are_told_from_other_failures() {
        assert!(is_busy(Some("5")));
        assert!(is_busy(Some("517")));
        assert!(!is_busy(Some("1")));
        assert!(!is_busy(None));
    }
}
