//! Intake messages that could not be accepted, for admins.

use super::{AppError, JsonAnswer};
use crate::domain::rejected_intake::RejectedIntake;
use leptos::server;

/// Intake messages that could not be accepted, newest first. Admins only.
#[server(endpoint = "rejected_intake", output = JsonAnswer)]
pub async fn list_rejected_intake() -> Result<Vec<RejectedIntake>, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Admin)?;
            services()?
                .rejected_intake()
                .await
                .map_err(AppError::internal)
        }
        .await,
    )
}
