/**
 * The shared token that every `session_ack` must carry when the server
 * has one (`--token`), compared in constant time.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";

/** Whether a `session_ack`'s `token` field lets the session in. */
export type TokenCheck = (token: unknown) => boolean;

/**
 * The check for `expected`: any token (or none) when it is `undefined`,
 * else a string equal to it. Both sides are hashed first, so that tokens
 * of any length compare in constant time.
 */
export function tokenCheck(expected: string | undefined): TokenCheck {
  if (expected === undefined) return () => true;
  const want = digest(expected);
  return (token) => typeof token === "string" && timingSafeEqual(digest(token), want);
}

/** A SHA-256 digest of a token's UTF-8 bytes. */
function digest(token: string): Uint8Array {
  return createHash("sha256").update(token, "utf8").digest();
}
