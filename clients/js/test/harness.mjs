// What the tests share: the real server started by JsClientIT (its addresses come in the
// environment), tokens minted with its secret, publishing through its HTTP API, and a control
// endpoint that restarts the server or its WebSocket listener.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import WebSocket from 'ws';
import { SocketClient } from '../src/index.js';

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests run against the server JsClientIT starts (mvn verify -Dit.test=JsClientIT)`);
  }
  return value;
}

export const server = {
  wsUrl: env('SS_WS_URL'),
  apiUrl: env('SS_API_URL'),
  controlUrl: env('SS_CONTROL_URL'),
  secret: env('SS_SECRET'),
  apiKey: env('SS_API_KEY'),
  version: env('SS_VERSION'),
};

let users = 0;
/** A user name no other test uses, so private streams and Disconnect calls stay apart. */
export function uniqueUser(prefix = 'user') {
  return `${prefix}-${process.pid}-${++users}`;
}

/** An HS256 JWT for `sub`, expiring `ttlSeconds` from now. */
export function mintToken(sub, ttlSeconds = 3600) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + ttlSeconds })}`;
  return `${body}.${createHmac('sha256', server.secret).update(body).digest('base64url')}`;
}

/** POST /api/<method>; resolves with the parsed reply, rejects on a status other than 200. */
export async function api(method, body) {
  const response = await fetch(`${server.apiUrl}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`${method} answered ${response.status}: ${text}`);
  }
  return text ? JSON.parse(text) : {};
}

/** Publishes a string body to one target (`{room}`, `{userId}` or `{all: {}}`); resolves with its position. */
export async function publish(target, text) {
  const reply = await api('Publish', {
    ...target,
    message: {
      type: 'TYPE_INFO',
      entityId: text,
      message: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: text },
    },
  });
  return reply.position;
}

/** Asks JsClientIT to do something to the server: `restart`, `listener/stop`, `listener/start`. */
export async function control(action) {
  const response = await fetch(`${server.controlUrl}/${action}`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
  if (response.status !== 204) {
    throw new Error(`control ${action} answered ${response.status}: ${await response.text()}`);
  }
}

/** A client of the test server using the ws package; closed by {@link closeAll}. */
const clients = [];
export function newClient(options) {
  const client = new SocketClient({
    url: server.wsUrl,
    WebSocket,
    reconnect: { minDelay: 50, maxDelay: 500 },
    requestTimeout: 5000,
    ...options,
  });
  clients.push(client);
  return client;
}

export function closeAll() {
  clients.splice(0).forEach((c) => c.close());
}

/**
 * Records every event of a client, in order, and waits for the ones a test expects, with a
 * deadline (never a fixed sleep).
 */
export class Recorder {
  constructor(client, events = ['state', 'notification', 'recovered', 'join', 'leave', 'error', 'closed', 'refreshed']) {
    this.events = [];
    this.waiters = [];
    for (const name of events) {
      client.on(name, (value) => {
        this.events.push({ name, value });
        this.waiters = this.waiters.filter((w) => !w.check());
      });
    }
  }

  of(name) {
    return this.events.filter((e) => e.name === name).map((e) => e.value);
  }

  /** Resolves once `predicate(recorder)` holds; rejects after `timeout` ms saying what it waited for. */
  until(what, predicate, timeout = 15_000) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          if (!predicate(this)) return false;
          clearTimeout(waiter.timer);
          resolve();
          return true;
        },
      };
      if (waiter.check()) return;
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; events: ${JSON.stringify(this.events)}`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the client is in `state` for the `n`th time. */
  state(state, n = 1) {
    return this.until(`state ${state} #${n}`, (r) => r.of('state').filter((s) => s.state === state).length >= n);
  }

  /** Entity ids of the notifications received so far on `stream` (room name, `all`, `private`). */
  bodies(stream) {
    return this.of('notification')
      .filter((n) => (n.room ?? n.stream) === stream)
      .map((n) => n.message);
  }
}

export { once };
