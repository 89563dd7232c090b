//! SQLite: the ledger of chat interactions seen lately (one row per key).

use super::SqliteStore;
use crate::db::sqlx_error::store_error;
use app::ssr::ports::{InteractionLedger, StoreError};
use async_trait::async_trait;

#[async_trait]
impl InteractionLedger for SqliteStore {
    async fn first_sight(
        &self,
        key: &str,
        now_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        sqlx::query("delete from chat_interaction where seen_at < ?")
            .bind(forget_before_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let inserted =
            sqlx::query("insert into chat_interaction (key, seen_at) values (?, ?) on conflict (key) do nothing")
                .bind(key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
        tx.commit().await.map_err(store_error)?;
        Ok(inserted == 1)
    }
}
