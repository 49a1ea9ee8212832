/**
 * Writes of one tick in one transaction: every call made before the event
 * loop next runs its immediates joins the same batch; the batch's writes
 * are committed together, then its calls are answered in the order they
 * were made. A batch whose commit fails rejects all of its calls.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { TickBatch } from "./tick_batch.ts";
 * const commits: string[][] = [];
 * let writes: string[] = [];
 * const batch = new TickBatch((run) => {
 *   writes = [];
 *   run();
 *   commits.push(writes);
 * });
 * const answers = await Promise.all([1, 2, 3].map((n) =>
 *   batch.add(() => writes.push(`w${n}`), () => n)
 * ));
 * deepStrictEqual(answers, [1, 2, 3]);
 * deepStrictEqual(commits, [["w1", "w2", "w3"]]); // one commit for the tick
 * ```
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";

/** One call waiting for its batch. */
interface Call {
  write: (() => void) | undefined;
  answer: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Runs a batch: calls `writes()` (which performs every call's write, in
 * order) inside one transaction, and commits it; throws, having rolled
 * back, when it cannot.
 */
export type Transaction = (writes: () => void) => void;

/** The calls of the current tick, committed together. */
export class TickBatch {
  readonly #transaction: Transaction;
  readonly #failed: (error: unknown) => void;
  #calls: Call[] = [];
  #timer: ReturnType<typeof setImmediate> | undefined;
  #commits = 0;

  /**
   * Batches over `transaction`; `failed` is told of a batch whose commit
   * failed (before its calls are rejected), to bring state back to the file.
   */
  constructor(transaction: Transaction, failed: (error: unknown) => void = () => {}) {
    this.#transaction = transaction;
    this.#failed = failed;
  }

  /** Whether calls are waiting for a commit. */
  get pending(): boolean {
    return this.#calls.length > 0;
  }

  /** How many batches were committed. */
  get commits(): number {
    return this.#commits;
  }

  /**
   * Adds a call: `write` runs in this tick's transaction; once it is
   * committed, the call resolves to what `answer` returns then.
   */
  add<T>(write: (() => void) | undefined, answer: () => T): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.#calls.push({ write, answer, resolve: resolve as (value: unknown) => void, reject });
    this.#timer ??= setImmediate(() => this.flush());
    return promise;
  }

  /** Answers now when no call is waiting, else once the pending calls are committed. */
  after<T>(answer: () => T): T | Promise<T> {
    return this.#calls.length === 0 ? answer() : this.add(undefined, answer);
  }

  /** Commits the pending calls now and answers them. */
  flush(): void {
    if (this.#timer !== undefined) clearImmediate(this.#timer);
    this.#timer = undefined;
    const calls = this.#calls;
    if (calls.length === 0) return;
    this.#calls = [];
    try {
      this.#transaction(() => {
        for (const call of calls) call.write?.();
      });
    } catch (error) {
      try {
        this.#failed(error);
      } finally {
        for (const call of calls) call.reject(error);
      }
      return;
    }
    this.#commits++;
    for (const call of calls) {
      try {
        call.resolve(call.answer());
      } catch (error) {
        call.reject(error);
      }
    }
  }
}
