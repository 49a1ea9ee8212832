/**
 * The log fields of a refused login (PROTOCOL.md section 11, Guessing):
 * the peer address and the user name tried if it is a valid name (for a
 * token, its `sub` if readable), else `-`; never the password or the token.
 *
 * @module
 */

import { claimedAccount, readCredentials } from "./credentials.ts";
import type { RefusalLog } from "./identity.ts";

/** What stands in a reason for a secret it quoted. */
export const REDACTED = "[redacted]";

/**
 * The fields of the log line of a login from `peer` with `auth`, refused
 * for `reason`. A reason that quotes the login's password or token (say,
 * from an authenticator of your own) has it replaced by
 * {@linkcode REDACTED}.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { refusalLog } from "./refusal_log.ts";
 * const auth = { user: "Ada", password: "hunter22" };
 * deepStrictEqual(refusalLog("tcp://192.0.2.1:5000", auth, "no hunter22 here"), {
 *   peer: "tcp://192.0.2.1:5000",
 *   user: "Ada",
 *   reason: "no [redacted] here",
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
  const credentials = readCredentials(auth);
  const secret = credentials?.method === "password" ? credentials.password : credentials?.jwt;
  const scrubbed = secret === undefined ? reason : reason.replaceAll(secret, REDACTED);
  return { peer, user: claimedAccount(auth) ?? "-", reason: scrubbed, throttled };
}
