// The stand-in's own checks (`node --test end2end/slack/`, run by `cargo
// xtask test`): it signs as Slack documents, its tampered variants do not
// verify, triggers and response_urls keep Slack's limits, and its page
// escapes what it shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sign } from './interactions.mjs';

const SECRET = 'standin-test-secret';
const TOKEN = 'xoxb-standin-test';
const PORT = 20000 + Math.floor(Math.random() * 20000);
const RECEIVER = PORT + 1;
const base = `http://127.0.0.1:${PORT}`;
let standin;
let receiver;
const received = [];

// Verifies as Slack tells apps to, independently of the stand-in's code.
function verifies(headers, body) {
  const ts = headers['x-slack-request-timestamp'];
  const given = headers['x-slack-signature'];
  if (!ts || !given || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

const call = async (method, args) => (await fetch(`${base}/api/${method}`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(args),
})).json();
const control = async (path, body) => (await fetch(`${base}${path}`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
})).json();

async function posted(text = 'A review <script>alert(1)</script>') {
  const answer = await call('chat.postMessage', {
    channel: 'C0REVIEWS', text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'actions', elements: [{ type: 'button', action_id: 'signoff_reject', text: { type: 'plain_text', text: 'Reject…' }, value: 'r-1' }] },
    ],
  });
  assert.equal(answer.ok, true);
  return answer.ts;
}

const click = (ts, extra = {}) => control('/_interact', {
  type: 'block_actions', user: 'U0ADA', channel: 'C0REVIEWS', ts, action_id: 'signoff_reject', url: `http://127.0.0.1:${RECEIVER}/in`, ...extra,
});

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.end(''); });
  }).listen(RECEIVER, '127.0.0.1');
  standin = spawn(process.execPath, [fileURLToPath(new URL('./standin.mjs', import.meta.url))], {
    env: { ...process.env, SLACK_PORT: String(PORT), SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_TRIGGER_TTL_MS: '300' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i += 1) {
    try { await fetch(`${base}/_calls`); return; } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  throw new Error('the stand-in did not start');
});

after(() => { standin?.kill(); receiver?.close(); });

test("signs as Slack's documented example does", () => {
  const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  assert.equal(sign('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body),
    'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
});

test('an interaction verifies, every tampered one does not, and retries and replays resend it', async () => {
  const ts = await posted();
  received.length = 0;
  const sent = await click(ts);
  assert.equal(sent.ok, true);
  assert.equal(received.length, 1);
  assert.ok(verifies(received[0].headers, received[0].body));
  const original = received[0].body;
  const payload = JSON.parse(new URLSearchParams(received[0].body).get('payload'));
  assert.equal(payload.type, 'block_actions');
  assert.equal(payload.actions[0].value, 'r-1');
  assert.equal(payload.trigger_id, sent.trigger_id);
  for (const tamper of ['forged', 'stale', 'wrong_secret', 'body_altered', 'no_signature']) {
    received.length = 0;
    await click(ts, { tamper });
    assert.equal(verifies(received[0].headers, received[0].body), false, tamper);
  }
  received.length = 0;
  await control('/_interact', { replay: sent.interaction_id, retry: 2, url: `http://127.0.0.1:${RECEIVER}/in` });
  await click(ts, { copies: 3 });
  assert.equal(received.length, 4);
  assert.equal(received[0].headers['x-slack-retry-num'], '2');
  assert.equal(received[0].body, original, 'a replay is the same bytes');
});

test('a trigger opens one view, and only while fresh', async () => {
  const ts = await posted();
  const view = { type: 'modal', title: { type: 'plain_text', text: 'Reject review' }, blocks: [{ type: 'input', block_id: 'reason', label: { type: 'plain_text', text: 'Why?' }, element: { type: 'plain_text_input', action_id: 'r' } }] };
  const { trigger_id: fresh } = await click(ts);
  assert.equal((await call('views.open', { trigger_id: fresh, view })).ok, true);
  assert.equal((await call('views.open', { trigger_id: fresh, view })).error, 'expired_trigger_id', 'used once');
  const { trigger_id: late } = await click(ts);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await call('views.open', { trigger_id: late, view })).error, 'expired_trigger_id');
  assert.equal((await call('views.open', { trigger_id: 'made-up', view })).error, 'invalid_trigger_id');
  const { trigger_id: another } = await click(ts);
  const tooLong = { ...view, title: { type: 'plain_text', text: 'x'.repeat(25) } };
  assert.equal((await call('views.open', { trigger_id: another, view: tooLong })).error, 'invalid_arguments');
});

test('a response_url takes five JSON answers and users.info knows the workspace', async () => {
  const ts = await posted();
  received.length = 0;
  await click(ts);
  const url = JSON.parse(new URLSearchParams(received[0].body).get('payload')).response_url;
  const answer = (body, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
  assert.equal((await answer('not json')).status, 400);
  for (let i = 0; i < 5; i += 1) assert.equal((await answer(JSON.stringify({ text: `answer ${i}` }))).status, 200);
  assert.equal((await answer(JSON.stringify({ text: 'sixth' }))).status, 404);
  const ada = await call('users.info', { user: 'U0ADA' });
  assert.equal(ada.user.profile.email, 'ada@example.com');
  assert.equal((await call('users.info', { user: 'U0NOOR' })).user.profile.email, undefined);
  assert.equal((await call('users.info', { user: 'U0NOBODY' })).error, 'user_not_found');
});

test('the page escapes what Slack messages hold', async () => {
  await posted('<script>alert(1)</script> & <b>bold</b>');
  const html = await (await fetch(`${base}/?user=U0ADA`)).text();
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('the call log can be read from where a reader left off', async () => {
  const all = await (await fetch(`${base}/_calls`)).json();
  await posted('one more');
  const rest = await (await fetch(`${base}/_calls?after=${all.length}`)).json();
  assert.equal(rest.length, 1);
  assert.equal(rest[0].method, 'chat.postMessage');
  assert.equal(rest[0].args.text, 'one more');
  assert.ok(Math.abs(Date.now() - rest[0].at) < 60_000, 'stamped when it arrived');
});
