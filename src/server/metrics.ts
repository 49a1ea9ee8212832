/**
 * A server's counters (CLI.md, `GET /metrics`): plain numbers bumped on the
 * hot paths, read when the metrics are asked for.
 *
 * @module
 */

import { ERROR_CODES } from "../protocol/errors.ts";
import type { TransportKind } from "../transport/types.ts";

/** A number per transport. */
export type PerTransport = Record<TransportKind, number>;

/** The counters of one server; each field is what its `/metrics` line says. */
export class ServerMetrics {
  /** Sessions that completed their handshake and are connected now, by transport (a gauge). */
  readonly sessions: PerTransport = { tcp: 0, unix: 0, ws: 0 };
  /** Connections accepted (a WebSocket at its upgrade), by transport. */
  readonly connections: PerTransport = { tcp: 0, unix: 0, ws: 0 };
  /** `error` frames sent, by code (every code of PROTOCOL.md section 6 is listed, from 0). */
  readonly errors: Map<string, number> = new Map(Object.keys(ERROR_CODES).map((code) => [code, 0]));
  /** Messages relayed by this server's sessions. */
  messages = 0;
  /** Live copies of relayed frames taken by this server's sessions (replays not counted). */
  deliveries = 0;
  /** Bytes read from session connections. */
  bytesReceived = 0;
  /** Bytes written to session connections. */
  bytesSent = 0;

  /** Counts an `error` frame sent with `code`. */
  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}
