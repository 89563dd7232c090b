//! The models and reviewer groups reviews have named, as the datalists the
//! filters' inputs offer (`known-models`, `known-groups`): typing picks
//! from what exists, and the server matches in any case.

use crate::api::filter_values;
use leptos::prelude::*;

/// The two datalists (empty while the values load or if they cannot be).
#[component]
pub fn KnownValueLists() -> impl IntoView {
    let known = Resource::new(|| (), |_| filter_values());
    let options = |values: Vec<String>| {
        values
            .into_iter()
            .map(|v| view! { <option value=v></option> })
            .collect_view()
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let known = known.await.unwrap_or_default();
                view! {
                    <datalist id="known-models">{options(known.models)}</datalist>
                    <datalist id="known-groups">{options(known.groups)}</datalist>
                }
            })}
        </Suspense>
    }
}
