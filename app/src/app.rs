//! The HTML shell, the top-level component and the routes.

use crate::api::current_user;
use crate::domain::actor::Role;
use crate::pages::{
    AuditLogPage, BareBenchPage, NotificationsPage, OverviewPage, QueuePage, RejectedIntakePage,
    ReviewPage, SettingsPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
};

/// The document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href="/pkg/signoff.css" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Signoff") />
        <Router>
            <TopBar />
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=QueuePage />
                    // The review's title is known only once it is loaded, and
                    // nothing in the browser sets it later: render the whole
                    // page before sending it. (PartiallyBlocked with a blocking
                    // resource left the title out of the head now and then.)
                    <Route path=path!("/reviews/:id") view=ReviewPage ssr=SsrMode::Async />
                    <Route path=path!("/intake/rejected") view=RejectedIntakePage />
                    <Route path=path!("/notifications") view=NotificationsPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    // Whole before it is sent: the filters, the chips and the
                    // exports come with the entries (a refusal comes alone),
                    // in the HTML itself, JavaScript or not, under the status
                    // the answer earned (403, 422).
                    <Route path=path!("/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/overview") view=OverviewPage />
                    <Route path=path!("/bench/bare") view=BareBenchPage />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the queue"</a></p>
    }
}

/// Brand, the pages this person may open, who they are and sign-out (a
/// plain form: signing out is a POST, never a link a crawler could follow).
#[component]
fn TopBar() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Signoff"</a>
            <Suspense fallback=|| view! { <nav aria-label="Main"><A href="/">"Queue"</A></nav> }>
                {move || Suspend::new(async move {
                    let user = user.await.ok().flatten();
                    let admin = user.as_ref().is_some_and(|u| u.role >= Role::Admin);
                    let lead = user.as_ref().is_some_and(|u| u.role >= Role::Lead);
                    view! {
                        <nav aria-label="Main">
                            <A href="/">"Queue"</A>
                            {lead.then(|| view! { <A href="/overview">"Overview"</A> <A href="/audit">"Audit log"</A> })}
                            {admin.then(|| view! {
                                <A href="/intake/rejected">"Rejected intake"</A>
                                <A href="/notifications">"Notifications"</A>
                                <A href="/settings">"Settings"</A>
                            })}
                        </nav>
                        {user.map(|user| view! {
                            <div class="user">
                                <span class="who" title=user.email.clone().unwrap_or_default()>{user.name}</span>
                                <span class="badge role">{user.role.as_str()}</span>
                                <form method="post" action="/auth/logout">
                                    <button type="submit" class="link-button">"Sign out"</button>
                                </form>
                            </div>
                        })}
                    }
                })}
            </Suspense>
        </header>
    }
}
