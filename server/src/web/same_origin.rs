//! Refuses state-changing requests that a browser sent from another site
//! (CSRF). Browsers label every request with `Sec-Fetch-Site` and send
//! `Origin` on POSTs; non-browser clients send neither and are not affected.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers()) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site write");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests may not change anything here.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether the request, judged by its headers, comes from this site.
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return false;
    }
    match (text(header::ORIGIN.as_str()), text(header::HOST.as_str())) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin_authority(origin) == Some(host),
        (Some(_), None) => false,
    }
}

/// `https://example.com:8443` → `example.com:8443`; `null` → `None`.
fn origin_authority(origin: &str) -> Option<&str> {
    let (_, authority) = origin.split_once("://")?;
    Some(authority.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_site_browser_posts_pass() {
        assert!(same_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin")
        ])));
    }

    #[test]
    fn clients_without_origin_pass() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn other_origins_are_refused() {
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "http://127.0.0.1:3001"),
            ("host", "127.0.0.1:3000")
        ])));
    }
}
