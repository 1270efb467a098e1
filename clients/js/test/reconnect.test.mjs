// Reconnect and recovery against the real server: a listener outage, a forced reconnect
// (Disconnect with reconnect), a full restart (history lost: recovered:false), and a 45xx
// close that stops the client.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Recorder, api, closeAll, control, mintToken, newClient, publish, uniqueUser } from './harness.mjs';

afterEach(closeAll);

/** A token callback whose calls after the first wait until `release()`: holds a reconnect back. */
function gatedToken(user) {
  let calls = 0;
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  return {
    token: async () => (++calls === 1 ? mintToken(user) : (await gate, mintToken(user))),
    release: () => release(),
  };
}

async function seeded(user, room) {
  const gated = gatedToken(user);
  const client = newClient({ token: gated.token });
  const recorder = new Recorder(client);
  client.connect();
  await client.enter(room);
  await publish({ room }, 'r1');
  await publish({ userId: user }, 'p1');
  await publish({ all: {} }, `a1-${user}`);
  await recorder.until('the first notifications', (r) => r.bodies(room).length === 1 && r.bodies('private').length === 1
    && r.bodies('all').includes(`a1-${user}`));
  return { client, recorder, gated };
}

test('a forced reconnect (Disconnect, 4005): what was published meanwhile arrives exactly once', async () => {
  const user = uniqueUser();
  const room = `forced-${user}`;
  const { client, recorder, gated } = await seeded(user, room);
  const closed = await api('Disconnect', { userId: user, reconnect: true });
  assert.equal(closed.connections, 1);
  await recorder.until('disconnected with 4005', (r) => r.of('state').some((s) => s.state === 'disconnected' && s.code === 4005));
  await publish({ room }, 'r2');
  await publish({ room }, 'r3');
  await publish({ userId: user }, 'p2');
  await publish({ all: {} }, `a2-${user}`);
  gated.release();
  await recorder.until('recovered room, all and private', (r) => ['room', 'all', 'private']
    .every((s) => r.of('recovered').some((e) => e.stream === s)));
  for (const event of recorder.of('recovered')) assert.equal(event.recovered, true, JSON.stringify(event));
  await publish({ room }, 'r4');
  await recorder.until('r4', (r) => r.bodies(room).includes('r4'));
  assert.deepEqual(recorder.bodies(room), ['r1', 'r2', 'r3', 'r4']);
  assert.deepEqual(recorder.bodies('private'), ['p1', 'p2']);
  assert.deepEqual(recorder.bodies('all').filter((b) => b.endsWith(user)), [`a1-${user}`, `a2-${user}`]);
  const states = recorder.of('state').map((s) => s.state);
  assert.deepEqual(states, ['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
  assert.equal(recorder.of('state')[4].reconnected, true);
  assert.equal(client.state, 'connected');
});

test('the WebSocket listener goes down and comes back: the client retries with backoff and recovers', async () => {
  const user = uniqueUser();
  const room = `outage-${user}`;
  const { recorder, gated } = await seeded(user, room);
  gated.release();
  await control('listener/stop');
  try {
    await recorder.until('disconnected with 1006', (r) => r.of('state').some((s) => s.state === 'disconnected' && s.code === 1006));
    await publish({ room }, 'r2');
    await publish({ userId: user }, 'p2');
    await recorder.until('two failed attempts', (r) => r.of('state').filter((s) => s.state === 'disconnected').length >= 3);
  } finally {
    await control('listener/start');
  }
  await recorder.until('recovered room and private', (r) => ['room', 'private'].every((s) => r.of('recovered').some((e) => e.stream === s)));
  for (const event of recorder.of('recovered')) assert.equal(event.recovered, true, JSON.stringify(event));
  await publish({ room }, 'r3');
  await recorder.until('r3', (r) => r.bodies(room).includes('r3'));
  assert.deepEqual(recorder.bodies(room), ['r1', 'r2', 'r3']);
  assert.deepEqual(recorder.bodies('private'), ['p1', 'p2']);
  const delays = recorder.of('state').filter((s) => s.state === 'disconnected').map((s) => s.delay);
  assert.ok(delays.every((d) => d >= 25 && d <= 500), JSON.stringify(delays));
  const attempts = recorder.of('state').filter((s) => s.state === 'connecting').map((s) => s.attempt);
  assert.deepEqual(attempts, attempts.map((_, i) => i), 'each failed attempt counts towards the backoff');
});

test('a server restart loses the history: the client reconnects, re-enters, and reports recovered:false', async () => {
  const user = uniqueUser();
  const room = `restart-${user}`;
  const { client, recorder, gated } = await seeded(user, room);
  gated.release();
  const before = client.rooms[room];
  await control('restart');
  await recorder.until('recovered events for room, all and private', (r) => ['room', 'all', 'private']
    .every((s) => r.of('recovered').some((e) => e.stream === s)));
  const byStream = Object.fromEntries(recorder.of('recovered').map((e) => [e.stream, e]));
  for (const event of Object.values(byStream)) assert.equal(event.recovered, false, JSON.stringify(event));
  assert.notEqual(byStream.room.epoch, before.epoch, 'a new epoch after the restart');
  assert.equal(recorder.of('state').find((s) => s.state === 'disconnected').code, 1001);
  await publish({ room }, 'after restart');
  await recorder.until('the new notification', (r) => r.bodies(room).includes('after restart'));
  assert.deepEqual(recorder.bodies(room), ['r1', 'after restart']);
  assert.deepEqual(client.rooms[room], { offset: 1, epoch: byStream.room.epoch });
});

test('Disconnect without reconnect (4503) stops the client and says why', async () => {
  const user = uniqueUser();
  const client = newClient({ token: mintToken(user) }).connect();
  const recorder = new Recorder(client);
  await client.enter('stopped');
  await api('Disconnect', { userId: user, reconnect: false });
  await recorder.state('closed');
  const [closed] = recorder.of('closed');
  assert.equal(closed.code, 4503);
  assert.equal(closed.byServer, true);
  assert.ok(closed.reason.length > 0);
  // An absence can only be seen by waiting: three times the longest backoff, no reconnect attempt.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(recorder.of('state').map((s) => s.state), ['connected', 'closed']);
  assert.equal((await api('PresenceStats', { room: 'stopped' })).numClients ?? 0, 0);
});
