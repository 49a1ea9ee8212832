/**
 * The heartbeat flags of `chat server` checked against each other: an
 * interval a client would need more than the allowed silence to keep is a
 * usage error (CLI.md, "Server options").
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import type { HeartbeatSettings } from "../protocol/messages.ts";
import { UsageError } from "./usage.ts";

/**
 * Throws a {@linkcode UsageError} (pointing at `help`) unless the interval
 * (given, or its default) is below timeout × retries (each given, or its
 * default): otherwise every client would be dropped between two heartbeats.
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkHeartbeat } from "./heartbeat_check.ts";
 * checkHeartbeat({ interval: 2, timeout: 1, retries: 3 }, "chat server --help");
 * throws(() => checkHeartbeat({ timeout: 1, retries: 1 }, "chat server --help"));
 * ```
 */
export function checkHeartbeat(given: Partial<HeartbeatSettings>, help: string): void {
  const defaults = PROTOCOL_DEFAULTS.heartbeat;
  const interval = given.interval ?? defaults.interval;
  const timeout = given.timeout ?? defaults.timeout;
  const retries = given.retries ?? defaults.retries;
  const silence = timeout * retries;
  if (interval < silence) return;
  const which = given.interval === undefined ? " (its default)" : "";
  throw new UsageError(
    `--heartbeat-interval ${interval}${which} must be below --heartbeat-timeout × ` +
      `--heartbeat-retries (${timeout} × ${retries} = ${silence} s): clients would be ` +
      `dropped between their heartbeats`,
    help,
  );
}
