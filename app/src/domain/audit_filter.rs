//! Which audit entries a lead asks for: the audit page, its exports and
//! the store's audit query all read the same filter, parsed here from the
//! page's query string (so a filtered view is a link) and checked, so the
//! store only ever sees a valid filter and a person sees which part was
//! wrong.

use super::audit_action::Action;
use super::filter_value::limited;
use super::string_enum::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Which kinds of entries a view of the log lists, before any other
    /// filter narrows it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AuditView {
        /// Every entry.
        #[default]
        All => "all",
        /// What happened to reviews and to Signoff: everything but people
        /// looking (views, artefact links) and signing in or out. The
        /// page's default, so a day's decisions are not lost among views.
        Activity => "activity",
        /// Approvals (partial ones too) and rejections only.
        Decisions => "decisions",
    }
}

impl AuditView {
    /// How the view reads on the page.
    pub fn label(self) -> &'static str {
        match self {
            AuditView::All => "Everything",
            AuditView::Activity => "Review activity",
            AuditView::Decisions => "Decisions only",
        }
    }

    /// Whether an entry of `action` (its stored text) is in this view.
    /// Text Signoff does not write (an imported entry) is activity.
    pub fn includes(self, action: &str) -> bool {
        let known = Action::parse(action);
        match self {
            AuditView::All => true,
            AuditView::Activity => !known.is_some_and(Action::is_looking_or_signing_in),
            AuditView::Decisions => known.is_some_and(Action::is_decision),
        }
    }
}

/// The view the audit page shows when its link names none.
pub const DEFAULT_VIEW: AuditView = AuditView::Activity;

/// Which audit entries to list; every field narrows, none means all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Which kinds of entries (the store's default: all of them).
    pub view: AuditView,
    /// Part of the actor's label (email or name), or `system`.
    pub actor: Option<String>,
    /// The action exactly (`rejected`, `viewed`, …); `approved` also
    /// lists partial approvals (`approval 1 of 2`).
    pub action: Option<String>,
    pub review_id: Option<String>,
    /// The reviewed model's name, in any case.
    pub model: Option<String>,
    /// Words of the detail text, each of which must appear in it.
    pub text: Option<String>,
    /// From this time on, epoch ms.
    pub from_ms: Option<i64>,
    /// Before this time, epoch ms.
    pub to_ms: Option<i64>,
}

/// One page of the audit log, as a link asks for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    /// Entries older than this id (the next page's cursor).
    pub before_id: Option<i64>,
}

/// The query-string keys that filter the audit log (the page cursor and
/// the view preset are not filters a chip removes).
pub const AUDIT_FILTER_KEYS: [&str; 6] = ["actor", "action", "model", "text", "from", "to"];

/// Reads the audit page's query string (`view`, `actor`, `action`,
/// `model`, `text`, `from`, `to` as `YYYY-MM-DD` days in UTC, `before_id`).
/// Empty values mean "any"; unknown keys are ignored; a bad value is an
/// error that names it. A named action lists every entry of it, whatever
/// the view.
pub fn parse_audit_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<AuditQuery, String> {
    let mut query = AuditQuery::default();
    query.filter.view = DEFAULT_VIEW;
    let (mut from, mut to) = (None, None);
    for (key, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let filter = &mut query.filter;
        match key {
            "view" => {
                filter.view = AuditView::parse(value)
                    .ok_or_else(|| format!("view {value:?}: use activity, decisions or all"))?
            }
            "actor" => filter.actor = Some(limited(value, "person")?),
            "action" => filter.action = Some(limited(value, "action")?),
            "model" => filter.model = Some(limited(value, "model")?),
            "text" => filter.text = Some(limited(value, "text")?),
            "from" => {
                from = Some(value);
                filter.from_ms = Some(day_start(value, "from")?);
            }
            "to" => {
                to = Some(value);
                // "To" includes the whole day.
                filter.to_ms = Some(day_start(value, "to")? + DAY_MS);
            }
            "before_id" => {
                query.before_id = Some(value.parse().map_err(|_| {
                    "the page link is not valid; start from the first page".to_owned()
                })?)
            }
            _ => {}
        }
    }
    if let (Some(from_ms), Some(to_ms)) = (query.filter.from_ms, query.filter.to_ms) {
        if from_ms >= to_ms {
            return Err(format!(
                "the dates are the wrong way round: from {} is after to {}",
                from.unwrap_or_default(),
                to.unwrap_or_default()
            ));
        }
    }
    if query.filter.action.is_some() {
        query.filter.view = AuditView::All;
    }
    Ok(query)
}

const DAY_MS: i64 = 86_400_000;

/// The start of the UTC day `text` (`YYYY-MM-DD`, a real date) in epoch ms.
fn day_start(text: &str, what: &str) -> Result<i64, String> {
    let well_formed = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    let day = well_formed
        .then(|| super::time::day_start_ms(text))
        .flatten();
    day.ok_or_else(|| {
        format!("{what} {text:?} is not a date: use YYYY-MM-DD with a day the month has")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&'static str, &'static str)]) -> Result<AuditQuery, String> {
        parse_audit_query(query.iter().copied())
    }

    #[test]
    fn no_parameters_mean_review_activity_newest_first() {
        let query = parse(&[]).unwrap();
        assert_eq!(query.filter.view, AuditView::Activity);
        assert_eq!(
            query.filter,
            AuditFilter {
                view: AuditView::Activity,
                ..AuditFilter::default()
            }
        );
        assert_eq!(query.before_id, None);
    }

    #[test]
    fn every_filter_is_read_and_days_cover_the_whole_of_to() {
        let query = parse(&[
            ("view", "decisions"),
            ("actor", " ada "),
            ("model", "Fraud-Detector"),
            ("text", "too high"),
            ("from", "2026-02-01"),
            ("to", "2026-02-28"),
            ("before_id", "42"),
            ("utm_source", "mail"),
        ])
        .unwrap();
        let f = &query.filter;
        assert_eq!(f.view, AuditView::Decisions);
        assert_eq!(f.actor.as_deref(), Some("ada"));
        assert_eq!(f.model.as_deref(), Some("Fraud-Detector"));
        assert_eq!(f.text.as_deref(), Some("too high"));
        assert_eq!(f.from_ms, Some(1_769_904_000_000));
        assert_eq!(f.to_ms, Some(1_772_323_200_000), "the start of 1 March");
        assert_eq!(query.before_id, Some(42));
    }

    #[test]
    fn impossible_dates_are_refused_by_name() {
        for (key, day) in [
            ("from", "2026-02-31"),
            ("to", "2026-13-01"),
            ("from", "2026-2-3"),
            ("to", "yesterday"),
            ("from", "+2026-02-01"),
        ] {
            let error = parse(&[(key, day)]).unwrap_err();
            assert!(
                error.contains(key) && error.contains(day) && error.contains("not a date"),
                "{error}"
            );
        }
        let backwards = parse(&[("from", "2026-03-02"), ("to", "2026-03-01")]).unwrap_err();
        assert!(backwards.contains("wrong way round"), "{backwards}");
        assert!(parse(&[("from", "2026-03-01"), ("to", "2026-03-01")]).is_ok());
    }

    #[test]
    fn bad_values_are_named() {
        assert!(parse(&[("view", "views")]).unwrap_err().contains("views"));
        assert!(parse(&[("before_id", "x")]).is_err());
        let long: &'static str = Box::leak("x".repeat(201).into_boxed_str());
        assert!(parse(&[("text", long)]).unwrap_err().contains("longer"));
    }

    #[test]
    fn a_named_action_is_listed_whatever_the_view() {
        let query = parse(&[("action", "signed in")]).unwrap();
        assert_eq!(query.filter.view, AuditView::All);
        assert_eq!(query.filter.action.as_deref(), Some("signed in"));
    }

    #[test]
    fn views_sort_actions() {
        let partial = Action::PartialApproval { have: 1, need: 2 }.to_string();
        for action in ["approved", "rejected", partial.as_str()] {
            assert!(AuditView::Decisions.includes(action), "{action}");
            assert!(AuditView::Activity.includes(action), "{action}");
        }
        for action in ["viewed", "artefact link issued", "signed in", "signed out"] {
            assert!(!AuditView::Activity.includes(action), "{action}");
            assert!(!AuditView::Decisions.includes(action), "{action}");
            assert!(AuditView::All.includes(action), "{action}");
        }
        assert!(AuditView::Activity.includes("delivered"));
        assert!(!AuditView::Decisions.includes("delivered"));
        assert!(AuditView::Activity.includes("an imported action"));
    }
}
