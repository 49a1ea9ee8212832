/**
 * The `id`s of a session's last messages with their seqs (PROTOCOL.md
 * section 9), so that a message sent again after a resume gets its first
 * `ack` and is not relayed twice.
 *
 * Recording is a write into two arrays; the id-to-seq index is built on
 * the first look-up only (a session that never resumes never pays for it)
 * and kept up to date from then on.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { RecentIds } from "./recent_ids.ts";
 * const ids = new RecentIds(2);
 * ids.add("a", 1);
 * ids.add(7, 2);
 * ids.add("c", 3); // in place of the oldest
 * strictEqual(ids.seqOf("a"), undefined);
 * strictEqual(ids.oldestSeq, 2);
 * strictEqual(ids.seqOf(7), 2);
 * strictEqual(ids.seqOf("7"), undefined); // a string is not a number
 * ```
 *
 * @module
 */

import type { FrameId } from "../../protocol/messages.ts";

/** How many of a session's message ids are remembered (PROTOCOL.md section 9). */
export const RECENT_IDS = 1024;

/** The last ids of one session's messages, each with its seq. */
export class RecentIds {
  readonly #capacity: number;
  readonly #ids: FrameId[] = [];
  readonly #seqs: number[] = [];
  /** Where the next id goes once the arrays are full: the oldest one's place. */
  #next = 0;
  #index: Map<FrameId, number> | undefined;

  /** Remembers up to `capacity` ids. */
  constructor(capacity: number = RECENT_IDS) {
    this.#capacity = capacity;
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.length;
  }

  /** The seq of the oldest remembered id (0: none); every remembered one has a larger or equal seq. */
  get oldestSeq(): number {
    return this.#seqs.length === 0 ? 0 : this.#seqs[this.#next];
  }

  /** Remembers `id` for `seq` (larger than any before), in place of the oldest when full. */
  add(id: FrameId, seq: number): void {
    let evicted: FrameId | undefined;
    let evictedSeq = 0;
    if (this.#ids.length < this.#capacity) {
      this.#ids.push(id);
      this.#seqs.push(seq);
    } else {
      const at = this.#next;
      evicted = this.#ids[at];
      evictedSeq = this.#seqs[at];
      this.#ids[at] = id;
      this.#seqs[at] = seq;
      this.#next = at + 1 === this.#capacity ? 0 : at + 1;
    }
    const index = this.#index;
    if (index) {
      if (evicted !== undefined && index.get(evicted) === evictedSeq) index.delete(evicted);
      index.set(id, seq);
    }
  }

  /** The seq of the remembered message with this id (the newest, if it was used twice). */
  seqOf(id: FrameId): number | undefined {
    let index = this.#index;
    if (!index) {
      index = this.#index = new Map();
      for (const [id, seq] of this.entries()) index.set(id, seq);
    }
    return index.get(id);
  }

  /** The remembered ids with their seqs, oldest first. */
  *entries(): IterableIterator<[FrameId, number]> {
    const count = this.#ids.length;
    for (let i = 0; i < count; i++) {
      const at = (this.#next + i) % count;
      yield [this.#ids[at], this.#seqs[at]];
    }
  }
}
