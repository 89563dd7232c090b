//! What the queue page asks for: filters, search, sort and a keyset cursor.
//! Parsed from the page's query string and checked here, so the store only
//! ever sees a valid query and a person sees which part was wrong.

use super::filter_value::limited;
use super::intake::Priority;
use super::review::ReviewStatus;
use super::string_enum::string_enum;
use serde::{Deserialize, Serialize};

/// Reviews a queue page shows.
pub const QUEUE_PAGE: u32 = 50;

string_enum! {
    /// The orders the queue can be read in.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum QueueSort {
        /// Nearest deadline first (reviews without one last).
        #[default]
        Deadline => "deadline",
        /// Most urgent first, then nearest deadline.
        Priority => "priority",
        /// Most recently received first.
        Newest => "newest",
        /// Longest waiting first.
        Oldest => "oldest",
    }
}

impl QueueSort {
    pub fn label(self) -> &'static str {
        match self {
            QueueSort::Deadline => "Deadline",
            QueueSort::Priority => "Priority",
            QueueSort::Newest => "Newest",
            QueueSort::Oldest => "Oldest",
        }
    }

    /// How many sort keys precede the id in this order's cursor.
    fn keys(self) -> usize {
        match self {
            QueueSort::Priority => 2,
            _ => 1,
        }
    }
}

string_enum! {
    /// Whose reviews the queue lists: everyone's, those the person looking
    /// may approve and has not, or those they asked for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum QueueView {
        #[default]
        Everyone => "all",
        /// Pending reviews the person may approve and has not approved yet.
        NeedsMe => "needs-me",
        /// Reviews whose requester is the person looking.
        RequestedByMe => "mine",
    }
}

impl QueueView {
    pub fn label(self) -> &'static str {
        match self {
            QueueView::Everyone => "All reviews",
            QueueView::NeedsMe => "Needs my review",
            QueueView::RequestedByMe => "Requested by me",
        }
    }
}

/// Where the next page starts: the sort keys and id of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCursor {
    pub keys: Vec<i64>,
    pub id: String,
}

impl QueueCursor {
    /// `key.key.id`: short, opaque enough, safe in a URL.
    pub fn encode(&self) -> String {
        let mut parts: Vec<String> = self.keys.iter().map(i64::to_string).collect();
        parts.push(self.id.clone());
        parts.join(".")
    }

    fn decode(text: &str, sort: QueueSort) -> Option<Self> {
        let parts: Vec<&str> = text.split('.').collect();
        let (id, keys) = parts.split_last()?;
        let valid_id = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if keys.len() != sort.keys() || !valid_id {
            return None;
        }
        let keys = keys
            .iter()
            .map(|k| k.parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        Some(Self {
            keys,
            id: (*id).to_owned(),
        })
    }
}

/// One page of the queue, as asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    /// Whose reviews: filtered row by row for the person looking.
    pub view: QueueView,
    pub status: ReviewStatus,
    /// Words (separated by spaces) each of which must appear in the
    /// title, model name or requester, in any case.
    pub search: Option<String>,
    /// The model's whole name, in any case.
    pub model: Option<String>,
    /// The whole reviewer group, in any case.
    pub group: Option<String>,
    pub priority: Option<Priority>,
    /// Only reviews with at least one failing threshold.
    pub failing_only: bool,
    pub sort: QueueSort,
    pub after: Option<QueueCursor>,
    /// Read towards the start: the rows before `after`, nearest first (the
    /// review page's "previous review"; no link asks for it).
    #[serde(default)]
    pub backwards: bool,
}

impl Default for QueueQuery {
    fn default() -> Self {
        Self {
            view: QueueView::Everyone,
            status: ReviewStatus::Pending,
            search: None,
            model: None,
            group: None,
            priority: None,
            failing_only: false,
            sort: QueueSort::default(),
            after: None,
            backwards: false,
        }
    }
}

impl QueueQuery {
    /// Whether anything narrows the default view (pending, all of them).
    pub fn is_filtered(&self) -> bool {
        self.status != ReviewStatus::Pending
            || self.view != QueueView::Everyone
            || self.search.is_some()
            || self.model.is_some()
            || self.group.is_some()
            || self.priority.is_some()
            || self.failing_only
    }
}

/// Reads the queue page's query string (`view`, `q`, `model`, `group`,
/// `priority`, `status`, `failing`, `sort`, `after`). Empty values mean "any"; unknown
/// keys are ignored (links may carry others); a bad value is an error that
/// names it.
pub fn parse_queue_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<QueueQuery, String> {
    let mut query = QueueQuery::default();
    let mut after = None;
    for (key, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key {
            "view" => {
                query.view = QueueView::parse(value)
                    .ok_or_else(|| format!("view {value:?}: use all, needs-me or mine"))?
            }
            "q" => query.search = Some(limited(value, "search")?),
            "model" => query.model = Some(limited(value, "model")?),
            "group" => query.group = Some(limited(value, "group")?),
            "priority" => {
                query.priority = Some(Priority::parse(value).ok_or_else(|| {
                    format!("priority {value:?}: use low, normal, high or urgent")
                })?)
            }
            "status" => {
                query.status = ReviewStatus::parse(value)
                    .ok_or_else(|| format!("status {value:?} is not a review status"))?
            }
            "failing" => query.failing_only = matches!(value, "1" | "true" | "on"),
            "sort" => {
                query.sort = QueueSort::parse(value).ok_or_else(|| {
                    format!("sort {value:?}: use deadline, priority, newest or oldest")
                })?
            }
            "after" => after = Some(value),
            _ => {}
        }
    }
    // The cursor's shape depends on the sort, which may come after it.
    if let Some(text) = after {
        query.after = Some(QueueCursor::decode(text, query.sort).ok_or_else(|| {
            "the page link is not valid for this sort; start from the first page".to_owned()
        })?);
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&'static str, &'static str)]) -> Result<QueueQuery, String> {
        parse_queue_query(query.iter().copied())
    }

    #[test]
    fn no_parameters_mean_every_pending_review_by_deadline() {
        let query = parse(&[]).unwrap();
        assert_eq!(query, QueueQuery::default());
        assert!(!query.is_filtered());
    }

    #[test]
    fn every_filter_is_read() {
        let query = parse(&[
            ("q", " churn "),
            ("model", "churn-model"),
            ("group", "ml-reviewers"),
            ("priority", "urgent"),
            ("status", "expired"),
            ("failing", "1"),
            ("sort", "newest"),
            ("view", "needs-me"),
            ("utm_source", "mail"),
        ])
        .unwrap();
        assert_eq!(query.view, QueueView::NeedsMe);
        assert_eq!(query.search.as_deref(), Some("churn"));
        assert_eq!(query.model.as_deref(), Some("churn-model"));
        assert_eq!(query.group.as_deref(), Some("ml-reviewers"));
        assert_eq!(query.priority, Some(Priority::Urgent));
        assert_eq!(query.status, ReviewStatus::Expired);
        assert!(query.failing_only);
        assert_eq!(query.sort, QueueSort::Newest);
        assert!(query.is_filtered());
    }

    #[test]
    fn bad_values_are_named() {
        assert!(parse(&[("priority", "asap")]).unwrap_err().contains("asap"));
        assert!(parse(&[("status", "done")]).unwrap_err().contains("done"));
        assert!(parse(&[("sort", "random")]).unwrap_err().contains("random"));
        assert!(parse(&[("view", "theirs")]).unwrap_err().contains("theirs"));
        let long = "x".repeat(201);
        let long: &'static str = Box::leak(long.into_boxed_str());
        assert!(parse(&[("q", long)]).unwrap_err().contains("longer"));
    }

    #[test]
    fn cursors_round_trip_and_must_fit_the_sort() {
        let cursor = QueueCursor {
            keys: vec![2, 1_700_000_000_000],
            id: "3f2c-a1".into(),
        };
        let text = cursor.encode();
        assert_eq!(text, "2.1700000000000.3f2c-a1");
        let query = parse(&[
            ("after", &*Box::leak(text.into_boxed_str())),
            ("sort", "priority"),
        ])
        .unwrap();
        assert_eq!(query.after, Some(cursor));
        assert!(parse(&[("after", "2.1700000000000.3f2c-a1")]).is_err());
        assert!(parse(&[("after", "x.abc")]).is_err());
        assert!(parse(&[("after", "5.a'b")]).is_err());
    }
}
