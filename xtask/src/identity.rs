//! The local OpenID provider (npm `oidc-provider`, launched by
//! end2end/oidc/provider.mjs) with the demo users of end2end/oidc/users.json.

use crate::paths::Paths;
use crate::process::{start_service, step, Service};
use std::path::Path;
use std::process::Command;

/// The client secret the provider registers and Signoff presents (demo only).
pub const CLIENT_SECRET: &str = "signoff-demo-secret";

/// The demo users' groups (end2end/oidc/users.json) and their roles.
pub const DEMO_ROLE_MAP: &str =
    "ml-viewers=viewer,ml-reviewers=reviewer,ml-leads=lead,signoff-admins=admin";

pub struct Provider {
    pub issuer: String,
    _service: Service,
}

/// Starts the provider on `port`, accepting sign-ins that return to any of
/// `signoff_urls` (each gets `/auth/callback` and `/auth/signed-out`).
pub fn start(
    paths: &Paths,
    port: u16,
    signoff_urls: &[String],
    log: &Path,
) -> anyhow::Result<Provider> {
    step(&format!(
        "starting the OpenID provider on 127.0.0.1:{port} (log: {})",
        log.display()
    ));
    let redirects: Vec<String> = signoff_urls
        .iter()
        .map(|u| format!("{u}/auth/callback"))
        .collect();
    let after_logout: Vec<String> = signoff_urls
        .iter()
        .map(|u| format!("{u}/auth/signed-out"))
        .collect();
    let service = start_service(
        "the OpenID provider",
        Command::new("node")
            .arg(paths.root.join("end2end/oidc/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URIS", redirects.join(","))
            .env("OIDC_POST_LOGOUT_REDIRECT_URIS", after_logout.join(",")),
        Some(log),
        port,
        "/.well-known/openid-configuration",
    )?;
    Ok(Provider {
        issuer: format!("http://127.0.0.1:{port}"),
        _service: service,
    })
}
