//! Signoff's application crate: the pure review domain, the server-function
//! surface, the Leptos UI, and (feature `ssr`) the ports and services that the
//! `server` crate implements and wires.
//!
//! Built twice: natively with `ssr` (linked into the server) and for WASM with
//! `hydrate` (the browser bundle). Nothing in here may depend on `server`.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

/// Entry point of the WASM bundle, called before Leptos's island script
/// hydrates each island on the page (`#[island]` components export one
/// function each for it).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Lets browser tests (and curious people) see that the page is live. The
    // island script walks the page in promise callbacks right after this
    // returns; a task queued now runs once that walk has finished.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
            {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
