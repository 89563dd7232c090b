// Local OpenID Connect provider for Signoff's demo and browser tests.
//
// A real OIDC provider (panva's oidc-provider) with one confidential client,
// the demo users from users.json and a plain login form. It is NOT for
// production: unless told otherwise it signs with oidc-provider's built-in
// development key, keeps everything in memory and uses a fixed cookie key.
//
//   node end2end/oidc/provider.mjs
//
// Environment (defaults in brackets):
//   OIDC_PORT [9000]  OIDC_ISSUER [http://127.0.0.1:$OIDC_PORT]
//   OIDC_CLIENT_ID [signoff]  OIDC_CLIENT_SECRET [signoff-demo-secret]
//   OIDC_REDIRECT_URIS [http://127.0.0.1:3000/auth/callback]  (comma-separated)
//   OIDC_POST_LOGOUT_REDIRECT_URIS [http://127.0.0.1:3000/]  (comma-separated)
//   OIDC_USERS_FILE [users.json next to this file]
//   OIDC_SIGNING_KEY_ID [unset: the development key]  sign with a new RSA key
//     made at start under this key id; restarting with another id is a key
//     rotation that also revokes the old key (the tests use it for that)
// The issuer should be an origin without a path: the endpoints are served at
// the root (/auth, /token, /session/end, /interaction/..., discovery).

import { createHash, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider, { errors } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);

const port = Number(env.OIDC_PORT || 9000);
const issuer = env.OIDC_ISSUER || `http://127.0.0.1:${port}`;
const clientId = env.OIDC_CLIENT_ID || 'signoff';
const clientSecret = env.OIDC_CLIENT_SECRET || 'signoff-demo-secret';
const redirectUris = list(env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:3000/auth/callback');
const postLogoutUris = list(env.OIDC_POST_LOGOUT_REDIRECT_URIS || 'http://127.0.0.1:3000/');
const usersFile = env.OIDC_USERS_FILE ? resolve(env.OIDC_USERS_FILE) : resolve(here, 'users.json');

const users = JSON.parse(readFileSync(usersFile, 'utf8'));

// A key of its own only when asked: the development key is the default.
const signingKeys = () => {
  const kid = env.OIDC_SIGNING_KEY_ID;
  if (!kid) return {};
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] } };
};

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const digest = (value) => createHash('sha256').update(String(value)).digest();
const passwordMatches = (user, password) => timingSafeEqual(digest(user.password), digest(password));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,">
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box}input{margin:.25rem 0 1rem;padding:.5rem}
button{padding:.6rem}[role=alert]{color:#a40000;font-weight:600}</style>
</head>
<body><main>${body}</main></body>
</html>`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider binds each client to exactly one auth method; the
    // openidconnect crate defaults to HTTP Basic, so that is the one.
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutUris,
  }],
  clientAuthMethods: ['client_secret_basic'],
  responseTypes: ['code'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider supports
  scopes: ['openid'], // plus every scope named in `claims` below
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // Put the scope-requested claims into the ID token too: Signoff reads them there.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const user = users.find((u) => u.sub === sub);
    if (!user) return undefined;
    return {
      accountId: user.sub,
      async claims() {
        // A user without an e-mail (noor) gets no email claim at all, as
        // some directories send for service or guest accounts.
        const email = user.email ? { email: user.email, email_verified: true } : {};
        return {
          sub: user.sub, ...email, name: user.name, preferred_username: user.username, groups: user.groups,
        };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The default error page pulls a web font; this one is self-contained.
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p role="alert">${escapeHtml(out.error)}: ${escapeHtml(out.error_description || '')}</p>`);
  },
  cookies: { keys: ['signoff-demo-cookie-key-not-secret'] },
  // Lifetimes in seconds (set explicitly; the defaults log a notice each time).
  ttl: { Interaction: 3600, Session: 86400, Grant: 86400, AccessToken: 3600, IdToken: 3600 },
  features: {
    devInteractions: { enabled: false }, // they would accept any username
    rpInitiatedLogout: {
      enabled: true,
      // No "are you sure?" step: the form (with logout=yes) submits itself.
      async logoutSource(ctx, form) {
        const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
        ctx.body = page('Signing out', `<h1>Signing out</h1>${autoForm}
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.getElementById('op.logoutForm').submit()</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Signed out</h1><p>You have been signed out.</p>');
      },
    },
  },
  // Without OIDC_SIGNING_KEY_ID there is no `jwks` and oidc-provider signs
  // with its development key. Never do this in production.
  ...signingKeys(),
});

function loginPage(res, uid, { status = 200, username = '', error = false } = {}) {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(page('Sign in', `<h1>Sign in to Signoff</h1>
${error ? '<p role="alert">Wrong username or password.</p>' : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="${escapeHtml(username)}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`));
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('request body too large');
  }
  return new URLSearchParams(body);
}

// The first-party client gets every requested scope/claim without a consent page.
async function grantConsent(req, res, details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  const consent = details.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction uid mismatch');
  const prompt = details.prompt.name;

  if (req.method === 'GET' && !action) {
    if (prompt === 'login') return loginPage(res, uid);
    if (prompt === 'consent') return grantConsent(req, res, details);
  } else if (req.method === 'POST' && action === 'login' && prompt === 'login') {
    const form = await readForm(req);
    const username = form.get('username') || '';
    const user = users.find((u) => u.username === username);
    if (!user || !passwordMatches(user, form.get('password') || '')) {
      return loginPage(res, uid, { status: 401, username, error: true });
    }
    const result = { login: { accountId: user.sub } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  res.statusCode = 400;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(page('Bad request', `<h1>Bad request</h1><p>Unexpected step "${escapeHtml(prompt)}".</p>`));
}

const oidc = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([^/?#]+)(?:\/([a-z]+))?$/.exec(new URL(req.url, 'http://x').pathname);
  if (!match) return oidc(req, res);
  return interaction(req, res, decodeURIComponent(match[1]), match[2]).catch((err) => {
    const expired = err instanceof errors.SessionNotFound;
    if (!expired) console.error('oidc provider: interaction failed:', err);
    if (res.headersSent) return res.end();
    res.statusCode = expired ? 400 : 500;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page('Sign-in failed', expired
      ? '<h1>Sign-in expired</h1><p role="alert">This sign-in attempt has expired. Go back to the application and sign in again.</p>'
      : '<h1>Something went wrong</h1><p role="alert">Sign-in failed. Please try again.</p>'));
  });
});

server.on('error', (err) => {
  if (err.code === 'EADDRINUSE') {
    console.error(`oidc provider: port ${port} on 127.0.0.1 is already in use (set OIDC_PORT)`);
  } else {
    console.error('oidc provider: server error:', err);
  }
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`oidc provider listening on ${issuer}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
