/**
 * The two shapes of a `session_ack`'s `auth` (PROTOCOL.md section 11):
 * `{"user","password"}` and `{"jwt"}`, and the account a login names before
 * anything is checked.
 *
 * @module
 */

import { decodeJwt } from "jose";
import { isValidName, normalizeName } from "../../protocol/names.ts";
import type { LoginMethod } from "./identity.ts";

/** A login's credentials, by kind. */
export type Credentials =
  | { readonly method: "password"; readonly user: string; readonly password: string }
  | { readonly method: "jwt"; readonly jwt: string };

/**
 * The credentials in `auth`, or `undefined` when it has neither shape: an
 * object with a string `user` and a non-empty string `password`, or with a
 * non-empty string `jwt`, never both. Other fields are ignored.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { readCredentials } from "./credentials.ts";
 * deepStrictEqual(readCredentials({ user: "ada", password: "pw" }), {
 *   method: "password",
 *   user: "ada",
 *   password: "pw",
 * });
 * strictEqual(readCredentials({ user: "ada", password: "pw", jwt: "x" }), undefined);
 * strictEqual(readCredentials("ada:pw"), undefined);
 * ```
 */
export function readCredentials(auth: unknown): Credentials | undefined {
  if (typeof auth !== "object" || auth === null || Array.isArray(auth)) return undefined;
  const { user, password, jwt } = auth as Record<string, unknown>;
  if (jwt !== undefined) {
    if (user !== undefined || password !== undefined) return undefined;
    return typeof jwt === "string" && jwt !== "" ? { method: "jwt", jwt } : undefined;
  }
  if (typeof user !== "string" || typeof password !== "string" || password === "") {
    return undefined;
  }
  return { method: "password", user, password };
}

/** The kind of login `auth` attempts, or `undefined` when it is neither. */
export function loginMethod(auth: unknown): LoginMethod | undefined {
  return readCredentials(auth)?.method;
}

/**
 * The account a login names, NFKC-normalized, before any check: the `user`
 * of a password login, or the `sub` of a token as it reads unverified;
 * `undefined` when that is not a valid name (section 2) or cannot be read.
 * For the log and the guessing throttle only: never proof of anything.
 */
export function claimedAccount(auth: unknown): string | undefined {
  const credentials = readCredentials(auth);
  if (credentials === undefined) return undefined;
  const name = credentials.method === "password"
    ? credentials.user
    : unverifiedSub(credentials.jwt);
  return isValidName(name) ? normalizeName(name) : undefined;
}

/** A token's `sub` claim, read without checking the signature; `undefined` when unreadable. */
function unverifiedSub(jwt: string): unknown {
  try {
    return decodeJwt(jwt).sub;
  } catch {
    return undefined;
  }
}
