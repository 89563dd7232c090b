//! `/settings`: the running configuration, for admins (secrets never shown).

use crate::api::{get_settings, SettingsView};
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
    view! {
        <section class="panel">
            <dl class="facts">
                <dt>"Public URL"</dt><dd><code>{settings.public_url}</code></dd>
                <dt>"OpenID provider"</dt><dd><code>{settings.oidc_issuer}</code></dd>
                <dt>"Client id"</dt><dd><code>{settings.oidc_client_id}</code></dd>
                <dt>"Groups claim"</dt><dd><code>{settings.groups_claim}</code></dd>
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
