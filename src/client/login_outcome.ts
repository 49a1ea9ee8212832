/**
 * How a login ends a client (CLI.md, "Client options"): a login the server
 * refused, or a `disconnect` that ends an account's session for good
 * (`logged in elsewhere`, `account removed`, `account changed`). Either way
 * the client says `login refused: <reason>` and exits 1, never reconnecting.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { isLoginEnding } from "../protocol/login.ts";
import type { ChatClient } from "./client.ts";
import type { CloseInfo } from "./close_info.ts";

/**
 * The reason of a refused login, when `error` (what `connect` rejected
 * with) is one: `unauthorized` from a server that takes logins, or to a
 * client that sent one; `undefined` for any other failure.
 */
export function loginRefusal(
  client: Pick<ChatClient, "options" | "loginMethods">,
  error: unknown,
): string | undefined {
  if (!(error instanceof ChatError) || error.code !== "unauthorized") return undefined;
  if (client.options.login === undefined && client.loginMethods === undefined) return undefined;
  return error.message;
}

/** The reason, when a connection ended with a `disconnect` that ends its account's session for good. */
export function loginEnding(info: CloseInfo): string | undefined {
  return info.byServer && isLoginEnding(info.reason) ? info.reason : undefined;
}

/**
 * The line a client writes on standard error before it exits 1 for a login
 * refused or ended for good.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { loginRefusedLine } from "./login_outcome.ts";
 * strictEqual(loginRefusedLine("invalid credentials"), "login refused: invalid credentials");
 * ```
 */
export function loginRefusedLine(reason: string): string {
  return `login refused: ${reason}`;
}
