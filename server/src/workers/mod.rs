//! Background workers started with the server.

pub mod changes;
pub mod clock;
pub mod delivery;
pub mod session_sweep;
