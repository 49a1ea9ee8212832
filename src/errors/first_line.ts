/**
 * One-line error messages: the first line of whatever was thrown.
 *
 * @module
 */

/**
 * The first line of an error's message (of `String(error)` for anything
 * thrown that is not an `Error`), for a message that must fit on one line.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { firstLine } from "./first_line.ts";
 *
 * strictEqual(firstLine(new Error("refused\n    at connect (net.ts:1:1)")), "refused");
 * strictEqual(firstLine("plain text"), "plain text");
 * ```
 */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
