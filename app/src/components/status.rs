//! Badges for a review's status, its delivery and its workflow execution.

use crate::api::{DeliveryView, ExecutionView};
use crate::domain::review::{DeliveryState, ReviewStatus};
use leptos::prelude::*;

#[component]
pub fn StatusBadge(status: ReviewStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.as_str())>{status.label()}</span> }
}

/// Whether the decision has reached Step Functions.
#[component]
pub fn DeliveryBadge(delivery: DeliveryView) -> impl IntoView {
    let (class, text) = match delivery.state {
        DeliveryState::Delivered => (
            "badge delivery-delivered",
            "Delivered to Step Functions".to_owned(),
        ),
        DeliveryState::Closed => (
            "badge delivery-closed",
            "Not delivered: the task was already closed".to_owned(),
        ),
        DeliveryState::Failed => (
            "badge delivery-failed",
            "Not delivered: Step Functions refused the answer (not retried)".to_owned(),
        ),
        DeliveryState::Queued if delivery.attempts == 0 => (
            "badge delivery-queued",
            "Queued for Step Functions".to_owned(),
        ),
        DeliveryState::Queued => (
            "badge delivery-queued",
            format!("Retrying delivery (attempt {} failed)", delivery.attempts),
        ),
    };
    view! {
        <p class="delivery" data-state=delivery.state.as_str()>
            <span class=class>{text}</span>
            {delivery.last_error.filter(|_| delivery.state != DeliveryState::Delivered).map(|error| view! { <span class="hint">" Last error: " {error}</span> })}
        </p>
    }
}

#[component]
pub fn ExecutionBadge(execution: ExecutionView) -> impl IntoView {
    let class = format!("badge execution-{}", execution.status.to_ascii_lowercase());
    view! {
        <p class="execution">
            "Workflow execution: " <span class=class data-testid="execution-status">{execution.status}</span>
            {execution.error.map(|error| view! { <span class="hint">" " {error}</span> })}
        </p>
    }
}
