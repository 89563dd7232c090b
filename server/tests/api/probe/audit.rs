//! The audit log as stored: counts and entries by action, review and
//! actor, and the chain's own verify (through its port).

use super::{Arg, Probe};
use app::domain::audit::Broken;

impl Probe {
    pub async fn audit_entries_stored(&self) -> i64 {
        self.count("select count(*) from audit_entry", &[]).await
    }

    /// Entries with this action, whatever the review.
    pub async fn audit_count(&self, action: &str) -> i64 {
        self.count(
            "select count(*) from audit_entry where action = $1",
            &[Arg::Text(action)],
        )
        .await
    }

    /// Entries with this action about this review.
    pub async fn audit_count_of(&self, review_id: &str, action: &str) -> i64 {
        self.count(
            "select count(*) from audit_entry where review_id = $1 and action = $2",
            &[Arg::Text(review_id), Arg::Text(action)],
        )
        .await
    }

    /// Entries about this review whose action starts with `prefix`
    /// (`approv` for every kind of approval entry).
    pub async fn audit_count_starting(&self, review_id: &str, prefix: &str) -> i64 {
        self.count(
            "select count(*) from audit_entry where review_id = $1 and action like $2",
            &[Arg::Text(review_id), Arg::Text(&format!("{prefix}%"))],
        )
        .await
    }

    /// `(actor, detail)` of the review's entries with this action, oldest first.
    pub async fn audit_entries_of(
        &self,
        review_id: &str,
        action: &str,
    ) -> Vec<(String, Option<String>)> {
        self.rows(
            "select actor, detail from audit_entry where review_id = $1 and action = $2 order by id",
            &[Arg::Text(review_id), Arg::Text(action)],
        )
        .await
    }

    /// `(actor_subject, actor_role)` of the oldest entry with this action.
    pub async fn actor_of_first(&self, action: &str) -> (Option<String>, Option<String>) {
        self.row(
            "select actor_subject, actor_role from audit_entry where action = $1 order by id limit 1",
            &[Arg::Text(action)],
        )
        .await
    }

    /// `(action, actor_role)` of the entries by the person with this
    /// subject whose action starts with `prefix`, oldest first.
    pub async fn audit_by_subject(
        &self,
        subject: &str,
        prefix: &str,
    ) -> Vec<(String, Option<String>)> {
        self.rows(
            "select action, actor_role from audit_entry
             where actor_subject = $1 and action like $2 order by id",
            &[Arg::Text(subject), Arg::Text(&format!("{prefix}%"))],
        )
        .await
    }

    /// The oldest entry's id (after a prune: the checkpoint's).
    pub async fn oldest_audit_id(&self) -> Option<i64> {
        let (oldest,): (Option<i64>,) = self.row("select min(id) from audit_entry", &[]).await;
        oldest
    }

    /// The whole chain checked, as `signoff audit verify` checks it: how
    /// many entries, or the first that breaks it.
    pub async fn verify_chain(&self) -> Result<usize, Broken> {
        self.chain.verify().await.expect("the chain can be read")
    }
}
