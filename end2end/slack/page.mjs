// The stand-in's page: the messages posted to each channel, drawn from
// their blocks, with buttons that press themselves through the same signed
// interactions Slack would send, the acting user's open form, and the
// private answers the app gave them. A newcomer's first look at the flow.

const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

// Slack's mrkdwn, roughly: links `<url|text>` and *bold*; the rest as text.
function mrkdwn(text) {
  return escape(text)
    .replace(/&lt;(https?:[^|&]*?)\|(.*?)&gt;/g, (_, url, label) => `<a href="${url}">${label}</a>`)
    .replace(/\*(\S[^*]*?)\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');
}

function hidden(fields) {
  return Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
}

function drawBlock(block, context) {
  switch (block.type) {
    case 'header': return `<h3>${escape(block.text?.text)}</h3>`;
    case 'section': {
      const fields = (block.fields || []).map((f) => `<div class="field">${mrkdwn(f.text)}</div>`).join('');
      return `<div class="section">${block.text ? mrkdwn(block.text.text) : ''}${fields ? `<div class="fields">${fields}</div>` : ''}</div>`;
    }
    case 'context': return `<div class="context">${(block.elements || []).map((e) => mrkdwn(e.text)).join(' · ')}</div>`;
    case 'divider': return '<hr>';
    case 'actions': return `<div class="actions">${(block.elements || []).map((e) => {
      if (e.url) return `<a class="button" href="${escape(e.url)}">${escape(e.text?.text)}</a>`;
      return `<form method="post" action="/_ui/click">${hidden({ ...context, action_id: e.action_id })}`
        + `<button class="${escape(e.style || '')}">${escape(e.text?.text)}</button></form>`;
    }).join('')}</div>`;
    default: return '';
  }
}

function drawView(view, user) {
  const inputs = (view.blocks || []).map((block) => {
    if (block.type !== 'input') return drawBlock(block, {});
    const error = view.errors?.[block.block_id];
    return `<label>${escape(block.label?.text)}<textarea name="value:${escape(block.block_id)}" rows="3"></textarea></label>`
      + (error ? `<p class="error" role="alert">${escape(error)}</p>` : '');
  }).join('');
  return `<section class="modal" aria-label="${escape(view.title?.text)}"><h2>${escape(view.title?.text)}</h2>`
    + `<form method="post" action="/_ui/submit">${hidden({ user, view_id: view.id })}${inputs}`
    + `<button class="primary">${escape(view.submit?.text || 'Submit')}</button></form></section>`;
}

export function page({ messages, users, user, views, responses }) {
  const options = users.map((u) => `<option value="${escape(u.id)}"${u.id === user ? ' selected' : ''}>${escape(u.name)} (${escape(u.email || 'no e-mail')})</option>`).join('');
  const openView = views.filter((v) => v.user === user && v.open).at(-1);
  const channels = [...messages.entries()].map(([channel, posted]) => {
    const items = [...posted.values()].reverse().map((message) => {
      const context = { user, channel, ts: message.ts };
      const answers = responses.filter((r) => r.user === user && r.channel === channel && r.message_ts === message.ts)
        .map((r) => `<p class="private">Only visible to you: ${mrkdwn(r.body.text)}</p>`).join('');
      return `<article class="message" data-ts="${escape(message.ts)}">${(message.blocks || []).map((b) => drawBlock(b, context)).join('')}`
        + `${message.edited ? '<span class="edited">(edited)</span>' : ''}${answers}</article>`;
    }).join('');
    return `<section><h2>#${escape(channel)}</h2>${items || '<p>Nothing posted yet.</p>'}</section>`;
  }).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slack stand-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
${openView ? '' : '<meta http-equiv="refresh" content="3">'}
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;color:#1d1c1d}
.message{border:1px solid #ddd;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
.context{color:#616061;font-size:13px}.fields{display:grid;grid-template-columns:1fr 1fr;gap:.25rem 1rem}
.actions{display:flex;gap:.5rem;margin-top:.5rem}.actions form{margin:0}
button,.button{font:inherit;padding:.3rem .8rem;border:1px solid #bbb;border-radius:4px;background:#fff;color:inherit;text-decoration:none;cursor:pointer}
button.primary{background:#007a5a;color:#fff;border-color:#007a5a}button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
.private{background:#f4ede4;padding:.4rem .6rem;border-radius:4px}.edited{color:#616061;font-size:12px}
.modal{border:2px solid #1d1c1d;border-radius:8px;padding:1rem;margin:1rem 0}.modal textarea{display:block;width:100%}
.error{color:#e01e5a}
</style></head><body>
<h1>Slack stand-in</h1>
<p>What Signoff posted, as Slack would show it. The buttons send signed interactions, as Slack does.</p>
<form method="get" action="/"><label>Acting as <select name="user" onchange="this.form.submit()">${options}</select></label> <noscript><button>Switch</button></noscript></form>
${openView ? drawView(openView, user) : ''}
${channels || '<p>No channel yet.</p>'}
</body></html>`;
}
