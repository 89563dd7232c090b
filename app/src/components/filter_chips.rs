//! The filters in force, as chips: each a link to the same page without
//! that one filter, and a "Clear filters" link to the page without any
//! (the sort and the view stay; the page cursor always goes, since a new
//! filter starts from the first page). Plain links: they work without
//! JavaScript, and a shared link shows the same chips.

use super::links::query_with;
use leptos::prelude::*;

/// A query-string key that filters a page, and how its chip reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterKey {
    pub key: &'static str,
    pub label: &'static str,
    /// A value that is no filter (what the page shows without it).
    pub default: Option<&'static str>,
    /// A checkbox: the chip shows the label alone.
    pub flag: bool,
}

impl FilterKey {
    /// A filter whose chip reads `label: value`.
    pub const fn text(key: &'static str, label: &'static str) -> Self {
        Self {
            key,
            label,
            default: None,
            flag: false,
        }
    }

    /// A checkbox's filter, whose chip reads `label`.
    pub const fn flag(key: &'static str, label: &'static str) -> Self {
        Self {
            flag: true,
            ..Self::text(key, label)
        }
    }

    /// This filter, but `value` is none (the page's default).
    pub const fn unless(self, value: &'static str) -> Self {
        Self {
            default: Some(value),
            ..self
        }
    }
}

/// One filter in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveFilter {
    /// What the chip says (`Model: churn-model`).
    pub text: String,
    /// The page without this filter.
    pub remove_href: String,
}

/// The filters of `keys` that the query string `search` sets, in the order
/// of `keys`, each with the link that removes it (and the cursor keys
/// `cursor`) from `path`'s query.
pub fn active_filters(
    path: &str,
    search: &str,
    keys: &[FilterKey],
    cursor: &[&str],
) -> Vec<ActiveFilter> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
            .into_owned()
            .collect();
    let mut active = Vec::new();
    for filter in keys {
        for (_, value) in pairs.iter().filter(|(k, _)| k == filter.key) {
            let value = value.trim();
            if value.is_empty() || filter.default == Some(value) {
                continue;
            }
            let text = if filter.flag {
                filter.label.to_owned()
            } else {
                format!("{}: {value}", filter.label)
            };
            let without = without_keys(search, &[filter.key]);
            active.push(ActiveFilter {
                text,
                remove_href: format!("{path}{}", without_keys(&without, cursor)),
            });
        }
    }
    active
}

/// `path` with none of the filters of `keys` nor the cursor keys.
pub fn clear_href(path: &str, search: &str, keys: &[FilterKey], cursor: &[&str]) -> String {
    let names: Vec<&str> = keys
        .iter()
        .map(|k| k.key)
        .chain(cursor.iter().copied())
        .collect();
    format!("{path}{}", without_keys(search, &names))
}

fn without_keys(search: &str, keys: &[&str]) -> String {
    keys.iter()
        .fold(search.to_owned(), |rest, key| query_with(&rest, key, None))
}

/// The chips and the clear link; nothing when no filter is in force.
#[component]
pub fn ActiveFilters(
    /// The page's path (`/`, `/audit`).
    path: &'static str,
    /// The page's query string.
    search: String,
    keys: &'static [FilterKey],
    /// Keys of the page cursor, dropped from every link.
    cursor: &'static [&'static str],
) -> impl IntoView {
    let active = active_filters(path, &search, keys, cursor);
    if active.is_empty() {
        return ().into_any();
    }
    let clear = clear_href(path, &search, keys, cursor);
    view! {
        <div class="active-filters" role="group" aria-label="Filters in force">
            <ul class="filter-chips">
                {active.into_iter().map(|filter| {
                    let label = format!("Remove the filter {}", filter.text);
                    view! {
                    <li>
                        <a class="filter-chip" aria-label=label href=filter.remove_href>
                            {filter.text} <span aria-hidden="true">" ×"</span>
                        </a>
                    </li>
                    }
                }).collect_view()}
            </ul>
            <a class="clear-filters" href=clear>"Clear filters"</a>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[FilterKey] = &[
        FilterKey::text("q", "Search"),
        FilterKey::text("model", "Model"),
        FilterKey::text("status", "Status").unless("pending"),
        FilterKey::flag("failing", "Failing thresholds only"),
    ];

    #[test]
    fn each_chip_removes_its_own_filter_and_keeps_the_rest() {
        let search = "?model=churn+model&sort=newest&q=fraud&failing=1&after=3.x&status=pending";
        let chips = active_filters("/", search, KEYS, &["after"]);
        let texts: Vec<&str> = chips.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Search: fraud",
                "Model: churn model",
                "Failing thresholds only"
            ],
            "in the order of the keys; the default status is no filter"
        );
        assert_eq!(
            chips[0].remove_href,
            "/?model=churn%20model&sort=newest&failing=1&status=pending"
        );
        assert_eq!(
            chips[1].remove_href,
            "/?sort=newest&q=fraud&failing=1&status=pending"
        );
        assert_eq!(
            chips[2].remove_href,
            "/?model=churn%20model&sort=newest&q=fraud&status=pending"
        );
    }

    #[test]
    fn clearing_keeps_the_sort_and_drops_the_cursor() {
        let search = "?model=churn&sort=newest&q=fraud&after=3.x";
        assert_eq!(clear_href("/", search, KEYS, &["after"]), "/?sort=newest");
        assert_eq!(clear_href("/audit", "?model=x", KEYS, &[]), "/audit");
    }

    #[test]
    fn no_filter_no_chip() {
        assert!(active_filters("/", "", KEYS, &[]).is_empty());
        assert!(active_filters("/", "?q=&status=pending&sort=newest", KEYS, &[]).is_empty());
    }
}
