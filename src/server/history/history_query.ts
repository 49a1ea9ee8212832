/**
 * `history` requests (PROTOCOL.md section 9): which messages, how many,
 * and the page a store answers with.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * import { historyRequest } from "./history_query.ts";
 * deepStrictEqual(historyRequest({ type: "history", room: "Lobby", limit: 5000 }), {
 *   room: "Lobby", before: undefined, limit: 1000, // at most 1,000
 * });
 * throws(() => historyRequest({ type: "history", before: "9" }), { code: "invalid_message" });
 * ```
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import type { Frame } from "../../protocol/messages.ts";
import type { StoredMessage } from "./stored_message.ts";

/** How many messages a `history` request gets when it names no `limit`. */
export const HISTORY_DEFAULT_LIMIT = 100;

/** The most messages one `history` request gets. */
export const HISTORY_MAX_LIMIT = 1000;

/** What a session asks of history. */
export interface HistoryQuery {
  /** The asking session's id: without a room, direct messages to it or by it are included. */
  readonly session: string;
  /** A room's key: that room's messages only; absent: messages to everyone and the session's direct ones. */
  readonly roomKey?: string;
  /** Only messages with a smaller seq; absent: up to the newest. */
  readonly before?: number;
  /** The newest that many (default {@linkcode HISTORY_DEFAULT_LIMIT}, at most {@linkcode HISTORY_MAX_LIMIT}). */
  readonly limit?: number;
}

/** A store's answer to a {@linkcode HistoryQuery}. */
export interface HistoryPage {
  /** The messages, oldest first. */
  readonly messages: readonly StoredMessage[];
  /** Whether older messages that match are still kept. */
  readonly more: boolean;
}

/** The fields of a `history` frame, checked. */
export interface HistoryRequest {
  /** The room asked for, as the client wrote it. */
  readonly room: string | undefined;
  /** `before`, when given. */
  readonly before: number | undefined;
  /** `limit`, defaulted and capped. */
  readonly limit: number;
}

/** A query's limit: its own (a whole number, at least 0) capped at {@linkcode HISTORY_MAX_LIMIT}, else the default. */
export function historyLimit(limit: number | undefined): number {
  return limit === undefined ? HISTORY_DEFAULT_LIMIT : Math.min(limit, HISTORY_MAX_LIMIT);
}

/**
 * Reads a client `history` frame: `room` a string, `before` and `limit`
 * whole numbers of at least 0 (else `invalid_message`); `limit` defaulted
 * and capped.
 */
export function historyRequest(frame: Frame): HistoryRequest {
  const { room, before, limit } = frame;
  const fail = (what: string): never => {
    throw new ChatError(
      "invalid_message",
      `${what} of history must be a whole number of at least 0`,
      {
        frameId: frame.id,
      },
    );
  };
  if (room !== undefined && typeof room !== "string") {
    throw new ChatError("invalid_message", "room must be a string", { frameId: frame.id });
  }
  if (before !== undefined && !(Number.isSafeInteger(before) && (before as number) >= 0)) {
    fail("before");
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && (limit as number) >= 0)) {
    fail("limit");
  }
  return {
    room: room as string | undefined,
    before: before as number | undefined,
    limit: historyLimit(limit as number | undefined),
  };
}
