//! Which database engine the suite runs its servers on: SQLite files by
//! default, or, with `SIGNOFF_TEST_ENGINE=postgres`, one PostgreSQL
//! database per scratch directory in the cluster `SIGNOFF_TEST_POSTGRES_URL`
//! names. `cargo xtask test` runs the suite once for each.

use std::path::Path;

/// Whether this run's servers keep their data in PostgreSQL.
pub fn is_postgres() -> bool {
    std::env::var("SIGNOFF_TEST_ENGINE").is_ok_and(|engine| engine == "postgres")
}

/// The URL of the cluster's admin database.
fn admin_url() -> String {
    std::env::var("SIGNOFF_TEST_POSTGRES_URL").expect(
        "SIGNOFF_TEST_ENGINE=postgres needs SIGNOFF_TEST_POSTGRES_URL, a cluster to create \
         databases in (`cargo xtask test` starts one)",
    )
}

/// The name of the PostgreSQL database of the scratch directory `dir`.
fn database_name(dir: &Path) -> String {
    let leaf = dir
        .file_name()
        .map(|name| name.to_string_lossy().replace('-', "_"))
        .unwrap_or_default();
    format!("t_{leaf}")
}

/// The database URL of the scratch directory `dir`: the same each time.
pub fn database_url(dir: &Path) -> String {
    if is_postgres() {
        let mut url = url::Url::parse(&admin_url()).expect("a PostgreSQL URL");
        url.set_path(&database_name(dir));
        url.to_string()
    } else {
        format!("sqlite://{}", dir.join("signoff.db").display())
    }
}

/// Creates the database of `dir` (on PostgreSQL; a SQLite file needs none).
pub fn create_database(dir: &Path) {
    if is_postgres() {
        admin(format!("create database {}", database_name(dir)));
    }
}

/// Removes the database of `dir`, even while a server still holds it.
pub fn drop_database(dir: &Path) {
    if is_postgres() {
        admin(format!(
            "drop database if exists {} with (force)",
            database_name(dir)
        ));
    }
}

/// Runs `sql` on the admin database, on a thread of its own (callers may be
/// inside a runtime, or in `Drop`).
fn admin(sql: String) {
    let done = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut connection =
                <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url()).await?;
            sqlx::raw_sql(&sql).execute(&mut connection).await?;
            Ok::<_, sqlx::Error>(())
        })
    })
    .join();
    match done {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("{error}"),
        Err(_) => panic!("the admin thread panicked"),
    }
}
