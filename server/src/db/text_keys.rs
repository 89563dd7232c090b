//! Text as every engine compares it: e-mail keys for the people directory
//! (folded by Signoff, not by the engine's `lower`, so SQLite and
//! PostgreSQL find the same person for the same address), LIKE patterns,
//! and action names as SQL literals.

use app::domain::actor::Actor;
use app::domain::audit_action::Action;

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

/// Escapes `%`, `_` and `\` for a LIKE pattern (with `\` as its escape,
/// which both engines are told or assume).
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The names of the actions (of those with a fixed name) that `pick`
/// takes, as a list of SQL string literals in [`Action::ALL`]'s order:
/// `'viewed', 'artefact link issued'`.
pub(crate) fn actions_where(pick: impl Fn(Action) -> bool) -> String {
    let quoted: Vec<String> = Action::ALL
        .iter()
        .copied()
        .filter(|action| pick(*action))
        .map(|action| format!("'{}'", action.name().replace('\'', "''")))
        .collect();
    quoted.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::actor::Role;

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

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn action_names_are_quoted_as_sql_literals() {
        assert_eq!(
            actions_where(|action| matches!(action, Action::SignedIn | Action::Received)),
            "'received', 'signed in'"
        );
        assert_eq!(actions_where(|_| false), "");
    }
}
