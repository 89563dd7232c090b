// Slack's side of the buttons, for the stand-in (standin.mjs): the Web API
// methods an app calls while handling a click (users.info, views.open), the
// interactions themselves, sent to the app signed as Slack signs them
// (including forged, stale, altered, retried and replayed ones), and the
// response_url each interaction carries, where the app's private answers
// are recorded.

import { createHmac, randomBytes } from 'node:crypto';

const TEAM = { id: 'T0SIGNOFF', domain: 'signoff-standin' };
const APP_ID = 'A0SIGNOFF';
// Slack's limits on a response_url: five uses within thirty minutes.
const RESPONSE_USES = 5;
const RESPONSE_MS = 30 * 60_000;
// A view's limits, as Slack documents them for modals.
const VIEW = { title: 24, button: 24, blocks: 100, callbackId: 255, privateMetadata: 3000, label: 2000 };

// `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`, as Slack signs requests.
export function sign(secret, timestamp, body) {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

// `U0ADA=ada@example.com,...`: who the stand-in's workspace has.
export function parseUsers(text) {
  const users = new Map();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, email = ''] = entry.split('=').map((s) => s.trim());
    const name = (email.split('@')[0] || id.replace(/^U0/, '')).toLowerCase();
    users.set(id, { id, name, email: email || null });
  }
  return users;
}

export const DEFAULT_USERS = 'U0ADA=ada@example.com,U0BOB=bob@example.com,U0LEE=lee@example.com,'
  + 'U0VAL=val@example.com,U0DANA=dana@example.com,U0ROOT=root@example.com,U0NOOR=,'
  + 'U0STRANGER=stranger@example.com';

const tooLong = (text, max) => typeof text !== 'string' || text.length > max;

// Every way `view` breaks Slack's limits for a modal.
export function viewProblems(view) {
  if (typeof view !== 'object' || view === null) return ['view must be an object'];
  const found = [];
  if (view.type !== 'modal') found.push('view.type must be "modal"');
  const plain = (what, value, max, required) => {
    if (value === undefined && !required) return;
    if (value?.type !== 'plain_text' || tooLong(value?.text, max)) {
      found.push(`${what} must be plain_text of at most ${max} characters`);
    }
  };
  plain('title', view.title, VIEW.title, true);
  plain('submit', view.submit, VIEW.button, false);
  plain('close', view.close, VIEW.button, false);
  if (view.callback_id !== undefined && tooLong(view.callback_id, VIEW.callbackId)) found.push('callback_id too long');
  if (view.private_metadata !== undefined && tooLong(view.private_metadata, VIEW.privateMetadata)) {
    found.push(`private_metadata over ${VIEW.privateMetadata} characters`);
  }
  const blocks = Array.isArray(view.blocks) ? view.blocks : null;
  if (!blocks) found.push('blocks must be an array');
  else {
    if (blocks.length > VIEW.blocks) found.push(`${blocks.length} blocks (at most ${VIEW.blocks})`);
    blocks.forEach((block, n) => {
      if (block?.type !== 'input') return;
      plain(`block ${n} label`, block.label, VIEW.label, true);
      if (typeof block.element?.action_id !== 'string') found.push(`block ${n}: an input needs an element with an action_id`);
    });
  }
  return found;
}

export function createInteractions({ port, secret, interactionsUrl, users, triggerTtlMs, messages, calls }) {
  let sent = new Map(); // interaction id → what was sent (for replays)
  let triggers = new Map(); // trigger_id → { user, at, used }
  let views = new Map(); // view id → view
  let responses = []; // posts to response_urls
  let responseUrls = new Map(); // id → { user, channel, message_ts, at, uses }
  let sequence = 0;

  const next = (prefix) => { sequence += 1; return `${prefix}${Date.now()}${String(sequence).padStart(4, '0')}`; };
  const userOf = (id) => users.get(id) || { id, name: id.toLowerCase(), email: null };
  const slackUser = (user) => ({ id: user.id, username: user.name, name: user.name, team_id: TEAM.id });

  function newTrigger(user) {
    const id = `${Date.now()}.${randomBytes(6).toString('hex')}.${randomBytes(8).toString('hex')}`;
    triggers.set(id, { user, at: Date.now(), used: false });
    return id;
  }

  function newResponseUrl(user, channel, messageTs) {
    const id = next('R');
    responseUrls.set(id, { user, channel, message_ts: messageTs, at: Date.now(), uses: 0 });
    return `http://127.0.0.1:${port}/_respond/${id}`;
  }

  const methods = {
    'users.info': (args) => {
      const user = users.get(args.user);
      if (!user) return { ok: false, error: 'user_not_found' };
      const profile = { real_name: user.name, display_name: user.name };
      if (user.email) profile.email = user.email;
      return {
        ok: true,
        user: { id: user.id, team_id: TEAM.id, name: user.name, real_name: user.name, deleted: false, is_bot: false, profile },
      };
    },
    'views.open': (args) => {
      const trigger = triggers.get(args.trigger_id);
      if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
      if (trigger.used || Date.now() - trigger.at > triggerTtlMs) return { ok: false, error: 'expired_trigger_id' };
      let view = args.view;
      if (typeof view === 'string') {
        try { view = JSON.parse(view); } catch { return { ok: false, error: 'invalid_arguments' }; }
      }
      const problems = viewProblems(view);
      if (problems.length) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } };
      trigger.used = true;
      const id = next('V');
      const opened = { ...view, id, hash: next('H'), team_id: TEAM.id, app_id: APP_ID, user: trigger.user, open: true, errors: null };
      views.set(id, opened);
      return { ok: true, view: opened };
    },
  };

  // The stored message at channel/ts, and its button with `actionId`.
  function button(channel, ts, actionId) {
    const message = messages().get(channel)?.get(ts);
    if (!message) return { error: `no message ${channel}/${ts}` };
    for (const block of message.blocks || []) {
      if (block.type !== 'actions') continue;
      const element = (block.elements || []).find((e) => e.action_id === actionId);
      if (element) return { message, block, element };
    }
    return { error: `the message has no button ${actionId}` };
  }

  function blockActions(request, user) {
    const found = button(request.channel, request.ts, request.action_id);
    if (found.error) return found;
    const { message, block, element } = found;
    const triggerId = newTrigger(user.id);
    return {
      triggerId,
      payload: {
        type: 'block_actions',
        user: slackUser(user),
        api_app_id: APP_ID,
        token: 'legacy-verification-token',
        container: { type: 'message', message_ts: request.ts, channel_id: request.channel, is_ephemeral: false },
        trigger_id: triggerId,
        team: TEAM,
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: request.channel, name: 'reviews' },
        message,
        state: { values: {} },
        response_url: newResponseUrl(user.id, request.channel, request.ts),
        actions: [{
          type: 'button', action_id: element.action_id, block_id: block.block_id || 'actions',
          text: element.text, value: element.value, style: element.style, action_ts: `${Date.now() / 1000}`,
        }],
      },
    };
  }

  function viewSubmission(request, user) {
    const view = views.get(request.view_id);
    if (!view || !view.open) return { error: `no open view ${request.view_id}` };
    if (view.user !== user.id) return { error: `view ${request.view_id} is not ${user.id}'s` };
    const values = {};
    for (const block of view.blocks || []) {
      if (block.type !== 'input') continue;
      const actionId = block.element.action_id;
      values[block.block_id] = { [actionId]: { type: block.element.type, value: request.values?.[block.block_id] ?? null } };
    }
    const triggerId = newTrigger(user.id);
    return {
      triggerId,
      view,
      payload: {
        type: 'view_submission',
        team: TEAM,
        user: slackUser(user),
        api_app_id: APP_ID,
        token: 'legacy-verification-token',
        trigger_id: triggerId,
        view: {
          id: view.id, team_id: TEAM.id, type: 'modal', callback_id: view.callback_id,
          private_metadata: view.private_metadata, title: view.title, blocks: view.blocks,
          state: { values }, hash: view.hash, app_id: APP_ID,
        },
        response_urls: [],
      },
    };
  }

  // The request Slack would send, signed (or tampered with as asked).
  function signedRequest(payload, tamper, retry) {
    let body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    let timestamp = Math.floor(Date.now() / 1000);
    if (tamper === 'stale') timestamp -= 6 * 60;
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' };
    let signature = sign(secret, timestamp, body);
    if (tamper === 'forged') signature = `v0=${randomBytes(32).toString('hex')}`;
    if (tamper === 'wrong_secret') signature = sign(`${secret}-not`, timestamp, body);
    if (tamper === 'body_altered') body = body.replace('block_actions', 'block_actionz').concat('&extra=1');
    if (tamper !== 'no_signature') {
      headers['X-Slack-Request-Timestamp'] = String(timestamp);
      headers['X-Slack-Signature'] = signature;
    }
    if (retry) {
      headers['X-Slack-Retry-Num'] = String(retry);
      headers['X-Slack-Retry-Reason'] = 'http_timeout';
    }
    return { headers, body };
  }

  async function deliver(url, request) {
    const started = performance.now();
    try {
      const answer = await fetch(url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'manual' });
      const body = await answer.text();
      return { status: answer.status, body, ms: performance.now() - started };
    } catch (err) {
      return { status: 0, body: String(err?.cause?.code || err), ms: performance.now() - started };
    }
  }

  // POST /_interact: builds, signs and sends one interaction (or replays one).
  async function interact(request) {
    const url = request.url || interactionsUrl;
    const copies = Math.max(1, Math.min(Number(request.copies) || 1, 100));
    let record;
    if (request.replay) {
      const earlier = sent.get(request.replay);
      if (!earlier) return { status: 404, answer: { ok: false, error: `no interaction ${request.replay}` } };
      const wire = request.retry ? { headers: { ...earlier.wire.headers, 'X-Slack-Retry-Num': String(request.retry), 'X-Slack-Retry-Reason': 'http_timeout' }, body: earlier.wire.body } : earlier.wire;
      record = { ...earlier, id: next('I'), wire, replay_of: request.replay };
    } else {
      const user = userOf(String(request.user || ''));
      const built = request.type === 'view_submission' ? viewSubmission(request, user)
        : request.type === 'block_actions' ? blockActions(request, user)
          : { error: 'type must be block_actions or view_submission' };
      if (built.error) return { status: 400, answer: { ok: false, error: built.error } };
      const wire = signedRequest(built.payload, request.tamper, request.retry);
      record = { id: next('I'), type: request.type, user: user.id, trigger_id: built.triggerId, view: built.view, wire, tamper: request.tamper || null };
    }
    const results = await Promise.all(Array.from({ length: copies }, () => deliver(url, record.wire)));
    sent.set(record.id, record);
    calls.push({ method: 'interaction', at: Date.now(), args: { type: record.type, user: record.user, tamper: record.tamper, replay_of: record.replay_of || null, copies }, answer: results.map((r) => r.status) });
    if (record.type === 'view_submission' && record.view && results.some((r) => r.status === 200)) {
      // Slack closes the form on an empty answer and keeps it open with errors.
      const first = results.find((r) => r.status === 200);
      let answer = null;
      try { answer = first.body ? JSON.parse(first.body) : null; } catch { answer = null; }
      if (answer?.response_action === 'errors') record.view.errors = answer.errors;
      else { record.view.open = false; record.view.errors = null; }
    }
    return { status: 200, answer: { ok: true, interaction_id: record.id, trigger_id: record.trigger_id, sent: results } };
  }

  // POST /_respond/<id>: an app's answer to an interaction.
  function respond(id, body, contentType) {
    const url = responseUrls.get(id);
    if (!url) return { status: 404, answer: { ok: false, error: 'no_such_response_url' } };
    if (Date.now() - url.at > RESPONSE_MS) return { status: 404, answer: { ok: false, error: 'expired_url' } };
    if (url.uses >= RESPONSE_USES) return { status: 404, answer: { ok: false, error: 'used_url' } };
    let parsed;
    try { parsed = JSON.parse(body); } catch { parsed = null; }
    if (!contentType.startsWith('application/json') || typeof parsed !== 'object' || parsed === null) {
      return { status: 400, answer: { ok: false, error: 'invalid_payload' } };
    }
    if (!parsed.text && !(parsed.blocks || []).length && !parsed.delete_original) {
      return { status: 400, answer: { ok: false, error: 'no_text' } };
    }
    url.uses += 1;
    responses.push({ id, at: Date.now(), user: url.user, channel: url.channel, message_ts: url.message_ts, body: parsed });
    calls.push({ method: 'response_url', at: Date.now(), args: parsed, answer: { ok: true } });
    return { status: 200, answer: { ok: true } };
  }

  return {
    methods,
    interact,
    respond,
    responses: () => responses,
    views: () => [...views.values()],
    users: () => [...users.values()],
    reset() {
      sent = new Map(); triggers = new Map(); views = new Map(); responses = []; responseUrls = new Map();
    },
  };
}
