/**
 * A session's outbound queue: frames are encoded straight into one buffer
 * during a tick and written with a single write, and the unsent byte count
 * is what `--max-queue` limits.
 *
 * @module
 */

import { BufferPool } from "../io/buffer_pool.ts";
import type { OutputBudget } from "./output_budget.ts";
import type { Connection } from "./types.ts";

/** What the queue reports to its owner. */
export interface OutputQueueEvents {
  /** The unsent bytes passed the limit: the session should be cut. */
  onOverflow(): void;
  /** A write failed: the peer is gone. */
  onWriteError(error: unknown): void;
  /** The connection took `bytes` more bytes. */
  onWritten?(bytes: number): void;
}

const encoder = new TextEncoder();
const LF = 0x0a;

/**
 * The size of a pooled buffer. What a tick queues goes into one; past it,
 * into the next, written after it: a peer that is behind costs no copies
 * and no garbage, and a buffer never grows.
 */
const SLAB = 16 * 1024;
/**
 * The buffers of all queues: up to 1,024 free ones kept (16 MiB at most),
 * enough for a fan-out to a thousand sessions, whose queues each hold one
 * or more until their writes are done (with 512, a fan-out to 1,000 spent
 * 0.40 µs of CPU a delivery, against 0.31). In a fan-out to 100, a pool of
 * 64 (buffers that grew by copying, past it) spent a fifth of the server's
 * time on new buffers (perf).
 */
const pool = new BufferPool(SLAB, 1024);

/**
 * Copies `part` into `buffer` at `at`; returns where it ends. A short part
 * is copied by hand (cheaper than a call to `set`).
 */
function copyInto(buffer: Uint8Array, part: Uint8Array, at: number): number {
  const length = part.length;
  if (length > 64) {
    buffer.set(part, at);
  } else {
    for (let i = 0; i < length; i++) buffer[at + i] = part[i];
  }
  return at + length;
}

/** A `DataView` of each buffer that took a spliced frame, made once per buffer. */
const views = new WeakMap<Uint8Array, DataView>();

function viewOf(buffer: Uint8Array): DataView {
  let view = views.get(buffer);
  if (view === undefined) {
    views.set(buffer, view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength));
  }
  return view;
}

/**
 * A receiver's id as little-endian 4-byte words (the last one padded), for
 * {@linkcode OutputQueue.pushSpliced}: nine stores for a UUID, not 36.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { IdWords } from "./output_queue.ts";
 * const id = new IdWords(new TextEncoder().encode("abcdef"));
 * strictEqual(id.length, 6);
 * strictEqual(id.words.length, 2);
 * ```
 */
export class IdWords {
  /** The id's length in bytes. */
  readonly length: number;
  /** Its bytes, four to a word, little-endian. */
  readonly words: Uint32Array;

  /** The words of `bytes`. */
  constructor(bytes: Uint8Array) {
    this.length = bytes.length;
    const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    padded.set(bytes);
    const view = new DataView(padded.buffer);
    this.words = new Uint32Array(padded.length / 4);
    for (let i = 0; i < this.words.length; i++) this.words[i] = view.getUint32(4 * i, true);
  }
}

/**
 * One outbound buffer per connection, flushed once per tick (a microtask
 * after the frames of one read were handled) as a single write (as one per
 * 16 KiB buffer, once more than that is owed). An idle queue holds no
 * buffer: buffers come from a shared pool while there is something to
 * send, and go back once it is written.
 */
export class OutputQueue {
  #conn: Connection;
  #limit: number;
  #events: OutputQueueEvents;
  #budget: OutputBudget | undefined;
  /**
   * Full buffers queued before `#buffer`, oldest first, each with the bytes
   * it holds (none while idle: made when a tick queues more than 64 KiB).
   */
  #full: { bytes: Uint8Array; length: number }[] | undefined;
  /** The bytes queued last, in `#buffer[0, #length)`. */
  #buffer: Uint8Array | undefined;
  #length = 0;
  #unsent = 0;
  #scheduled = false;
  #writing = false;
  #closed = false;
  /** Set by {@linkcode OutputQueue.lastWord}: nothing more is queued. */
  #sealed = false;
  /** Whether its bytes are counted apart in the budget (its session is on its way out). */
  #apart = false;
  /** Who waits for everything queued to be written (none while idle). */
  #drained: (() => void)[] | undefined;

  /**
   * Creates a queue that writes to `conn` and allows `limit` unsent bytes;
   * they count in `budget` too, when given.
   */
  constructor(conn: Connection, limit: number, events: OutputQueueEvents, budget?: OutputBudget) {
    this.#conn = conn;
    this.#limit = limit;
    this.#events = events;
    this.#budget = budget;
  }

  /** Bytes queued or being written but not yet taken by the socket. */
  get unsent(): number {
    return this.#unsent;
  }

  /**
   * Queues bytes to send; false when the queue is closed or would pass its
   * limit (then `onOverflow` has been called and nothing was queued).
   */
  push(bytes: Uint8Array): boolean {
    if (this.#closed || this.#sealed) return false;
    const size = bytes.length;
    if (this.#unsent + size > this.#limit) return this.#overflow();
    this.#length = copyInto(this.#reserve(size), bytes, this.#length);
    this.#queued(size);
    return true;
  }

  /**
   * Queues a frame encoded once for many receivers: `head`, the receiver's
   * `id` and `tail`, like {@linkcode OutputQueue.push} (the id written a
   * word at a time: this runs once per receiver of every relayed frame).
   */
  pushSpliced(head: Uint8Array, id: IdWords, tail: Uint8Array): boolean {
    if (this.#closed || this.#sealed) return false;
    const size = head.length + id.length + tail.length;
    if (this.#unsent + size > this.#limit) return this.#overflow();
    // Room for the padding of the last word, overwritten by the tail.
    const buffer = this.#reserve(size + 3);
    let at = copyInto(buffer, head, this.#length);
    const view = viewOf(buffer);
    const words = id.words;
    for (let i = 0; i < words.length; i++) view.setUint32(at + 4 * i, words[i], true);
    at += id.length;
    this.#length = copyInto(buffer, tail, at);
    this.#queued(size);
    return true;
  }

  /** Queues a JSON text as one frame (UTF-8 and a line feed), like {@linkcode OutputQueue.push}. */
  pushText(json: string): boolean {
    if (this.#closed || this.#sealed) return false;
    return this.#pushText(json, this.#limit);
  }

  /** {@linkcode OutputQueue.pushText}, against `limit`. */
  #pushText(json: string, limit: number): boolean {
    // ASCII takes a byte per UTF-16 unit, UTF-8 at most 3; the line feed one more.
    let buffer = this.#reserve(json.length + 1);
    let { read, written } = encoder.encodeInto(
      json,
      buffer.subarray(this.#length, buffer.length - 1),
    );
    if (read < json.length) {
      buffer = this.#reserve(3 * json.length + 1);
      ({ written } = encoder.encodeInto(json, buffer.subarray(this.#length, buffer.length - 1)));
    }
    const size = written + 1;
    if (this.#unsent + size > limit) return this.#overflow();
    buffer[this.#length + written] = LF;
    this.#length += size;
    this.#queued(size);
    return true;
  }

  /**
   * Drops what is queued but not yet being written, queues `json` alone
   * (past the limit), and takes nothing more: the last frame of a session
   * that is cut, such as its `slow_consumer` error.
   */
  lastWord(json: string): void {
    if (this.#closed || this.#sealed) return;
    // `0 - x`, not `-x`: never -0, a double that would make every queue's counts heap numbers.
    this.#count(0 - this.#drop());
    this.#sealed = true;
    this.retire();
    this.#pushText(json, Infinity);
  }

  /**
   * Its session is closing: what it holds, and anything queued from now on,
   * is on its way out and no longer counts against the budget's limit.
   */
  retire(): void {
    if (this.#apart) return;
    this.#apart = true;
    this.#budget?.seal(this.#unsent);
  }

  /** Resolves once everything queued was written (or the queue was closed). */
  drained(): Promise<void> {
    if (this.#unsent === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#drained ??= []).push(resolve));
  }

  /** Stops writing; what is unsent is dropped. */
  close(): void {
    if (!this.#closed) this.#count(0 - this.#unsent);
    this.#closed = true;
    this.#drop();
    this.#settle();
  }

  /** Drops what is queued and not being written (a batch in flight is in no buffer here); returns its size. */
  #drop(): number {
    let dropped = this.#length;
    for (const { bytes, length } of this.#full?.splice(0) ?? []) {
      dropped += length;
      pool.give(bytes);
    }
    if (this.#buffer) pool.give(this.#buffer);
    this.#buffer = undefined;
    this.#length = 0;
    return dropped;
  }

  #overflow(): false {
    this.#events.onOverflow();
    return false;
  }

  /** The current buffer, with room for `size` more bytes (the next one, when it is full). */
  #reserve(size: number): Uint8Array {
    const buffer = this.#buffer;
    if (buffer && this.#length + size <= buffer.length) return buffer;
    if (buffer && this.#length > 0) {
      // It waits its turn as it is, and the rest goes in a buffer of its own.
      (this.#full ??= []).push({ bytes: buffer, length: this.#length });
    } else if (buffer) {
      pool.give(buffer);
    }
    this.#length = 0;
    return this.#buffer = pool.take(size);
  }

  /** Counts `delta` more unsent bytes (fewer, when negative), here and in the budget. */
  #count(delta: number): void {
    if (this.#closed) return;
    this.#unsent += delta;
    this.#budget?.add(delta, this.#apart);
  }

  #queued(size: number): void {
    this.#count(size);
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#writing = true;
    try {
      while (!this.#closed) {
        let batch: Uint8Array;
        let length: number;
        const full = this.#full?.shift();
        if (full) {
          ({ bytes: batch, length } = full);
        } else if (this.#length > 0) {
          batch = this.#buffer!;
          length = this.#length;
          this.#buffer = undefined;
          this.#length = 0;
        } else break;
        let offset = 0;
        while (offset < length) {
          const written = await this.#conn.write(batch.subarray(offset, length));
          offset += written;
          this.#count(0 - written);
          this.#events.onWritten?.(written);
        }
        pool.give(batch);
      }
    } catch (error) {
      if (!this.#closed) this.#events.onWriteError(error);
    } finally {
      this.#writing = false;
      if (this.#unsent === 0 || this.#closed) this.#settle();
    }
  }

  #settle(): void {
    const waiters = this.#drained;
    this.#drained = undefined;
    for (const resolve of waiters ?? []) resolve();
  }
}
