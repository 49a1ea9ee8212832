/**
 * The last N messages in memory: a ring indexed by seq (seqs are given
 * here, one after the other), each new message pruning the one N before it
 * and counting it in the {@linkcode PrunedMarks}. The fields are kept in
 * columns (an array each, grown as messages come, up to N), so a message
 * kept is its content string and nothing more: ten thousand record objects,
 * each outliving a few young-generation collections, cost the server about
 * 4 µs of garbage collection per message relayed (acked messages, TCP).
 * A message read back is made into a {@linkcode StoredMessage} then.
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
import type { MessageDraft, StoredMessage } from "./stored_message.ts";

/** The last `limit` messages, with seqs from 1. */
export class MessageRing {
  /** How many messages are kept. */
  readonly limit: number;
  /** What was pruned, per audience. */
  readonly marks: PrunedMarks = new PrunedMarks();
  // The columns grow with the messages kept, up to `limit`: a large `--history` costs nothing
  // until it fills. Slot 0 is the seq `#start`, the first after the last skip, so they fill in
  // order (packed arrays; the times are stored as unboxed doubles).
  readonly #ts: number[] = [];
  readonly #verified: boolean[] = [];
  readonly #senders: string[] = [];
  readonly #froms: string[] = [];
  readonly #contents: string[] = [];
  readonly #rooms: (string | undefined)[] = [];
  readonly #roomKeys: (string | undefined)[] = [];
  readonly #recipients: (string | undefined)[] = [];
  readonly #tos: (string | undefined)[] = [];
  #start = 1;
  #newest = 0;
  /** Every seq up to this one is unknown here (a mirror that started late, or skipped some). */
  #floor = 0;

  /** A ring of `limit` messages (a whole number, at least 1). */
  constructor(limit: number) {
    this.limit = historySize(limit);
  }

  /** The slot of a kept seq in the columns. */
  #slot(seq: number): number {
    return (seq - this.#start) % this.limit;
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
    const slot = this.#slot(seq);
    const old = seq - this.limit;
    if (old > this.#floor) this.#prune(old, slot);
    this.#ts[slot] = draft.ts;
    this.#verified[slot] = draft.verified;
    this.#senders[slot] = draft.sender;
    this.#froms[slot] = draft.from;
    this.#contents[slot] = draft.content;
    this.#rooms[slot] = draft.room;
    this.#roomKeys[slot] = draft.roomKey;
    this.#recipients[slot] = draft.recipient;
    this.#tos[slot] = draft.to;
    return seq;
  }

  /** The message kept under `seq` (which must be kept). */
  #at(seq: number): StoredMessage {
    const slot = this.#slot(seq);
    return {
      seq,
      ts: this.#ts[slot],
      sender: this.#senders[slot],
      from: this.#froms[slot],
      verified: this.#verified[slot],
      content: this.#contents[slot],
      room: this.#rooms[slot],
      roomKey: this.#roomKeys[slot],
      recipient: this.#recipients[slot],
      to: this.#tos[slot],
    };
  }

  /** Counts the message kept under `seq` (in `slot`) as pruned. */
  #prune(seq: number, slot: number): void {
    this.marks.prune(seq, this.#senders[slot], this.#roomKeys[slot], this.#recipients[slot]);
  }

  /** A page of history, newest `limit` matches before `before`, oldest first. */
  history(query: HistoryQuery): HistoryPage {
    const limit = historyLimit(query.limit);
    const { session, roomKey, before } = query;
    const found: StoredMessage[] = [];
    let more = false;
    const top = before === undefined ? this.#newest : Math.min(this.#newest, Math.ceil(before) - 1);
    for (let seq = top, end = this.oldest; seq >= end; seq--) {
      const slot = this.#slot(seq);
      const key = this.#roomKeys[slot];
      const recipient = this.#recipients[slot];
      const match = roomKey !== undefined ? key === roomKey : key === undefined &&
        (recipient === undefined || recipient === session || this.#senders[slot] === session);
      if (!match) continue;
      if (found.length === limit) {
        more = true;
        break;
      }
      found.push(this.#at(seq));
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
      const slot = this.#slot(seq);
      const recipient = this.#recipients[slot];
      const roomKey = this.#roomKeys[slot];
      let receives: boolean;
      if (recipient !== undefined) receives = recipient === id;
      else if (this.#senders[slot] === id) receives = false;
      else if (roomKey === undefined) receives = seq > since;
      else receives = seq > (joined.get(roomKey) ?? Infinity);
      if (receives) messages.push(this.#at(seq));
    }
    const complete = after >= this.#floor && this.marks.complete(filter, after);
    return { messages, complete, newest: this.#newest };
  }

  /** The next seq is `seq`: what is kept goes (counted as pruned), the seqs before are unknown. */
  #skipTo(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= this.#newest) {
      throw new RangeError(`seq ${seq} is not after the newest, ${this.#newest}`);
    }
    for (let old = this.oldest; old <= this.#newest; old++) this.#prune(old, this.#slot(old));
    // Nothing kept: the columns start again, from `seq`.
    for (
      const column of [
        this.#ts,
        this.#verified,
        this.#senders,
        this.#froms,
        this.#contents,
        this.#rooms,
        this.#roomKeys,
        this.#recipients,
        this.#tos,
      ]
    ) column.length = 0;
    this.#start = seq;
    this.#newest = this.#floor = seq - 1;
  }
}
