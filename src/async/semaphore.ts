/**
 * A counting semaphore: at most a few tasks at once, the others wait their
 * turn in order.
 *
 * @module
 */

/**
 * Runs tasks at most `limit` at a time, in the order they arrive.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { Semaphore } from "./semaphore.ts";
 * const gate = new Semaphore(2);
 * let running = 0;
 * const peaks: number[] = [];
 * const task = () =>
 *   gate.run(async () => {
 *     peaks.push(++running);
 *     await Promise.resolve();
 *     running--;
 *   });
 * await Promise.all([task(), task(), task(), task()]);
 * deepStrictEqual(Math.max(...peaks), 2);
 * ```
 */
export class Semaphore {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /** Creates a semaphore that lets `limit` tasks (at least 1) run at once. */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit ${limit}: not >= 1`);
    this.#limit = limit;
  }

  /** How many tasks wait for their turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once fewer than `limit` others run; settles as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await task();
    } finally {
      // The turn passes straight to the next waiter; the count drops only when none waits.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
