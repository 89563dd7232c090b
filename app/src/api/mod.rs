//! The server-function surface: what the browser may ask the server for.
//!
//! Each function is short: check who is asking and their role, call a
//! service, map the error. None trusts the client for identity, role or
//! state; none changes state on GET (server functions are POSTs).

mod error;
#[cfg(feature = "ssr")]
mod guard;
mod intake;
mod reviews;
mod views;

pub use error::AppError;
pub use intake::*;
pub use reviews::*;
pub use views::*;
