//! Background workers started with the server.

pub mod clock;
pub mod delivery;
