/**
 * Logins on the wire (PROTOCOL.md section 11): the two shapes of a
 * `session_ack`'s `auth`, and the `disconnect` reasons with which a server
 * ends an account's session for good. Pure: no I/O.
 *
 * @module
 */

/** A password login: `"auth":{"user","password"}`. */
export interface PasswordLogin {
  /** The account's name (compared as PROTOCOL.md section 2 compares names). */
  readonly user: string;
  /** Its password. */
  readonly password: string;
}

/** A token login: `"auth":{"jwt"}`, a compact JWS signed by another application. */
export interface TokenLogin {
  /** The token. */
  readonly jwt: string;
}

/** The `auth` of a `session_ack`: a password login or a token login. */
export type Login = PasswordLogin | TokenLogin;

/** The `disconnect` of a session whose account logged in again, elsewhere. */
export const LOGGED_IN_ELSEWHERE = "logged in elsewhere";
/** The `disconnect` of a session whose account was removed from the users file. */
export const ACCOUNT_REMOVED = "account removed";
/** The `disconnect` of a session whose account's password was set anew. */
export const ACCOUNT_CHANGED = "account changed";

/** Why a server ended an account's session for good: a client never reconnects after these. */
export type LoginEnding =
  | typeof LOGGED_IN_ELSEWHERE
  | typeof ACCOUNT_REMOVED
  | typeof ACCOUNT_CHANGED;

/** The `disconnect` reasons that end an account's session for good. */
export const LOGIN_ENDINGS: readonly LoginEnding[] = [
  LOGGED_IN_ELSEWHERE,
  ACCOUNT_REMOVED,
  ACCOUNT_CHANGED,
];

/**
 * Whether a `disconnect` reason ends an account's session for good.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { isLoginEnding } from "./login.ts";
 * strictEqual(isLoginEnding("logged in elsewhere"), true);
 * strictEqual(isLoginEnding("server shutting down"), false);
 * ```
 */
export function isLoginEnding(reason: unknown): reason is LoginEnding {
  return (LOGIN_ENDINGS as readonly unknown[]).includes(reason);
}
