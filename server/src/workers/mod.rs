//! Background workers started with the server, each under [`supervisor`].

pub mod changes;
pub mod clock;
pub mod delivery;
pub mod notify;
pub mod session_sweep;
pub mod supervisor;
