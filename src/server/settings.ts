/**
 * The server's settings as its parts use them: {@linkcode ServerOptions}
 * with the defaults of PROTOCOL_DEFAULTS filled in, in milliseconds.
 *
 * @module
 */

import { type Clock, systemClock } from "../async/clock.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { MAX_ROOMS_LIMIT } from "../protocol/who_pages.ts";
import type { HeartbeatSettings } from "../protocol/messages.ts";
import type { MessageHandler } from "./handler.ts";
import { chatHandler } from "./handlers/chat.ts";
import type { ServerOptions } from "./options.ts";

/** Every setting a server's parts read, each with its value or default. */
export interface ServerSettings {
  /** The message handler. */
  readonly handler: MessageHandler;
  /** Largest accepted frame, in bytes. */
  readonly maxFrame: number;
  /** Most unsent output of a session, in bytes, before `slow_consumer`. */
  readonly maxQueue: number;
  /** Most unsent output of all sessions together, in bytes. */
  readonly maxQueueTotal: number;
  /** Most sessions that completed their handshake, at once. */
  readonly maxClients: number;
  /** Most connections in their handshake at once. */
  readonly maxHandshakes: number;
  /** The largest frame before the handshake completes, in bytes. */
  readonly handshakeMaxFrame: number;
  /** Frames a second one session may send; 0: no limit. */
  readonly rateLimit: number;
  /** Rooms one session may be in. */
  readonly maxRooms: number;
  /** Heartbeat settings announced in `session_init` and enforced, in seconds. */
  readonly heartbeat: HeartbeatSettings;
  /** Milliseconds allowed for the `session_ack`. */
  readonly handshakeMs: number;
  /** Milliseconds of silence after which a session is cut: `timeout × retries`. */
  readonly silenceMs: number;
  /** Milliseconds that a closing session waits for its output to flush. */
  readonly graceMs: number;
  /** Milliseconds between two sweeps of every session's liveness. */
  readonly sweepMs: number;
  /** The clock that deadlines, the sweep and the grace period read. */
  readonly clock: Clock;
  /** Messages kept for history (0: history, resume and `seq` off, as with a handler that keeps none). */
  readonly history: number;
  /** The SQLite file of history, if any. */
  readonly store: string | undefined;
  /** Milliseconds a session that lost its connection stays resumable. */
  readonly resumeWindowMs: number;
}

/** The settings of `options`, with every default filled in. */
export function serverSettings(options: ServerOptions): ServerSettings {
  const heartbeat = { ...PROTOCOL_DEFAULTS.heartbeat, ...options.heartbeat };
  const handshakeMs = 1000 * (options.handshakeTimeout ?? PROTOCOL_DEFAULTS.handshakeTimeout);
  const silenceMs = 1000 * heartbeat.timeout * heartbeat.retries;
  const handler = options.handler ?? chatHandler;
  const history = handler.history ? options.history ?? PROTOCOL_DEFAULTS.history : 0;
  const resumeWindowMs = 1000 * (options.resumeWindow ?? PROTOCOL_DEFAULTS.resumeWindow);
  // The sweep also ends the resume windows.
  const shortest = Math.min(handshakeMs, silenceMs, history > 0 ? resumeWindowMs : Infinity);
  const maxFrame = options.maxFrame ?? PROTOCOL_DEFAULTS.maxFrame;
  return {
    handler,
    maxFrame,
    maxQueue: options.maxQueue ?? PROTOCOL_DEFAULTS.maxQueue,
    maxQueueTotal: options.maxQueueTotal ?? PROTOCOL_DEFAULTS.maxQueueTotal,
    maxClients: options.maxClients ?? PROTOCOL_DEFAULTS.maxClients,
    maxHandshakes: options.maxHandshakes ?? PROTOCOL_DEFAULTS.maxHandshakes,
    handshakeMaxFrame: Math.min(maxFrame, PROTOCOL_DEFAULTS.handshakeMaxFrame),
    rateLimit: options.rateLimit ?? PROTOCOL_DEFAULTS.rateLimit,
    maxRooms: Math.min(MAX_ROOMS_LIMIT, options.maxRooms ?? PROTOCOL_DEFAULTS.maxRooms),
    heartbeat,
    handshakeMs,
    silenceMs,
    graceMs: 1000 * (options.shutdownGrace ?? PROTOCOL_DEFAULTS.shutdownGrace),
    // A quarter of the shorter deadline, between 5 ms and a second.
    sweepMs: Math.max(5, Math.min(1000, shortest / 4)),
    clock: options.clock ?? systemClock,
    history,
    store: options.store,
    resumeWindowMs,
  };
}
