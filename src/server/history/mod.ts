/**
 * History and resume (PROTOCOL.md section 9), as the server uses them: the
 * store that `--history N` and `--store FILE` choose, and what it needs to
 * write frames, hash tokens and read `history` requests.
 *
 * @example
 * ```ts
 * import { ok, strictEqual } from "node:assert/strict";
 * import { MemoryHistoryStore, openHistoryStore } from "./mod.ts";
 * strictEqual(openHistoryStore({ history: 0 }), undefined); // --history 0: off
 * ok(openHistoryStore({ history: 10_000 }) instanceof MemoryHistoryStore);
 * ```
 *
 * @module
 */

import type { Clock } from "../../async/clock.ts";
import type { HistoryStore } from "./history_store.ts";
import { MemoryHistoryStore } from "./memory_store.ts";
import { SqliteHistoryStore } from "./sqlite_store.ts";

export {
  type Awaitable,
  DEFAULT_HISTORY_SIZE,
  type HistoryStore,
  type Replay,
  type ResumeRequest,
  type Resumption,
} from "./history_store.ts";
export {
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRequest,
  historyRequest,
} from "./history_query.ts";
export { MemoryHistoryStore, SqliteHistoryStore };
export { hashResumeToken, newResumeToken } from "./resume_token.ts";
export { RECENT_IDS } from "./recent_ids.ts";
export type { AccountInfo, ReplayFilter, RoomMembership, SessionRecord } from "./session_record.ts";
export { NO_ROOMS } from "./session_record.ts";
export {
  type MessageDraft,
  messageFrame,
  type StoredMessage,
  storedMessage,
} from "./stored_message.ts";

/** The command line's history options. */
export interface HistoryOptions {
  /** `--history N`: messages kept; 0 turns history, resume and `seq` off. */
  readonly history: number;
  /** `--store FILE`: keep history and resumable sessions in this SQLite file. */
  readonly store?: string;
  /** The clock of the server (dates the sessions a file kept as away from this start). */
  readonly clock?: Clock;
}

/**
 * The history store the options ask for: none with `--history 0`, an
 * SQLite one with `--store` (throws an `Error` naming the file when it
 * cannot be opened), else the memory one.
 */
export function openHistoryStore(options: HistoryOptions): HistoryStore | undefined {
  const { history: limit, store, clock } = options;
  if (limit === 0) return undefined;
  return store === undefined
    ? new MemoryHistoryStore({ limit })
    : SqliteHistoryStore.open(store, { limit, clock });
}
