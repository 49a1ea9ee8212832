/**
 * The rate limit of one session (`--rate-limit`) as a token bucket: `rate`
 * tokens a second, at most `rate` held, full when the session opens. Pure
 * arithmetic on the times it is given: no timer.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { TokenBucket } from "./token_bucket.ts";
 * const bucket = new TokenBucket(2, 0);
 * strictEqual(bucket.take() && bucket.take(), true);
 * strictEqual(bucket.take(), false); // empty
 * strictEqual(bucket.msUntil(1), 500); // one token every 500 ms
 * bucket.refill(500);
 * strictEqual(bucket.take(), true);
 * ```
 *
 * @module
 */

/** A bucket of tokens, one per frame. */
export class TokenBucket {
  /** Tokens earned a second, and the most held at once. */
  readonly rate: number;
  #tokens: number;
  #stamp: number;

  /** A full bucket of `rate` tokens at time `now` (milliseconds). */
  constructor(rate: number, now: number) {
    this.rate = rate;
    this.#tokens = rate;
    this.#stamp = now;
  }

  /** Adds the tokens earned since the last refill (up to `rate` held); `now` in milliseconds. */
  refill(now: number): void {
    if (now <= this.#stamp) return;
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#stamp) * this.rate) / 1000);
    this.#stamp = now;
  }

  /** Whether it holds `rate` tokens at `now` (milliseconds), after a refill: as good as a new one. */
  fullAt(now: number): boolean {
    this.refill(now);
    return this.#tokens >= this.rate;
  }

  /** Takes a token; false when there is none. */
  take(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /** Milliseconds until `count` tokens (at most `rate`) are held; 0 when they are. */
  msUntil(count: number): number {
    const missing = Math.min(count, this.rate) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.rate);
  }
}
