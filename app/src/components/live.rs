//! Live pages: the server-sent event stream `/api/events` says which
//! reviews changed; a page refetches what it shows through its usual
//! (guarded) server functions. Nothing but review ids crosses the stream.

use crate::domain::history::ReviewChange;

/// What a page hears from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// These reviews changed (arrived, decided, delivered, closed, expired).
    Changed(Vec<ReviewChange>),
    /// The page fell behind the stream: reload everything shown.
    Resync,
}

/// Calls `on_heard` for each batch of changes while the calling component
/// lives. In the browser only: server rendering has nothing to listen to.
pub fn use_review_changes(on_heard: impl Fn(Heard) + 'static) {
    #[cfg(feature = "hydrate")]
    browser::listen(on_heard);
    #[cfg(not(feature = "hydrate"))]
    let _ = on_heard;
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Heard;
    use leptos::prelude::*;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    type Listener = Closure<dyn Fn(MessageEvent)>;

    pub fn listen(on_heard: impl Fn(Heard) + 'static) {
        let Ok(source) = EventSource::new("/api/events") else {
            return;
        };
        let on_heard = Rc::new(on_heard);
        let changes: Listener = {
            let on_heard = on_heard.clone();
            Closure::new(move |event: MessageEvent| {
                let batch = event
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str(&text).ok());
                on_heard(batch.map_or(Heard::Resync, Heard::Changed));
            })
        };
        let resync: Listener = Closure::new(move |_: MessageEvent| on_heard(Heard::Resync));
        for (name, listener) in [("changes", &changes), ("resync", &resync)] {
            let _ =
                source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
        // The browser reconnects by itself after a dropped connection.
        let held = StoredValue::new_local((source, changes, resync));
        on_cleanup(move || {
            held.try_with_value(|(source, _, _)| source.close());
        });
    }
}
