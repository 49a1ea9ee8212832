/**
 * Time as the code that waits on it sees it: the wall clock in production,
 * a clock that a test moves by hand ({@linkcode ManualClock}) in timing tests.
 *
 * @module
 */

/** A source of the current time and of repeating timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/** The wall clock and the runtime's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms: number, fn: () => void): () => void {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};

/**
 * A clock that moves only when told to: {@linkcode ManualClock.advance} runs
 * every timer that falls due, in order, at its own time.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ManualClock } from "./clock.ts";
 * const clock = new ManualClock(1000);
 * const beats: number[] = [];
 * const stop = clock.every(10, () => beats.push(clock.now()));
 * clock.advance(25);
 * stop();
 * clock.advance(100);
 * strictEqual(beats.join(), "1010,1020");
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Set<{ due: number; ms: number; fn: () => void }>();

  /** Creates a clock that reads `start` until it is advanced. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The clock's time. */
  now(): number {
    return this.#now;
  }

  /** A repeating timer that fires only within {@linkcode ManualClock.advance}. */
  every(ms: number, fn: () => void): () => void {
    const timer = { due: this.#now + ms, ms: Math.max(1, ms), fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** Moves the clock `ms` forward, firing each timer as its time comes. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: { due: number; ms: number; fn: () => void } | undefined;
      for (const timer of this.#timers) if (!next || timer.due < next.due) next = timer;
      if (!next || next.due > end) break;
      this.#now = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.#now = end;
  }
}
