//! Who is acting, and what their role lets them do.

use super::identity::KnownNames;
use super::string_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Roles in increasing order of power; each includes the ones before it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        /// Sees reviews.
        Viewer => "viewer",
        /// Also decides reviews.
        Reviewer => "reviewer",
        /// Also reads the audit history.
        Lead => "lead",
        /// Also sees rejected intake and settings.
        Admin => "admin",
    }
}

/// A person (or Signoff itself) acting on reviews. Built on the server from
/// the session, never from anything the browser sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable identifier from the identity provider (`sub`).
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches for the e-mail: false only when its
    /// `email_verified` claim says false (many providers send no such claim).
    pub email_verified: bool,
    /// Values of the configured username claims (`preferred_username`, `upn`).
    pub usernames: Vec<String>,
    pub display_name: String,
    pub role: Role,
    /// Groups from the identity provider, for reviewer-group checks.
    pub groups: Vec<String>,
}

impl Actor {
    /// Whether this actor's role includes `required`.
    pub fn has_role(&self, required: Role) -> bool {
        self.role >= required
    }

    /// The name shown in history and sent to the workflow.
    pub fn label(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.display_name)
    }

    /// The names requester matching may compare (an unverified e-mail is
    /// not one of them).
    pub fn known_names(&self) -> KnownNames<'_> {
        KnownNames {
            subject: &self.subject,
            verified_email: self.email.as_deref().filter(|_| self.email_verified),
            usernames: &self.usernames,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            subject: "sub-1".into(),
            email: None,
            email_verified: true,
            usernames: Vec::new(),
            display_name: "Ada".into(),
            role,
            groups: Vec::new(),
        }
    }

    #[test]
    fn roles_include_the_ones_below_them() {
        assert!(actor(Role::Admin).has_role(Role::Reviewer));
        assert!(actor(Role::Lead).has_role(Role::Lead));
        assert!(actor(Role::Reviewer).has_role(Role::Viewer));
        assert!(!actor(Role::Viewer).has_role(Role::Reviewer));
        assert!(!actor(Role::Reviewer).has_role(Role::Lead));
    }

    #[test]
    fn an_unverified_email_is_not_a_known_name() {
        let mut a = actor(Role::Reviewer);
        a.email = Some("ada@example.com".into());
        assert_eq!(a.known_names().verified_email, Some("ada@example.com"));
        a.email_verified = false;
        assert_eq!(a.known_names().verified_email, None);
    }

    #[test]
    fn label_prefers_the_email() {
        let mut a = actor(Role::Viewer);
        assert_eq!(a.label(), "Ada");
        a.email = Some("ada@example.com".into());
        assert_eq!(a.label(), "ada@example.com");
    }
}
