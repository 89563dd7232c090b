//! The audit log's guarantees in the database: entries written before the
//! chain existed are sealed into it, triggers make the table append-only,
//! and [`verify`] walks the whole chain (in pages, so a million entries need
//! no more memory than a few thousand).

use super::rows::AuditRow;
use app::domain::audit::{chain_hash, verify as verify_entries, Broken, StoredEntry, GENESIS};
use sqlx::SqlitePool;

/// Entries read per page while verifying.
const PAGE: i64 = 5_000;

/// Triggers that refuse any change to an audit entry once written.
const APPEND_ONLY: [&str; 2] = [
    "create trigger if not exists audit_entry_no_update before update on audit_entry
     begin select raise(abort, 'audit entries are append-only'); end",
    "create trigger if not exists audit_entry_no_delete before delete on audit_entry
     begin select raise(abort, 'audit entries are append-only'); end",
];

/// Seals unchained entries (from versions before the chain) and makes the
/// table append-only. Run at every start; does nothing when all is sealed.
pub async fn seal_and_protect(pool: &SqlitePool) -> anyhow::Result<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let unsealed: Vec<AuditRow> =
        sqlx::query_as("select * from audit_entry where hash is null order by id")
            .fetch_all(&mut *tx)
            .await?;
    if !unsealed.is_empty() {
        sqlx::query("drop trigger if exists audit_entry_no_update")
            .execute(&mut *tx)
            .await?;
        let (mut previous,): (String,) = sqlx::query_as(
            "select coalesce((select hash from audit_entry where hash is not null order by id desc limit 1), ?)",
        )
        .bind(GENESIS)
        .fetch_one(&mut *tx)
        .await?;
        let count = unsealed.len();
        for row in unsealed.into_iter().map(AuditRow::into_entry) {
            let hash = chain_hash(&previous, &row.content);
            sqlx::query("update audit_entry set prev_hash = ?, hash = ? where id = ?")
                .bind(&previous)
                .bind(&hash)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            previous = hash;
        }
        tracing::info!(
            entries = count,
            "sealed audit entries written before the hash chain"
        );
    }
    for trigger in APPEND_ONLY {
        sqlx::query(trigger).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Verifies the whole chain; returns how many entries were checked, or the
/// first entry that breaks it.
pub async fn verify(pool: &SqlitePool) -> anyhow::Result<Result<usize, Broken>> {
    let mut previous = GENESIS.to_owned();
    let mut after_id = 0_i64;
    let mut checked = 0;
    loop {
        let rows: Vec<AuditRow> =
            sqlx::query_as("select * from audit_entry where id > ? order by id limit ?")
                .bind(after_id)
                .bind(PAGE)
                .fetch_all(pool)
                .await?;
        let Some(last) = rows.last() else {
            return Ok(Ok(checked));
        };
        after_id = last.id;
        let entries: Vec<StoredEntry> = rows.into_iter().map(AuditRow::into_entry).collect();
        match verify_entries(&previous, &entries) {
            Ok(count) => checked += count,
            Err(broken) => return Ok(Err(broken)),
        }
        previous = entries.last().map(|e| e.hash.clone()).unwrap_or(previous);
    }
}
