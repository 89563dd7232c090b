//! What only SQLite has, on a test server's real SQLite file: the triggers
//! that keep the audit table append-only (and what `signoff audit verify`
//! finds when someone with raw access to the file drops them), and the
//! full-text index that pruning empties too. Another engine keeps these
//! promises its own way (grants, its own search index) and tests them its
//! own way; every other test asks through [`crate::probe`].

use crate::audit::{a_decided_review, prune_thirty_old_entries};
use crate::helpers::{spawn_app, TestApp};
use sqlx::SqlitePool;

/// A connection of its own to the app's SQLite file, as anyone who can
/// open the file has.
async fn raw_file(app: &TestApp) -> SqlitePool {
    SqlitePool::connect(&app.database_url)
        .await
        .expect("the SQLite file opens")
}

#[tokio::test]
async fn the_audit_table_refuses_edits_and_deletions() {
    let app = spawn_app().await;
    a_decided_review(&app).await;
    let db = raw_file(&app).await;
    for sql in [
        "update audit_entry set detail = 'edited' where id = 2",
        "delete from audit_entry where id = 1",
    ] {
        let error = sqlx::query(sql).execute(&db).await.expect_err(sql);
        assert!(
            error.to_string().contains("audit entries are append-only"),
            "{error}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn verify_names_exactly_the_entry_that_was_edited() {
    let app = spawn_app().await;
    a_decided_review(&app).await;
    let db = raw_file(&app).await;
    // Someone with raw database access drops the triggers and edits entry 2.
    sqlx::query("drop trigger audit_entry_no_update")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("update audit_entry set detail = 'rubber-stamped' where id = 2")
        .execute(&db)
        .await
        .unwrap();
    let broken = server::db::sqlite::audit_log::verify(&db)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.id, 2);

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_signoff"))
        .args(["audit", "verify", "--database-url", &app.database_url])
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{printed}");
    assert!(printed.contains("broken at entry 2"), "{printed}");
    app.stop().await;
}

/// The SQLite half of `audit::pruning_exports_first_and_the_rest_still_verifies`.
#[tokio::test]
async fn pruning_empties_the_search_index_and_leaves_the_table_protected() {
    let app = spawn_app().await;
    let dir = crate::http::ScratchDir::new();
    prune_thirty_old_entries(&app, &dir.path().join("pruned.jsonl")).await;
    let db = raw_file(&app).await;
    let (searchable,): (i64,) = sqlx::query_as(
        "select count(*) from audit_search where audit_search match 'detail : \"old \"'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(searchable, 0, "pruned entries leave the search index too");
    let error = sqlx::query("delete from audit_entry where id = 31")
        .execute(&db)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("append-only"),
        "the table is protected again"
    );
    app.stop().await;
}
