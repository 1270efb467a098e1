// Parts of the client that need no socket-server: version, close-code policy, backoff, token
// expiry, and duplicate dropping (fed by a tiny ws server sending what the real one never does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketClient, VERSION, backoffDelay, shouldReconnect, tokenExpiry } from '../src/index.js';
import { Recorder, mintToken, server } from './harness.mjs';

test('the version is the server version, in the code and in package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.version, server.version);
  assert.equal(VERSION, server.version);
});

test('reconnects on 1001, 1006 and 4000-4499; stops on 4500-4999 and client errors', () => {
  for (const code of [1001, 1006, 1011, 4000, 4001, 4002, 4005, 4499]) assert.equal(shouldReconnect(code), true, `${code}`);
  for (const code of [1000, 1002, 1007, 1008, 1009, 4500, 4501, 4503, 4999]) assert.equal(shouldReconnect(code), false, `${code}`);
});

test('backoff grows exponentially up to the maximum, minus at most the jitter share', () => {
  const options = { minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([0, 3, 5].map((a) => backoffDelay(a, options, () => 1)), [50, 400, 500]);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(2, options);
    assert.ok(d >= 200 && d <= 400, `${d}`);
  }
});

test('tokenExpiry reads exp from the JWT payload, null when unreadable', () => {
  const token = mintToken('alice', 120);
  const exp = tokenExpiry(token);
  assert.ok(Math.abs(exp - (Date.now() + 120_000)) < 2000, `${exp}`);
  assert.equal(tokenExpiry('not-a-jwt'), null);
  assert.equal(tokenExpiry('a.e30.b'), null);
});

test('duplicates are dropped by offset per stream, and a new epoch starts over', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => wss.close());
  await new Promise((resolve) => wss.on('listening', resolve));
  wss.on('connection', (socket) => {
    const frames = [
      ['r', 1, 'A'], ['r', 2, 'A'], ['r', 2, 'A'], ['r', 1, 'A'], ['s', 1, 'A'], ['r', 3, 'A'], ['r', 1, 'B'], ['r', 1, 'B'],
    ];
    for (const [room, offset, epoch] of frames) {
      socket.send(JSON.stringify({ type: 'info', entityId: `${room}${offset}${epoch}`, message: null, room, offset, epoch }));
    }
    socket.send(JSON.stringify({ type: 'info', entityId: 'done', message: null }));
  });
  const client = new SocketClient({ url: `ws://127.0.0.1:${wss.address().port}/ws`, token: 'x', WebSocket });
  t.after(() => client.close());
  const recorder = new Recorder(client);
  client.connect();
  await recorder.until('the last frame', (r) => r.of('notification').some((n) => n.entityId === 'done'));
  assert.deepEqual(recorder.of('notification').map((n) => n.entityId), ['r1A', 'r2A', 's1A', 'r3A', 'r1B', 'done']);
  assert.deepEqual(client.positions['room:r'], { offset: 1, epoch: 'B' });
});
