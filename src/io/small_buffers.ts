/**
 * Small buffers of one size, cut from shared slabs: ten thousand idle
 * connections each waiting on a read of a few hundred bytes hold ten
 * thousand views of a few slabs, not ten thousand `ArrayBuffer`s (each with
 * its own backing store and allocation).
 *
 * A buffer given back is handed out again: give it back only once nothing
 * (no read in flight, no view of it) uses it any more.
 *
 * @example
 * ```ts
 * import { notStrictEqual, strictEqual } from "node:assert/strict";
 * import { SmallBuffers } from "./small_buffers.ts";
 * const buffers = new SmallBuffers(256, 4);
 * const [a, b] = [buffers.take(), buffers.take()];
 * strictEqual(a.length, 256);
 * strictEqual(a.buffer, b.buffer); // one slab
 * notStrictEqual(a.byteOffset, b.byteOffset);
 * buffers.give(a);
 * strictEqual(buffers.take(), a); // reused
 * ```
 *
 * @module
 */

/** A pool of equal small buffers cut from slabs of `perSlab` buffers each. */
export class SmallBuffers {
  /** The size of each buffer, in bytes. */
  readonly size: number;
  readonly #perSlab: number;
  /** Buffers given back, free for reuse. */
  readonly #free: Uint8Array<ArrayBuffer>[] = [];
  /** The slab being cut, and how many buffers were cut from it. */
  #slab: ArrayBuffer | undefined;
  #cut = 0;

  /** Buffers of `size` bytes, `perSlab` to a slab. */
  constructor(size: number, perSlab: number) {
    this.size = size;
    this.#perSlab = perSlab;
  }

  /** A buffer of {@linkcode SmallBuffers.size} bytes (its contents are whatever was left in it). */
  take(): Uint8Array<ArrayBuffer> {
    const free = this.#free.pop();
    if (free) return free;
    if (this.#slab === undefined || this.#cut === this.#perSlab) {
      this.#slab = new ArrayBuffer(this.size * this.#perSlab);
      this.#cut = 0;
    }
    return new Uint8Array(this.#slab, this.size * this.#cut++, this.size);
  }

  /** Gives back a buffer of {@linkcode SmallBuffers.take} that nothing uses any more. */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    this.#free.push(buffer);
  }
}
