//! The running configuration as admins see it (never a secret).

use super::{AppError, JsonAnswer};
use leptos::server;
use serde::{Deserialize, Serialize};

/// The running configuration as admins see it (never a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    /// The approval policy file; `None`: each request sets its own rules.
    pub policy: Option<PolicyFileView>,
    /// The ID token claims compared with a review's requester.
    pub username_claims: Vec<String>,
    pub public_url: String,
    pub oidc_issuer: String,
    pub oidc_client_id: String,
    pub groups_claim: String,
    /// `(group, role)` pairs.
    pub role_map: Vec<(String, String)>,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub intake_queue_url: Option<String>,
    /// `None` means real AWS.
    pub aws_endpoint: Option<String>,
    /// How long a presigned artefact link stays valid.
    pub artefact_link_minutes: u64,
    /// The buckets (and key prefixes) whose artefacts Signoff opens;
    /// `None`: any its role can read.
    pub artefact_buckets: Option<Vec<String>>,
    pub notifications: NotificationsView,
    pub database: String,
}

/// Who is told what, and through which channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationsView {
    /// `(name, what it hears and where it sends)`, as configured.
    pub routes: Vec<(String, String)>,
    /// Reminders, escalation and stuck deliveries, in words.
    pub schedule: String,
    /// Whether requesters hear the outcome by e-mail.
    pub requesters_told: bool,
    /// The channels Signoff sends through, without credentials.
    pub channels: Vec<String>,
    /// Whether Slack's buttons decide (`--slack-signing-secret`).
    pub slack_decisions: bool,
}

/// The approval policy file as the settings page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFileView {
    pub file: String,
    /// The file's SHA-256.
    pub version: String,
    /// `(name, what it covers and asks)`, in the order they are tried.
    pub rules: Vec<(String, String)>,
}

/// The running configuration. Admins only.
#[server(endpoint = "settings", output = JsonAnswer)]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use super::guard::{require, respond};
    use crate::domain::actor::Role;
    use leptos::prelude::use_context;
    respond((|| {
        require(Role::Admin)?;
        use_context::<SettingsView>()
            .ok_or_else(|| AppError::internal("settings missing from context"))
    })())
}
