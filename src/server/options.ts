/**
 * The server's settings and their defaults (CLI.md, server options).
 *
 * @module
 */

import type { Clock } from "../async/clock.ts";
import type { HeartbeatSettings } from "../protocol/messages.ts";
import type { Listener, ListenOptions } from "../transport/types.ts";
import type { MessageHandler, SessionInfo } from "./handler.ts";
import type { Authenticator } from "./identity/identity.ts";

/**
 * Why a session ended: a protocol error code, or one of these (the last
 * three end an account's session, PROTOCOL.md section 11).
 */
export type CloseReason =
  | "disconnect"
  | "peer_closed"
  | "shutdown"
  | "write_failed"
  | "internal_error"
  | "logged_in_elsewhere"
  | "account_removed"
  | "account_changed"
  | "taken_over"
  | import("../protocol/errors.ts").ErrorCode;

/** Settings of a {@linkcode ChatServer}; every one has a default. */
export interface ServerOptions {
  /** Where to listen; default TCP `localhost:9999`. */
  listen?: ListenOptions[];
  /**
   * Listeners bound by the caller, accepted like those of `listen` once
   * they are bound (such as the WebSocket listener of `--http`); `stop`
   * closes them.
   */
  listeners?: Listener[];
  /** The message handler; default the `chat` handler. */
  handler?: MessageHandler;
  /** A token every `session_ack` must carry. */
  token?: string;
  /**
   * Checks logins (PROTOCOL.md section 11): `standardAuthenticator` of the
   * users file and login tokens, or one of your own (a directory server,
   * say). With one, `session_init` announces its kinds of login, a
   * session's `auth` must prove an account (whose name it then bears, one
   * session per account), and `who`, messages and notices mark accounts
   * `verified`. Its `authenticate` must settle: frames that follow a
   * `session_ack` wait for it. Default: none; the server knows no identities.
   */
  authenticator?: Authenticator;
  /** With `authenticator`: a session without a login is let in as a guest (default: refused). */
  allowGuests?: boolean;
  /** Largest accepted frame, in bytes (default 1 MiB). */
  maxFrame?: number;
  /** Most sessions that completed their handshake, at once (default 10000). */
  maxClients?: number;
  /** Most unsent output per session, in bytes, before `slow_consumer` (default 8 MiB). */
  maxQueue?: number;
  /**
   * Most unsent output of all sessions together, in bytes (default 512 MiB):
   * past it, the sessions holding the most are cut with `slow_consumer`.
   */
  maxQueueTotal?: number;
  /**
   * Frames a second one session may send (default 1000): a bucket of that
   * many, full when the session opens, refilled at that rate. A frame is
   * handled only with a token; meanwhile the session reads nothing more, so
   * a faster sender is slowed by the socket. `0`: no limit.
   */
  rateLimit?: number;
  /** Rooms one session may be in (default 100, at most 400: its `who` entry fits one frame). */
  maxRooms?: number;
  /**
   * Connections still in their handshake at once (default 1000); from one
   * IP address (any port; every Unix socket peer counts as one address) an
   * eighth of it, rounded down.
   */
  maxHandshakes?: number;
  /** Seconds allowed for the `session_ack` (default 10). */
  handshakeTimeout?: number;
  /** Heartbeat settings announced and enforced, in seconds (default 5, 10, 3). */
  heartbeat?: Partial<HeartbeatSettings>;
  /**
   * Seconds that a closing session waits for its output to flush before its
   * connection is closed (default 2): at shutdown, and for every session
   * that ends otherwise (a `disconnect`, an error that closes, a timeout).
   */
  shutdownGrace?: number;
  /**
   * The NATS server (`nats://HOST:PORT`) of a cluster: servers on the same
   * NATS are one chat. Their presence lives `heartbeat.timeout` seconds
   * after their last heartbeat. Default: none, the server runs alone.
   */
  cluster?: string;
  /**
   * Messages kept for history and resume (PROTOCOL.md section 9), when the
   * handler keeps history (the `chat` handler does) and the server runs
   * alone (no `cluster`: not in this version); default 10,000. `0` turns
   * history, resume and `seq` off.
   */
  history?: number;
  /**
   * An SQLite file that keeps history and the resumable sessions, so that
   * they survive a restart (default: memory only).
   */
  store?: string;
  /** Seconds a session that lost its connection stays resumable (default 120). */
  resumeWindow?: number;
  /** Called once every listener is bound, before the first connection is accepted. */
  onListening?: (addresses: string[]) => void;
  /** Called when a session completes its handshake. */
  onSessionOpen?: (session: SessionInfo) => void;
  /** Called when a session that completed its handshake ends. */
  onSessionClose?: (session: SessionInfo, reason: CloseReason) => void;
  /**
   * Called when a connection, handshake done or not, is over: nothing of it
   * runs any more, and {@linkcode ChatServer.connectionCount} no longer counts it.
   */
  onConnectionEnd?: () => void;
  /**
   * The clock of the handshake and silence deadlines, of the sweep that
   * enforces them, of the grace period and of cluster presence. Default:
   * the wall clock; a test gives a `ManualClock` to move time by hand.
   */
  clock?: Clock;
}
