/**
 * The protocol's defaults (PROTOCOL.md and CLI.md), in one place: every
 * server, client and command-line default is read from here.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { PROTOCOL_DEFAULTS } from "./defaults.ts";
 * deepStrictEqual(PROTOCOL_DEFAULTS.heartbeat, { interval: 5, timeout: 10, retries: 3 });
 * strictEqual(PROTOCOL_DEFAULTS.maxFrame, 1048576);
 * ```
 *
 * @module
 */

import type { HeartbeatSettings } from "./messages.ts";

/** The defaults of the protocol and of the `chat` command line. */
export const PROTOCOL_DEFAULTS: {
  readonly host: string;
  readonly port: number;
  readonly unixMode: number;
  readonly heartbeat: Readonly<HeartbeatSettings>;
  readonly handshakeTimeout: number;
  readonly maxFrame: number;
  readonly maxClients: number;
  readonly maxQueue: number;
  readonly maxQueueTotal: number;
  readonly handshakeMaxFrame: number;
  readonly rateLimit: number;
  readonly maxRooms: number;
  readonly maxHandshakes: number;
  readonly shutdownGrace: number;
  readonly connectTimeout: number;
  readonly clientMaxFrame: number;
  readonly clientMaxQueue: number;
  readonly history: number;
  readonly resumeWindow: number;
} = Object.freeze({
  /** The TCP host a server binds and a client dials. */
  host: "localhost",
  /** The TCP port a server binds and a client dials. */
  port: 9999,
  /** The permission bits of a server's Unix socket file. */
  unixMode: 0o600,
  /** Heartbeat interval, timeout and retries, in seconds. */
  heartbeat: Object.freeze({ interval: 5, timeout: 10, retries: 3 }),
  /** Seconds a server waits for `session_ack`, and a client for the handshake. */
  handshakeTimeout: 10,
  /** The largest frame, in bytes (1 MiB), counted before decoding. */
  maxFrame: 1024 * 1024,
  /** Most sessions of one server at once. */
  maxClients: 10_000,
  /** Most unsent output of one session, in bytes, before `slow_consumer`. */
  maxQueue: 8 * 1024 * 1024,
  /** Most unsent output of all a server's sessions together, in bytes (512 MiB). */
  maxQueueTotal: 512 * 1024 * 1024,
  /** The largest frame before the handshake completes, in bytes (16 KiB): a `session_ack`. */
  handshakeMaxFrame: 16 * 1024,
  /** Frames a second one session may send: a bucket of this many, refilled at this rate. */
  rateLimit: 1000,
  /** Rooms one session may be in. */
  maxRooms: 100,
  /** Connections still in their handshake at once (from one address: an eighth of it). */
  maxHandshakes: 1000,
  /** Seconds a closing session waits for its output to flush. */
  shutdownGrace: 2,
  /** Seconds a client waits for a connection to open. */
  connectTimeout: 10,
  /** The largest frame a client accepts from a server, in bytes (16 MiB). */
  clientMaxFrame: 16 * 1024 * 1024,
  /** Most unsent output of one client, in bytes, before it gives up on the server. */
  clientMaxQueue: 64 * 1024 * 1024,
  /** Messages a server keeps for history and resume (`--history`); 0 turns them off. */
  history: 10_000,
  /** Seconds a session that lost its connection can be resumed (`--resume-window`). */
  resumeWindow: 120,
});
