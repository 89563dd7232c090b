//! Every server function, read two ways: from the source (each
//! `#[server(endpoint = "…")]` under app/src and server/src) and from what
//! the router registered. Sweeps that must reach every function start here,
//! so a function added later cannot be left out of them.

use crate::helpers::TestApp;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The prefix the `#[server]` macro gives a path unless told otherwise.
const DEFAULT_PREFIX: &str = "/api";

/// The path of every server function the source declares.
pub fn declared() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = BTreeSet::new();
    for dir in [root.join("../app/src"), root.join("src")] {
        for file in rust_files(&dir) {
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            paths.extend(paths_in(&source));
        }
    }
    paths
}

/// Path and method of every server function the router registered.
pub fn registered() -> BTreeMap<String, String> {
    app::api::server_function_paths().into_iter().collect()
}

/// Arguments every server function accepts as well-formed, about review
/// `id`: only what the test means to try (the session, the role) can then
/// refuse a call.
pub fn arguments(id: &str) -> Vec<(&str, &str)> {
    vec![
        ("id", id),
        ("verdict", "approve"),
        ("comment", ""),
        ("query", ""),
        ("ids[0]", id),
        ("position", "0"),
        ("days", "7"),
    ]
}

/// Calls the server function at `path` as whoever `app` acts as: the
/// status and the body as sent, whatever they are.
pub async fn call_raw(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let cookie = app.cookie.lock().expect("cookie lock").clone();
    let reply = app
        .http
        .post_form(&format!("{}{path}", app.base), form, cookie.as_deref())
        .await;
    (reply.status, reply.body)
}

/// Fetches the page (or file) at `path` the same way.
pub async fn get_raw(app: &TestApp, path: &str) -> (u16, String) {
    let cookie = app.cookie.lock().expect("cookie lock").clone();
    let reply = app
        .http
        .get(&format!("{}{path}", app.base), cookie.as_deref())
        .await;
    (reply.status, reply.body)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `prefix` + `endpoint` of each `#[server(…)]` attribute naming an
/// endpoint. Argument attributes (`#[server(default)]`) name none; a
/// function without a named endpoint gets a generated path, which then
/// shows up as registered but not declared.
fn paths_in(source: &str) -> Vec<String> {
    source
        .split("#[server(")
        .skip(1)
        .filter_map(|rest| {
            let attribute = &rest[..rest.find(")]")?];
            let endpoint = string_argument(attribute, "endpoint")?;
            let prefix = string_argument(attribute, "prefix").unwrap_or(DEFAULT_PREFIX);
            Some(format!("{prefix}/{}", endpoint.trim_start_matches('/')))
        })
        .collect()
}

/// The value of `name = "value"` in an attribute's arguments.
fn string_argument<'a>(attribute: &'a str, name: &str) -> Option<&'a str> {
    attribute.split(',').find_map(|argument| {
        let (key, value) = argument.split_once('=')?;
        (key.trim() == name).then_some(())?;
        value.trim().strip_prefix('"')?.strip_suffix('"')
    })
}

#[test]
fn attributes_are_read_as_the_macro_reads_them() {
    let source = r#"
        #[server(endpoint = "queue", output = JsonAnswer)]
        pub async fn list_queue(#[server(default)] query: String) {}
        #[server(output = JsonAnswer, endpoint = "me")]
        #[server(prefix = "/other", endpoint = "x")]
        #[server(default)] ids: Vec<String>,
    "#;
    assert_eq!(paths_in(source), ["/api/queue", "/api/me", "/other/x"]);
}
