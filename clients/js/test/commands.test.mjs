// enter/leave/ping, notifications of every stream, presence and typed errors, against the real server.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { SocketServerError } from '../src/index.js';
import { Recorder, api, closeAll, mintToken, newClient, publish, uniqueUser } from './harness.mjs';

afterEach(closeAll);

test('enter resolves with the room position; notifications of the room, the user and everyone arrive', async () => {
  const user = uniqueUser();
  const client = newClient({ token: mintToken(user) });
  const recorder = new Recorder(client);
  client.connect();
  const room = `orders-${user}`;
  const before = await publish({ room }, 'before');
  const entered = await client.enter(room);
  assert.equal(entered.room, room);
  assert.equal(entered.offset, before.offset === undefined ? 1 : Number(before.offset));
  assert.equal(entered.epoch, before.epoch);
  assert.equal(client.state, 'connected');

  await publish({ room }, 'shipped');
  await publish({ userId: user }, 'just for you');
  await recorder.until('room and private notifications', (r) => r.bodies(room).length === 1 && r.bodies('private').length === 1);
  const [roomNote] = recorder.of('notification').filter((n) => n.room === room);
  assert.equal(roomNote.message, 'shipped');
  assert.equal(roomNote.type, 'info');
  assert.equal(roomNote.offset, entered.offset + 1);
  assert.equal(roomNote.stream, 'room');
  assert.deepEqual(recorder.bodies('private'), ['just for you']);
  assert.deepEqual(client.rooms[room], { offset: entered.offset + 1, epoch: entered.epoch });
  assert.equal(recorder.of('recovered').length, 0, 'nothing to recover on a first connection');

  assert.deepEqual(await client.ping(), { id: 2, ok: true, pong: true });
  await client.leave(room);
  assert.equal(client.rooms[room], undefined);
  await publish({ room }, 'after leaving');
  await publish({ userId: user }, 'marker');
  await recorder.until('the marker', (r) => r.bodies('private').includes('marker'));
  assert.deepEqual(recorder.bodies(room), ['shipped'], 'nothing from a room left');
});

test('enter called before the connection opens is sent once it is open', async () => {
  const client = newClient({ token: async () => mintToken(uniqueUser()) });
  const pending = client.enter('early');
  client.connect();
  const entered = await pending;
  assert.equal(entered.room, 'early');
  assert.equal(client.state, 'connected');
});

test('errors reject enter with the server code and keep the connection', async () => {
  const client = newClient({ token: mintToken(uniqueUser()) }).connect();
  await assert.rejects(client.enter(''), (e) => e instanceof SocketServerError && e.code === 'bad_request' && e.room === '');
  for (let i = 0; i < 4; i++) await client.enter(`limit-${i}`);
  await assert.rejects(client.enter('limit-4'), (e) => e.code === 'limit_exceeded' && /rooms/.test(e.message));
  assert.deepEqual(Object.keys(client.rooms).sort(), ['limit-0', 'limit-1', 'limit-2', 'limit-3']);
  assert.equal(client.state, 'connected', 'an error frame keeps the connection');
  assert.deepEqual(await client.ping(), { id: 7, ok: true, pong: true });
});

test('enter times out when no reply comes in time; ping rejects at once when not connected', async () => {
  const client = newClient({ token: () => new Promise(() => {}) }).connect();
  assert.equal(client.state, 'connecting');
  await assert.rejects(client.enter('never', { timeout: 100 }), (e) => e.code === 'timeout' && e.room === 'never');
  assert.deepEqual(client.rooms, {}, 'a room whose enter timed out is not re-entered later');
  await assert.rejects(client.ping(), (e) => e.code === 'disconnected');
});

test('presence: join and leave of other members of a presence room', async () => {
  const room = `presence:${uniqueUser('room')}`;
  const watcher = newClient({ token: mintToken(uniqueUser('watcher')) }).connect();
  const recorder = new Recorder(watcher);
  await watcher.enter(room);
  const visitorName = uniqueUser('visitor');
  const visitor = newClient({ token: mintToken(visitorName) }).connect();
  await visitor.enter(room);
  await recorder.until('join', (r) => r.of('join').some((j) => j.user === visitorName));
  await visitor.leave(room);
  await recorder.until('leave', (r) => r.of('leave').some((j) => j.user === visitorName));
  const [join] = recorder.of('join').filter((j) => j.user === visitorName);
  assert.equal(join.room, room);
  assert.equal(typeof join.client, 'string');
  const stats = await api('PresenceStats', { room });
  assert.equal(stats.numUsers, 1);
});

test('the token callback refreshes the token before it expires: the connection outlives every token', async () => {
  const user = uniqueUser();
  let minted = 0;
  const client = newClient({ token: () => { minted++; return mintToken(user, 3); } });
  const recorder = new Recorder(client);
  client.connect();
  await client.enter('refresh-room');
  await recorder.until('two refreshes', (r) => r.of('refreshed').length >= 2, 15_000);
  // Past the expiry of the first two tokens: without refresh the server would have closed with 4001.
  await publish({ userId: user }, 'still here');
  await recorder.until('a notification', (r) => r.bodies('private').includes('still here'));
  assert.deepEqual(recorder.of('state').map((s) => s.state), ['connecting', 'connected']);
  assert.ok(minted >= 3, `${minted}`);
  assert.equal(recorder.of('error').length, 0, JSON.stringify(recorder.of('error')));
});

test('a static token that has expired stops the client instead of retrying forever', async () => {
  const client = newClient({ token: mintToken(uniqueUser(), -60) });
  const recorder = new Recorder(client);
  client.connect();
  await recorder.state('closed');
  const [closed] = recorder.of('closed');
  assert.equal(closed.code, 4001);
  assert.match(closed.reason, /expired/);
  await assert.rejects(client.enter('x'), (e) => e.code === 'closed');
});

test('a room the backend subscribed the user to is tracked from its first notification', async () => {
  const user = uniqueUser();
  const room = `subscribed-${user}`;
  const client = newClient({ token: mintToken(user) });
  const recorder = new Recorder(client);
  client.connect();
  await recorder.state('connected');
  // `connected` is the socket's open event, which can come before the server has registered
  // the connection; any reply proves it has (README: "connected").
  await client.ping();
  assert.equal((await api('Subscribe', { userId: user, room })).connections, 1);
  const position = await publish({ room }, 'welcome');
  await recorder.until('the room notification', (r) => r.bodies(room).includes('welcome'));
  assert.deepEqual(client.rooms[room], { offset: Number(position.offset), epoch: position.epoch });
  await client.leave(room);
  assert.equal(client.rooms[room], undefined);
});
