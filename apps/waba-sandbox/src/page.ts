/**
 * The customer's side of WhatsApp, for a person: pick a channel (an instance), a customer number
 * and name, write a text or attach an image, and see the instance's answers with their ticks.
 * One static page polling the sandbox's own endpoints; no framework needed for a form and a list.
 */
export const SANDBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp sandbox: play the customer</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #eef1f4; color: #111; }
  header { background: #075e54; color: #fff; padding: 12px 16px; }
  header h1 { font-size: 18px; margin: 0; }
  main { max-width: 720px; margin: 0 auto; padding: 16px; }
  fieldset { border: 0; padding: 0; margin: 0 0 12px; display: flex; gap: 8px; flex-wrap: wrap; }
  label { display: flex; flex-direction: column; font-size: 13px; color: #333; }
  input, select, button { font: inherit; padding: 6px 8px; }
  #thread { background: #e5ddd5; border-radius: 8px; padding: 12px; min-height: 240px; display: flex; flex-direction: column; gap: 6px; }
  .msg img { border-radius: 6px; }
  .msg { max-width: 75%; padding: 6px 10px; border-radius: 8px; white-space: pre-wrap; }
  .in { align-self: flex-end; background: #dcf8c6; }
  .out { align-self: flex-start; background: #fff; }
  .meta { font-size: 11px; color: #555; }
  form.compose { display: flex; gap: 8px; margin-top: 12px; }
  form.compose input[type=text] { flex: 1; }
  #error { color: #a00; min-height: 1.4em; }
</style>
</head>
<body>
<header><h1>WhatsApp sandbox: you are the customer</h1></header>
<main>
  <fieldset>
    <label>Channel (instance)<select id="channel" aria-label="Channel"></select></label>
    <label>Your number<input id="from" value="4915112345678" inputmode="numeric" pattern="[0-9]{5,20}"></label>
    <label>Your name<input id="name" value="Sandbox Customer"></label>
  </fieldset>
  <section id="thread" aria-live="polite" aria-label="Conversation"></section>
  <form class="compose" id="compose">
    <input type="text" id="text" aria-label="Message" placeholder="Type a message" autocomplete="off">
    <input type="file" id="image" aria-label="Attach an image" accept="image/png,image/jpeg,image/webp,image/gif">
    <button type="submit">Send</button>
  </form>
  <p id="error" role="alert"></p>
</main>
<script>
const $ = (id) => document.getElementById(id);
const ticks = { accepted: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓ read', failed: '⚠ failed' };
async function loadChannels() {
  const { results } = await (await fetch('/sandbox/channels')).json();
  const current = $('channel').value;
  $('channel').replaceChildren(...results.map((c) => new Option(c.channel + (c.webhook_registered ? '' : ' (no webhook yet)'), c.channel)));
  if (current) $('channel').value = current;
  if (!results.length) $('error').textContent = 'No instance has connected yet: create one with the Partner API, it registers here when it starts.';
}
async function loadThread() {
  const channel = $('channel').value, from = $('from').value;
  if (!channel || !from) return;
  const { results } = await (await fetch('/sandbox/channels/' + encodeURIComponent(channel) + '/conversations/' + encodeURIComponent(from))).json();
  $('thread').replaceChildren(...results.map((m) => {
    const div = document.createElement('div');
    div.className = 'msg ' + m.direction;
    if (m.media_url) {
      const img = document.createElement('img');
      img.src = m.media_url; img.alt = m.text ?? 'image'; img.style.maxWidth = '240px'; img.style.display = 'block';
      div.append(img);
      if (m.text && m.text !== '[image]') div.append(m.text);
    } else {
      div.textContent = m.text ?? '[' + m.type + ']';
    }
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = new Date(m.timestamp * 1000).toLocaleTimeString() + (m.direction === 'out' ? ' · ' + (ticks[m.status] ?? m.status) : '');
    div.append(meta);
    return div;
  }));
}
$('compose').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const body = { from: $('from').value, name: $('name').value };
  const file = $('image').files[0];
  if (file) {
    const data = btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer())));
    body.image = { data, mime_type: file.type };
  } else {
    body.text = $('text').value;
    if (!body.text) return;
  }
  const res = await fetch('/sandbox/channels/' + encodeURIComponent($('channel').value) + '/inbound', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!res.ok) { $('error').textContent = (await res.json()).error?.message ?? 'Could not send'; return; }
  $('text').value = ''; $('image').value = '';
  loadThread();
});
$('channel').addEventListener('change', loadThread);
loadChannels().then(loadThread);
setInterval(() => { loadChannels(); loadThread(); }, 1500);
</script>
</body>
</html>`;
