//! A clock for countdowns: it starts at the server's time of the page (so
//! the server's render and hydration agree) and moves on, in the browser,
//! with the browser's clock.

use leptos::prelude::*;

/// Epoch milliseconds, ticking once a second after hydration.
pub fn use_ticking_now(server_now_ms: i64) -> ReadSignal<i64> {
    let (now, set_now) = signal(server_now_ms);
    #[cfg(feature = "hydrate")]
    {
        let started = js_sys::Date::now();
        let tick = move || set_now.set(server_now_ms + (js_sys::Date::now() - started) as i64);
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_now;
    now
}
