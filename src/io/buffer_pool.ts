/**
 * Buffers of one size, kept for reuse once given back: a buffer made anew
 * costs its allocation, zeroing, page faults and garbage (about a
 * microsecond or more in this runtime, more than copying a frame into it).
 *
 * Give a buffer back only once nothing (a write in flight, a view of it)
 * uses it any more.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool(1024, 8);
 * const a = pool.take();
 * strictEqual(a.length, 1024);
 * pool.give(a);
 * strictEqual(pool.take(), a); // reused
 * strictEqual(pool.take(4096).length, 4096); // larger: one of its own
 * ```
 *
 * @module
 */

/** A pool of buffers of {@linkcode BufferPool.size} bytes, keeping up to `max` free ones. */
export class BufferPool {
  /** The size of a pooled buffer, in bytes. */
  readonly size: number;
  readonly #max: number;
  readonly #free: Uint8Array[] = [];

  /** Buffers of `size` bytes, at most `max` of them kept free. */
  constructor(size: number, max: number) {
    this.size = size;
    this.#max = max;
  }

  /**
   * A buffer of `bytes` bytes at least: a pooled one (its contents are
   * whatever was left in it), or one of its own when larger than the size.
   */
  take(bytes: number = this.size): Uint8Array {
    if (bytes > this.size) return new Uint8Array(bytes);
    return this.#free.pop() ?? new Uint8Array(this.size);
  }

  /** Gives back a buffer that nothing uses any more (one of another size is left to the collector). */
  give(buffer: Uint8Array): void {
    if (buffer.length === this.size && this.#free.length < this.#max) this.#free.push(buffer);
  }
}
