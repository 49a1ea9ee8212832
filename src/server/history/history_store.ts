/**
 * What the server needs of history (PROTOCOL.md section 9): keeping the
 * last `--history` messages with their seqs, answering `history` requests
 * and resumes, remembering message ids for resends, and keeping resumable
 * sessions.
 *
 * Implementations: `MemoryHistoryStore` (the default; every
 * answer synchronous) and `SqliteHistoryStore` (`--store FILE`;
 * answers wait for the commit of the tick's batch). A cluster's store
 * (`cluster/cluster_store.ts`: a NATS JetStream stream giving the seqs)
 * answers appends with promises too.
 *
 * Every call takes effect when it is made, in call order. A store that
 * writes to disk resolves a call only once everything asked of it up to
 * that call is durable, and resolves calls in the order they were made: so
 * appends resolve in the order of their seqs, and the server can relay and
 * acknowledge in that order.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../../protocol/defaults.ts";
import type { FrameId } from "../../protocol/messages.ts";
import type { HistoryPage, HistoryQuery } from "./history_query.ts";
import type { ReplayFilter, SessionRecord } from "./session_record.ts";
import type { MessageDraft, StoredMessage } from "./stored_message.ts";

/** A value now, or the promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** How many messages history keeps by default (`--history`). */
export const DEFAULT_HISTORY_SIZE: number = PROTOCOL_DEFAULTS.history;

/** How many messages a store keeps: `limit` (a whole number, at least 1; else a `RangeError`), or the default. */
export function historySize(limit: number = DEFAULT_HISTORY_SIZE): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`history keeps at least 1 message, not ${limit}`);
  }
  return limit;
}

/** The messages a session missed, as a store finds them. */
export interface Replay {
  /** Every kept message with a larger seq that it would have received had it stayed, oldest first. */
  readonly messages: readonly StoredMessage[];
  /** False exactly when some message it would have received is no longer kept. */
  readonly complete: boolean;
  /** The newest seq of the chat when the replay was taken (`resumed`'s `seq`). */
  readonly newest: number;
}

/** A resume asked of a store. */
export interface ResumeRequest {
  /** The hash of the token the client gave (`hashResumeToken`). */
  readonly tokenHash: string;
  /** The hash of the token the `resumed` frame will carry. */
  readonly nextTokenHash: string;
  /** The largest seq the client has seen. */
  readonly after: number;
  /**
   * Whether the session found may be taken over (its resume window, its
   * account), decided on it as it was; absent: always. A refused session
   * keeps its token.
   */
  readonly admit?: (session: SessionRecord) => boolean;
}

/** A session taken over, and what it missed. */
export interface Resumption extends Replay {
  /** The session as it now is: live, with the next token's hash. */
  readonly session: SessionRecord;
}

/** The history and resumable sessions of one chat. */
export interface HistoryStore {
  /** The most messages kept (`--history`). */
  readonly limit: number;
  /** The seq of the newest message appended (0 before the first). */
  readonly newest: number;
  /**
   * `true` for a store that delivers the messages it keeps to this node's
   * sessions itself (a cluster's: as they come back from its stream, in
   * seq order); the server then relays nothing of an append, and an append
   * that rejects leaves the message to be relayed without a seq.
   */
  readonly delivers?: boolean;
  /**
   * `true` for a store whose sessions are a cluster's: a resume here may
   * take over a session that another node holds (no session of this node
   * has its id).
   */
  readonly shared?: boolean;
  /**
   * Keeps a message, pruning the oldest past {@linkcode HistoryStore.limit};
   * resolves to its seq once it is kept (in a file: committed). With `id`,
   * the sender's frame id is remembered for {@linkcode HistoryStore.resent}.
   */
  append(message: MessageDraft, id?: FrameId): Awaitable<number>;
  /** The seq of `session`'s message with frame `id` among its last 1,024, if it sent one. */
  resent(session: string, id: FrameId): Awaitable<number | undefined>;
  /** A page of history (PROTOCOL.md section 9). */
  history(query: HistoryQuery): Awaitable<HistoryPage>;
  /** The kept messages with a seq above `after` that a session with `filter` would have received. */
  replay(filter: ReplayFilter, after: number): Awaitable<Replay>;
  /** Every resumable session (for a file, at start: those it kept). */
  sessions(): Awaitable<readonly SessionRecord[]>;
  /** Keeps a session as it now is (replacing the one with its id). */
  saveSession(session: SessionRecord): Awaitable<void>;
  /** Forgets a session that ended for good, with its recent ids. */
  removeSession(id: string): Awaitable<void>;
  /**
   * Takes over the session that holds the token, atomically: its token is
   * replaced (the old one never works again), it is live, and the answer
   * holds what it missed since `after`. `undefined` when no session holds
   * the token or `admit` refused it.
   */
  resume(request: ResumeRequest): Awaitable<Resumption | undefined>;
  /** Writes what is pending and releases the store. */
  close(): Promise<void>;
}
