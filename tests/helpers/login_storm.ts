/**
 * The logins of a storm (PROTOCOL.md section 11: "a storm of logins does
 * not slow the others"): for each of many accounts, from its own address,
 * the right password, a wrong one, an unknown user and the right one again
 * in other letters; and the quantiles its figures are told in.
 *
 * @module
 */

import { scryptSync } from "node:crypto";
import { SCRYPT_DEFAULTS } from "../../src/server/identity/scrypt_hash.ts";

/** One login of a storm: where from, its `auth`, and whether it should be let in. */
export interface StormLogin {
  /** The address (or the peer address, as logs write it) it comes from. */
  from: string;
  /** The `session_ack`'s `auth`. */
  auth: { user: string; password: string };
  /** Whether the login is right. */
  ok: boolean;
}

/**
 * Four logins for each of `names` (accounts whose password is `password`),
 * the `i`th account's from `from(i)`.
 */
export function stormLogins(
  names: readonly string[],
  password: string,
  from: (i: number) => string,
): StormLogin[] {
  return names.flatMap((name, i) => [
    { from: from(i), auth: { user: name, password }, ok: true },
    { from: from(i), auth: { user: name, password: `not ${password}` }, ok: false },
    { from: from(i), auth: { user: `nobody${i}`, password }, ok: false },
    { from: from(i), auth: { user: name.toUpperCase(), password }, ok: true },
  ]);
}

/** The value at quantile `q` of `values`. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * How long one password check would stall an event loop that ran it
 * itself: the median of three synchronous scrypt hashes with the server's
 * parameters, in this process, now (so it scales with the machine's load
 * as the storm's figures do). A storm whose pauses stay well under it was
 * not hashed on the loop that measured them.
 */
export function blockingHashMs(): number {
  const { N, r, p } = SCRYPT_DEFAULTS;
  const times = [0, 1, 2].map(() => {
    const started = performance.now();
    scryptSync("s3cret", "a salt of sixteen", 32, { N, r, p, maxmem: 256 * N * r });
    return performance.now() - started;
  });
  return quantile(times, 0.5);
}
