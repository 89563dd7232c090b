//! An error from the server, said plainly.

use crate::api::AppError;
use leptos::prelude::*;

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let hint = match &error {
        AppError::NotFound => Some("It may have been removed, or the link is mistyped."),
        AppError::Transport(_) => Some("Check your connection and reload the page."),
        _ => None,
    };
    view! {
        <div class="notice error" role="alert">
            <p>{error.to_string()}</p>
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
        </div>
    }
}

/// A loaded result as a view: `render` for the value, the notice for an error.
pub fn loaded<T, V: IntoView + 'static>(
    result: Result<T, AppError>,
    render: impl FnOnce(T) -> V,
) -> AnyView {
    match result {
        Ok(value) => render(value).into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}
