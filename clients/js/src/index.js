// socket-server JavaScript client: WebSocket protocol v1 (see the server's README).
// No runtime dependencies: browsers use their WebSocket; Node passes one (the `ws` package)
// as the `WebSocket` option, or uses the global one where the runtime has it.

/** This client's version; released with the server of the same version. */
export const VERSION = '0.1.0-SNAPSHOT';

/** Close codes after which the client reconnects by itself (besides 4000–4499). */
const RECONNECT_CODES = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014]);

/** Epoch no stream has: asks the server for a stream's current position without replaying. */
const DISCOVER_EPOCH = '-';

/**
 * Whether the server's close code asks for a reconnect: 1001 (going away), 1006 (connection
 * lost), server restarts/errors, and 4000–4499. 4500–4999 and protocol errors mean "do not
 * reconnect without a change".
 */
export function shouldReconnect(code) {
  return RECONNECT_CODES.has(code) || (code >= 4000 && code <= 4499);
}

/** A failed command: `code` is the server's error code, or `timeout`, `disconnected`, `closed`, `cancelled`. */
export class SocketServerError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'SocketServerError';
    this.code = code;
    Object.assign(this, details);
  }
}

/**
 * The `exp` claim of a JWT in milliseconds since the epoch, or null when the token has none or
 * cannot be read (the client then never schedules a refresh).
 */
export function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(decodeBase64(payload));
    return typeof json.exp === 'number' ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}

function decodeBase64(b64) {
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `minDelay` up to
 * `maxDelay`, of which a random share up to `jitter` is taken off so that clients dropped
 * together do not come back together.
 */
export function backoffDelay(attempt, { minDelay, maxDelay, factor, jitter }, random = Math.random) {
  const exp = Math.min(maxDelay, minDelay * Math.pow(factor, attempt));
  return Math.round(exp * (1 - jitter * random()));
}

const DEFAULTS = {
  tokenKey: 't',
  requestTimeout: 10_000,
  refreshMargin: 30_000,
  reconnect: { minDelay: 500, maxDelay: 20_000, factor: 2, jitter: 0.5 },
};

/**
 * One logical connection to socket-server, kept up across reconnects. Events: `state`,
 * `notification`, `join`, `leave`, `recovered`, `error`, `closed` (see the README).
 */
export class SocketClient {
  #options;
  #WebSocket;
  #listeners = new Map();
  #socket = null;
  #state = 'idle';
  #nextId = 1;
  #pending = new Map();
  /** room -> {position, entered, waiters} */
  #rooms = new Map();
  /** Rooms whose leave is on its way: their notifications still in flight are dropped. */
  #leaving = new Set();
  /** 'all' | 'private' | 'room:<name>' -> {offset, epoch} */
  #positions = new Map();
  #attempt = 0;
  #everConnected = false;
  #reconnectTimer = null;
  #refreshTimer = null;
  #token = null;
  #stopped = false;

  /**
   * @param {object} options see index.d.ts (`url`, `token`, `WebSocket`, `tokenKey`,
   *   `requestTimeout`, `refreshMargin`, `reconnect`, `positions`)
   */
  constructor(options) {
    if (!options || typeof options.url !== 'string') {
      throw new TypeError('options.url (ws:// or wss:// URL of /ws) is required');
    }
    if (typeof options.token !== 'string' && typeof options.token !== 'function') {
      throw new TypeError('options.token must be a string or a function returning one (or a promise of one)');
    }
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') {
      throw new TypeError('no WebSocket implementation: pass one as options.WebSocket (in Node 20: the ws package)');
    }
    this.#options = { ...DEFAULTS, ...options, reconnect: { ...DEFAULTS.reconnect, ...options.reconnect } };
    for (const [stream, position] of Object.entries(options.positions ?? {})) {
      this.#positions.set(stream, { ...position });
    }
  }

  /** `idle`, `connecting`, `connected`, `disconnected` (waiting to reconnect) or `closed`. */
  get state() {
    return this.#state;
  }

  /** Rooms asked for, with their last positions (`null` when the room keeps no history). */
  get rooms() {
    const out = {};
    for (const room of this.#rooms.keys()) {
      out[room] = this.#positions.get(roomStream(room)) ?? null;
    }
    return out;
  }

  /** Last position seen per stream (`all`, `private`, `room:<name>`): what recovery resumes from. */
  get positions() {
    return Object.fromEntries([...this.#positions].map(([k, v]) => [k, { ...v }]));
  }

  /** Subscribes `listener` to `event`; returns a function that unsubscribes it. */
  on(event, listener) {
    if (!this.#listeners.has(event)) {
      this.#listeners.set(event, new Set());
    }
    this.#listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  off(event, listener) {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Opens the connection (and keeps it open until {@link close} or a 45xx close). */
  connect() {
    if (this.#stopped) {
      throw new SocketServerError('closed', 'this client was closed; make a new one');
    }
    if (this.#state === 'idle') {
      this.#open();
    }
    return this;
  }

  /**
   * Enters `room`. Resolves with `{room, offset?, epoch?, recovered?}` once the server replied
   * (after a reconnect, once it re-entered); rejects with a SocketServerError carrying the
   * server's code (`forbidden`, `limit_exceeded`, ...) or `timeout`.
   */
  enter(room, { timeout = this.#options.requestTimeout } = {}) {
    if (this.#stopped) {
      return Promise.reject(new SocketServerError('closed', 'the client is closed'));
    }
    let entry = this.#rooms.get(room);
    if (entry?.entered) {
      return Promise.resolve({ room, ...(this.#positions.get(roomStream(room)) ?? {}) });
    }
    if (!entry) {
      entry = { entered: false, waiters: [] };
      this.#rooms.set(room, entry);
      if (this.#state === 'connected') {
        this.#sendEnter(room);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      waiter.timer = setTimeout(() => {
        entry.waiters = entry.waiters.filter((w) => w !== waiter);
        if (!entry.entered && this.#rooms.get(room) === entry && entry.waiters.length === 0) {
          this.#rooms.delete(room);
        }
        reject(new SocketServerError('timeout', `no reply to enter ${room} within ${timeout} ms`, { room }));
      }, timeout);
      entry.waiters.push(waiter);
    });
  }

  /** Leaves `room` (idempotent); resolves once the server replied, at once when disconnected. */
  leave(room, { timeout = this.#options.requestTimeout } = {}) {
    const entry = this.#rooms.get(room);
    this.#rooms.delete(room);
    this.#positions.delete(roomStream(room));
    entry?.waiters.forEach((w) => settle(w, new SocketServerError('cancelled', `left ${room} before entering it`, { room })));
    if (this.#state !== 'connected') {
      return Promise.resolve({ room });
    }
    this.#leaving.add(room);
    const done = () => this.#leaving.delete(room);
    return this.#request({ action: 'leave', room }, timeout).finally(done);
  }

  /** Application-level ping; resolves when the server answered, rejects with `disconnected` when not connected. */
  ping({ timeout = this.#options.requestTimeout } = {}) {
    if (this.#state !== 'connected') {
      return Promise.reject(new SocketServerError('disconnected', `cannot ping while ${this.#state}`));
    }
    return this.#request({ action: 'ping' }, timeout);
  }

  /** Closes the connection for good (code 1000); pending commands reject with `closed`. */
  close() {
    this.#stop(1000, 'closed by the application', false);
  }

  // ---- connection ---------------------------------------------------------------------

  async #open() {
    this.#setState('connecting', { attempt: this.#attempt });
    let token;
    try {
      token = await this.#fetchToken();
    } catch (e) {
      if (this.#stopped) return;
      this.#emit('error', new SocketServerError('token', `the token callback failed: ${e?.message ?? e}`, { cause: e }));
      this.#scheduleReconnect({ code: 0, reason: 'token callback failed' });
      return;
    }
    if (this.#stopped) return;
    if (typeof this.#options.token === 'string') {
      const exp = tokenExpiry(token);
      if (exp !== null && exp <= Date.now()) {
        this.#stop(4001, 'the token expired and no token callback was given to get a new one', false);
        return;
      }
    }
    this.#token = token;
    let socket;
    try {
      socket = new this.#WebSocket(this.#handshakeUrl(token));
    } catch (e) {
      this.#stop(0, `cannot open a WebSocket to ${this.#options.url}: ${e?.message ?? e}`, true);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => this.#onOpen(socket);
    socket.onmessage = (event) => this.#onMessage(socket, event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this.#onClose(socket, event.code, event.reason);
  }

  async #fetchToken() {
    const t = this.#options.token;
    const token = typeof t === 'function' ? await t() : t;
    if (typeof token !== 'string' || token === '') {
      throw new TypeError('the token callback returned no token');
    }
    return token;
  }

  #handshakeUrl(token) {
    const url = new URL(this.#options.url);
    url.searchParams.set(this.#options.tokenKey, token);
    for (const [stream, param] of [['all', 'all_since'], ['private', 'private_since']]) {
      const p = this.#positions.get(stream);
      // Never connected and no position: ask for the stream's position so that a later
      // reconnect can recover what it misses (the server answers recovered:false, replays nothing).
      url.searchParams.set(param, p ? `${p.offset}:${p.epoch}` : `0:${DISCOVER_EPOCH}`);
    }
    return url.toString();
  }

  #onOpen(socket) {
    if (socket !== this.#socket) return;
    this.#attempt = 0;
    const reconnected = this.#everConnected;
    this.#everConnected = true;
    this.#setState('connected', { reconnected });
    this.#scheduleRefresh();
    for (const room of this.#rooms.keys()) {
      this.#sendEnter(room, reconnected);
    }
  }

  #onClose(socket, code, reason) {
    if (socket !== this.#socket) return;
    this.#socket = null;
    clearTimeout(this.#refreshTimer);
    this.#failPending('disconnected', `connection closed (${code})`);
    for (const entry of this.#rooms.values()) {
      entry.entered = false;
    }
    if (this.#stopped) return;
    if (shouldReconnect(code)) {
      this.#scheduleReconnect({ code, reason });
    } else {
      this.#stop(code, reason || closeMeaning(code), true);
    }
  }

  #scheduleReconnect({ code, reason }) {
    const delay = backoffDelay(this.#attempt++, this.#options.reconnect);
    this.#setState('disconnected', { code, reason, delay, retryAt: Date.now() + delay });
    this.#reconnectTimer = setTimeout(() => this.#open(), delay);
  }

  #stop(code, reason, byServer) {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#refreshTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= 1) {
      socket.close(1000);
    }
    this.#failPending('closed', reason);
    for (const entry of this.#rooms.values()) {
      entry.waiters.forEach((w) => settle(w, new SocketServerError('closed', reason)));
      entry.waiters = [];
    }
    this.#setState('closed', { code, reason, byServer });
    this.#emit('closed', { code, reason, byServer });
  }

  // ---- token refresh ------------------------------------------------------------------

  #scheduleRefresh() {
    clearTimeout(this.#refreshTimer);
    if (typeof this.#options.token !== 'function') return;
    const exp = tokenExpiry(this.#token);
    if (exp === null) return;
    const left = exp - Date.now();
    const delay = Math.max(0, left - Math.min(this.#options.refreshMargin, left / 2));
    const socket = this.#socket;
    this.#refreshTimer = setTimeout(() => this.#refresh(socket), delay);
  }

  async #refresh(socket) {
    if (socket !== this.#socket || this.#state !== 'connected') return;
    try {
      const token = await this.#fetchToken();
      if (socket !== this.#socket) return;
      await this.#request({ action: 'refresh', token }, this.#options.requestTimeout);
      this.#token = token;
      this.#emit('refreshed', { expiresAt: tokenExpiry(token) });
    } catch (e) {
      if (socket !== this.#socket) return;
      this.#emit('error', e instanceof SocketServerError ? e
        : new SocketServerError('token', `token refresh failed: ${e?.message ?? e}`, { cause: e }));
    }
    if (socket === this.#socket) {
      this.#scheduleRefresh();
    }
  }

  // ---- commands -----------------------------------------------------------------------

  #sendEnter(room, reconnected = false) {
    const position = this.#positions.get(roomStream(room));
    const frame = { action: 'enter', room };
    if (position) {
      frame.since = { offset: position.offset, epoch: position.epoch };
    }
    const id = this.#nextId++;
    this.#pending.set(id, { kind: 'enter', room, asked: Boolean(position), reconnected });
    this.#send({ id, ...frame });
  }

  #request(frame, timeout) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const request = { kind: frame.action, resolve, reject };
      request.timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SocketServerError('timeout', `no reply to ${frame.action} within ${timeout} ms`, { id }));
      }, timeout);
      this.#pending.set(id, request);
      this.#send({ id, ...frame });
    });
  }

  #send(frame) {
    this.#socket?.send(JSON.stringify(frame));
  }

  #failPending(code, message) {
    for (const [id, request] of this.#pending) {
      if (request.kind !== 'enter') {
        settle(request, new SocketServerError(code, message, { id }));
      }
    }
    this.#pending.clear();
  }

  // ---- inbound ------------------------------------------------------------------------

  #onMessage(socket, data) {
    if (socket !== this.#socket || typeof data !== 'string') return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      this.#emit('error', new SocketServerError('bad_frame', `the server sent a frame that is not JSON: ${data.slice(0, 100)}`));
      return;
    }
    if (frame.id !== undefined && (frame.ok !== undefined || frame.error !== undefined)) {
      this.#onReply(frame);
    } else if (frame.error) {
      this.#emit('error', new SocketServerError(frame.error.code, frame.error.message));
    } else if (frame.action === 'recovered') {
      this.#onStreamRecovered(frame);
    } else if (frame.type === 'join' || frame.type === 'leave') {
      this.#emit(frame.type, { room: frame.room, user: frame.message?.user ?? frame.entityId, client: frame.message?.client });
    } else if (frame.type !== undefined) {
      this.#onNotification(frame);
    }
  }

  #onReply(frame) {
    const request = this.#pending.get(frame.id);
    if (!request) return;
    this.#pending.delete(frame.id);
    if (request.kind === 'enter') {
      this.#onEnterReply(request, frame);
      return;
    }
    if (frame.error) {
      settle(request, new SocketServerError(frame.error.code, frame.error.message, { id: frame.id }));
    } else {
      settle(request, null, frame);
    }
  }

  #onEnterReply({ room, asked, reconnected }, frame) {
    const entry = this.#rooms.get(room);
    if (!entry) {
      // Left (or timed out) while the enter was on its way: undo it.
      if (!frame.error) this.#send({ action: 'leave', room });
      return;
    }
    if (frame.error) {
      this.#rooms.delete(room);
      const error = new SocketServerError(frame.error.code, frame.error.message, { room });
      if (entry.waiters.length === 0) this.#emit('error', error);
      entry.waiters.forEach((w) => settle(w, error));
      return;
    }
    entry.entered = true;
    const stream = roomStream(room);
    if (frame.offset !== undefined) {
      this.#advance(stream, { offset: frame.offset, epoch: frame.epoch }, true);
    }
    const result = { room };
    if (frame.offset !== undefined) Object.assign(result, { offset: frame.offset, epoch: frame.epoch });
    if (asked || reconnected) {
      result.recovered = asked ? frame.recovered === true : false;
      this.#emit('recovered', { stream: 'room', ...result });
    }
    entry.waiters.forEach((w) => settle(w, null, result));
    entry.waiters = [];
  }

  #onStreamRecovered(frame) {
    const asked = this.#positions.has(frame.stream);
    if (frame.offset !== undefined) {
      this.#advance(frame.stream, { offset: frame.offset, epoch: frame.epoch }, true);
    }
    if (asked) {
      const event = { stream: frame.stream, recovered: frame.recovered === true };
      if (frame.offset !== undefined) Object.assign(event, { offset: frame.offset, epoch: frame.epoch });
      this.#emit('recovered', event);
    }
  }

  #onNotification(frame) {
    const stream = frame.room !== undefined ? roomStream(frame.room) : frame.private ? 'private' : 'all';
    if (frame.room !== undefined && this.#leaving.has(frame.room)) {
      return;
    }
    if (frame.room !== undefined && !this.#rooms.has(frame.room)) {
      // Entered by the backend (Subscribe): tracked from now on, and re-entered after a reconnect.
      this.#rooms.set(frame.room, { entered: true, waiters: [] });
    }
    if (frame.offset !== undefined && !this.#advance(stream, { offset: frame.offset, epoch: frame.epoch }, false)) {
      return;
    }
    this.#emit('notification', { ...frame, stream: frame.room !== undefined ? 'room' : stream });
  }

  /**
   * Moves a stream's position forward. For a notification (`reply` false) returns false when
   * it is at or before the position already seen in the same epoch: a duplicate to drop. A new
   * epoch always wins (the stream's history was reset).
   */
  #advance(stream, position, reply) {
    const seen = this.#positions.get(stream);
    if (seen && seen.epoch === position.epoch && position.offset <= seen.offset) {
      return reply;
    }
    this.#positions.set(stream, { offset: position.offset, epoch: position.epoch });
    return true;
  }

  // ---- events -------------------------------------------------------------------------

  #setState(state, details = {}) {
    this.#state = state;
    this.#emit('state', { state, ...details });
  }

  #emit(event, value) {
    const listeners = this.#listeners.get(event);
    if (!listeners || listeners.size === 0) {
      if (event === 'error' && typeof console !== 'undefined') console.warn('socket-server client:', value);
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (e) {
        setTimeout(() => { throw e; });
      }
    }
  }
}

function roomStream(room) {
  return `room:${room}`;
}

function settle(request, error, value) {
  clearTimeout(request.timer);
  if (error) request.reject(error);
  else request.resolve(value);
}

/** What a close code that stops the client means (the server's close codes table). */
export function closeMeaning(code) {
  return {
    1000: 'closed normally',
    1002: 'protocol error',
    1003: 'unsupported data',
    1007: 'a frame that is not valid UTF-8',
    1008: 'policy violation',
    1009: 'a frame larger than the server accepts',
    4501: 'invalid token',
    4502: 'too many bad requests',
    4503: 'disconnected by the backend',
    4504: 'connection limit reached',
  }[code] ?? `closed with code ${code}`;
}
