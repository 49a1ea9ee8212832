/**
 * The guessing throttle (PROTOCOL.md section 11): a login is refused without
 * a check when its address has had, within the last 60 s, 5 refused or
 * pending logins naming the same account, or 20 in all. Refusals by this
 * rule do not count. Pure: in memory, on an injected clock, per node.
 *
 * Memory stays bounded under a flood of addresses: an address holds at most
 * `perAddress` attempts (the next are refused uncounted), and past
 * `maxAddresses` addresses the one least recently seen is forgotten.
 *
 * @module
 */

import type { Clock } from "../../async/clock.ts";
import { nameKey } from "../../protocol/names.ts";
import { peerBucket } from "./peer_bucket.ts";

/** The throttle's limits. */
export interface ThrottleLimits {
  /** The window in milliseconds (default 60,000). */
  windowMs: number;
  /** Refused or pending logins naming one account, per address (default 5). */
  perAccount: number;
  /** Refused or pending logins in all, per address (default 20). */
  perAddress: number;
  /** Addresses remembered at most (default 10,000). */
  maxAddresses: number;
}

/** The limits of PROTOCOL.md section 11. */
export const THROTTLE_LIMITS: ThrottleLimits = {
  windowMs: 60_000,
  perAccount: 5,
  perAddress: 20,
  maxAddresses: 10_000,
};

/** A login let through the throttle: tell it how it ended. */
export interface LoginAttempt {
  /** The login succeeded: it no longer counts. */
  accepted(): void;
  /** The login was refused: it counts for the window from now. */
  refused(): void;
}

interface Entry {
  /** The account named, as a name key, or `undefined` when none could be read. */
  readonly account: string | undefined;
  /** When it was refused; `undefined` while pending. */
  refusedAt: number | undefined;
}

/**
 * Counts refused and pending logins per address.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ManualClock } from "../../async/clock.ts";
 * import { LoginThrottle } from "./throttle.ts";
 * const clock = new ManualClock();
 * const throttle = new LoginThrottle(clock);
 * for (let i = 0; i < 5; i++) throttle.begin("tcp://192.0.2.1:1000", "alice")!.refused();
 * strictEqual(throttle.begin("tcp://192.0.2.1:1001", "Alice"), undefined); // refused unchecked
 * strictEqual(throttle.begin("tcp://192.0.2.1:1002", "bob") !== undefined, true); // another account
 * clock.advance(60_000);
 * strictEqual(throttle.begin("tcp://192.0.2.1:1003", "alice") !== undefined, true);
 * ```
 */
export class LoginThrottle {
  readonly #clock: Clock;
  readonly #limits: ThrottleLimits;
  /** Attempts by address bucket, least recently seen first. */
  readonly #byAddress = new Map<string, { entries: Entry[] }>();

  /** A throttle on `clock` with `limits` (default {@linkcode THROTTLE_LIMITS}). */
  constructor(clock: Clock, limits: Partial<ThrottleLimits> = {}) {
    this.#clock = clock;
    this.#limits = { ...THROTTLE_LIMITS, ...limits };
  }

  /** How many addresses it remembers. */
  get addresses(): number {
    return this.#byAddress.size;
  }

  /**
   * Starts a login from `peer` (a peer address as the logs write it) naming
   * `account` (`undefined`: none readable): the attempt to settle, or
   * `undefined` when the login must be refused without a check.
   */
  begin(peer: string, account: string | undefined): LoginAttempt | undefined {
    const bucket = peerBucket(peer);
    const key = account === undefined ? undefined : nameKey(account);
    const record = this.#live(bucket);
    const sameAccount = key === undefined
      ? 0
      : record.entries.filter((entry) => entry.account === key).length;
    if (
      record.entries.length >= this.#limits.perAddress || sameAccount >= this.#limits.perAccount
    ) {
      return undefined;
    }
    const entry: Entry = { account: key, refusedAt: undefined };
    record.entries.push(entry);
    let settled = false;
    return {
      accepted: () => {
        if (settled) return;
        settled = true;
        record.entries = record.entries.filter((other) => other !== entry);
        if (record.entries.length === 0 && this.#byAddress.get(bucket) === record) {
          this.#byAddress.delete(bucket);
        }
      },
      refused: () => {
        if (settled) return;
        settled = true;
        entry.refusedAt = this.#clock.now();
      },
    };
  }

  /**
   * The bucket's record, without the refusals past the window, moved to the
   * most recently seen end; the least recently seen are forgotten past
   * `maxAddresses`.
   */
  #live(bucket: string): { entries: Entry[] } {
    const since = this.#clock.now() - this.#limits.windowMs;
    const record = this.#byAddress.get(bucket) ?? { entries: [] };
    record.entries = record.entries.filter(
      (entry) => entry.refusedAt === undefined || entry.refusedAt > since,
    );
    this.#byAddress.delete(bucket);
    this.#byAddress.set(bucket, record);
    while (this.#byAddress.size > this.#limits.maxAddresses) {
      this.#byAddress.delete(this.#byAddress.keys().next().value!);
    }
    return record;
  }
}
