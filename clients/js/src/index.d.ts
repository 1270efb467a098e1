// Type declarations of socket-server-client (src/index.js).

/** This client's version, the same as the server's it was released with. */
export const VERSION: string;

/** A position in a stream: notifications after `offset` in `epoch` are what recovery replays. */
export interface Position {
  offset: number;
  epoch: string;
}

/**
 * A WebSocket constructor with the browser API (the global one, or the `ws` package in Node);
 * the client sets its `onopen`, `onmessage`, `onerror` and `onclose` itself.
 */
export type WebSocketConstructor = new (url: string) => {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

export interface ReconnectOptions {
  /** First delay in ms (default 500). */
  minDelay?: number;
  /** Longest delay in ms (default 20000). */
  maxDelay?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Share of each delay taken off at random, 0..1 (default 0.5). */
  jitter?: number;
}

export interface ClientOptions {
  /** The server's WebSocket URL, e.g. `wss://example.com/ws`. */
  url: string;
  /**
   * A JWT, or a function returning one (or a promise of one). A function is called on every
   * connect and before the token expires (the client then sends `refresh`).
   */
  token: string | (() => string | Promise<string>);
  /** WebSocket implementation; default `globalThis.WebSocket`. In Node 20: `import WebSocket from 'ws'`. */
  WebSocket?: WebSocketConstructor;
  /** Query parameter carrying the token (the server's TOKEN_KEY, default `t`). */
  tokenKey?: string;
  /** Timeout of enter/leave/ping/refresh in ms (default 10000). */
  requestTimeout?: number;
  /** Refresh this many ms before `exp` (at most half the token's remaining life; default 30000). */
  refreshMargin?: number;
  reconnect?: ReconnectOptions;
  /** Positions saved earlier (`all`, `private`, `room:<name>`), to recover from on the first connection. */
  positions?: Record<string, Position>;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface StateEvent {
  state: ConnectionState;
  /** `connecting`: attempt number since the last successful connection. */
  attempt?: number;
  /** `connected`: true after a reconnect. */
  reconnected?: boolean;
  /** `disconnected` / `closed`: the close code (1006: connection lost; 0: no connection could be made). */
  code?: number;
  reason?: string;
  /** `disconnected`: ms until the next attempt, and when it happens (ms since the epoch). */
  delay?: number;
  retryAt?: number;
  /** `closed`: whether the server (or an expired token) ended it rather than `close()`. */
  byServer?: boolean;
}

export interface Notification {
  /** `info`, `error` or `` (unspecified). */
  type: string;
  entityId: string;
  /** The body rendered as JSON (a string for StringValue, plain JSON for Struct, ...). */
  message: unknown;
  /** Which stream it belongs to. */
  stream: 'all' | 'private' | 'room';
  room?: string;
  private?: true;
  offset?: number;
  epoch?: string;
}

export interface PresenceEvent {
  room: string;
  user: string;
  client?: string;
}

export interface RecoveredEvent {
  stream: 'all' | 'private' | 'room';
  room?: string;
  /** false: something may have been missed (history gone, new epoch): refetch your state. */
  recovered: boolean;
  offset?: number;
  epoch?: string;
}

export interface ClosedEvent {
  code: number;
  reason: string;
  byServer: boolean;
}

export interface EnterResult {
  room: string;
  offset?: number;
  epoch?: string;
  recovered?: boolean;
}

export interface ClientEvents {
  state: StateEvent;
  notification: Notification;
  join: PresenceEvent;
  leave: PresenceEvent;
  recovered: RecoveredEvent;
  refreshed: { expiresAt: number | null };
  error: SocketServerError;
  closed: ClosedEvent;
}

export class SocketServerError extends Error {
  /** The server's error code (`bad_request`, `forbidden`, `limit_exceeded`, ...) or `timeout`, `disconnected`, `closed`, `cancelled`, `token`, `bad_frame`. */
  code: string;
  /** The command's id, when the error answers one. */
  id?: number;
  /** The room, for enter/leave. */
  room?: string;
}

export class SocketClient {
  constructor(options: ClientOptions);
  readonly state: ConnectionState;
  /** Rooms asked for, with their last positions (null: no history kept). */
  readonly rooms: Record<string, Position | null>;
  /** Last position per stream (`all`, `private`, `room:<name>`); save it to resume later via `positions`. */
  readonly positions: Record<string, Position>;
  on<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): () => void;
  off<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): void;
  connect(): this;
  enter(room: string, options?: { timeout?: number }): Promise<EnterResult>;
  leave(room: string, options?: { timeout?: number }): Promise<unknown>;
  ping(options?: { timeout?: number }): Promise<unknown>;
  close(): void;
}

export function shouldReconnect(code: number): boolean;
export function closeMeaning(code: number): string;
export function tokenExpiry(token: string): number | null;
export function backoffDelay(attempt: number, options: Required<ReconnectOptions>, random?: () => number): number;
