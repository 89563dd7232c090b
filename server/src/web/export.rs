//! `GET /audit/export.csv` and `/audit/export.jsonl`: the audit log as the
//! `/audit` page filters it, for leads and admins, streamed a page at a time
//! (newest first) so an export of a million entries never sits in memory.
//! JSON lines keep both hashes: `signoff audit verify-export` checks them.
//! CSV cells that a spreadsheet would run as formulas are neutralised
//! ([`super::audit_csv`]).
//! An export stops (as a broken transfer) when its session ends.

use super::audit_csv;
use crate::auth::SessionWatch;
use app::domain::actor::{Actor, Role};
use app::domain::audit_export::jsonl_line;
use app::domain::audit_filter::AuditFilter;
use app::domain::time::day_start_ms;
use app::ssr::Services;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

/// Entries fetched per chunk of the stream.
const CHUNK: u32 = 1_000;

pub fn router(services: Services) -> Router {
    Router::new()
        .route("/audit/{file}", get(export))
        .with_state(services)
}

#[derive(Deserialize, Default)]
struct ExportQuery {
    actor: Option<String>,
    action: Option<String>,
    model: Option<String>,
    text: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl ExportQuery {
    fn filter(self) -> AuditFilter {
        let blank_is_none = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        AuditFilter {
            actor: blank_is_none(self.actor),
            action: blank_is_none(self.action),
            review_id: None,
            model: blank_is_none(self.model),
            text: blank_is_none(self.text),
            from_ms: self.from.as_deref().and_then(day_start_ms),
            to_ms: self
                .to
                .as_deref()
                .and_then(day_start_ms)
                .map(|ms| ms + 86_400_000),
        }
    }
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    JsonLines,
}

async fn export(
    State(services): State<Services>,
    Path(file): Path<String>,
    actor: Option<Extension<Actor>>,
    watch: Option<Extension<SessionWatch>>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let (format, content_type) = match file.as_str() {
        "export.csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "export.jsonl" => (Format::JsonLines, "application/jsonl; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match actor {
        Some(Extension(actor)) if actor.has_role(Role::Lead) => {}
        Some(_) => {
            return (
                StatusCode::FORBIDDEN,
                "The audit log is for leads and admins.",
            )
                .into_response()
        }
        None => return (StatusCode::UNAUTHORIZED, "Sign in to continue.").into_response(),
    }
    let Some(Extension(watch)) = watch else {
        return (StatusCode::UNAUTHORIZED, "Sign in to continue.").into_response();
    };
    let filter = query.filter();
    let header_chunk = match format {
        Format::Csv => Some(
            audit_csv::header()
                .map(Bytes::from)
                .map_err(std::io::Error::other),
        ),
        Format::JsonLines => None,
    };
    let pages = futures::stream::unfold(Some(None), move |cursor: Option<Option<i64>>| {
        let (services, filter, watch) = (services.clone(), filter.clone(), watch.clone());
        async move {
            let before = cursor?;
            // An export outlives many requests' worth of time: it stops
            // when its session ends, and stops as a broken transfer, so a
            // cut export is never taken for a whole one.
            if !watch.alive().await {
                tracing::info!("audit export stopped: its session ended");
                return Some((Err(std::io::Error::other("the session ended")), None));
            }
            match services.store.audit_entries(&filter, before, CHUNK).await {
                Ok(entries) if entries.is_empty() => None,
                Ok(entries) => {
                    let next =
                        (entries.len() == CHUNK as usize).then(|| entries.last().map(|e| e.id));
                    let chunk = match format {
                        Format::Csv => audit_csv::rows(&entries).map_err(std::io::Error::other),
                        Format::JsonLines => Ok(entries
                            .iter()
                            .map(jsonl_line)
                            .collect::<String>()
                            .into_bytes()),
                    };
                    Some((chunk.map(Bytes::from), next.flatten().map(Some)))
                }
                Err(error) => {
                    tracing::error!("audit export failed: {error}");
                    Some((Err(std::io::Error::other("the export failed")), None))
                }
            }
        }
    });
    let stream = futures::StreamExt::chain(futures::stream::iter(header_chunk), pages);
    let name = match format {
        Format::Csv => "signoff-audit.csv",
        Format::JsonLines => "signoff-audit.jsonl",
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
