/**
 * The incremental frame decoder of PROTOCOL.md section 1: bytes in, frames
 * out, with the frame size limit enforced while buffering. Pure: it never
 * touches a socket, a timer or a log.
 *
 * @module
 */

import { PROTOCOL_DEFAULTS } from "./defaults.ts";

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const enum Mode {
  /** Between frames: skipping whitespace and blank lines. */
  Idle,
  /** Inside an object or array: ends where its brackets balance, or at a line feed. */
  Nested,
  /** Inside a scalar or garbage: ends at a line feed. */
  Line,
}

/** The empty buffer an idle decoder holds, shared so that an idle session costs nothing here. */
const EMPTY = new Uint8Array(0);

/** `value`, when it is a positive integer; else a RangeError naming `name`. */
function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function isSpace(byte: number): boolean {
  return byte === SPACE || byte === LF || byte === CR || byte === TAB;
}

/**
 * Splits a byte stream into frames. A frame ends at a line feed (`\n` or
 * `\r\n`), or where a top-level object or array closes, so frames written
 * back to back with no separator are split too. Whitespace between frames
 * is skipped. Since every structural byte is ASCII, a frame may be split at
 * any byte, including inside a multi-byte UTF-8 character.
 *
 * The frames returned by {@linkcode FrameDecoder.push} are views that stay
 * valid only until the next call to `push`: decode or copy them before.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { FrameDecoder } from "./frame_decoder.ts";
 *
 * const decoder = new FrameDecoder(1024);
 * const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
 * const bytes = new TextEncoder().encode('{"type":"a"}{"type":"b"}\r\n{"ty');
 * // Two frames; '{"ty' is kept for the next push.
 * deepStrictEqual(decoder.push(bytes).map(text), ['{"type":"a"}', '{"type":"b"}']);
 * strictEqual(decoder.buffered, 4);
 * deepStrictEqual(decoder.push(new TextEncoder().encode('pe":"c"}\n')).map(text), [
 *   '{"type":"c"}',
 * ]);
 * ```
 */
export class FrameDecoder {
  /** The largest frame accepted, in bytes, not counting its line ending. */
  readonly maxFrame: number;
  /** The limit of the frame being read: `firstFrameMax` for the first, then `maxFrame`. */
  #limit: number;
  #pending: Uint8Array = EMPTY;
  #pendingLength = 0;
  #mode: Mode = Mode.Idle;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #tooLarge = false;

  /**
   * Creates a decoder that refuses frames over `maxFrame` bytes, and a first
   * frame over `firstFrameMax` (a server's `session_ack`, before the
   * handshake completes: PROTOCOL.md section 1).
   */
  constructor(maxFrame: number = PROTOCOL_DEFAULTS.maxFrame, firstFrameMax: number = maxFrame) {
    this.maxFrame = positive("maxFrame", maxFrame);
    this.#limit = positive("firstFrameMax", firstFrameMax);
  }

  /** The limit of the frame being read now, in bytes (the first frame's, until it ends). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * True once a frame over its limit ({@linkcode FrameDecoder.limit}) was seen. The
   * decoder then returns no more frames: the connection should be closed.
   */
  get tooLarge(): boolean {
    return this.#tooLarge;
  }

  /** The bytes of an unfinished frame held between pushes (never more than its limit). */
  get buffered(): number {
    return this.#pendingLength;
  }

  /**
   * Whether it holds nothing of any connection: between frames, nothing
   * buffered, past its first frame and never refused. Such a decoder may
   * serve another connection's next read.
   */
  get spare(): boolean {
    return this.#mode === Mode.Idle && this.#pendingLength === 0 && !this.#tooLarge &&
      this.#limit === this.maxFrame;
  }

  /** Feeds the next bytes read and returns the frames they complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    if (this.#tooLarge) return frames;
    // Start in `chunk` of the current frame's bytes; 0 when it began in an earlier chunk.
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const byte = chunk[i];
      switch (this.#mode) {
        case Mode.Idle:
          if (isSpace(byte)) continue;
          start = i;
          if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
            this.#mode = Mode.Nested;
            this.#depth = 1;
          } else {
            this.#mode = Mode.Line;
          }
          continue;
        case Mode.Line:
          if (byte !== LF) continue;
          if (!this.#finish(chunk, start, i, frames)) return frames;
          continue;
        case Mode.Nested:
          if (this.#inString) {
            if (!this.#escaped && byte !== QUOTE && byte !== BACKSLASH && byte !== LF) {
              // The hot path: skip ordinary string bytes in a tight loop.
              let j = i + 1;
              while (j < n) {
                const next = chunk[j];
                if (next === QUOTE || next === BACKSLASH || next === LF) break;
                j++;
              }
              i = j - 1;
              continue;
            }
            // A raw line feed is never part of a JSON string, even after a backslash: it ends the frame.
            if (byte === LF) {
              if (!this.#finish(chunk, start, i, frames)) return frames;
            } else if (this.#escaped) this.#escaped = false;
            else if (byte === BACKSLASH) this.#escaped = true;
            else if (byte === QUOTE) this.#inString = false;
            continue;
          }
          if (byte === QUOTE) this.#inString = true;
          else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.#depth++;
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (--this.#depth === 0 && !this.#finish(chunk, start, i + 1, frames)) return frames;
          } else if (byte === LF && !this.#finish(chunk, start, i, frames)) return frames;
          continue;
      }
    }
    if (this.#mode !== Mode.Idle) this.#keep(chunk.subarray(start));
    return frames;
  }

  /** Ends the current frame at `chunk[end]` (exclusive); false when it was too large. */
  #finish(chunk: Uint8Array, start: number, end: number, frames: Uint8Array[]): boolean {
    let frame: Uint8Array;
    if (this.#pendingLength === 0) {
      frame = chunk.subarray(start, end);
    } else {
      if (!this.#keep(chunk.subarray(start, end))) return false;
      // Hand the buffer over to the caller; the next partial frame gets a new one.
      frame = this.#pending.subarray(0, this.#pendingLength);
      this.#pending = EMPTY;
      this.#pendingLength = 0;
    }
    if (frame.length > this.#limit) return this.#fail();
    this.#limit = this.maxFrame;
    let last = frame.length;
    while (last > 0 && isSpace(frame[last - 1])) last--;
    frames.push(last === frame.length ? frame : frame.subarray(0, last));
    this.#mode = Mode.Idle;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    return true;
  }

  /** Appends part of a frame to the pending buffer; false when the frame is too large. */
  #keep(part: Uint8Array): boolean {
    const needed = this.#pendingLength + part.length;
    if (needed > this.#limit) return this.#fail();
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(
        Math.min(this.#limit, Math.max(needed, 4 * this.#pending.length, 256)),
      );
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(part, this.#pendingLength);
    this.#pendingLength = needed;
    return true;
  }

  #fail(): false {
    this.#tooLarge = true;
    this.#pending = EMPTY;
    this.#pendingLength = 0;
    return false;
  }
}
