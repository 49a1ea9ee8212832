/**
 * Frame encoding: one JSON object and a line feed (PROTOCOL.md section 1),
 * and the splice that encodes a relayed frame once for many receivers.
 *
 * @module
 */

import type { Frame } from "./messages.ts";

const encoder = new TextEncoder();

/**
 * Encodes a frame as UTF-8 JSON followed by `\n`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { encodeFrame } from "./encode.ts";
 *
 * const bytes = encodeFrame({ type: "heartbeat", content: "ping" });
 * strictEqual(new TextDecoder().decode(bytes), '{"type":"heartbeat","content":"ping"}\n');
 * ```
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}

/**
 * A frame encoded once for many receivers, each of whom must see its own
 * `session_id`: the bytes before and after the id, to splice around it.
 */
export class SplicedFrame {
  /** Bytes up to and including `"session_id":"`. */
  readonly head: Uint8Array;
  /** Bytes after the id: `"}` and the line feed. */
  readonly tail: Uint8Array;

  /**
   * Encodes `frame` (which must not carry `session_id`) for splicing; or
   * takes the {@linkcode SplicedFrame.head} bytes of a frame spliced
   * elsewhere (a relay from another server of a cluster) as they are.
   */
  constructor(frame: Frame | Uint8Array) {
    if (frame instanceof Uint8Array) {
      this.head = frame;
    } else {
      const json = JSON.stringify(frame);
      const open = json.length > 2 ? json.slice(0, -1) + ',"session_id":"' : '{"session_id":"';
      this.head = encoder.encode(open);
    }
    this.tail = SPLICE_TAIL;
  }

  /** The bytes a receiver with this encoded session id gets (for tests and one-off use). */
  forSession(sessionId: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.head.length + sessionId.length + this.tail.length);
    out.set(this.head);
    out.set(sessionId, this.head.length);
    out.set(this.tail, this.head.length + sessionId.length);
    return out;
  }
}

const SPLICE_TAIL = encoder.encode('"}\n');

/** Encodes a session id for {@linkcode SplicedFrame} (a UUID needs no JSON escaping). */
export function encodeSessionId(sessionId: string): Uint8Array {
  return encoder.encode(sessionId);
}
