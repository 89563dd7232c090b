//! The server-function surface: what the browser may ask the server for.
//!
//! Each function is short: check who is asking and their role, call a
//! service, map the error. None trusts the client for identity, role or
//! state; none changes state on GET (server functions are POSTs).

mod codec;
mod error;
#[cfg(feature = "ssr")]
mod guard;
mod intake;
mod reviews;
mod session;
mod views;

pub use codec::JsonAnswer;
pub use error::AppError;
pub use intake::*;
pub use reviews::*;
pub use session::*;
pub use views::*;

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
