//! The OpenID Connect relying party: authorization code flow with PKCE,
//! state and nonce, ID token verification against the provider's keys, and
//! RP-initiated logout. The provider is discovered on first use (and again
//! after a failure), so Signoff starts even while the provider is down.
//!
//! Its signing keys are followed without a restart: discovery (metadata and
//! keys) is done again when it is an hour old, and at once when an ID token
//! names a key id the keys do not hold, at most once a minute
//! ([`refresh_due`]), so a rotated key is picked up at the first token it
//! signs and a revoked one is dropped within the hour. A refresh that fails
//! keeps the keys known before.

use anyhow::{anyhow, Context};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKey, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenResponse,
};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Discovery (and so the signing keys) is done again after this long.
pub const KEYS_MAX_AGE: Duration = Duration::from_secs(3600);
/// An unknown key id makes discovery run again at most this often.
pub const UNKNOWN_KEY_REFRESH_EVERY: Duration = Duration::from_secs(60);

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What the relying party needs to know.
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// `<public url>/auth/callback`.
    pub redirect_url: String,
    /// Where the provider sends people after signing them out.
    pub post_logout_url: String,
    /// The ID token claim holding the person's groups.
    pub groups_claim: String,
    /// The ID token claims holding the person's usernames (requester matching).
    pub username_claims: Vec<String>,
}

/// A person the provider vouched for. The ID token stays out of `Debug`
/// output (it is a bearer credential for logout and the provider).
#[derive(Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// The `email_verified` claim, when the provider sends one.
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    /// Values of the configured username claims, in their order.
    pub usernames: Vec<String>,
    pub id_token: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &self.subject)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("name", &self.name)
            .field("groups", &self.groups)
            .field("usernames", &self.usernames)
            .field("id_token", &"[redacted]")
            .finish()
    }
}

/// The authorization request to send the browser to, and what the callback
/// will need to check the answer.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

struct Discovered {
    client: Client,
    end_session: Option<EndSessionUrl>,
    /// The ids of the provider's signing keys.
    key_ids: Vec<String>,
    at: Instant,
}

/// The last discovery, and when an unknown key id last forced one.
#[derive(Default)]
struct Known {
    discovered: Option<Arc<Discovered>>,
    forced_at: Option<Instant>,
}

/// Why discovery would run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The keys are fresh enough and hold the token's key.
    No,
    /// The keys are [`KEYS_MAX_AGE`] old.
    Scheduled,
    /// The token names a key the keys do not hold.
    UnknownKey,
}

/// Whether to discover the provider again: keys `age` old, a token whose
/// key id is or is not among them, the last forced refresh `since_forced`
/// ago (`None`: never).
pub fn refresh_due(age: Duration, key_known: bool, since_forced: Option<Duration>) -> Refresh {
    if age >= KEYS_MAX_AGE {
        Refresh::Scheduled
    } else if !key_known && since_forced.is_none_or(|d| d >= UNKNOWN_KEY_REFRESH_EVERY) {
        Refresh::UnknownKey
    } else {
        Refresh::No
    }
}

pub struct Oidc {
    settings: OidcSettings,
    http: openidconnect::reqwest::Client,
    known: Mutex<Known>,
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self {
            settings,
            http,
            known: Mutex::new(Known::default()),
        })
    }

    /// The provider as last discovered, discovered again when due.
    async fn discovered(&self) -> anyhow::Result<Arc<Discovered>> {
        self.discovered_for(None).await
    }

    /// The same, for verifying a token signed with `key_id`.
    async fn discovered_for(&self, key_id: Option<&str>) -> anyhow::Result<Arc<Discovered>> {
        // Held across discovery, so concurrent sign-ins discover once.
        let mut known = self.known.lock().await;
        let Some(current) = known.discovered.clone() else {
            let fresh = Arc::new(self.discover().await?);
            known.discovered = Some(fresh.clone());
            return Ok(fresh);
        };
        let key_known = key_id.is_none_or(|id| current.key_ids.iter().any(|k| k == id));
        let now = Instant::now();
        let since_forced = known.forced_at.map(|at| now.duration_since(at));
        let why = refresh_due(now.duration_since(current.at), key_known, since_forced);
        if why == Refresh::No {
            return Ok(current);
        }
        if why == Refresh::UnknownKey {
            known.forced_at = Some(now);
        }
        match self.discover().await {
            Ok(fresh) => {
                tracing::info!(reason = ?why, keys = fresh.key_ids.len(), "the provider's signing keys were fetched again");
                let fresh = Arc::new(fresh);
                known.discovered = Some(fresh.clone());
                Ok(fresh)
            }
            Err(error) => {
                tracing::warn!(reason = ?why, "could not fetch the provider's keys again; keeping the known ones: {error:#}");
                Ok(current)
            }
        }
    }

    async fn discover(&self) -> anyhow::Result<Discovered> {
        let issuer = IssuerUrl::new(self.settings.issuer.clone())?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .with_context(|| {
                format!(
                    "discovering the OpenID provider at {}",
                    self.settings.issuer
                )
            })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let key_ids = metadata
            .jwks()
            .keys()
            .iter()
            .filter_map(|key| key.key_id())
            .map(|id| id.to_string())
            .collect();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(RedirectUrl::new(self.settings.redirect_url.clone())?);
        Ok(Discovered {
            client,
            end_session,
            key_ids,
            at: Instant::now(),
        })
    }

    /// A fresh authorization request (new state, nonce and PKCE verifier).
    pub async fn authorize(&self) -> anyhow::Result<Authorization> {
        let discovered = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = discovered
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new(self.settings.groups_claim.clone()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code and verifies the ID token: signature against the
    /// provider's keys, issuer, audience, expiry, and the nonce we sent.
    pub async fn identify(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> anyhow::Result<Identity> {
        let discovered = self.discovered().await?;
        let tokens = discovered
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| anyhow!("the provider refused the code: {e}"))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| anyhow!("the provider sent no ID token"))?;
        self.verify(&id_token.to_string(), nonce).await
    }

    /// Verifies an ID token: signature against the provider's keys, issuer,
    /// audience, expiry, and the nonce we sent; then reads who it names.
    pub async fn verify(&self, raw: &str, nonce: &str) -> anyhow::Result<Identity> {
        let discovered = self.discovered_for(header_key_id(raw).as_deref()).await?;
        let id_token =
            CoreIdToken::from_str(raw).map_err(|e| anyhow!("malformed ID token: {e}"))?;
        let claims = id_token
            .claims(
                &discovered.client.id_token_verifier(),
                &Nonce::new(nonce.to_owned()),
            )
            .map_err(|e| anyhow!("the ID token did not verify: {e}"))?;
        let payload = verified_payload(raw)?;
        let mut usernames = Vec::new();
        for claim in &self.settings.username_claims {
            for name in string_claim(&payload, claim) {
                if !usernames.contains(&name) {
                    usernames.push(name);
                }
            }
        }
        Ok(Identity {
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            groups: string_claim(&payload, &self.settings.groups_claim),
            usernames,
            id_token: raw.to_owned(),
        })
    }

    /// Where to send the browser to end the provider's session too, if the
    /// provider offers RP-initiated logout.
    pub async fn logout_url(&self, id_token: Option<&str>) -> Option<String> {
        let discovered = self.discovered().await.ok()?;
        let endpoint = discovered.end_session.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(self.settings.client_id.clone()))
            .set_post_logout_redirect_uri(
                PostLogoutRedirectUrl::new(self.settings.post_logout_url.clone()).ok()?,
            );
        if let Some(token) = id_token.and_then(|t| CoreIdToken::from_str(t).ok()) {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The `kid` an (unverified) ID token's header names, if any: only used to
/// tell whether the provider's keys should be fetched again.
fn header_key_id(jwt: &str) -> Option<String> {
    let header = URL_SAFE_NO_PAD.decode(jwt.split('.').next()?).ok()?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    header["kid"].as_str().map(str::to_owned)
}

/// The payload of an ID token that has already been verified (its
/// signature covers what is read from it here).
fn verified_payload(verified_jwt: &str) -> anyhow::Result<serde_json::Value> {
    let payload = verified_jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow!("malformed ID token"))?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?)
}

/// A claim holding one string or a list of them (groups, usernames);
/// empty strings and other types are ignored.
fn string_claim(payload: &serde_json::Value, claim: &str) -> Vec<String> {
    let values = match &payload[claim] {
        serde_json::Value::Array(items) => items.iter().filter_map(|g| g.as_str()).collect(),
        serde_json::Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    values
        .into_iter()
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload.to_string()))
    }

    #[test]
    fn an_identity_keeps_its_id_token_out_of_debug() {
        let identity = Identity {
            subject: "user-ada".into(),
            email: None,
            email_verified: None,
            name: None,
            groups: vec![],
            usernames: vec![],
            id_token: "eyJ.the-id-token.sig".into(),
        };
        let shown = format!("{identity:?}");
        assert!(!shown.contains("the-id-token"), "{shown}");
        assert!(shown.contains("user-ada"), "{shown}");
    }

    #[test]
    fn keys_are_fetched_again_hourly_and_for_an_unknown_key_once_a_minute() {
        let minute = Duration::from_secs(60);
        assert_eq!(refresh_due(minute, true, None), Refresh::No);
        assert_eq!(refresh_due(KEYS_MAX_AGE, true, None), Refresh::Scheduled);
        assert_eq!(refresh_due(minute, false, None), Refresh::UnknownKey);
        assert_eq!(
            refresh_due(minute, false, Some(UNKNOWN_KEY_REFRESH_EVERY)),
            Refresh::UnknownKey
        );
        assert_eq!(
            refresh_due(minute, false, Some(Duration::from_secs(5))),
            Refresh::No,
            "a flood of tokens with made-up key ids fetches once a minute"
        );
        assert_eq!(
            refresh_due(KEYS_MAX_AGE, false, Some(Duration::ZERO)),
            Refresh::Scheduled
        );
    }

    #[test]
    fn the_key_id_is_read_from_the_header() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k-2"}"#);
        assert_eq!(
            header_key_id(&format!("{header}.e30.sig")),
            Some("k-2".into())
        );
        let no_kid = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
        assert_eq!(header_key_id(&format!("{no_kid}.e30.sig")), None);
        assert_eq!(header_key_id("%%%.e30.sig"), None);
    }

    #[test]
    fn groups_and_usernames_come_from_the_configured_claims() {
        let token = jwt(serde_json::json!({
            "groups": ["a", "b"], "roles": "admins", "preferred_username": "ada", "upn": "", "n": 7
        }));
        let payload = verified_payload(&token).unwrap();
        assert_eq!(string_claim(&payload, "groups"), ["a", "b"]);
        assert_eq!(string_claim(&payload, "roles"), ["admins"]);
        assert_eq!(string_claim(&payload, "preferred_username"), ["ada"]);
        assert!(string_claim(&payload, "upn").is_empty(), "empty is no name");
        assert!(string_claim(&payload, "n").is_empty());
        assert!(string_claim(&payload, "missing").is_empty());
        assert!(verified_payload("not-a-jwt").is_err());
    }
}
