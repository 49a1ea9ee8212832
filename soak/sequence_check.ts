/**
 * The numbered messages of one sender, checked as they arrive: each number
 * once and in order. A number past the next one leaves a gap; a gap filled
 * later is a reordered message; a number seen before is a duplicate.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { SequenceCheck } from "./sequence_check.ts";
 * const check = new SequenceCheck();
 * for (const n of [0, 2, 1, 2, 3]) check.take(n);
 * deepStrictEqual(
 *   [check.received, check.reordered, check.duplicates, check.missing],
 *   [4, 1, 1, 0],
 * );
 * ```
 *
 * @module
 */

/** Counts one sender's numbered messages: received, reordered, duplicated, still missing. */
export class SequenceCheck {
  /** Distinct numbers received. */
  received = 0;
  /** Numbers that came after a larger one. */
  reordered = 0;
  /** Numbers that came again. */
  duplicates = 0;
  #expected = 0;
  #missing = new Set<number>();

  /** The next number expected in order. */
  get expected(): number {
    return this.#expected;
  }

  /** Numbers skipped and not received since. */
  get missing(): number {
    return this.#missing.size;
  }

  /** Takes message number `n`. */
  take(n: number): void {
    if (n === this.#expected) {
      this.#expected++;
      this.received++;
    } else if (n > this.#expected) {
      for (let s = this.#expected; s < n; s++) this.#missing.add(s);
      this.#expected = n + 1;
      this.received++;
    } else if (this.#missing.delete(n)) {
      this.reordered++;
      this.received++;
    } else {
      this.duplicates++;
    }
  }
}

/** What one side of a pair counts of the numbered messages it exchanged with its partner. */
export interface DeliveryCounts {
  /** Messages sent to the partner. */
  sent: number;
  /** Of those, acknowledged (as the kind of pair expects), in order. */
  acked: number;
  /** Messages of the partner received (each sequence number once). */
  received: number;
  /** Sequence numbers received twice. */
  duplicates: number;
  /** Sequence numbers received after a later one. */
  reordered: number;
  /** Sequence numbers of the partner never received. */
  lost: number;
}

/** The counts of many sides added up, as the soak's summary names them. */
export interface DeliveryTotals {
  sent: number;
  received: number;
  acked: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

/** Adds up the counts of `sides`. */
export function deliveryTotals(sides: readonly DeliveryCounts[]): DeliveryTotals {
  const total = (pick: (side: DeliveryCounts) => number) =>
    sides.reduce((sum, side) => sum + pick(side), 0);
  return {
    sent: total((s) => s.sent),
    received: total((s) => s.received),
    acked: total((s) => s.acked),
    lost: total((s) => s.lost),
    duplicated: total((s) => s.duplicates),
    reordered: total((s) => s.reordered),
  };
}

/** `totals` in words: `3 sent, 3 received, 3 acked, 0 lost, 0 duplicated, 0 reordered`. */
export function describeTotals(totals: DeliveryTotals): string {
  return `${totals.sent} sent, ${totals.received} received, ${totals.acked} acked, ` +
    `${totals.lost} lost, ${totals.duplicated} duplicated, ${totals.reordered} reordered`;
}
