//! `/settings`: the running configuration, for admins (secrets never shown).

use crate::api::{get_settings, NotificationsView, SettingsView};
use crate::components::loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_settings());
    view! {
        <Title text="Settings" />
        <h1>"Settings"</h1>
        <p class="lead">"What this server runs with. Change them with the flags or environment variables listed by "<code>"signoff serve --help"</code>"."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                loaded(settings.await, |settings| view! { <SettingsList settings /> })
            })}
        </Suspense>
    }
}

#[component]
fn SettingsList(settings: SettingsView) -> impl IntoView {
    let roles = settings
        .role_map
        .into_iter()
        .map(|(group, role)| view! { <li><code>{group}</code> " → " {role}</li> })
        .collect_view();
    let policy = match settings.policy {
        Some(file) => {
            let rules = file
                .rules
                .into_iter()
                .map(|(name, rule)| view! { <li><strong>{name}</strong> ": " {rule}</li> })
                .collect_view();
            view! {
                <p>
                    "From " <code>{file.file}</code> " (version " <code>{file.version}</code>
                    "). The first rule that covers a request applies; a request may tighten it, never loosen it; a request no rule covers is rejected at intake."
                </p>
                <ol class="policy-rules">{rules}</ol>
            }
            .into_any()
        }
        None => view! {
            <p class="notice warn">
                "No policy file (" <code>"--config"</code> "): each request sets its own rules. Its "
                <code>"requiredApprovals"</code> ", " <code>"reviewerGroup"</code> " and "
                <code>"requestedBy"</code> " come from the workflow's input, so whoever starts an execution chooses them."
            </p>
        }
        .into_any(),
    };
    let username_claims = settings.username_claims.join(", ");
    let buckets = match settings.artefact_buckets {
        Some(buckets) => view! {
            <p>"Signoff opens artefacts only in "
                {buckets.into_iter().map(|b| view! { <code>{b}</code> " " }).collect_view()}
                "(" <code>"--artefact-buckets"</code> "); intake refuses requests naming any other "
                <code>"s3://"</code> " object."</p>
        }
        .into_any(),
        None => view! {
            <p class="notice warn">
                "No " <code>"--artefact-buckets"</code> ": any bucket Signoff's role can read is open. "
                "Whoever can send a review request can have Signoff link and preview any object that role may read."
            </p>
        }
        .into_any(),
    };
    let notifications = notifications_section(settings.notifications);
    view! {
        <section class="panel" aria-labelledby="policy-h">
            <h2 id="policy-h">"Approval policy"</h2>
            {policy}
        </section>
        <section class="panel" aria-labelledby="buckets-h">
            <h2 id="buckets-h">"Artefact buckets"</h2>
            {buckets}
        </section>
        <section class="panel" aria-labelledby="notify-h">
            <h2 id="notify-h">"Notifications"</h2>
            {notifications}
        </section>
        <section class="panel">
            <dl class="facts">
                <dt>"Public URL"</dt><dd><code>{settings.public_url}</code></dd>
                <dt>"OpenID provider"</dt><dd><code>{settings.oidc_issuer}</code></dd>
                <dt>"Client id"</dt><dd><code>{settings.oidc_client_id}</code></dd>
                <dt>"Groups claim"</dt><dd><code>{settings.groups_claim}</code></dd>
                <dt>"Requester compared with"</dt>
                <dd>"subject, verified e-mail, and " <code>{username_claims}</code></dd>
                <dt>"Roles"</dt><dd><ul class="plain">{roles}</ul></dd>
                <dt>"Sessions"</dt>
                <dd>{format!("end after {} min idle, {} h at most", settings.session_idle_minutes, settings.session_max_hours)}</dd>
                <dt>"Intake queue"</dt>
                <dd>{settings.intake_queue_url.map(|u| view! { <code>{u}</code> }.into_any()).unwrap_or_else(|| "not polling".into_any())}</dd>
                <dt>"AWS"</dt>
                <dd>{settings.aws_endpoint.map(|e| format!("emulator at {e}")).unwrap_or_else(|| "real AWS (standard credential chain)".into())}</dd>
                <dt>"Artefact links"</dt>
                <dd>{format!("presigned for {} min", settings.artefact_link_minutes)}</dd>
                <dt>"Database"</dt><dd><code>{settings.database}</code></dd>
            </dl>
        </section>
    }
}

/// The routes (or a warning that nobody is told), the schedule, the
/// channels and whether Slack's buttons decide.
fn notifications_section(notifications: NotificationsView) -> impl IntoView {
    let routes = if notifications.routes.is_empty() {
        view! {
            <p class="notice warn">
                "No " <code>"[[notify.route]]"</code> " in the configuration: nobody is told a review is waiting."
            </p>
        }
        .into_any()
    } else {
        let routes = notifications
            .routes
            .into_iter()
            .map(|(name, route)| view! { <li><strong>{name}</strong> ": " {route}</li> })
            .collect_view();
        view! { <ul class="policy-rules">{routes}</ul> }.into_any()
    };
    let channels = if notifications.channels.is_empty() {
        "none but SNS and webhooks (no Slack bot token, no SMTP server)".into_any()
    } else {
        view! {
            <ul class="plain">
                {notifications.channels.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {routes}
        <dl class="facts">
            <dt>"Schedule"</dt><dd>{notifications.schedule}</dd>
            <dt>"Requesters"</dt>
            <dd>{if notifications.requesters_told { "told the outcome by e-mail" } else { "not told (no SMTP server, or notify_requester = false)" }}</dd>
            <dt>"Channels"</dt><dd>{channels}</dd>
            <dt>"Deciding from Slack"</dt>
            <dd>{if notifications.slack_decisions { "on: the buttons decide, at /slack/interactions" } else { "off (no --slack-signing-secret): Slack's Approve and Reject do not decide" }}</dd>
        </dl>
    }
}
