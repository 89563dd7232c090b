//! PostgreSQL: the ledger of chat interactions seen lately (one row per key).

use super::PostgresStore;
use crate::db::sqlx_error::store_error;
use app::ssr::ports::{InteractionLedger, StoreError};
use async_trait::async_trait;

#[async_trait]
impl InteractionLedger for PostgresStore {
    async fn first_sight(
        &self,
        key: &str,
        now_ms: i64,
        forget_before_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("delete from chat_interaction where seen_at < $1")
            .bind(forget_before_ms)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let inserted =
            sqlx::query("insert into chat_interaction (key, seen_at) values ($1, $2) on conflict (key) do nothing")
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
