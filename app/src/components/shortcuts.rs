//! Keyboard shortcuts: j/k to move, Enter to open, x to select, a to
//! approve, r to reject, / to search, ? for help. Keys typed into a field,
//! with a modifier held, or while a dialog is open are left alone.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    Next,
    Previous,
    Open,
    Select,
    Approve,
    Reject,
    Search,
    Help,
}

/// The queue's keys and what they do, for its help dialog.
pub const QUEUE_SHORTCUTS: &[(&str, &str)] = &[
    ("j", "next review"),
    ("k", "previous review"),
    ("Enter", "open the review"),
    ("x", "select or unselect it"),
    ("a", "approve (asks to confirm)"),
    ("r", "reject (asks for the reason)"),
    ("/", "search"),
    ("?", "show these shortcuts"),
];

/// A review page's keys and what they do.
pub const REVIEW_SHORTCUTS: &[(&str, &str)] = &[
    ("j", "open the next review in the queue"),
    ("k", "open the previous review in the queue"),
    ("a", "approve (asks to confirm)"),
    ("r", "reject (asks for the reason)"),
    ("?", "show these shortcuts"),
];

/// The shortcut a key press means (`KeyboardEvent.key`), if any.
// Only the browser listens for keys.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn shortcut_for(key: &str) -> Option<Shortcut> {
    Some(match key {
        "j" | "ArrowDown" => Shortcut::Next,
        "k" | "ArrowUp" => Shortcut::Previous,
        "Enter" => Shortcut::Open,
        "x" => Shortcut::Select,
        "a" => Shortcut::Approve,
        "r" => Shortcut::Reject,
        "/" => Shortcut::Search,
        "?" => Shortcut::Help,
        _ => return None,
    })
}

/// Calls `on_key` for each shortcut pressed while the page is open (in the
/// browser; nothing on the server).
pub fn use_shortcuts(on_key: impl Fn(Shortcut) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() || event.default_prevented()
            {
                return;
            }
            // A ticked checkbox keeps the focus, and `a` right after
            // ticking must still approve: only fields that take text count.
            let typing = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|element| {
                    let input_type = element
                        .dyn_ref::<web_sys::HtmlInputElement>()
                        .map(|input| input.type_());
                    match element.tag_name().as_str() {
                        "INPUT" => !matches!(input_type.as_deref(), Some("checkbox" | "radio")),
                        "TEXTAREA" | "SELECT" => true,
                        _ => element.is_content_editable(),
                    }
                });
            let dialog_open = document()
                .query_selector("dialog[open]")
                .ok()
                .flatten()
                .is_some();
            if typing || dialog_open {
                return;
            }
            // Enter on a link or button already does what it should.
            let on_control = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|element| matches!(element.tag_name().as_str(), "A" | "BUTTON"));
            let Some(shortcut) = shortcut_for(&event.key()) else {
                return;
            };
            if shortcut == Shortcut::Open && on_control {
                return;
            }
            event.prevent_default();
            on_key(shortcut);
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_key;
}

/// Opens `href` (a full page load: an island has no router).
pub fn go_to(href: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

/// The page's shortcuts (`keys`) in a dialog, opened with `?`.
#[component]
pub fn ShortcutHelp(
    open: RwSignal<bool>,
    keys: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let want_open = open.get();
        if let Some(dialog) = dialog.get() {
            if want_open && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !want_open && dialog.open() {
                dialog.close();
            }
        }
    });
    view! {
        <dialog node_ref=dialog class="dialog" aria-labelledby="shortcuts-h" on:close=move |_| open.set(false)>
            <h2 id="shortcuts-h">"Keyboard shortcuts"</h2>
            <dl class="shortcuts">
                {keys.iter().map(|(key, what)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> }).collect_view()}
            </dl>
            <div class="dialog-actions">
                <button type="button" class="btn" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(shortcut_for("j"), Some(Shortcut::Next));
        assert_eq!(shortcut_for("ArrowUp"), Some(Shortcut::Previous));
        assert_eq!(shortcut_for("a"), Some(Shortcut::Approve));
        assert_eq!(shortcut_for("r"), Some(Shortcut::Reject));
        assert_eq!(shortcut_for("/"), Some(Shortcut::Search));
        assert_eq!(shortcut_for("?"), Some(Shortcut::Help));
        // Capitals (Shift held) are not shortcuts: Shift+A is not "approve".
        assert_eq!(shortcut_for("A"), None);
        assert_eq!(shortcut_for("q"), None);
    }

    #[test]
    fn every_key_the_help_lists_is_a_shortcut() {
        for (key, _) in QUEUE_SHORTCUTS.iter().chain(REVIEW_SHORTCUTS) {
            assert!(shortcut_for(key).is_some(), "{key}");
        }
    }
}
