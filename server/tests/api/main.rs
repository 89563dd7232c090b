//! Integration tests: the real server (a SQLite file or a PostgreSQL
//! database: see [`engine`]; SQS poller, delivery
//! worker, HTTP) against the AWS emulator with real state machine execution,
//! using the state machine definition that ships in deploy/, and the
//! notification channels against a real SMTP server.
//! Run through `cargo xtask test`, which starts the emulator and the SMTP server.

mod access;
mod artefacts;
mod audit;
mod bench_page;
mod bulk;
mod channels;
mod chat_updates;
mod decisions;
mod edge;
mod engine;
mod execution_status;
mod faults;
mod helpers;
mod http;
mod identity;
mod intake;
mod key_rotation;
mod live;
mod logs;
mod notifications;
mod notifications_page;
mod notify_faults;
mod overview;
mod people;
mod policy;
mod probe;
mod queue;
mod recorder;
mod refusals;
mod replica_faults;
mod server_functions;
mod signin;
mod slack;
mod slack_decisions;
mod sqlite_only;
mod supervision;
mod workflow;
