/**
 * The connections a listener has ready for `accept()`: handed to a waiting
 * `accept()` at once, else kept until one comes, and closed when the
 * listener closes first. For listeners fed by callbacks rather than by a
 * `Deno.Listener` (TLS over `node:net`, WebSocket upgrades).
 *
 * @module
 */

import type { Incoming } from "./types.ts";

/** Connections waiting for `accept()`, and `accept()` calls waiting for connections. */
export class AcceptQueue {
  #ready: Incoming[] = [];
  #waiters: ((conn: Incoming | null) => void)[] = [];
  #closed = false;

  /** Whether {@linkcode AcceptQueue.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Hands `conn` to the next `accept()`; once closed, closes it instead and returns false. */
  offer(conn: Incoming): boolean {
    if (this.#closed) {
      conn.close();
      return false;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter(conn);
    else this.#ready.push(conn);
    return true;
  }

  /** The next connection, or `null` once closed. */
  accept(): Promise<Incoming | null> {
    if (this.#closed) return Promise.resolve(null);
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Closes the connections not yet accepted, and answers the waiting `accept()` calls with `null`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const conn of this.#ready.splice(0)) conn.close();
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }
}
