//! Fresh, empty databases for the stories, on each engine: a SQLite file
//! in a scratch directory, or a PostgreSQL database created in the cluster
//! `SIGNOFF_TEST_POSTGRES_URL` names (`cargo xtask test` starts a
//! throwaway one).

use std::path::Path;

/// The URL of a new SQLite file in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!(
        "sqlite://{}",
        dir.join(format!("{}.db", uuid::Uuid::new_v4())).display()
    )
}

/// The URL of a new, empty PostgreSQL database.
pub async fn postgres_url() -> String {
    let admin_url = std::env::var("SIGNOFF_TEST_POSTGRES_URL").expect(
        "SIGNOFF_TEST_POSTGRES_URL names a PostgreSQL cluster to create databases in \
         (`cargo xtask test` starts one)",
    );
    let name = format!("story_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("the cluster answers");
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .expect("a database");
    let mut url = url::Url::parse(&admin_url).expect("a PostgreSQL URL");
    url.set_path(&name);
    url.to_string()
}

/// A scratch directory of its own.
pub fn scratch(what: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("signoff-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
