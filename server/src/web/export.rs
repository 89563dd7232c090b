//! `GET /audit/export.csv` and `/audit/export.jsonl`: the audit log as the
//! `/audit` page filters it (the whole log when no view is named), for
//! leads and admins, streamed a page at a time
//! (newest first) so an export of a million entries never sits in memory.
//! JSON lines keep both hashes: `signoff audit verify-export` checks them.
//! CSV cells that a spreadsheet would run as formulas are neutralised
//! ([`super::audit_csv`]).
//! An export stops (as a broken transfer) when its session ends.

use super::audit_csv;
use crate::auth::SessionWatch;
use app::domain::actor::{Actor, Role};
use app::domain::audit_export::jsonl_line;
use app::domain::audit_filter::{parse_audit_query, AuditView};
use app::domain::filter_value::query_pairs;
use app::ssr::Services;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

/// Entries fetched per chunk of the stream.
const CHUNK: u32 = 1_000;

pub fn router(services: Services) -> Router {
    Router::new()
        .route("/audit/{file}", get(export))
        .with_state(services)
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
    RawQuery(query): RawQuery,
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
    // The page's own filters, read by the page's parser: a bad value is
    // refused by name, as the page refuses it. (Its cursor is ignored: an
    // export covers every page.)
    let pairs = query_pairs(&query.unwrap_or_default());
    let mut filter = match parse_audit_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(query) => query.filter,
        Err(why) => return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response(),
    };
    // Asked for no view, an export is of the whole log (the page's links
    // name the view they show), so that a plain export verifies as one run.
    if !pairs
        .iter()
        .any(|(k, v)| k == "view" && !v.trim().is_empty())
    {
        filter.view = AuditView::All;
    }
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
                    let next = (entries.len() == CHUNK as usize)
                        .then(|| entries.last().map(|e| e.entry.id));
                    let chunk = match format {
                        Format::Csv => audit_csv::rows(&entries).map_err(std::io::Error::other),
                        Format::JsonLines => Ok(entries
                            .iter()
                            .map(|listing| jsonl_line(&listing.entry, listing.review.as_ref()))
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
