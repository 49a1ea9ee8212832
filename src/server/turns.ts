/**
 * Fair turns between sessions: no session handles more than one read's
 * worth of frames before the others get theirs.
 *
 * Deno resolves the read of a socket that has data waiting at once, as a
 * microtask, without going back to the event loop: a session whose peer
 * writes without pause would read and handle for ever while every other
 * socket waits. So the sessions share one {@linkcode Turns}: a session
 * that has already handled a read in the current turn waits for the next
 * one, a single promise for all of them. That wait is one comparison when
 * nobody hurries: a turn ends after every macrotask in which a read was
 * handled (`setImmediate`).
 *
 * A turn that someone waits for ends with a macrotask too, but Deno polls
 * its sockets only every 61 macrotasks while it has work of its own (its
 * runtime's event interval): a sender that never pauses would still get
 * about 60 reads for each of the others'. So once such turns have run back
 * to back for {@linkcode SLICE_MS}, the next one waits for a timer, which
 * lets the event loop park and poll every socket (about a millisecond).
 *
 * @module
 */

import { setImmediate } from "node:timers";

/** How long turns may follow one another without a poll of every socket. */
export const SLICE_MS = 4;

/** The turns that sessions take to handle what they read. */
export class Turns {
  #turn = 0;
  #ending = false;
  #next: PromiseWithResolvers<void> | undefined;
  /** Whether the waiters of `#next` wait for a timer (else for the turn's end). */
  #polling = false;
  /** When the last turn that polled every socket ended (`performance.now()`). */
  #polled = 0;

  readonly #end = (): void => {
    this.#ending = false;
    this.#turn++;
    if (!this.#polling) this.#wake();
  };

  readonly #poll = (): void => {
    this.#polling = false;
    this.#polled = performance.now();
    this.#wake();
  };

  /** The current turn's number. */
  get current(): number {
    return this.#turn;
  }

  /**
   * Takes the current turn for one read's frames; returns its number. The
   * turn ends at the next macrotask.
   */
  take(): number {
    if (!this.#ending) {
      this.#ending = true;
      setImmediate(this.#end);
    }
    return this.#turn;
  }

  /** Resolves when the current turn has ended (and, now and then, every socket was polled). */
  next(): Promise<void> {
    if (this.#next === undefined) {
      this.#next = Promise.withResolvers();
      if (performance.now() - this.#polled >= SLICE_MS) {
        this.#polling = true;
        setTimeout(this.#poll, 0);
      } else if (!this.#ending) {
        this.#ending = true;
        setImmediate(this.#end);
      }
    }
    return this.#next.promise;
  }

  #wake(): void {
    const next = this.#next;
    this.#next = undefined;
    next?.resolve();
  }
}
