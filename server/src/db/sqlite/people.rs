//! SQLite: the people directory behind [`People`]. A sign-in replaces the
//! person's row and group rows in one transaction; lookups compare the
//! e-mail as folded here (see [`email_key`]), never the engine's `lower`.

use super::indexed_sql::{PEOPLE_IN_GROUP, PERSON_BY_VERIFIED_EMAIL};
use super::SqliteStore;
use crate::db::sqlx_error::{encode_error, store_error};
use app::domain::actor::{Actor, Role};
use app::ssr::ports::{People, Person, StoreError};
use async_trait::async_trait;

/// What lookups by e-mail compare: the address folded to lower case, and
/// only when the provider vouched for it (an unverified e-mail maps to
/// no one).
pub(crate) fn email_key(actor: &Actor) -> Option<String> {
    actor
        .email
        .as_deref()
        .filter(|_| actor.email_verified)
        .map(fold_email)
}

/// An e-mail as lookups compare it.
pub(crate) fn fold_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    display_name: String,
    usernames_json: String,
    role: String,
    last_seen_at: i64,
}

impl SqliteStore {
    async fn person_of(&self, row: PersonRow) -> Result<Person, StoreError> {
        let usernames = serde_json::from_str::<Vec<String>>(&row.usernames_json)
            .map_err(|e| StoreError::corrupt(format!("usernames of person {}", row.subject), e))?;
        let role = Role::parse(&row.role).ok_or_else(|| {
            StoreError::corrupt(
                format!("role of person {}", row.subject),
                format!("unknown role {:?}", row.role),
            )
        })?;
        let groups: Vec<(String,)> = sqlx::query_as(
            "select group_name from person_group where subject = ? order by position",
        )
        .bind(&row.subject)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(Person {
            subject: row.subject,
            email: row.email,
            email_verified: row.email_verified,
            display_name: row.display_name,
            usernames,
            role,
            groups: groups.into_iter().map(|(group,)| group).collect(),
            last_seen_ms: row.last_seen_at,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(email: Option<&str>, verified: bool) -> Actor {
        Actor {
            subject: "s".into(),
            email: email.map(str::to_owned),
            email_verified: verified,
            usernames: Vec::new(),
            display_name: "S".into(),
            role: Role::Viewer,
            groups: Vec::new(),
        }
    }

    #[test]
    fn only_a_verified_email_is_a_key_and_it_is_folded() {
        assert_eq!(
            email_key(&actor(Some(" Lee@Example.COM"), true)).as_deref(),
            Some("lee@example.com")
        );
        assert_eq!(email_key(&actor(Some("lee@example.com"), false)), None);
        assert_eq!(email_key(&actor(None, true)), None);
    }
}
