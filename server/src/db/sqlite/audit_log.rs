//! The audit log's guarantees in the database: entries written before the
//! chain existed are sealed into it, triggers make the table append-only,
//! and [`verify`] walks the whole chain (in pages, so a million entries need
//! no more memory than a few thousand).

use crate::db::chain_walk::{verify_in_pages, PAGE};
use crate::db::rows::AuditRow;
use crate::db::sqlx_error::store_error;
use crate::db::Pruned;
use app::domain::audit::AuditContent;
use app::domain::audit::{chain_hash, Broken, GENESIS};
use app::domain::audit_action::Action;
use app::domain::audit_checkpoint::{checkpoint, resumes_from};
use app::domain::audit_export::jsonl_line;
use app::domain::notify::event::NotifyKind;
use app::ssr::ports::{AuditRecord, StoreError};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::io::Write;
use std::path::Path;

/// Appends an entry to the audit chain. Callers hold a write transaction
/// (`BEGIN IMMEDIATE`), so entries are chained strictly one after another.
pub(crate) async fn append(
    tx: &mut Transaction<'static, Sqlite>,
    entry: &AuditRecord,
    review_id: Option<&str>,
) -> Result<(), StoreError> {
    let (previous,): (String,) = sqlx::query_as(
        "select coalesce((select hash from audit_entry order by id desc limit 1), ?)",
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
    let inserted = sqlx::query(
        "insert into audit_entry (at, actor, actor_subject, actor_role, action, review_id, detail, prev_hash, hash)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .execute(&mut **tx)
    .await
    .map_err(store_error)?;
    if let Some(review_id) = content
        .review_id
        .as_deref()
        .filter(|_| notifies(&content.action))
    {
        sqlx::query("insert into notification_event (audit_id, review_id) values (?, ?)")
            .bind(inserted.last_insert_rowid())
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

/// Writes the entries older than `before_ms` (the oldest run of the chain)
/// to `out` as JSON Lines, then removes them and appends a checkpoint entry
/// that records the last removed entry's id and hash, all in one
/// transaction: nothing is removed that is not in the file, and the rest of
/// the chain still verifies from the checkpoint.
pub async fn export_and_prune(
    pool: &SqlitePool,
    before_ms: i64,
    out: &Path,
    now_ms: i64,
) -> anyhow::Result<Option<Pruned>> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let (through,): (Option<i64>,) = sqlx::query_as(
        "select coalesce((select min(id) from audit_entry where at >= ?) - 1, (select max(id) from audit_entry))",
    )
    .bind(before_ms)
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<AuditRow> = sqlx::query_as("select * from audit_entry where id <= ? order by id")
        .bind(through.unwrap_or(0))
        .fetch_all(&mut *tx)
        .await?;
    let Some(last) = rows.last().cloned().map(AuditRow::into_entry) else {
        return Ok(None);
    };
    let mut file = std::fs::File::create(out)?;
    // The archive is the chain itself: entries only, as they were hashed.
    for row in rows.iter().cloned() {
        file.write_all(jsonl_line(&row.into_entry(), None).as_bytes())?;
    }
    file.sync_all()?;
    sqlx::query("drop trigger if exists audit_entry_no_delete")
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from audit_entry where id <= ?")
        .bind(last.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from audit_search where rowid <= ?")
        .bind(last.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(APPEND_ONLY[1]).execute(&mut *tx).await?;
    let exported_to = out.file_name().map(|n| n.to_string_lossy().into_owned());
    let checkpoint = checkpoint(now_ms, &last, rows.len(), exported_to);
    append(&mut tx, &checkpoint, None).await?;
    tx.commit().await?;
    Ok(Some(Pruned {
        entries: rows.len(),
        through_id: last.id,
    }))
}

/// Where the chain starts: the genesis hash, or, after a prune, the hash the
/// checkpoint recorded for the last removed entry.
async fn chain_start(pool: &SqlitePool) -> anyhow::Result<Result<String, Broken>> {
    let (first,): (Option<i64>,) = sqlx::query_as("select min(id) from audit_entry")
        .fetch_one(pool)
        .await?;
    let Some(first) = first.filter(|id| *id > 1) else {
        return Ok(Ok(GENESIS.to_owned()));
    };
    let checkpoints: Vec<(Option<String>,)> =
        sqlx::query_as("select detail from audit_entry where action = ? order by id desc")
            .bind(Action::Checkpoint.to_string())
            .fetch_all(pool)
            .await?;
    if let Some(hash) = checkpoints
        .iter()
        .find_map(|(detail,)| resumes_from(detail.as_deref(), first))
    {
        return Ok(Ok(hash));
    }
    Ok(Err(Broken {
        id: first,
        reason: "entries before it were removed without a checkpoint".into(),
    }))
}

/// Verifies the whole chain; returns how many entries were checked, or the
/// first entry that breaks it.
pub async fn verify(pool: &SqlitePool) -> anyhow::Result<Result<usize, Broken>> {
    verify_in_pages(chain_start(pool).await?, |after_id| async move {
        Ok(
            sqlx::query_as("select * from audit_entry where id > ? order by id limit ?")
                .bind(after_id)
                .bind(PAGE)
                .fetch_all(pool)
                .await?,
        )
    })
    .await
}
