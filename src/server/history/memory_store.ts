/**
 * The default history store: the last `--history` messages and the
 * resumable sessions in memory, every answer synchronous (it sits on the
 * relay path). Nothing survives a restart.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { MemoryHistoryStore } from "./memory_store.ts";
 * const store = new MemoryHistoryStore({ limit: 100 });
 * const seq = store.append({ ts: 0, sender: "s1", from: "ann", verified: false, content: "hi" }, 7);
 * strictEqual(seq, 1);
 * strictEqual(store.resent("s1", 7), 1); // the same id again: the same seq
 * ```
 *
 * @module
 */

import type { FrameId } from "../../protocol/messages.ts";
import type { HistoryPage, HistoryQuery } from "./history_query.ts";
import {
  historySize,
  type HistoryStore,
  type Replay,
  type ResumeRequest,
  type Resumption,
} from "./history_store.ts";
import { MessageRing } from "./message_ring.ts";
import type { ReplayFilter, SessionRecord } from "./session_record.ts";
import { SessionTable } from "./session_table.ts";
import type { MessageDraft } from "./stored_message.ts";

/** Options of {@linkcode MemoryHistoryStore}. */
export interface MemoryStoreOptions {
  /** How many messages to keep (default 10,000, `DEFAULT_HISTORY_SIZE`). */
  limit?: number;
}

/** History and resumable sessions in memory. */
export class MemoryHistoryStore implements HistoryStore, AsyncDisposable {
  readonly #ring: MessageRing;
  readonly #sessions = new SessionTable();

  /** An empty store. */
  constructor(options: MemoryStoreOptions = {}) {
    this.#ring = new MessageRing(historySize(options.limit));
  }

  /** The most messages kept. */
  get limit(): number {
    return this.#ring.limit;
  }

  /** The seq of the newest message (0: none yet). */
  get newest(): number {
    return this.#ring.newest;
  }

  /**
   * Keeps a message; its seq, at once: the next one, or `seq` when given
   * (a mirror of a cluster's history, whose seqs the cluster gives; see
   * `MessageRing.append`).
   */
  append(message: MessageDraft, id?: FrameId, seq?: number): number {
    seq = this.#ring.append(message, seq);
    if (id !== undefined) this.#sessions.remember(message.sender, id, seq);
    return seq;
  }

  /** The seq of `session`'s recent message with `id`. */
  resent(session: string, id: FrameId): number | undefined {
    return this.#sessions.seqOf(session, id);
  }

  /** A page of history. */
  history(query: HistoryQuery): HistoryPage {
    return this.#ring.history(query);
  }

  /** What a session with `filter` missed after `after`. */
  replay(filter: ReplayFilter, after: number): Replay {
    return this.#ring.replay(filter, after);
  }

  /** Every resumable session. */
  sessions(): readonly SessionRecord[] {
    return this.#sessions.all();
  }

  /** Keeps a copy of the session. */
  saveSession(session: SessionRecord): void {
    this.#sessions.save(session);
  }

  /** Forgets a session, its recent ids and the mark of direct messages to it. */
  removeSession(id: string): void {
    this.#sessions.remove(id);
    this.#ring.marks.forget(id);
  }

  /** Takes a session over by its token, with what it missed. */
  resume(request: ResumeRequest): Resumption | undefined {
    const session = this.#sessions.takeOver(
      request.tokenHash,
      request.nextTokenHash,
      request.admit,
    );
    return session && { session, ...this.#ring.replay(session, request.after) };
  }

  /** Nothing to write. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Same as {@linkcode MemoryHistoryStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
