//! `/bench/bare`: the benchmark's yardstick. The site's shell (the same
//! document, top bar and stylesheet as every page) around a static table of
//! 50 rows made in memory: no database, no services, no session. Whatever a
//! real page costs beyond it is Signoff's own work; what it costs is the
//! framework's and the machine's of the day. Served only with
//! `--bench-bare-page`; otherwise the path is not found.

use crate::app::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;

/// Rows of the table: a queue page's worth.
pub const BARE_ROWS: usize = 50;

#[component]
pub fn BareBenchPage() -> impl IntoView {
    if !enabled() {
        return view! { <NotFound /> }.into_any();
    }
    let rows = (0..BARE_ROWS)
        .map(|n| {
            view! {
                <tr>
                    <td><a href="/bench/bare">{format!("Bare row {n:02}: promote model-{:02} v{n}", n % 7)}</a></td>
                    <td>"production"</td>
                    <td class="num">{format!("0.{:03}", 800 + n)}</td>
                    <td class="num">{format!("{} h", n % 24)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text="Bare page" />
        <h1>"Bare page"</h1>
        <table class="queue">
            <thead>
                <tr>
                    <th scope="col">"Review"</th>
                    <th scope="col">"Stage"</th>
                    <th scope="col">"AUC"</th>
                    <th scope="col">"Due"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[cfg(feature = "ssr")]
fn enabled() -> bool {
    use_context::<crate::ssr::Services>().is_some_and(|s| s.settings.bench_bare_page)
}

/// Never hydrated (not an island): the browser never asks.
#[cfg(not(feature = "ssr"))]
fn enabled() -> bool {
    false
}
