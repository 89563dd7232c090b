// End-to-end check of the local OIDC provider (provider.mjs): a scripted
// authorization-code + PKCE (S256) login, as a relying party would do it.
// It starts nothing: run the provider first, then
//
//   OIDC_ISSUER=http://127.0.0.1:9011 \
//   OIDC_REDIRECT_URIS=http://127.0.0.1:3999/auth/callback node end2end/oidc/check-login.mjs
//
// Uses the same OIDC_* variables (and defaults) as provider.mjs; the first
// redirect URI is used. Exits 0 and prints one summary line on success.

import { createHash, randomBytes } from 'node:crypto';

const env = process.env;
const issuer = env.OIDC_ISSUER || `http://127.0.0.1:${env.OIDC_PORT || 9000}`;
const clientId = env.OIDC_CLIENT_ID || 'signoff';
const clientSecret = env.OIDC_CLIENT_SECRET || 'signoff-demo-secret';
const redirectUri = (env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:3000/auth/callback').split(',')[0].trim();
const postLogoutUri = (env.OIDC_POST_LOGOUT_REDIRECT_URIS || 'http://127.0.0.1:3000/').split(',')[0].trim();
const user = { username: 'ada', password: 'ada-demo' };

function assert(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}
const b64url = (buf) => buf.toString('base64url');
const sha256 = (text) => createHash('sha256').update(text).digest();

// A tiny cookie jar: name + path, honours deletion, ignores domain (one host).
const jar = new Map();
function storeCookies(response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attrs] = header.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = '/';
    let expired = value === '';
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=');
      if (k.toLowerCase() === 'path') path = v;
      if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
    }
    const key = `${name}\n${path}`;
    if (expired) jar.delete(key); else jar.set(key, { name, value, path });
  }
}
function cookieHeader(url) {
  const { pathname } = new URL(url);
  return [...jar.values()]
    .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
    .map((c) => `${c.name}=${c.value}`).join('; ');
}

async function request(url, init = {}) {
  const headers = { ...init.headers };
  const cookie = cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  storeCookies(response);
  return response;
}

// Follows redirects until a page is returned or the redirect_uri is reached
// (which is captured, never fetched).
async function follow(response, url) {
  for (let hops = 0; hops < 10; hops += 1) {
    if (response.status < 300 || response.status >= 400) return { response, url };
    url = new URL(response.headers.get('location'), url).href;
    if (url.startsWith(`${redirectUri}?`) || url === redirectUri) return { callback: new URL(url) };
    response = await request(url);
  }
  throw new Error('check failed: too many redirects');
}

async function tokenRequest(code, codeVerifier) {
  return fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }),
  });
}

// Starts an authorization request and returns the login form's URL and action.
async function startLogin(codeChallenge, state, nonce) {
  const authUrl = new URL(discovery.authorization_endpoint);
  authUrl.search = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
    scope: 'openid email profile groups', state, nonce,
    code_challenge: codeChallenge, code_challenge_method: 'S256',
  }).toString();
  const { response, url } = await follow(await request(authUrl.href), authUrl.href);
  const html = await response.text();
  assert(response.status === 200, `login page status ${response.status}: ${html.replace(/<style>.*?<\/style>/gs, '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
  assert(html.includes('<label for="username">Username</label>'), 'login form has a username label');
  assert(html.includes('type="password"'), 'login form has a password field');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  assert(action && /^\/interaction\/[^/]+\/login$/.test(action), `login form action ${action}`);
  return { pageUrl: url, actionUrl: new URL(action, url).href };
}

function postLogin(actionUrl, username, password) {
  return request(actionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
}

let discovery;

async function main() {
  // 1. discovery
  const discoveryResponse = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert(discoveryResponse.ok, `discovery status ${discoveryResponse.status}`);
  discovery = await discoveryResponse.json();
  assert(discovery.issuer === issuer, `discovery issuer ${discovery.issuer}`);
  assert(discovery.code_challenge_methods_supported?.includes('S256'), 'S256 supported');
  assert(discovery.end_session_endpoint, 'end_session_endpoint present');
  assert(discovery.claims_supported?.includes('groups'), 'groups claim supported');

  // 2. authorization request with PKCE, state and nonce -> login form
  const codeVerifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const { actionUrl } = await startLogin(b64url(sha256(codeVerifier)), state, nonce);

  // 3. a wrong password re-renders the form with an alert (HTTP 401)
  const wrong = await postLogin(actionUrl, user.username, 'not-the-password');
  const wrongHtml = await wrong.text();
  assert(wrong.status === 401, `wrong password status ${wrong.status}`);
  assert(wrongHtml.includes('<p role="alert">Wrong username or password.</p>'), 'wrong password alert shown');
  assert(wrongHtml.includes('<form method="post"'), 'form shown again after wrong password');

  // 4. the right password -> (automatic consent) -> redirect_uri with code and state
  const { callback } = await follow(await postLogin(actionUrl, user.username, user.password), actionUrl);
  assert(callback, 'reached the redirect_uri');
  assert(!callback.searchParams.get('error'), `authorization error ${callback.searchParams.get('error_description')}`);
  const code = callback.searchParams.get('code');
  assert(code, 'authorization code returned');
  assert(callback.searchParams.get('state') === state, 'state passed through');
  assert(callback.searchParams.get('iss') === issuer, 'iss returned with the code (RFC 9207)');

  // 5. a wrong code_verifier is refused (oidc-provider checks PKCE before it
  //    consumes the code, so the same code is still good for step 6)
  const bad = await tokenRequest(code, b64url(randomBytes(32)));
  const badBody = await bad.json();
  assert(bad.status === 400 && badBody.error === 'invalid_grant', `wrong code_verifier must give invalid_grant, got ${bad.status} ${JSON.stringify(badBody)}`);

  // 6. exchange the code with the right code_verifier
  const tokenResponse = await tokenRequest(code, codeVerifier);
  const tokens = await tokenResponse.json();
  assert(tokenResponse.status === 200, `token status ${tokenResponse.status} ${JSON.stringify(tokens)}`);
  assert(tokens.id_token && tokens.access_token, 'id_token and access_token returned');

  const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1], 'base64url').toString());
  assert(claims.iss === issuer, `iss ${claims.iss}`);
  assert(claims.aud === clientId || claims.aud?.includes?.(clientId), `aud ${claims.aud}`);
  assert(claims.nonce === nonce, 'nonce passed through');
  assert(claims.sub === 'user-ada', `sub ${claims.sub}`);
  assert(claims.email === 'ada@example.com', `email ${claims.email}`);
  assert(claims.email_verified === true, 'email_verified');
  assert(claims.name === 'Ada Reviewer', `name ${claims.name}`);
  assert(JSON.stringify(claims.groups) === '["ml-reviewers"]', `groups ${JSON.stringify(claims.groups)}`);

  // 7. the same code cannot be used twice
  const reuse = await tokenRequest(code, codeVerifier);
  const reuseBody = await reuse.json();
  assert(reuse.status === 400 && reuseBody.error === 'invalid_grant', `reused code must give invalid_grant, got ${reuse.status} ${JSON.stringify(reuseBody)}`);

  // 8. RP-initiated logout: the provider's page submits itself (xsrf + logout=yes)
  //    and then redirects to post_logout_redirect_uri with the state.
  const logoutUrl = new URL(discovery.end_session_endpoint);
  logoutUrl.search = new URLSearchParams({
    id_token_hint: tokens.id_token, post_logout_redirect_uri: postLogoutUri, state: 'bye',
  }).toString();
  const logoutPage = await request(logoutUrl.href);
  const logoutHtml = await logoutPage.text();
  assert(logoutPage.status === 200, `logout page status ${logoutPage.status}`);
  assert(logoutHtml.includes("getElementById('op.logoutForm').submit()"), 'logout form submits itself');
  const form = /<form id="op.logoutForm" method="post" action="([^"]+)">(.*?)<\/form>/s.exec(logoutHtml);
  assert(form, 'logout form present');
  const fields = new URLSearchParams([...form[2].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  assert(fields.get('logout') === 'yes' && fields.get('xsrf'), 'logout form carries xsrf and logout=yes');
  const confirm = await request(new URL(form[1], logoutUrl).href, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields,
  });
  const after = new URL(confirm.headers.get('location') || '', issuer);
  assert(confirm.status === 303 && `${after.origin}${after.pathname}` === postLogoutUri, `logout redirect ${confirm.status} ${after}`);
  assert(after.searchParams.get('state') === 'bye', 'logout state passed through');
  await startLogin(b64url(sha256(b64url(randomBytes(32)))), 's', 'n'); // signed out: the form again

  console.log(`oidc login check passed: ${claims.name} <${claims.email}> groups=${claims.groups.join(',')} from ${issuer}; wrong password 401, wrong verifier and code reuse rejected, logout ok`);
}

main().catch((err) => {
  console.error(`oidc login check FAILED: ${err.message}`);
  process.exit(1);
});
