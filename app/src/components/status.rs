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
    let (class, text) = delivery_badge(&delivery);
    view! {
        <p class="delivery" data-state=delivery.state.as_str()>
            <span class=class>{text}</span>
            {delivery.last_error.filter(|_| delivery.state != DeliveryState::Delivered).map(|error| view! { <span class="hint">" Last error: " {error}</span> })}
        </p>
    }
}

/// The badge's class and words. A queued delivery with no error yet has
/// failed no attempt: its first may still be under way (the decider stops
/// waiting for it after a second).
fn delivery_badge(delivery: &DeliveryView) -> (&'static str, String) {
    match delivery.state {
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
        DeliveryState::Queued if delivery.last_error.is_none() => (
            "badge delivery-queued",
            "Queued for delivery to Step Functions".to_owned(),
        ),
        DeliveryState::Queued => (
            "badge delivery-queued",
            format!("Retrying delivery (attempt {} failed)", delivery.attempts),
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(attempts: u32, last_error: Option<&str>) -> DeliveryView {
        DeliveryView {
            state: DeliveryState::Queued,
            attempts,
            last_error: last_error.map(str::to_owned),
            updated_at_ms: 0,
        }
    }

    #[test]
    fn a_first_attempt_still_under_way_reads_as_queued_not_failed() {
        assert_eq!(
            delivery_badge(&queued(1, None)).1,
            "Queued for delivery to Step Functions"
        );
        assert_eq!(
            delivery_badge(&queued(0, None)).1,
            "Queued for delivery to Step Functions"
        );
        assert_eq!(
            delivery_badge(&queued(2, Some("timed out"))).1,
            "Retrying delivery (attempt 2 failed)"
        );
    }
}
