//! The one error type the UI sees. Internal failures are logged on the
//! server with a reference id and reach the browser as that id only.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Sign in to continue.")]
    Unauthenticated,
    /// Signed in, but not allowed; the text says why.
    #[error("{0}")]
    Forbidden(String),
    #[error("Not found.")]
    NotFound,
    /// A rule refused the request; the text says which and why.
    #[error("{0}")]
    Refused(String),
    /// The request itself was malformed.
    #[error("{0}")]
    Invalid(String),
    #[error("Something went wrong on our side (reference {reference}).")]
    Internal { reference: String },
    /// The request did not reach the server or its answer did not come back.
    #[error("Could not reach Signoff: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Refused(_) => 409,
            AppError::Invalid(_) => 422,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }

    /// Logs an internal failure under a fresh reference id and returns the
    /// error the user sees, which carries only that id.
    #[cfg(feature = "ssr")]
    pub fn internal(error: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        tracing::error!(%reference, "internal error: {error}");
        AppError::Internal { reference }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::Invalid(message)
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_http_statuses() {
        assert_eq!(AppError::Unauthenticated.status_code(), 401);
        assert_eq!(AppError::Refused("x".into()).status_code(), 409);
        assert_eq!(AppError::Invalid("x".into()).status_code(), 422);
    }

    #[test]
    fn internal_errors_show_only_a_reference() {
        let e = AppError::Internal {
            reference: "abc123".into(),
        };
        assert_eq!(
            e.to_string(),
            "Something went wrong on our side (reference abc123)."
        );
    }
}
