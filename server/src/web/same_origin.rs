//! Refuses state-changing requests that a browser sent from another site
//! (CSRF). A write is judged against the configured public URL (scheme,
//! host and port), never against the request's own `Host`, which the
//! sender chooses. Browsers label every request with `Sec-Fetch-Site` and
//! send `Origin` on writes; non-browser clients send neither and are not
//! affected.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use url::{Origin, Url};

/// The origin people reach Signoff at (`--public-url`).
#[derive(Debug, Clone)]
pub struct PublicOrigin(Origin);

impl PublicOrigin {
    /// The origin of `public_url`; `None` if it is not an http(s) URL.
    pub fn of(public_url: &str) -> Option<Self> {
        let origin = Url::parse(public_url).ok()?.origin();
        origin.is_tuple().then_some(Self(origin))
    }

    /// Whether `text` (an `Origin` or `Referer` value) is this origin.
    fn matches(&self, text: &str) -> bool {
        Url::parse(text).is_ok_and(|url| url.origin() == self.0)
    }
}

pub async fn refuse_cross_site_writes(
    State(public): State<Arc<PublicOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers(), &public) {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site write");
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests may not change anything here.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether a write, judged by its headers, comes from a page of this site.
fn same_origin(headers: &HeaderMap, public: &PublicOrigin) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let origin = text(header::ORIGIN.as_str());
    match text("sec-fetch-site") {
        // A page of this site. Its `Origin` is `null` when the page's
        // `Referrer-Policy` is `no-referrer` (ours is), else it must be ours.
        Some("same-origin") => origin.is_none_or(|o| o == "null" || public.matches(o)),
        // `none` is a request the person made themselves (address bar,
        // bookmark), which never writes; `same-site` and `cross-site` come
        // from other pages; anything else is unknown.
        Some(_) => false,
        // No fetch metadata: an older browser or a non-browser client.
        None => match (origin, text(header::REFERER.as_str())) {
            (Some(origin), _) => public.matches(origin),
            (None, Some(referer)) => public.matches(referer),
            (None, None) => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn public() -> PublicOrigin {
        PublicOrigin::of("https://signoff.example.com/").expect("an origin")
    }

    fn judge(pairs: &[(&'static str, &'static str)]) -> bool {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        same_origin(&map, &public())
    }

    #[test]
    fn writes_from_the_public_origin_pass() {
        assert!(judge(&[
            ("origin", "https://signoff.example.com"),
            ("sec-fetch-site", "same-origin")
        ]));
        assert!(judge(&[("origin", "https://signoff.example.com:443")]));
        assert!(judge(&[(
            "referer",
            "https://signoff.example.com/reviews/abc?tab=history"
        )]));
    }

    #[test]
    fn a_same_origin_page_under_no_referrer_sends_a_null_origin() {
        assert!(judge(&[
            ("origin", "null"),
            ("sec-fetch-site", "same-origin")
        ]));
        assert!(judge(&[("sec-fetch-site", "same-origin")]));
    }

    #[test]
    fn clients_without_browser_headers_pass() {
        assert!(judge(&[("host", "127.0.0.1:3000")]));
    }

    #[test]
    fn the_host_header_is_not_the_public_origin() {
        // Today's mistake: Origin equal to Host passed, whatever Host said.
        assert!(!judge(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ]));
        assert!(!judge(&[
            ("origin", "http://evil.example"),
            ("host", "evil.example"),
            ("sec-fetch-site", "same-origin")
        ]));
    }

    #[test]
    fn scheme_host_and_port_must_all_match() {
        for other in [
            "http://signoff.example.com",
            "https://signoff.example.com:8443",
            "https://evil.signoff.example.com",
            "https://signoff.example.com.evil.example",
            "null",
        ] {
            let mut map = HeaderMap::new();
            map.insert("origin", HeaderValue::from_str(other).unwrap());
            assert!(!same_origin(&map, &public()), "{other}");
        }
        assert!(!judge(&[(
            "referer",
            "https://evil.example/signoff.example.com"
        )]));
    }

    #[test]
    fn fetch_metadata_from_elsewhere_is_refused() {
        for site in ["cross-site", "same-site", "none", "something-new"] {
            let mut map = HeaderMap::new();
            map.insert("sec-fetch-site", HeaderValue::from_static(site));
            map.insert(
                "origin",
                HeaderValue::from_static("https://signoff.example.com"),
            );
            assert!(!same_origin(&map, &public()), "{site}");
        }
    }

    #[test]
    fn only_http_public_urls_have_an_origin() {
        assert!(PublicOrigin::of("https://signoff.example.com/base").is_some());
        assert!(PublicOrigin::of("file:///tmp/x").is_none());
        assert!(PublicOrigin::of("not a url").is_none());
    }
}
