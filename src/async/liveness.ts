/**
 * Liveness as one small object (PROTOCOL.md section 5): when the peer was
 * last heard, when its silence becomes fatal, and what to do about it.
 *
 * A server session's `Liveness` owns no timer (one sweep of the server
 * checks them all, so ten thousand idle sessions cost ten thousand small
 * objects, not timers); a client's starts its own, which also sends its
 * heartbeat every interval.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import type { HeartbeatSettings } from "../protocol/messages.ts";

/** Settings of a {@linkcode Liveness}. */
export interface LivenessOptions {
  /** Interval, timeout and retries, in seconds: silence past `timeout × retries` is fatal. */
  heartbeat: HeartbeatSettings;
  /** Called once, when the silence became fatal, with how long it lasted (ms). */
  onDead(silentMs: number): void;
  /** Called every interval while {@linkcode Liveness.start}ed (a client sends its `ping`). */
  onBeat?(): void;
  /** The clock (default: the wall clock). */
  clock?: Clock;
}

/**
 * Tracks a peer's signs of life.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ManualClock } from "./clock.ts";
 * import { Liveness } from "./liveness.ts";
 * const clock = new ManualClock();
 * let dead = 0;
 * const liveness = new Liveness({
 *   heartbeat: { interval: 1, timeout: 2, retries: 3 },
 *   onDead: () => dead++,
 *   clock,
 * });
 * liveness.start();
 * clock.advance(5000);
 * liveness.seen(); // a frame arrived: 6 s of silence allowed from here
 * clock.advance(5999);
 * strictEqual(dead, 0);
 * clock.advance(1001);
 * strictEqual(dead, 1);
 * liveness.stop();
 * ```
 */
export class Liveness {
  /** Milliseconds of silence allowed: `timeout × retries`. */
  readonly silenceMs: number;
  /** Milliseconds between beats. */
  readonly intervalMs: number;
  #options: LivenessOptions;
  #clock: Clock;
  #deadline: number;
  #lastSeen: number;
  #dead = false;
  #stopTimer: (() => void) | undefined;

  /** Starts counting silence from now. */
  constructor(options: LivenessOptions) {
    const { interval, timeout, retries } = options.heartbeat;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.silenceMs = 1000 * timeout * retries;
    this.intervalMs = 1000 * interval;
    this.#lastSeen = this.#clock.now();
    this.#deadline = this.#lastSeen + this.silenceMs;
  }

  /** When (ms since the epoch) the silence becomes fatal. */
  get deadline(): number {
    return this.#deadline;
  }

  /** Whether the silence has become fatal. */
  get dead(): boolean {
    return this.#dead;
  }

  /** The peer gave a sign of life: the allowed silence starts again. */
  seen(): void {
    this.#lastSeen = this.#clock.now();
    this.#deadline = this.#lastSeen + this.silenceMs;
  }

  /** When (ms since the epoch) the peer was last heard. */
  get lastSeen(): number {
    return this.#lastSeen;
  }

  /** Allows `ms` of silence from now, once (a handshake's own timeout). */
  allow(ms: number): void {
    this.#deadline = this.#clock.now() + ms;
  }

  /** Calls `onDead` (once) when the deadline has passed; returns whether the peer is alive. */
  check(now: number = this.#clock.now()): boolean {
    if (this.#dead) return false;
    if (now <= this.#deadline) return true;
    this.#dead = true;
    this.stop();
    this.#options.onDead(now - this.#lastSeen);
    return false;
  }

  /** Checks every interval (at least every 10 ms) and, while alive, beats. */
  start(): void {
    if (this.#stopTimer || this.#dead) return;
    const period = Math.max(10, this.intervalMs);
    this.#stopTimer = this.#clock.every(period, () => {
      if (this.check()) this.#options.onBeat?.();
    });
  }

  /** Stops the timer of {@linkcode Liveness.start}. */
  stop(): void {
    this.#stopTimer?.();
    this.#stopTimer = undefined;
  }
}
