//! The review domain: plain types and functions with no I/O, compiled for the
//! server and for the browser alike, and unit-tested beside the code.

pub mod access;
pub mod actor;
pub mod artefact;
pub mod audit;
pub mod audit_action;
pub mod audit_checkpoint;
pub mod audit_export;
pub mod audit_filter;
pub mod chart;
pub mod decision;
pub mod execution_status;
pub mod filter_value;
pub mod history;
pub mod identity;
pub mod intake;
pub mod intake_limits;
pub mod metrics;
#[cfg(not(target_arch = "wasm32"))]
pub mod notify;
pub mod output;
pub mod policy;
pub mod queue_query;
pub mod rejected_intake;
pub mod retry;
pub mod review;
#[cfg(not(target_arch = "wasm32"))]
pub mod scrub;
pub mod sla;
pub(crate) mod string_enum;
pub mod time;
pub mod token;
pub mod upstream;
