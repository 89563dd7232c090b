// A stand-in of Slack's Web API for Signoff's tests and demo (Slack cannot
// be reached from these machines, and nothing Slack-compatible is packaged).
//
// It serves, as Slack documents them:
//   POST /api/chat.postMessage   channel, text, blocks → {"ok":true,"channel","ts","message"}
//   POST /api/chat.update        channel, ts, text, blocks → {"ok":true,"channel","ts","text","message"}
// with JSON or form-encoded bodies, answering HTTP 200 with
// {"ok":false,"error":…} when Slack would: `not_authed` / `invalid_auth`
// (the bearer token is not the one it was started with),
// `channel_not_found`, `message_not_found`, `no_text`, `msg_too_long`
// (top-level text over 40,000 characters), `invalid_blocks` (Slack's
// Block Kit limits: 50 blocks, header 150, section text 3,000, 10 fields of
// 2,000, context 1–10 elements, actions 1–25 buttons, button text 75, value
// 2,000, url 3,000, action_id 255; the reasons in
// response_metadata.messages), `invalid_json`, `unknown_method`.
//   POST /api/users.info         user → {"ok":true,"user":{…,"profile":{"email"}}} | user_not_found
//   POST /api/views.open         trigger_id, view → {"ok":true,"view":{"id":"V…"}}; a trigger is
//                                valid once, for SLACK_TRIGGER_TTL_MS (invalid_trigger_id,
//                                expired_trigger_id); the view within Slack's modal limits
// and plays Slack's side of the buttons (interactions.mjs):
//   POST /_interact   {type: "block_actions", user, channel, ts, action_id}
//                   | {type: "view_submission", user, view_id, values: {block_id: text}}
//                   | {replay: "<interaction id>"}
//                     with optional tamper ("forged", "stale", "wrong_secret",
//                     "body_altered", "no_signature"), retry (n: X-Slack-Retry-Num),
//                     copies (n sent at once), url (instead of SLACK_INTERACTIONS_URL).
//                     Sends the payload form-encoded and signed as Slack does; answers
//                     {ok, interaction_id, trigger_id, sent: [{status, body, ms}]}.
//   POST /_respond/ID  a payload's response_url (JSON; 5 uses in 30 minutes)
//   GET  /_responses   what apps posted there: [{user, channel, message_ts, body}]
//   GET  /_views       the views opened: [{id, user, open, errors, …}]
//   GET  /             a page of the posted messages with working buttons (page.mjs)
// For tests: GET /_calls lists every call received (method, at: when it
// arrived in ms since the epoch, args, answer; never the token or the
// secret); ?after=N lists only those after the first N (for polling),
// POST /_reset forgets everything.
//
//   node end2end/slack/standin.mjs
//
// Environment (defaults in brackets):
//   SLACK_PORT [2800]  SLACK_BOT_TOKEN [xoxb-signoff-standin]
//   SLACK_CHANNELS [C0REVIEWS]  (comma-separated channel ids it knows)
//   SLACK_SIGNING_SECRET [signoff-standin-signing-secret]
//   SLACK_INTERACTIONS_URL [http://127.0.0.1:3000/slack/interactions]
//   SLACK_USERS [U0ADA=ada@example.com,… see interactions.mjs]  (ID=e-mail, comma-separated)
//   SLACK_TRIGGER_TTL_MS [3000]

import * as http from 'node:http';
import { createInteractions, parseUsers, DEFAULT_USERS } from './interactions.mjs';
import { page } from './page.mjs';

const env = process.env;
const list = (value) => value.split(',').map((s) => s.trim()).filter(Boolean);

const port = Number(env.SLACK_PORT || 2800);
const token = env.SLACK_BOT_TOKEN || 'xoxb-signoff-standin';
const channels = new Set(list(env.SLACK_CHANNELS || 'C0REVIEWS'));

const MAX_BODY = 1_000_000;
const MAX_TEXT = 40_000;
const LIMITS = {
  blocks: 50, header: 150, section: 3000, fields: 10, field: 2000,
  contextElements: 10, context: 3000, actions: 25, buttonText: 75,
  buttonValue: 2000, buttonUrl: 3000, actionId: 255,
};

let calls = [];
// channel → ts → message
let messages = new Map();
let sequence = 0;

const interactions = createInteractions({
  port,
  secret: env.SLACK_SIGNING_SECRET || 'signoff-standin-signing-secret',
  interactionsUrl: env.SLACK_INTERACTIONS_URL || 'http://127.0.0.1:3000/slack/interactions',
  users: parseUsers(env.SLACK_USERS ?? DEFAULT_USERS),
  triggerTtlMs: Number(env.SLACK_TRIGGER_TTL_MS || 3000),
  messages: () => messages,
  calls: { push: (call) => calls.push(call) },
});

// JavaScript's length counts UTF-16 code units, as Slack does.
const tooLong = (text, max) => typeof text !== 'string' || text.length > max;

// Every way `blocks` breaks Slack's limits (mirrors app::domain::notify::blocks::problems).
function blockProblems(blocks) {
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const found = [];
  if (blocks.length > LIMITS.blocks) found.push(`${blocks.length} blocks (at most ${LIMITS.blocks})`);
  blocks.forEach((block, n) => {
    const check = (what, text, max) => {
      if (tooLong(text, max)) found.push(`block ${n} ${what}: must be a string of at most ${max} characters`);
    };
    const items = (key) => (Array.isArray(block?.[key]) ? block[key] : []);
    switch (block?.type) {
      case 'header': check('header', block.text?.text, LIMITS.header); break;
      case 'section': {
        if (block.text !== undefined) check('section text', block.text?.text, LIMITS.section);
        const fields = items('fields');
        if (fields.length > LIMITS.fields) found.push(`block ${n}: ${fields.length} fields (at most ${LIMITS.fields})`);
        fields.forEach((field) => check('field', field?.text, LIMITS.field));
        if (block.text === undefined && fields.length === 0) found.push(`block ${n}: a section needs text or fields`);
        break;
      }
      case 'context': {
        const elements = items('elements');
        if (elements.length < 1 || elements.length > LIMITS.contextElements) {
          found.push(`block ${n}: ${elements.length} context elements (1 to ${LIMITS.contextElements})`);
        }
        elements.forEach((element) => check('context element', element?.text, LIMITS.context));
        break;
      }
      case 'actions': {
        const elements = items('elements');
        if (elements.length < 1 || elements.length > LIMITS.actions) {
          found.push(`block ${n}: ${elements.length} actions (1 to ${LIMITS.actions})`);
        }
        elements.forEach((button) => {
          check('button text', button?.text?.text, LIMITS.buttonText);
          check('action_id', button?.action_id, LIMITS.actionId);
          if (button?.value !== undefined) check('button value', button.value, LIMITS.buttonValue);
          if (button?.url !== undefined) check('button url', button.url, LIMITS.buttonUrl);
        });
        break;
      }
      case 'divider': break;
      default: found.push(`block ${n}: unknown type ${JSON.stringify(block?.type)}`);
    }
  });
  return found;
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) return null;
  }
  return body;
}

// Slack takes JSON (with a bearer token) or form fields (blocks as a JSON string).
function parseArgs(req, body) {
  const type = (req.headers['content-type'] || '').split(';')[0].trim();
  if (type === 'application/json') {
    const args = JSON.parse(body || '{}');
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('not an object');
    return args;
  }
  const args = Object.fromEntries(new URLSearchParams(body));
  if (typeof args.blocks === 'string') args.blocks = JSON.parse(args.blocks);
  return args;
}

const bearer = (req, args) => {
  const header = req.headers.authorization || '';
  if (header.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return typeof args.token === 'string' ? args.token : '';
};

const nextTs = () => {
  sequence += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
};

const fail = (error, extra = {}) => ({ ok: false, error, ...extra });

// Text and blocks as Slack checks them before posting or updating.
function contentProblem(args) {
  if (args.blocks !== undefined) {
    let blocks = args.blocks;
    if (typeof blocks === 'string') {
      try { blocks = JSON.parse(blocks); } catch { return fail('invalid_blocks_format'); }
    }
    const problems = blockProblems(blocks);
    if (problems.length) return fail('invalid_blocks', { response_metadata: { messages: problems } });
    args.blocks = blocks;
  }
  if (args.text !== undefined && typeof args.text !== 'string') return fail('invalid_arguments');
  if (!args.text && !(args.blocks || []).length) return fail('no_text');
  if ((args.text || '').length > MAX_TEXT) return fail('msg_too_long');
  return null;
}

const message = (args, ts) => ({
  type: 'message', subtype: 'bot_message', bot_id: 'B0SIGNOFF', ts,
  text: args.text || '', blocks: args.blocks || [],
});

const methods = {
  'chat.postMessage': (args) => {
    if (!channels.has(args.channel)) return fail('channel_not_found');
    const problem = contentProblem(args);
    if (problem) return problem;
    const ts = nextTs();
    const posted = message(args, ts);
    if (!messages.has(args.channel)) messages.set(args.channel, new Map());
    messages.get(args.channel).set(ts, posted);
    return { ok: true, channel: args.channel, ts, message: posted };
  },
  'chat.update': (args) => {
    if (!channels.has(args.channel)) return fail('channel_not_found');
    const posted = messages.get(args.channel)?.get(args.ts);
    if (!posted) return fail('message_not_found');
    const problem = contentProblem(args);
    if (problem) return problem;
    const updated = { ...message(args, args.ts), edited: { user: 'B0SIGNOFF', ts: nextTs() } };
    messages.get(args.channel).set(args.ts, updated);
    return { ok: true, channel: args.channel, ts: args.ts, text: updated.text, message: updated };
  },
  ...interactions.methods,
};

function send(res, status, answer) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(answer));
}

async function api(req, res, method) {
  const body = await readBody(req);
  const call = { method, at: Date.now(), args: null, answer: null };
  calls.push(call);
  let answer;
  if (body === null) {
    answer = fail('request_too_large');
  } else {
    let args;
    try { args = parseArgs(req, body); } catch { args = null; }
    if (args === null) {
      answer = fail('invalid_json');
    } else {
      const given = bearer(req, args);
      delete args.token;
      call.args = args;
      if (!given) answer = fail('not_authed');
      else if (given !== token) answer = fail('invalid_auth');
      else if (!methods[method]) answer = fail('unknown_method');
      else answer = methods[method](args);
    }
  }
  call.answer = answer;
  send(res, 200, answer);
}

// A test's JSON request to one of the stand-in's own controls.
async function control(req, res, handler) {
  const body = await readBody(req);
  let request;
  try { request = JSON.parse(body ?? ''); } catch { request = null; }
  if (typeof request !== 'object' || request === null) return send(res, 400, fail('invalid_json'));
  const { status, answer } = await handler(request);
  return send(res, status, answer);
}

const interact = (request) => interactions.interact(request);

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const method = /^\/api\/([A-Za-z.]+)$/.exec(path);
  if (method && req.method === 'POST') {
    return api(req, res, method[1]).catch((err) => {
      console.error('slack stand-in: call failed:', err);
      if (!res.headersSent) send(res, 500, fail('internal_error'));
    });
  }
  if (path === '/_calls' && req.method === 'GET') {
    const after = Number(new URL(req.url, 'http://x').searchParams.get('after') || 0);
    return send(res, 200, Number.isInteger(after) && after > 0 ? calls.slice(after) : calls);
  }
  if (path === '/_reset' && req.method === 'POST') {
    calls = [];
    messages = new Map();
    interactions.reset();
    return send(res, 200, { ok: true });
  }
  if (path === '/_responses' && req.method === 'GET') return send(res, 200, interactions.responses());
  if (path === '/_views' && req.method === 'GET') return send(res, 200, interactions.views());
  const failed = (err) => {
    console.error('slack stand-in: request failed:', err);
    if (!res.headersSent) send(res, 500, fail('internal_error'));
  };
  if (path === '/_interact' && req.method === 'POST') return control(req, res, interact).catch(failed);
  const respond = /^\/_respond\/([A-Za-z0-9]+)$/.exec(path);
  if (respond && req.method === 'POST') {
    return readBody(req).then((body) => {
      const { status, answer } = interactions.respond(respond[1], body ?? '', req.headers['content-type'] || '');
      send(res, status, answer);
    }).catch(failed);
  }
  if (path === '/' && req.method === 'GET') {
    const user = new URL(req.url, 'http://x').searchParams.get('user') || 'U0ADA';
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    return res.end(page({
      messages, users: interactions.users(), user, views: interactions.views(), responses: interactions.responses(),
    }));
  }
  if ((path === '/_ui/click' || path === '/_ui/submit') && req.method === 'POST') {
    return readBody(req).then(async (body) => {
      const form = Object.fromEntries(new URLSearchParams(body ?? ''));
      const request = path === '/_ui/click'
        ? { type: 'block_actions', user: form.user, channel: form.channel, ts: form.ts, action_id: form.action_id }
        : {
          type: 'view_submission', user: form.user, view_id: form.view_id,
          values: Object.fromEntries(Object.entries(form).filter(([k]) => k.startsWith('value:')).map(([k, v]) => [k.slice(6), v])),
        };
      await interactions.interact(request);
      // Give the app a moment to answer, so the page shows it.
      await new Promise((resolve) => setTimeout(resolve, 700));
      res.statusCode = 303;
      res.setHeader('Location', `/?user=${encodeURIComponent(form.user || '')}`);
      res.end();
    }).catch(failed);
  }
  return send(res, 404, fail('not_found'));
});

server.on('error', (err) => {
  if (err.code === 'EADDRINUSE') {
    console.error(`slack stand-in: port ${port} on 127.0.0.1 is already in use (set SLACK_PORT)`);
  } else {
    console.error('slack stand-in: server error:', err);
  }
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`slack stand-in listening on http://127.0.0.1:${port}/api (channels: ${[...channels].join(', ')})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
