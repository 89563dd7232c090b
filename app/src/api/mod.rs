//! The server-function surface: what the browser may ask the server for,
//! a module per feature, each server function beside the types it answers
//! with (what the browser receives: none can hold a task token).
//!
//! Each function is short: check who is asking and their role, call a
//! service, turn its result into page data, map the error. None trusts the
//! client for identity, role or state; none changes state on GET (server
//! functions are POSTs).

mod artefacts;
mod audit;
mod bulk;
mod codec;
mod decisions;
mod error;
#[cfg(feature = "ssr")]
mod guard;
mod notifications;
mod overview;
mod queue;
mod rejected_intake;
mod review;
mod session;
mod settings;

pub use artefacts::*;
pub use audit::*;
pub use bulk::*;
pub use codec::JsonAnswer;
pub use decisions::*;
pub use error::AppError;
pub use notifications::*;
pub use overview::*;
pub use queue::*;
pub use rejected_intake::*;
pub use review::*;
pub use session::*;
pub use settings::*;

/// Server functions that answer without a session; every other one answers
/// 401 to an anonymous caller (a server test proves it for each).
pub const PUBLIC_SERVER_FUNCTIONS: [&str; 1] = ["/api/me"];

/// Path and method of every registered server function.
#[cfg(feature = "ssr")]
pub fn server_function_paths() -> Vec<(String, String)> {
    server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method.to_string()))
        .collect()
}
