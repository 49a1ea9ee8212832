/**
 * The server's frame limit on the client's side: a frame that the server
 * would refuse (and answer by closing the connection, PROTOCOL.md section 1)
 * is refused before it is written, with the sizes a user can act on. Pure.
 *
 * @module
 */

import type { Frame } from "../protocol/messages.ts";

const encoder = new TextEncoder();

/** A line (a frame's text) too long for the server's `max_frame`: it was not sent. */
export class TooLongError extends Error {
  /** The line's size in UTF-8 bytes. */
  readonly bytes: number;
  /** How many bytes of this line the server would take in one frame. */
  readonly limit: number;

  /** Creates the error: `line too long: <bytes> bytes, the server takes <limit>`. */
  constructor(bytes: number, limit: number) {
    super(`line too long: ${bytes} bytes, the server takes ${limit}`);
    this.name = "TooLongError";
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * The {@linkcode TooLongError} of a frame whose JSON is over `maxFrame`
 * bytes (the line feed not counted), or `undefined` when it fits. The sizes
 * are those of its `content`: the line's bytes, and how many the frame
 * leaves room for (its other fields and the escapes of its text taken out).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { oversize } from "./frame_limit.ts";
 * const frame = { type: "message", content: "x".repeat(100), id: 1, session_id: "s" };
 * strictEqual(oversize(frame, 1000), undefined);
 * strictEqual(oversize(frame, 120)?.message, "line too long: 100 bytes, the server takes 65");
 * ```
 */
export function oversize(frame: Frame, maxFrame: number): TooLongError | undefined {
  const json = JSON.stringify(frame);
  // No UTF-16 code unit takes more than 3 bytes of UTF-8: most frames need no encoding.
  if (json.length * 3 <= maxFrame) return undefined;
  const size = encoder.encode(json).length;
  if (size <= maxFrame) return undefined;
  const bytes = typeof frame.content === "string" ? encoder.encode(frame.content).length : 0;
  return new TooLongError(bytes, Math.max(0, bytes - (size - maxFrame)));
}
