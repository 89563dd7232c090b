//! Security headers on every response, whichever part of the router (or
//! which refusal) answered it: a Content Security Policy with a fresh nonce
//! per response, framing forbidden, no MIME sniffing, no `Referer`, HSTS
//! when Signoff is served over https, and `no-store` unless a route allows
//! caching (the static files do).
//!
//! The nonce is made here, before the request reaches Leptos, and handed to
//! the page through the request's extensions ([`page_nonce`]), so the value
//! in the header and the one on the page's inline scripts are the same.

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::nonce::Nonce;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use url::Url;

/// What the policy allows beyond this site.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where inline artefact previews (presigned S3 images) load from.
    images: String,
    /// Where forms may lead: sign-out redirects to the provider.
    forms: String,
    /// Served over https: ask browsers never to use plain http.
    https: bool,
}

impl Policy {
    /// The policy for Signoff at `public_url`, presigning S3 links for
    /// `s3_endpoint` (AWS's own S3 when `None`) and signing in at `issuer`.
    pub fn new(public_url: &str, s3_endpoint: Option<&str>, issuer: &str) -> Self {
        let origin = |url: &str| {
            Url::parse(url)
                .ok()
                .map(|u| u.origin())
                .filter(|o| o.is_tuple())
                .map(|o| o.ascii_serialization())
        };
        let images = match s3_endpoint {
            // Path-style links on the endpoint (Signoff's client uses
            // path style with an endpoint).
            Some(endpoint) => origin(endpoint).unwrap_or_default(),
            // Virtual-hosted and regional S3 hosts.
            None => "https://*.amazonaws.com".to_owned(),
        };
        Self {
            images,
            forms: origin(issuer).unwrap_or_default(),
            https: public_url.starts_with("https://"),
        }
    }

    /// The `Content-Security-Policy` of a response whose inline scripts
    /// carry `nonce`. Scripts: this site's files and the nonced inline
    /// loader only; `wasm-unsafe-eval` lets that loader compile the WASM
    /// (it allows no `eval` of text). `'strict-dynamic'` is left out: it
    /// would disable `'self'`, and Leptos's `modulepreload` link carries no
    /// nonce.
    pub fn csp(&self, nonce: &str) -> String {
        let Self { images, forms, .. } = self;
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' {images}; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self' {forms}; \
             frame-ancestors 'none'"
        )
    }
}

/// The headers whose value never changes, set over whatever a handler said.
const FIXED: [(HeaderName, &str); 3] = [
    (X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (X_FRAME_OPTIONS, "DENY"),
    // Pages hold presigned links; no address leaves in `Referer`.
    (REFERRER_POLICY, "no-referrer"),
];

/// Wraps `router` so that every response carries the security headers.
pub fn secure(router: Router, policy: Policy) -> Router {
    let hsts = policy
        .https
        .then(|| HeaderValue::from_static("max-age=31536000"));
    let router = FIXED.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ))
    });
    router
        // Signed-in pages and answers must not stay in a shared or back
        // cache; a route that may be cached says so itself.
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
        .layer(middleware::from_fn_with_state(Arc::new(policy), with_nonce))
}

/// Makes the response's nonce, hands it to the page, and sends the policy
/// naming it.
async fn with_nonce(
    State(policy): State<Arc<Policy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    let csp = HeaderValue::from_str(&policy.csp(&nonce));
    request.extensions_mut().insert(nonce);
    let mut response = next.run(request).await;
    match csp {
        Ok(csp) => {
            response.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
            response
        }
        // Only a configured origin could make it invalid: refuse to serve
        // rather than serve without a policy.
        Err(_) => {
            tracing::error!("the Content Security Policy is not a valid header");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// For the Leptos context: the nonce [`with_nonce`] made for this request,
/// so the hydration scripts carry the one the header names.
pub fn page_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        leptos::prelude::provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_nonce_and_forbids_framing() {
        let policy = Policy::new(
            "https://signoff.example.com",
            None,
            "https://id.example.com/realms/x",
        );
        let csp = policy.csp("abc123");
        assert!(
            csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        for directive in [
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "connect-src 'self'",
            "form-action 'self' https://id.example.com;",
            "img-src 'self' https://*.amazonaws.com;",
        ] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert!(policy.https);
    }

    #[test]
    fn images_come_from_the_configured_endpoint() {
        let policy = Policy::new(
            "http://127.0.0.1:3000",
            Some("http://127.0.0.1:5000/"),
            "http://127.0.0.1:9000",
        );
        let csp = policy.csp("n");
        assert!(
            csp.contains("img-src 'self' http://127.0.0.1:5000;"),
            "{csp}"
        );
        assert!(!csp.contains("amazonaws"), "{csp}");
        assert!(!policy.https, "no HSTS over plain http");
    }
}
