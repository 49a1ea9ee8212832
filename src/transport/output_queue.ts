/**
 * A session's outbound queue: frames are gathered during a tick and written
 * as one buffer, and the unsent byte count is what `--max-queue` limits.
 *
 * @module
 */

import type { Connection } from "./types.ts";

/** What the queue reports to its owner. */
export interface OutputQueueEvents {
  /** The unsent bytes passed the limit: the session should be cut. */
  onOverflow(): void;
  /** A write failed: the peer is gone. */
  onWriteError(error: unknown): void;
}

/**
 * One outbound buffer per connection, flushed once per tick (a microtask
 * after the frames of one read were handled) as a single write.
 */
export class OutputQueue {
  #conn: Connection;
  #limit: number;
  #events: OutputQueueEvents;
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  #unsent = 0;
  #scheduled = false;
  #writing = false;
  #closed = false;
  #drained: (() => void)[] = [];

  /** Creates a queue that writes to `conn` and allows `limit` unsent bytes. */
  constructor(conn: Connection, limit: number, events: OutputQueueEvents) {
    this.#conn = conn;
    this.#limit = limit;
    this.#events = events;
  }

  /** Bytes queued or being written but not yet taken by the socket. */
  get unsent(): number {
    return this.#unsent;
  }

  /**
   * Queues bytes to send; false when the queue is closed or would pass its
   * limit (then `onOverflow` has been called and nothing was queued).
   */
  push(...parts: Uint8Array[]): boolean {
    if (this.#closed) return false;
    let size = 0;
    for (const part of parts) size += part.length;
    if (this.#unsent + size > this.#limit) {
      this.#events.onOverflow();
      return false;
    }
    for (const part of parts) this.#parts.push(part);
    this.#partBytes += size;
    this.#unsent += size;
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
    return true;
  }

  /** Resolves once everything queued was written (or the queue was closed). */
  drained(): Promise<void> {
    if (this.#unsent === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Stops writing; what is unsent is dropped. */
  close(): void {
    this.#closed = true;
    this.#parts = [];
    this.#settle();
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#writing = true;
    try {
      while (this.#partBytes > 0 && !this.#closed) {
        const batch = this.#take();
        let offset = 0;
        while (offset < batch.length) {
          const written = await this.#conn.write(batch.subarray(offset));
          offset += written;
          this.#unsent -= written;
        }
      }
    } catch (error) {
      if (!this.#closed) this.#events.onWriteError(error);
    } finally {
      this.#writing = false;
      if (this.#unsent === 0 || this.#closed) this.#settle();
    }
  }

  /** Takes every queued part as one buffer. */
  #take(): Uint8Array {
    const parts = this.#parts;
    const total = this.#partBytes;
    this.#parts = [];
    this.#partBytes = 0;
    if (parts.length === 1) return parts[0];
    const batch = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      batch.set(part, offset);
      offset += part.length;
    }
    return batch;
  }

  #settle(): void {
    const waiters = this.#drained;
    this.#drained = [];
    for (const resolve of waiters) resolve();
  }
}
