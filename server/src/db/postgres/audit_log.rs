//! The audit chain on PostgreSQL. Appends from every replica are serialised
//! by one transaction-scoped advisory lock, taken before the chain's head is
//! read and held until commit: entries are hashed, numbered and committed in
//! one order, so the chain has no forks and a reader following ids never
//! meets a gap that fills in later. A trigger makes the table append-only
//! (migration 0001); [`verify`] walks the chain in pages.

use crate::db::chain_walk::{verify_in_pages, PAGE};
use crate::db::rows::AuditRow;
use crate::db::sqlx_error::store_error;
use crate::db::Pruned;
use app::domain::audit::{chain_hash, AuditContent, Broken, GENESIS};
use app::domain::audit_action::Action;
use app::domain::audit_checkpoint::{checkpoint, resumes_before};
use app::domain::audit_export::jsonl_line;
use app::domain::notify::event::NotifyKind;
use app::ssr::ports::{AuditRecord, StoreError};
use sqlx::{PgPool, Postgres, Transaction};
use std::io::Write;
use std::path::Path;

/// Takes the chain's lock for the rest of `tx` (again is harmless: the
/// lock is the transaction's, taken once or many times).
pub(crate) async fn lock_chain(tx: &mut Transaction<'static, Postgres>) -> Result<(), StoreError> {
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(super::CHAIN_LOCK)
        .execute(&mut **tx)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// Appends an entry to the audit chain, after the chain's last committed
/// entry (under [`lock_chain`]).
pub(crate) async fn append(
    tx: &mut Transaction<'static, Postgres>,
    entry: &AuditRecord,
    review_id: Option<&str>,
) -> Result<(), StoreError> {
    lock_chain(tx).await?;
    let (previous,): (String,) = sqlx::query_as(
        "select coalesce((select hash from audit_entry order by id desc limit 1), $1)",
    )
    .bind(GENESIS)
    .fetch_one(&mut **tx)
    .await
    .map_err(store_error)?;
    let content = AuditContent {
        review_id: review_id.or(entry.review_id.as_deref()).map(str::to_owned),
        ..entry.clone()
    };
    let hash = chain_hash(&previous, &content);
    let (id,): (i64,) = sqlx::query_as(
        "insert into audit_entry (at, actor, actor_subject, actor_role, action, review_id, detail, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    )
    .bind(content.at_ms)
    .bind(&content.actor)
    .bind(&content.actor_subject)
    .bind(&content.actor_role)
    .bind(&content.action)
    .bind(&content.review_id)
    .bind(&content.detail)
    .bind(&previous)
    .bind(&hash)
    .fetch_one(&mut **tx)
    .await
    .map_err(store_error)?;
    if let Some(review_id) = content
        .review_id
        .as_deref()
        .filter(|_| notifies(&content.action))
    {
        sqlx::query("insert into notification_event (audit_id, review_id) values ($1, $2)")
            .bind(id)
            .bind(review_id)
            .execute(&mut **tx)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Whether an entry with this action text is a notification's event.
fn notifies(action: &str) -> bool {
    Action::parse(action).is_some_and(|action| NotifyKind::of_action(&action).is_some())
}

/// Writes the entries older than `before_ms` to `out` as JSON Lines, then
/// removes them and appends a checkpoint, in one transaction under the
/// chain's lock (as SQLite's `export_and_prune`). The append-only trigger
/// lets this transaction alone delete.
pub async fn export_and_prune(
    pool: &PgPool,
    before_ms: i64,
    out: &Path,
    now_ms: i64,
) -> anyhow::Result<Option<Pruned>> {
    let mut tx = pool.begin().await?;
    lock_chain(&mut tx).await?;
    let (through,): (Option<i64>,) = sqlx::query_as(
        "select coalesce((select min(id) from audit_entry where at >= $1) - 1, (select max(id) from audit_entry))",
    )
    .bind(before_ms)
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<AuditRow> =
        sqlx::query_as("select * from audit_entry where id <= $1 order by id")
            .bind(through.unwrap_or(0))
            .fetch_all(&mut *tx)
            .await?;
    let Some(last) = rows.last().cloned().map(AuditRow::into_entry) else {
        return Ok(None);
    };
    let mut file = std::fs::File::create(out)?;
    for row in rows.iter().cloned() {
        file.write_all(jsonl_line(&row.into_entry(), None).as_bytes())?;
    }
    file.sync_all()?;
    sqlx::query("select set_config('signoff.audit_prune', 'on', true)")
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from audit_entry where id <= $1")
        .bind(last.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("select set_config('signoff.audit_prune', 'off', true)")
        .execute(&mut *tx)
        .await?;
    let exported_to = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let checkpoint = checkpoint(now_ms, &last, rows.len(), exported_to);
    append(&mut tx, &checkpoint, None).await?;
    tx.commit().await?;
    Ok(Some(Pruned {
        entries: rows.len(),
        through_id: last.id,
    }))
}

/// Where the chain starts: the genesis hash when the first entry follows
/// it, or, after a prune, the hash its checkpoint recorded for the last
/// removed entry. (Ids may skip numbers here, so "the first id is 1" is no
/// test of an uncut chain, as it is on SQLite.)
async fn chain_start(pool: &PgPool) -> anyhow::Result<Result<String, Broken>> {
    let first: Option<(i64, Option<String>)> =
        sqlx::query_as("select id, prev_hash from audit_entry order by id limit 1")
            .fetch_optional(pool)
            .await?;
    let Some((first, prev_hash)) = first else {
        return Ok(Ok(GENESIS.to_owned()));
    };
    let prev_hash = prev_hash.unwrap_or_default();
    if prev_hash == GENESIS {
        return Ok(Ok(prev_hash));
    }
    let checkpoints: Vec<(Option<String>,)> =
        sqlx::query_as("select detail from audit_entry where action = $1 order by id desc")
            .bind(Action::Checkpoint.to_string())
            .fetch_all(pool)
            .await?;
    if checkpoints
        .iter()
        .any(|(detail,)| resumes_before(detail.as_deref(), first, &prev_hash))
    {
        return Ok(Ok(prev_hash));
    }
    Ok(Err(Broken {
        id: first,
        reason: "entries before it were removed without a checkpoint".into(),
    }))
}

/// Verifies the whole chain; returns how many entries were checked, or the
/// first entry that breaks it.
pub async fn verify(pool: &PgPool) -> anyhow::Result<Result<usize, Broken>> {
    verify_in_pages(chain_start(pool).await?, |after_id| async move {
        Ok(
            sqlx::query_as("select * from audit_entry where id > $1 order by id limit $2")
                .bind(after_id)
                .bind(PAGE)
                .fetch_all(pool)
                .await?,
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::super::PostgresStore;
    use crate::db::test_databases::postgres_url;
    use app::domain::audit_action::Action;
    use app::ssr::ports::AuditRecord;

    #[tokio::test]
    async fn entries_cannot_be_changed_or_removed_outside_a_prune() {
        let store = PostgresStore::connect(&postgres_url().await)
            .await
            .expect("a database");
        let entry = AuditRecord::system(1_000, Action::Received, None, Some("kept".into()));
        store.record(&entry).await.expect("appended");
        for tampering in [
            "update audit_entry set detail = 'changed'",
            "delete from audit_entry",
            "truncate audit_entry",
            // Saying "pruning" allows deletes only: an edit stays refused.
            "select set_config('signoff.audit_prune', 'on', false); update audit_entry set detail = 'x'",
        ] {
            let refused = sqlx::raw_sql(tampering)
                .execute(&store.pool())
                .await
                .expect_err(tampering);
            assert!(refused.to_string().contains("append-only"), "{tampering}: {refused}");
        }
        let (detail,): (String,) = sqlx::query_as("select detail from audit_entry")
            .fetch_one(&store.pool())
            .await
            .expect("read");
        assert_eq!(detail, "kept");
    }
}
