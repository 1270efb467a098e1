// Compiled (never run) by types.test.mjs: the declarations in src/index.d.ts describe the API as
// the README uses it, and reject what the API does not have.
import { SocketClient, SocketServerError, VERSION, shouldReconnect, type Notification, type Position } from '../src/index.js';

const client = new SocketClient({
  url: 'ws://127.0.0.1:3003/ws',
  token: async () => 'token',
  WebSocket: globalThis.WebSocket,
  reconnect: { minDelay: 100 },
  positions: { all: { offset: 1, epoch: 'e' } },
});
const off = client.on('notification', (n: Notification) => console.log(n.offset ?? 0, n.stream, n.room?.length, n.message));
client.on('state', (s) => console.log(s.state === 'disconnected' ? s.retryAt : s.code));
client.on('recovered', (r) => { if (!r.recovered) console.log(r.room ?? r.stream); });
client.on('join', (p) => console.log(p.user, p.room));
client.on('error', (e) => console.log(e.code));
client.on('closed', (c) => console.log(c.byServer, c.code, c.reason));
client.connect().enter('orders').then((r) => console.log(r.offset, r.epoch, r.recovered), (e: SocketServerError) => console.log(e.code));
const rooms: Record<string, Position | null> = client.rooms;
console.log(VERSION, shouldReconnect(1006), rooms, client.positions.all?.epoch);
off();
// @ts-expect-error: no such event
client.on('message', () => {});
// @ts-expect-error: the token is a string or a function returning one
new SocketClient({ url: 'ws://x/ws', token: 42 });
