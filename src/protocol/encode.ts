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
 * Where the bytes of small encoded frames are cut from: one shared slab,
 * handed out front to back and never reused (a new slab once it is full;
 * the old one is collected once nothing views it). An `ArrayBuffer` of its
 * own per frame cost about a microsecond each (allocation, zeroing and
 * the collector's bookkeeping), more than the JSON encoding itself.
 */
const SLAB_SIZE = 64 * 1024;
/** A text longer than this (in UTF-16 units) gets a buffer of its own. */
const SHARED_MAX = 4 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * Encodes `text` as UTF-8 into bytes that stay as they are (a view of the
 * shared slab for a short text, never written again).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { encodeShared } from "./encode.ts";
 *
 * const bytes = encodeShared("héllo");
 * strictEqual(new TextDecoder().decode(bytes), "héllo");
 * strictEqual(encodeShared("again").byteOffset, bytes.byteOffset + bytes.length);
 * ```
 */
export function encodeShared(text: string): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  const most = 3 * text.length;
  if (text.length > SHARED_MAX) return encoder.encode(text);
  if (slabUsed + most > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const { written } = encoder.encodeInto(text, slab.subarray(slabUsed, slabUsed + most));
  const bytes = slab.subarray(slabUsed, slabUsed + written);
  slabUsed += written;
  return bytes;
}

const SPLICE_TAIL = encoder.encode('"}\n');

/**
 * A frame encoded once for many receivers, each of whom must see its own
 * `session_id`: the bytes before and after the id, to splice around it.
 * The bytes are made when first asked for (a relay that reaches nobody
 * encodes nothing).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { encodeSessionId, SplicedFrame } from "./encode.ts";
 *
 * const frame = new SplicedFrame({ type: "message", content: "hi" });
 * const bytes = frame.forSession(encodeSessionId("s1"));
 * strictEqual(
 *   new TextDecoder().decode(bytes),
 *   '{"type":"message","content":"hi","session_id":"s1"}\n',
 * );
 * ```
 */
export class SplicedFrame {
  /** Bytes after the id: `"}` and the line feed. */
  readonly tail: Uint8Array = SPLICE_TAIL;
  #frame: Frame | undefined;
  #head: Uint8Array | undefined;

  /**
   * Takes `frame` (which must not carry `session_id`) to encode for
   * splicing; or the {@linkcode SplicedFrame.head} bytes of a frame spliced
   * elsewhere (a relay from another server of a cluster) as they are.
   */
  constructor(frame: Frame | Uint8Array) {
    if (frame instanceof Uint8Array) this.#head = frame;
    else this.#frame = frame;
  }

  /** Bytes up to and including `"session_id":"`. */
  get head(): Uint8Array {
    if (this.#head === undefined) {
      const json = JSON.stringify(this.#frame);
      this.#head = encodeShared(
        json.length > 2 ? json.slice(0, -1) + ',"session_id":"' : '{"session_id":"',
      );
      this.#frame = undefined;
    }
    return this.#head;
  }

  /** The bytes a receiver with this encoded session id gets (for tests and one-off use). */
  forSession(sessionId: Uint8Array): Uint8Array {
    const head = this.head;
    const out = new Uint8Array(head.length + sessionId.length + this.tail.length);
    out.set(head);
    out.set(sessionId, head.length);
    out.set(this.tail, head.length + sessionId.length);
    return out;
  }
}

/** Encodes a session id for {@linkcode SplicedFrame} (a UUID needs no JSON escaping). */
export function encodeSessionId(sessionId: string): Uint8Array {
  return encoder.encode(sessionId);
}
