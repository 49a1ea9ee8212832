/**
 * The last N messages in memory: a ring indexed by seq (seqs are given
 * here, one after the other), each new message pruning the one N before it
 * and counting it in the {@linkcode PrunedMarks}. Appending allocates the
 * stored record and nothing else.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { MessageRing } from "./message_ring.ts";
 * const ring = new MessageRing(2);
 * const from = (sender: string) => ({ ts: 0, sender, from: sender, verified: false, content: "" });
 * ring.append(from("ann")); // 1: pruned by 3
 * ring.append(from("bob")); // 2
 * ring.append(from("ann")); // 3
 * const bob = { id: "bob", since: 0, rooms: [] };
 * deepStrictEqual(ring.replay(bob, 0).messages.map((m) => m.seq), [3]);
 * deepStrictEqual(ring.replay(bob, 0).complete, false); // 1 is gone
 * deepStrictEqual(ring.replay({ ...bob, id: "ann" }, 0).complete, true); // ann sent 1 herself
 * ```
 *
 * @module
 */

import { historySize, type Replay } from "./history_store.ts";
import { historyLimit, type HistoryPage, type HistoryQuery } from "./history_query.ts";
import { PrunedMarks } from "./pruned_marks.ts";
import type { ReplayFilter } from "./session_record.ts";
import { type MessageDraft, type StoredMessage, storedMessage } from "./stored_message.ts";

/** The last `limit` messages, with seqs from 1. */
export class MessageRing {
  /** How many messages are kept. */
  readonly limit: number;
  /** What was pruned, per audience. */
  readonly marks: PrunedMarks = new PrunedMarks();
  readonly #slots: (StoredMessage | undefined)[];
  #newest = 0;
  /** Every seq up to this one is unknown here (a mirror that started late, or skipped some). */
  #floor = 0;

  /** A ring of `limit` messages (a whole number, at least 1). */
  constructor(limit: number) {
    this.limit = historySize(limit);
    this.#slots = new Array(limit);
  }

  /** The newest seq (0: none yet). */
  get newest(): number {
    return this.#newest;
  }

  /** The oldest seq kept (`newest + 1` when none is). */
  get oldest(): number {
    return Math.max(this.#floor + 1, this.#newest - this.limit + 1);
  }

  /**
   * Keeps a message under the next seq, or under `seq` when given (a
   * mirror of seqs given elsewhere: it must be larger than the newest),
   * pruning the oldest when full; returns the seq. The seqs skipped, if
   * any, are unknown here: every message kept before them counts as pruned,
   * and a replay from before them is not complete.
   */
  append(draft: MessageDraft, given?: number): number {
    if (given !== undefined && given !== this.#newest + 1) this.#skipTo(given);
    const seq = ++this.#newest;
    const slot = seq % this.limit;
    const old = this.#slots[slot];
    if (old !== undefined) this.marks.prune(old.seq, old.sender, old.roomKey, old.recipient);
    this.#slots[slot] = storedMessage(seq, draft);
    return seq;
  }

  /** A page of history, newest `limit` matches before `before`, oldest first. */
  history(query: HistoryQuery): HistoryPage {
    const limit = historyLimit(query.limit);
    const { session, roomKey, before } = query;
    const found: StoredMessage[] = [];
    let more = false;
    const top = before === undefined ? this.#newest : Math.min(this.#newest, Math.ceil(before) - 1);
    for (let seq = top, end = this.oldest; seq >= end; seq--) {
      const m = this.#slots[seq % this.limit]!;
      const match = roomKey !== undefined ? m.roomKey === roomKey : m.roomKey === undefined &&
        (m.recipient === undefined || m.recipient === session || m.sender === session);
      if (!match) continue;
      if (found.length === limit) {
        more = true;
        break;
      }
      found.push(m);
    }
    return { messages: found.reverse(), more };
  }

  /** The kept messages above `after` that a session with `filter` would have received. */
  replay(filter: ReplayFilter, after: number): Replay {
    const { id, since } = filter;
    const joined = new Map<string, number>();
    for (const room of filter.rooms) joined.set(room.key, room.joined);
    const messages: StoredMessage[] = [];
    for (let seq = Math.max(Math.floor(after) + 1, this.oldest); seq <= this.#newest; seq++) {
      const m = this.#slots[seq % this.limit]!;
      let receives: boolean;
      if (m.recipient !== undefined) receives = m.recipient === id;
      else if (m.sender === id) receives = false;
      else if (m.roomKey === undefined) receives = seq > since;
      else receives = seq > (joined.get(m.roomKey) ?? Infinity);
      if (receives) messages.push(m);
    }
    const complete = after >= this.#floor && this.marks.complete(filter, after);
    return { messages, complete, newest: this.#newest };
  }

  /** The next seq is `seq`: what is kept goes (counted as pruned), the seqs before are unknown. */
  #skipTo(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= this.#newest) {
      throw new RangeError(`seq ${seq} is not after the newest, ${this.#newest}`);
    }
    for (let old = this.oldest; old <= this.#newest; old++) {
      const m = this.#slots[old % this.limit]!;
      this.marks.prune(m.seq, m.sender, m.roomKey, m.recipient);
    }
    this.#slots.fill(undefined);
    this.#newest = this.#floor = seq - 1;
  }
}
