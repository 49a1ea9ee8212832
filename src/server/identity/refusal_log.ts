/**
 * The log fields of a refused login (PROTOCOL.md section 11, Guessing):
 * the peer address and the user name tried if it is a valid name (for a
 * token, its `sub` if readable), else `-`; never the password or the token.
 *
 * @module
 */

import { firstLine } from "../../errors/first_line.ts";
import { claimedAccount, readCredentials } from "./credentials.ts";
import type { RefusalLog } from "./identity.ts";

/**
 * The fields of the log line of a login from `peer` with `auth`, refused
 * for `reason`. The reason is logged as it is: it must never quote the
 * login's password or token (the authenticators' reasons are fixed texts,
 * and {@linkcode authenticatorFailure} words the other failures).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { refusalLog } from "./refusal_log.ts";
 * const auth = { user: "Ada", password: "wrong" };
 * deepStrictEqual(refusalLog("tcp://192.0.2.1:5000", auth, "wrong password"), {
 *   peer: "tcp://192.0.2.1:5000",
 *   user: "Ada",
 *   reason: "wrong password",
 *   throttled: false,
 * });
 * deepStrictEqual(refusalLog("unix", { user: "a b", password: "x" }, "bad").user, "-");
 * ```
 */
export function refusalLog(
  peer: string,
  auth: unknown,
  reason: string,
  throttled = false,
): RefusalLog {
  return { peer, user: claimedAccount(auth) ?? "-", reason, throttled };
}

/**
 * The reason logged for an authenticator that failed with `error`, not a
 * `LoginRefused` (a library's error, say, which may quote what it was
 * given): `the authenticator failed: <its first line>`, or, when that
 * quotes the password or token of `auth`, only the error's name, so that
 * the secret is never logged and the reason never garbled.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { authenticatorFailure } from "./refusal_log.ts";
 * const auth = { user: "Ada", password: "hunter22" };
 * strictEqual(
 *   authenticatorFailure(auth, new Error("directory unreachable")),
 *   "the authenticator failed: directory unreachable",
 * );
 * strictEqual(
 *   authenticatorFailure(auth, new TypeError("no hunter22 here")),
 *   "the authenticator failed: TypeError (its message quotes the login's secret: left out)",
 * );
 * ```
 */
export function authenticatorFailure(auth: unknown, error: unknown): string {
  const credentials = readCredentials(auth);
  const secret = credentials?.method === "password" ? credentials.password : credentials?.jwt;
  const message = firstLine(error);
  if (!secret || !message.includes(secret)) return `the authenticator failed: ${message}`;
  const name = error instanceof Error ? error.name : typeof error;
  return `the authenticator failed: ${name} (its message quotes the login's secret: left out)`;
}
