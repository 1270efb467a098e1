// The demo page: a person can watch the JavaScript client (lib/index.js, copied from clients/js
// by the build) connect, enter rooms, receive notifications, reconnect and recover.
// URL parameters: t (token, required), room (entered at start), minDelay (first reconnect delay, ms).
import { SocketClient } from './lib/index.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const token = params.get('t');
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const el = (tag, text, attrs = {}) => Object.assign(document.createElement(tag), { textContent: text }, attrs);

function log(text) {
  $('log').prepend(el('li', `${new Date().toLocaleTimeString()} ${text}`));
}

function problem(text) {
  $('problem').hidden = false;
  $('problem').textContent = text;
}

async function api(method, body) {
  const headers = { 'content-type': 'application/json' };
  const key = $('api-key').value.trim();
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`/api/${method}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(reply.error?.message ?? `HTTP ${response.status}`);
  return reply;
}

if (!token) {
  problem('Open this page with ?t=<token>: mvn -Pdev prints such a URL, or mint one with scripts/mint-token.mjs.');
} else {
  start();
}

function start() {
  try {
    $('user').textContent = `as ${JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub}`;
  } catch {
    // Not readable: the server will say so with 401 (seen as connection attempts failing).
  }
  const minDelay = Number(params.get('minDelay') ?? 1000);
  const client = new SocketClient({ url: wsUrl, token, reconnect: { minDelay, maxDelay: Math.max(minDelay, 20_000) } });
  let presenceRoom = null;
  let countdown = null;

  function renderRooms() {
    const list = $('rooms');
    list.replaceChildren();
    for (const [room, position] of Object.entries(client.rooms)) {
      const item = el('li', `${room} `, { className: 'room' });
      item.dataset.room = room;
      item.append(el('span', position ? `offset ${position.offset} · epoch ${position.epoch}` : 'no history', { className: 'meta' }));
      const watch = el('button', 'presence');
      watch.onclick = () => showPresence(room);
      const leave = el('button', 'leave');
      leave.onclick = () => client.leave(room).then(renderRooms, (e) => log(`leave ${room} failed: ${e.code}`));
      item.append(watch, leave);
      list.append(item);
    }
  }

  async function showPresence(room) {
    presenceRoom = room;
    $('presence-room').textContent = room;
    try {
      const reply = await api('Presence', { room });
      const users = [...new Set(Object.values(reply.presence ?? {}).map((p) => p.userId))].sort();
      $('presence').replaceChildren(...users.map((u) => el('li', u)));
    } catch (e) {
      $('presence').replaceChildren(el('li', `presence needs the API: ${e.message}`));
    }
  }

  client.on('state', (s) => {
    $('state').textContent = s.state;
    $('state').dataset.state = s.state;
    clearInterval(countdown);
    $('countdown').textContent = '';
    if (s.state === 'disconnected') {
      log(`disconnected (close ${s.code}${s.reason ? `: ${s.reason}` : ''}), reconnecting in ${(s.delay / 1000).toFixed(1)} s`);
      const tick = () => {
        $('countdown').textContent = `reconnecting in ${Math.max(0, (s.retryAt - Date.now()) / 1000).toFixed(1)} s`;
      };
      tick();
      countdown = setInterval(tick, 100);
    } else if (s.state === 'connected') {
      log(s.reconnected ? 'reconnected' : 'connected');
    } else if (s.state === 'closed') {
      log(`closed for good (close ${s.code}: ${s.reason})`);
    }
  });
  client.on('notification', (n) => {
    const body = typeof n.message === 'string' ? n.message : JSON.stringify(n.message);
    const item = el('li', `${body} `, { className: 'notification' });
    item.dataset.room = n.room ?? n.stream;
    item.dataset.offset = n.offset ?? '';
    item.append(el('span', `${n.room ? `room ${n.room}` : n.stream}${n.offset !== undefined ? ` · offset ${n.offset}` : ''} · ${n.type || 'unspecified'} · ${n.entityId}`, { className: 'meta' }));
    $('notifications').prepend(item);
    renderRooms();
  });
  client.on('recovered', (r) => {
    log(`${r.stream === 'room' ? `room ${r.room}` : `${r.stream} stream`}: ${r.recovered ? 'recovered, nothing missed' : 'NOT recovered (refetch)'}`);
    renderRooms();
  });
  for (const kind of ['join', 'leave']) {
    client.on(kind, (p) => {
      log(`${p.user} ${kind === 'join' ? 'joined' : 'left'} ${p.room}`);
      if (p.room === presenceRoom) showPresence(p.room);
    });
  }
  client.on('error', (e) => log(`error ${e.code}: ${e.message}`));

  async function enter(room) {
    try {
      const entered = await client.enter(room);
      log(`entered ${room}${entered.offset !== undefined ? ` at offset ${entered.offset}` : ''}`);
      renderRooms();
      showPresence(room);
    } catch (e) {
      log(`enter ${room} failed: ${e.code}: ${e.message}`);
    }
  }

  $('enter-form').onsubmit = (event) => {
    event.preventDefault();
    enter($('room-input').value.trim());
  };
  $('publish-form').onsubmit = async (event) => {
    event.preventDefault();
    const room = $('publish-room').value.trim();
    const text = $('publish-text').value;
    try {
      const reply = await api('Publish', {
        room,
        message: { type: 'TYPE_INFO', entityId: 'demo', message: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: text } },
      });
      $('publish-result').textContent = `published to ${room}${reply.position ? ` at offset ${reply.position.offset}` : ''}`;
    } catch (e) {
      $('publish-result').textContent = `publish failed: ${e.message}`;
    }
  };

  client.connect();
  if (params.get('room')) enter(params.get('room'));
  window.demoClient = client;
}
