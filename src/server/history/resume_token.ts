/**
 * Resume tokens (PROTOCOL.md section 9): 144 random bits in base64url, of
 * which a store keeps only the SHA-256 hash, compared in constant time.
 *
 * @example
 * ```ts
 * import { ok, strictEqual } from "node:assert/strict";
 * import { hashResumeToken, newResumeToken, sameTokenHash } from "./resume_token.ts";
 * const token = newResumeToken();
 * strictEqual(token.length, 24); // 18 bytes, base64url, no padding
 * ok(sameTokenHash(hashResumeToken(token), hashResumeToken(token)));
 * ok(!sameTokenHash(hashResumeToken(token), hashResumeToken(newResumeToken())));
 * ```
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, timingSafeEqual } from "node:crypto";

/** Random bytes in a resume token: 144 bits, more than the protocol's 128. */
export const RESUME_TOKEN_BYTES = 18;

/** A new resume token: {@linkcode RESUME_TOKEN_BYTES} random bytes as base64url. */
export function newResumeToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RESUME_TOKEN_BYTES));
  return Buffer.from(bytes).toString("base64url");
}

/** The SHA-256 hash of a token, base64url: what a store keeps and looks tokens up by. */
export function hashResumeToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** Whether two token hashes are equal, in time that does not depend on where they differ. */
export function sameTokenHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "base64url");
  const right = Buffer.from(b, "base64url");
  return left.length === right.length && timingSafeEqual(left, right);
}
