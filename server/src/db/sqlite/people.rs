//! SQLite: the people directory behind [`People`]. A sign-in replaces the
//! person's row and group rows in one transaction; lookups compare the
//! e-mail as [`crate::db::text_keys`] folds it, never the engine's `lower`.

use super::indexed_sql::{PEOPLE_IN_GROUP, PERSON_BY_VERIFIED_EMAIL};
use super::SqliteStore;
use crate::db::rows::PersonRow;
use crate::db::sqlx_error::{encode_error, store_error};
use crate::db::text_keys::{email_key, fold_email};
use app::domain::actor::Actor;
use app::ssr::ports::{People, Person, StoreError};
use async_trait::async_trait;

impl SqliteStore {
    async fn person_of(&self, row: PersonRow) -> Result<Person, StoreError> {
        let groups: Vec<(String,)> = sqlx::query_as(
            "select group_name from person_group where subject = ? order by position",
        )
        .bind(&row.subject)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        row.into_person(groups.into_iter().map(|(group,)| group).collect())
    }
}

#[async_trait]
impl People for SqliteStore {
    async fn record_sign_in(&self, actor: &Actor, now_ms: i64) -> Result<(), StoreError> {
        let usernames =
            serde_json::to_string(&actor.usernames).map_err(|e| encode_error("usernames", e))?;
        let mut tx = self.write().await?;
        sqlx::query(
            "insert into person (subject, email, email_verified, verified_email_key,
                display_name, usernames_json, role, last_seen_at)
             values (?, ?, ?, ?, ?, ?, ?, ?)
             on conflict (subject) do update set email = excluded.email,
                email_verified = excluded.email_verified,
                verified_email_key = excluded.verified_email_key,
                display_name = excluded.display_name, usernames_json = excluded.usernames_json,
                role = excluded.role, last_seen_at = excluded.last_seen_at",
        )
        .bind(&actor.subject)
        .bind(&actor.email)
        .bind(actor.email_verified)
        .bind(email_key(actor))
        .bind(&actor.display_name)
        .bind(usernames)
        .bind(actor.role.as_str())
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("delete from person_group where subject = ?")
            .bind(&actor.subject)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let mut position = 0_i64;
        for group in &actor.groups {
            // A provider listing a group twice keeps its first place.
            let added = sqlx::query(
                "insert into person_group (group_name, subject, position) values (?, ?, ?)
                 on conflict (group_name, subject) do nothing",
            )
            .bind(group)
            .bind(&actor.subject)
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            position += i64::try_from(added.rows_affected()).unwrap_or(1);
        }
        tx.commit().await.map_err(store_error)
    }

    async fn person_by_verified_email(&self, email: &str) -> Result<Option<Person>, StoreError> {
        let row: Option<PersonRow> = sqlx::query_as(PERSON_BY_VERIFIED_EMAIL)
            .bind(fold_email(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        match row {
            Some(row) => Ok(Some(self.person_of(row).await?)),
            None => Ok(None),
        }
    }

    async fn people_in_group(&self, group: &str) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<PersonRow> = sqlx::query_as(PEOPLE_IN_GROUP)
            .bind(group)
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        let mut people = Vec::with_capacity(rows.len());
        for row in rows {
            people.push(self.person_of(row).await?);
        }
        people.sort_by(|a, b| {
            b.last_seen_ms
                .cmp(&a.last_seen_ms)
                .then_with(|| a.subject.cmp(&b.subject))
        });
        Ok(people)
    }
}
