//! Sessions and logins in flight, as stored; and sessions made through the
//! server's own session rules (for a server in another process).

use super::{Arg, Probe};
use app::domain::actor::Actor;
use server::auth::sessions::{Lifetimes, Sessions};

impl Probe {
    pub async fn sessions_stored(&self) -> i64 {
        self.count("select count(*) from session", &[]).await
    }

    /// Sessions of the person with this subject.
    pub async fn sessions_of(&self, subject: &str) -> i64 {
        self.count(
            "select count(*) from session where subject = $1",
            &[Arg::Text(subject)],
        )
        .await
    }

    /// Sessions of this person that keep the provider's ID token.
    pub async fn sessions_with_id_token(&self, subject: &str) -> i64 {
        self.count(
            "select count(*) from session where subject = $1 and id_token is not null",
            &[Arg::Text(subject)],
        )
        .await
    }

    /// The ID token a session keeps (the first found).
    pub async fn an_id_token(&self) -> String {
        let (token,): (String,) = self
            .row(
                "select id_token from session where id_token is not null",
                &[],
            )
            .await;
        token
    }

    /// The subjects of every session, in order.
    pub async fn session_subjects(&self) -> Vec<String> {
        let rows: Vec<(String,)> = self
            .rows("select subject from session order by subject", &[])
            .await;
        rows.into_iter().map(|(subject,)| subject).collect()
    }

    /// Moves every session's last use `by_ms` into the past.
    pub async fn age_sessions(&self, by_ms: i64) {
        self.change(
            "update session set last_seen_at = last_seen_at - $1",
            &[Arg::Int(by_ms)],
        )
        .await;
    }

    /// Sets when this person's sessions were last used and when they end.
    pub async fn set_session_times(&self, subject: &str, last_seen_ms: i64, expires_ms: i64) {
        let changed = self
            .change(
                "update session set last_seen_at = $2, expires_at = $3 where subject = $1",
                &[
                    Arg::Text(subject),
                    Arg::Int(last_seen_ms),
                    Arg::Int(expires_ms),
                ],
            )
            .await;
        assert!(changed > 0, "{subject} has no session");
    }

    /// Removes every session behind the server's back.
    pub async fn delete_every_session(&self) {
        self.change("delete from session", &[]).await;
    }

    /// Gives every login in flight another nonce than the one sent to the
    /// provider.
    pub async fn replace_login_nonces(&self, nonce: &str) {
        let changed = self
            .change("update login_attempt set nonce = $1", &[Arg::Text(nonce)])
            .await;
        assert!(changed > 0, "no login in flight");
    }

    /// A session for `actor`, made by the server's session rules in this
    /// database; its cookie (`name=value`).
    pub async fn session_cookie(&self, actor: &Actor) -> String {
        let sessions = Sessions::new(
            self.sessions.clone(),
            Lifetimes {
                idle_ms: 3_600_000,
                absolute_ms: 3_600_000,
            },
        );
        let id = sessions
            .create(actor, None, chrono::Utc::now().timestamp_millis())
            .await
            .expect("session");
        format!("signoff_session={id}")
    }
}
