/**
 * The unsent output of many queues together, held to one limit
 * (`--max-queue-total`). Each queue counts what it queues and what it
 * writes (O(1) a push); past the limit the owner is told, and picks whom to
 * cut (the rarer, costlier part).
 *
 * A queue whose session is being cut takes nothing more: what it still
 * holds (the write in flight, its last word) is on its way out, counted
 * apart as `sealed`, and does not count against the limit.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { OutputBudget } from "./output_budget.ts";
 * let told = 0;
 * const budget = new OutputBudget(100, () => told++);
 * budget.add(60, false);
 * budget.add(60, false); // 120 > 100: the owner is told
 * strictEqual(told, 1);
 * budget.seal(60); // one queue is being cut
 * strictEqual(budget.live, 60);
 * ```
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** The unsent bytes of every queue of a server, against one limit. */
export class OutputBudget {
  /** Most unsent bytes of all queues together (sealed ones aside). */
  readonly limit: number;
  #total = 0;
  #sealed = 0;
  #onOver: () => void;
  /** Set while the owner is being told, or after it could not bring the total down (for a macrotask). */
  #quiet = false;
  readonly #wake = (): void => {
    this.#quiet = false;
  };

  /** A budget of `limit` bytes; `onOver` is called when a push takes it past the limit. */
  constructor(limit: number, onOver: () => void) {
    this.limit = limit;
    this.#onOver = onOver;
  }

  /** Unsent bytes of every queue. */
  get total(): number {
    return this.#total;
  }

  /** Unsent bytes of the queues that still take output: what the limit holds. */
  get live(): number {
    return this.#total - this.#sealed;
  }

  /** A queue counts `bytes` more unsent (fewer, when negative); `sealed`: it takes nothing more. */
  add(bytes: number, sealed: boolean): void {
    this.#total += bytes;
    if (sealed) this.#sealed += bytes;
    else if (bytes > 0 && this.#total - this.#sealed > this.limit && !this.#quiet) this.#over();
  }

  /** A queue holding `bytes` unsent takes nothing more from now on. */
  seal(bytes: number): void {
    this.#sealed += bytes;
  }

  #over(): void {
    this.#quiet = true;
    try {
      this.#onOver();
    } finally {
      // Nobody left to cut (sessions closing on their own hold it): not again before a macrotask.
      if (this.live > this.limit) setImmediate(this.#wake);
      else this.#quiet = false;
    }
  }
}
