/**
 * Password hashes: scrypt with a random salt and its parameters kept beside
 * it, at least as strong as OWASP's minimum (N=2^14, r=8, p=5). Hashing
 * runs in the runtime's thread pool (`node:crypto` `scrypt`), never on the
 * event loop; the comparison takes the same time wherever the bytes differ.
 *
 * @module
 */

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** The cost parameters of scrypt: CPU/memory cost `N` (a power of 2), block size `r`, parallelism `p`. */
export interface ScryptParams {
  /** CPU and memory cost, a power of 2. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism (run one after the other here). */
  readonly p: number;
}

/** A stored password: scrypt's output for a salt and parameters. */
export interface PasswordHash {
  /** The parameters it was made with. */
  readonly params: ScryptParams;
  /** The random salt. */
  readonly salt: Uint8Array;
  /** scrypt(password, salt, params), as many bytes as were kept. */
  readonly hash: Uint8Array;
}

/** The parameters `chat user` hashes with: OWASP's minimum for scrypt (16 MiB, about 0.2 s). */
export const SCRYPT_DEFAULTS: ScryptParams = { N: 2 ** 14, r: 8, p: 5 };

/** Bytes of salt a new hash gets. */
export const SALT_BYTES = 16;
/** Bytes of scrypt output a new hash keeps. */
export const HASH_BYTES = 32;

/** OWASP's floor: N·r·p of N=2^14, r=8, p=5 (every row of its table costs at least that). */
const MIN_WORK = 2 ** 14 * 8 * 5;
/** The least memory (128·N·r bytes) of OWASP's table: N=2^13, r=8, 8 MiB. */
const MIN_MEMORY = 2 ** 13 * 8;
/** The most work and memory a stored entry may ask for, so that a file cannot stall logins. */
const MAX_WORK = 2 ** 24;
const MAX_MEMORY = 2 ** 21; // 256 MiB

/**
 * Why `params` are not acceptable for a stored hash (weaker than OWASP's
 * minimum, or so costly that checking one password would stall the
 * server), or `undefined` when they are.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { paramsFault, SCRYPT_DEFAULTS } from "./scrypt_hash.ts";
 * strictEqual(paramsFault(SCRYPT_DEFAULTS), undefined);
 * strictEqual(paramsFault({ N: 2 ** 17, r: 8, p: 1 }), undefined); // another OWASP row
 * strictEqual(typeof paramsFault({ N: 2 ** 14, r: 8, p: 1 }), "string"); // too weak
 * ```
 */
export function paramsFault(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1) {
    return "N must be a power of 2, r and p positive whole numbers";
  }
  if (r < 8 || N * r < MIN_MEMORY || N * r * p < MIN_WORK) {
    return `weaker than scrypt N=2^14, r=8, p=5 (N=${N}, r=${r}, p=${p})`;
  }
  if (N * r > MAX_MEMORY || N * r * p > MAX_WORK) {
    return `too costly to check (N=${N}, r=${r}, p=${p})`;
  }
  return undefined;
}

/** scrypt in the thread pool. */
function derive(password: string, salt: Uint8Array, params: ScryptParams, bytes: number) {
  const { N, r, p } = params;
  return new Promise<Uint8Array>((resolve, reject) => {
    scrypt(
      new TextEncoder().encode(password),
      salt,
      bytes,
      { N, r, p, maxmem: 256 * N * r },
      (error, key) => error ? reject(error) : resolve(new Uint8Array(key)),
    );
  });
}

/** Hashes `password` (its UTF-8 bytes, as given) with a new random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = SCRYPT_DEFAULTS,
): Promise<PasswordHash> {
  const fault = paramsFault(params);
  if (fault !== undefined) throw new RangeError(fault);
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  return { params, salt, hash: await derive(password, salt, params, HASH_BYTES) };
}

/** Whether `password` hashes to `stored`, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const derived = await derive(password, stored.salt, stored.params, stored.hash.length);
  return timingSafeEqual(derived, stored.hash);
}

/**
 * A hash that no password matches (random bytes), with `params`: checking a
 * login of an unknown account against it costs what a wrong password does.
 */
export function unmatchableHash(params: ScryptParams = SCRYPT_DEFAULTS): PasswordHash {
  return {
    params,
    salt: new Uint8Array(randomBytes(SALT_BYTES)),
    hash: new Uint8Array(randomBytes(HASH_BYTES)),
  };
}
