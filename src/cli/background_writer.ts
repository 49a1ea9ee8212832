/**
 * Log lines written in the background: a line is queued at once and
 * written when the output takes it, so a log call never waits for
 * standard error. Past a bound of bytes waiting, lines are dropped and
 * counted; once the output has caught up, a line says how many (CLI.md,
 * "Logs").
 *
 * @module
 */

const encoder = new TextEncoder();

/** The most bytes handed to one write. */
const WRITE_MAX = 64 * 1024;

/** Options of a {@linkcode BackgroundWriter}. */
export interface BackgroundWriterOptions {
  /** Writes some of `bytes`; resolves to how many (a `Deno.Writer`'s write). */
  write(bytes: Uint8Array): Promise<number>;
  /** The line that says `count` lines were dropped (with its line feed). */
  dropped(count: number): string;
  /** Most bytes waiting before lines are dropped (default 1 MiB). */
  maxWaiting?: number;
}

/** Lines queued now, written in the background, dropped (and counted) past a bound. */
export class BackgroundWriter {
  #options: BackgroundWriterOptions;
  #maxWaiting: number;
  #chunks: Uint8Array[] = [];
  #waiting = 0;
  #dropped = 0;
  #droppedInAll = 0;
  #writing = false;
  #idle: (() => void)[] = [];

  /** A writer that hands its lines to `options.write`. */
  constructor(options: BackgroundWriterOptions) {
    this.#options = options;
    this.#maxWaiting = options.maxWaiting ?? 1024 * 1024;
  }

  /** Bytes queued and not yet written. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Lines dropped so far, in all. */
  get dropped(): number {
    return this.#droppedInAll;
  }

  /** Queues `line` (with its line feed); drops it when too much is waiting already. */
  push(line: string): void {
    if (this.#waiting >= this.#maxWaiting) {
      this.#dropped++;
      this.#droppedInAll++;
      return;
    }
    // Room again after drops: say how many first.
    if (this.#dropped > 0) {
      this.#queue(encoder.encode(this.#options.dropped(this.#dropped)));
      this.#dropped = 0;
    }
    this.#queue(encoder.encode(line));
  }

  /** Resolves once everything queued was written, or after `ms`. */
  flush(ms: number): Promise<void> {
    if (!this.#writing && this.#waiting === 0) return Promise.resolve();
    // Waiting first: the writer may finish while the timer is being set.
    const done = Promise.withResolvers<void>();
    this.#idle.push(done.resolve);
    const timer = setTimeout(done.resolve, ms);
    return done.promise.finally(() => clearTimeout(timer));
  }

  #queue(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#waiting += bytes.length;
    if (!this.#writing) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#chunks.length > 0) {
        const batch = this.#take();
        let offset = 0;
        while (offset < batch.length) offset += await this.#options.write(batch.subarray(offset));
        this.#waiting -= batch.length;
      }
    } catch {
      // The output is gone (a closed pipe): nothing more can be written.
      this.#chunks = [];
      this.#waiting = 0;
    } finally {
      this.#writing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** The chunks waiting, up to {@linkcode WRITE_MAX} bytes (at least one chunk), as one buffer. */
  #take(): Uint8Array {
    let size = 0;
    let count = 0;
    while (
      count < this.#chunks.length && (count === 0 || size + this.#chunks[count].length <= WRITE_MAX)
    ) {
      size += this.#chunks[count++].length;
    }
    const taken = this.#chunks.splice(0, count);
    if (taken.length === 1) return taken[0];
    const batch = new Uint8Array(size);
    let at = 0;
    for (const chunk of taken) {
      batch.set(chunk, at);
      at += chunk.length;
    }
    return batch;
  }
}
