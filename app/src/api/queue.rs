//! The queue: one page of reviews as filtered and sorted, each row with
//! its key metrics formatted on the server.

use super::{AppError, JsonAnswer};
use crate::domain::intake::Priority;
use crate::domain::metrics::{
    format_delta_with_arrow, format_value, Change, Check, MetricComparison,
};
use crate::domain::standing::RowMark;
use leptos::server;
use serde::{Deserialize, Serialize};

/// One page of the queue, as filtered and sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSnapshot {
    /// The server's clock when the page was built; ages are relative to it.
    pub now_ms: i64,
    pub items: Vec<QueueItem>,
    /// Every review waiting for a decision, whatever the filters.
    pub pending: u64,
    /// Whether the query narrows the default view (all pending reviews).
    pub filtered: bool,
    /// The `after` cursor of the next page; `None` on the last page.
    pub next_after: Option<String>,
    /// Said once above the rows when the person looking decides nothing
    /// (their role).
    #[serde(default)]
    pub role_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: String,
    pub title: String,
    pub model_name: String,
    pub model_version: String,
    /// As the workflow claims it; `None` when its policy let it name nobody.
    pub requested_by: Option<String>,
    /// Who may decide, by the review's policy (besides leads); empty: any reviewer.
    pub reviewer_groups: Vec<String>,
    pub priority: Priority,
    pub received_at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// A few metrics worth a glance: failing ones first
    /// ([`crate::domain::metrics::key_metrics`]).
    pub key_metrics: Vec<MetricChipView>,
    pub failing_thresholds: usize,
    pub approvals: u32,
    pub required_approvals: u32,
    /// Why the person looking cannot act on it, when they cannot.
    #[serde(default)]
    pub mark: Option<RowMark>,
}

/// A metric as a queue row shows it, formatted on the server: the queue's
/// island then needs no number formatting of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricChipView {
    pub name: String,
    /// The value, as the review page's table prints it.
    pub value: String,
    /// Arrow and signed change against baseline (`▲ +0.007`), if there is one.
    pub delta: Option<String>,
    /// Whether the change is for the better, the worse, or of unknown meaning.
    pub change: Change,
    /// Whether the metric fails its threshold.
    pub failing: bool,
}

impl MetricChipView {
    pub fn of(metric: &MetricComparison) -> Self {
        MetricChipView {
            name: metric.name.clone(),
            value: format_value(metric.value),
            delta: metric.delta.map(format_delta_with_arrow),
            change: metric.change(),
            failing: metric.check == Check::Fail,
        }
    }
}

/// One page of the queue. `query` is the queue page's query string
/// (`view`, `q`, `model`, `group`, `priority`, `status`, `failing`, `sort`,
/// `after`); by default (or when left out) the pending reviews, nearest
/// deadline first. Viewers and up; each row is marked for the caller.
#[server(endpoint = "queue", output = JsonAnswer)]
pub async fn list_queue(#[server(default)] query: String) -> Result<QueueSnapshot, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    use crate::domain::queue_query::parse_queue_query;
    respond(
        async {
            let viewer = require(Role::Viewer)?;
            let pairs = crate::domain::filter_value::query_pairs(&query);
            let query = parse_queue_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(AppError::Invalid)?;
            services()?
                .queue(&query, &viewer)
                .await
                .map_err(AppError::internal)
        }
        .await,
    )
}

/// The models and reviewer groups reviews have named, for the filters'
/// pickers (each once, whatever its case, in alphabetical order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnownFilterValues {
    pub models: Vec<String>,
    pub groups: Vec<String>,
}

/// What the queue's and the audit log's pickers offer. Viewers and up.
#[server(endpoint = "filter_values", output = JsonAnswer)]
pub async fn filter_values() -> Result<KnownFilterValues, AppError> {
    use super::guard::{require, respond, services};
    use crate::domain::actor::Role;
    respond(
        async {
            require(Role::Viewer)?;
            let known = services()?
                .known_values()
                .await
                .map_err(AppError::internal)?;
            Ok(KnownFilterValues {
                models: known.models,
                groups: known.groups,
            })
        }
        .await,
    )
}
