//! View pieces shared by the pages.

mod artefact_list;
mod bulk_plan;
mod clock;
mod decide_dialog;
mod decision_panel;
mod error_notice;
mod filter_chips;
mod history;
mod known_values;
mod links;
mod live;
mod metrics_table;
mod overview_charts;
mod shortcuts;
mod status;

#[cfg(feature = "ssr")]
pub use artefact_list::preview_html;
pub use artefact_list::ArtefactList;
pub use clock::use_ticking_now;
pub use decide_dialog::{DecideDialog, DecideRequest};
pub use decision_panel::DecisionPanel;
pub use error_notice::{loaded, ErrorNotice};
pub use filter_chips::{active_filters, clear_href, ActiveFilter, ActiveFilters, FilterKey};
pub use history::History;
pub use known_values::KnownValueLists;
pub use links::{query_has, query_value, query_with};
pub use live::{use_review_changes, Heard};
pub use metrics_table::{MetricChip, MetricsTable};
pub use overview_charts::{DecisionsPerDayChart, TimeToDecisionChart, WithinTargetChart};
pub use shortcuts::{
    go_to, use_shortcuts, Shortcut, ShortcutHelp, QUEUE_SHORTCUTS, REVIEW_SHORTCUTS,
};
pub use status::{DeliveryBadge, ExecutionBadge, StatusBadge};
