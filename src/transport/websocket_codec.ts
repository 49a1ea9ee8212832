/**
 * The WebSocket wire format (RFC 6455 section 5) with no I/O: frame headers
 * out, an incremental parser in, and the accept key of the opening
 * handshake. A server's parser requires masked frames, a client's refuses
 * them; a message over the limit is refused from its frame header, before
 * its payload is buffered.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Frame opcodes (RFC 6455 section 5.2). */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close status codes used here (RFC 6455 section 7.4.1). */
export const CLOSE_CODE = {
  normal: 1000,
  protocolError: 1002,
  tooBig: 1009,
} as const;

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * The `Sec-WebSocket-Accept` value that answers a `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { websocketAccept } from "./websocket_codec.ts";
 * // The example of RFC 6455 section 1.3.
 * strictEqual(websocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
 * ```
 */
export function websocketAccept(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** The size of a frame header for a payload of `length` bytes (4 more when masked). */
export function headerSize(length: number, masked = false): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a final frame's header for a payload of `length` bytes into
 * `target` at `offset`, with `mask` (four bytes) when given; returns the
 * offset where the payload goes. A masked payload must then be masked with
 * {@linkcode applyMask}.
 */
export function writeHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  length: number,
  mask?: Uint8Array,
): number {
  target[offset++] = 0x80 | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) {
    target[offset++] = maskBit | length;
  } else if (length < 0x10000) {
    target[offset++] = maskBit | 126;
    target[offset++] = length >>> 8;
    target[offset++] = length & 0xff;
  } else {
    target[offset++] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    for (const word of [high, length >>> 0]) {
      target[offset++] = word >>> 24;
      target[offset++] = (word >>> 16) & 0xff;
      target[offset++] = (word >>> 8) & 0xff;
      target[offset++] = word & 0xff;
    }
  }
  if (mask) {
    target.set(mask, offset);
    offset += 4;
  }
  return offset;
}

/** XORs `bytes` in place with `mask`, the first byte with `mask[start % 4]`. */
export function applyMask(bytes: Uint8Array, mask: Uint8Array, start = 0): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= mask[(start + i) & 3];
}

/**
 * One whole frame: a server's (unmasked), or a client's when `masked`
 * (with a random mask).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { encodeWebSocketFrame, OPCODE } from "./websocket_codec.ts";
 * const frame = encodeWebSocketFrame(OPCODE.text, new TextEncoder().encode("hi"));
 * deepStrictEqual([...frame], [0x81, 2, 0x68, 0x69]);
 * ```
 */
export function encodeWebSocketFrame(
  opcode: number,
  payload: Uint8Array,
  masked = false,
): Uint8Array {
  const mask = masked ? crypto.getRandomValues(new Uint8Array(4)) : undefined;
  const frame = new Uint8Array(headerSize(payload.length, masked) + payload.length);
  const start = writeHeader(frame, 0, opcode, payload.length, mask);
  frame.set(payload, start);
  if (mask) applyMask(frame.subarray(start), mask);
  return frame;
}

/** The payload of a close frame: a status code and a reason of at most 123 bytes. */
export function closePayload(code: number, reason = ""): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, 123);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** What a {@linkcode WebSocketParser} reports, synchronously and in order. */
export interface WebSocketEvents {
  /**
   * A whole message: a text message's bytes (valid until the next push), or
   * for a binary message, whose payload is not kept, an empty array.
   */
  message(payload: Uint8Array, binary: boolean): void;
  /** A control frame (close, ping or pong) and its payload (valid during the call). */
  control(opcode: number, payload: Uint8Array): void;
}

/** Why a parser stopped: a close code and a reason. */
export interface WebSocketFailure {
  /** {@linkcode CLOSE_CODE}`.protocolError` or `.tooBig`. */
  code: number;
  /** What was wrong. */
  reason: string;
}

/** Settings of a {@linkcode WebSocketParser}. */
export interface WebSocketParserOptions {
  /** The largest message accepted, in bytes of payload. */
  maxMessage: number;
  /** Whether frames must be masked (a server's parser) or must not be (a client's). */
  masked: boolean;
}

const EMPTY = new Uint8Array(0);
const MAX_HEADER = 14;

/**
 * Splits a WebSocket byte stream into messages and control frames, at any
 * chunking. Fragmented messages are joined; control frames between
 * fragments are reported as they come. A protocol error or a message over
 * `maxMessage` stops it: {@linkcode WebSocketParser.failure} says why, and
 * later input is ignored. A masked payload that lies whole in one chunk is
 * unmasked in place, in the caller's buffer.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { encodeWebSocketFrame, OPCODE, WebSocketParser } from "./websocket_codec.ts";
 *
 * const texts: string[] = [];
 * const parser = new WebSocketParser({ maxMessage: 1024, masked: true }, {
 *   message: (payload) => texts.push(new TextDecoder().decode(payload)),
 *   control: () => {},
 * });
 * const frame = encodeWebSocketFrame(OPCODE.text, new TextEncoder().encode('{"type":"a"}'), true);
 * parser.push(frame.subarray(0, 3)); // split anywhere
 * parser.push(frame.subarray(3));
 * deepStrictEqual(texts, ['{"type":"a"}']);
 * ```
 */
export class WebSocketParser {
  #maxMessage: number;
  readonly #masked: boolean;
  readonly #events: WebSocketEvents;
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerLength = 0;
  /** The current frame, once its header is whole. */
  #inFrame = false;
  #opcode = 0;
  #fin = false;
  #mask = new Uint8Array(4);
  #frameMasked = false;
  #payloadLeft = 0;
  #payloadDone = 0;
  /** The message being joined: its opcode (0: none), its bytes so far. */
  #messageOpcode = 0;
  #message: Uint8Array = EMPTY;
  #messageLength = 0;
  /** A control frame's payload, gathered across chunks. */
  #control: Uint8Array = EMPTY;
  #failure: WebSocketFailure | undefined;

  /** Creates a parser that reports to `events`. */
  constructor(options: WebSocketParserOptions, events: WebSocketEvents) {
    this.#maxMessage = options.maxMessage;
    this.#masked = options.masked;
    this.#events = events;
  }

  /** The largest message it takes, in bytes (a server raises it once the handshake is done). */
  get maxMessage(): number {
    return this.#maxMessage;
  }

  set maxMessage(bytes: number) {
    this.#maxMessage = bytes;
  }

  /** Why the parser stopped, once it has. */
  get failure(): WebSocketFailure | undefined {
    return this.#failure;
  }

  /** Takes the next bytes of the stream; reports every message and control frame they complete. */
  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && this.#failure === undefined) {
      if (!this.#inFrame) {
        i = this.#readHeader(chunk, i);
        continue;
      }
      i = this.#readPayload(chunk, i);
    }
  }

  /** Gathers header bytes from `chunk[i..]`; starts the frame once the header is whole. */
  #readHeader(chunk: Uint8Array, i: number): number {
    const header = this.#header;
    while (i < chunk.length) {
      header[this.#headerLength++] = chunk[i++];
      if (this.#headerLength < 2) continue;
      const length7 = header[1] & 0x7f;
      const needed = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) +
        (header[1] & 0x80 ? 4 : 0);
      if (this.#headerLength < needed) continue;
      this.#startFrame(length7);
      if (this.#inFrame && this.#payloadLeft === 0) this.#endFrame(EMPTY);
      return i;
    }
    return i;
  }

  #startFrame(length7: number): void {
    const header = this.#header;
    this.#headerLength = 0;
    this.#fin = (header[0] & 0x80) !== 0;
    this.#opcode = header[0] & 0x0f;
    this.#frameMasked = (header[1] & 0x80) !== 0;
    let at = 2;
    let length = length7;
    if (length7 === 126) {
      length = (header[2] << 8) | header[3];
      at = 4;
    } else if (length7 === 127) {
      const high = ((header[2] << 24) | (header[3] << 16) | (header[4] << 8) | header[5]) >>> 0;
      const low = ((header[6] << 24) | (header[7] << 16) | (header[8] << 8) | header[9]) >>> 0;
      if (high > 0x1fffff) return this.#fail(CLOSE_CODE.tooBig, "frame length over 2^53");
      length = high * 0x100000000 + low;
      at = 10;
    }
    if (this.#frameMasked) this.#mask.set(header.subarray(at, at + 4));
    const problem = this.#check(length);
    if (problem !== undefined) {
      return problem === "big"
        ? this.#fail(CLOSE_CODE.tooBig, `message over ${this.#maxMessage} bytes`)
        : this.#fail(CLOSE_CODE.protocolError, problem);
    }
    this.#inFrame = true;
    this.#payloadLeft = length;
    this.#payloadDone = 0;
    if (this.#opcode & 0x8) {
      this.#control = length === 0 ? EMPTY : new Uint8Array(length);
    } else if (this.#opcode !== OPCODE.continuation) {
      this.#messageOpcode = this.#opcode;
      this.#messageLength = 0;
    }
  }

  /** What is wrong with the frame whose header was just read: a reason, `big`, or nothing. */
  #check(length: number): string | undefined {
    const header = this.#header;
    if (header[0] & 0x70) return "reserved bits set without an extension";
    if (this.#frameMasked !== this.#masked) {
      return this.#masked ? "a client frame must be masked" : "a server frame must not be masked";
    }
    const opcode = this.#opcode;
    if (opcode & 0x8) {
      if (opcode > OPCODE.pong) return `unknown opcode ${opcode}`;
      if (!this.#fin || length > 125) return "a control frame must be final and at most 125 bytes";
      return undefined;
    }
    if (opcode > OPCODE.binary) return `unknown opcode ${opcode}`;
    if (opcode === OPCODE.continuation && this.#messageOpcode === 0) {
      return "a continuation frame with no message to continue";
    }
    if (opcode !== OPCODE.continuation && this.#messageOpcode !== 0) {
      return "a new message before the last one ended";
    }
    const sofar = opcode === OPCODE.continuation ? this.#messageLength : 0;
    // Two more bytes: a text message's trailing line ending is not counted (PROTOCOL.md §1).
    if (sofar + length > this.#maxMessage + 2) return "big";
    return undefined;
  }

  /** Takes payload bytes of the current frame from `chunk[i..]`. */
  #readPayload(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.#payloadLeft, chunk.length - i);
    const part = chunk.subarray(i, i + take);
    const control = (this.#opcode & 0x8) !== 0;
    const binary = !control && this.#messageOpcode === OPCODE.binary;
    const whole = take === this.#payloadLeft && this.#payloadDone === 0;
    if (!binary && this.#frameMasked) applyMask(part, this.#mask, this.#payloadDone);
    this.#payloadLeft -= take;
    this.#payloadDone += take;
    if (control) {
      this.#control.set(part, this.#payloadDone - take);
    } else if (binary) {
      this.#messageLength += take;
    } else if (whole && this.#fin && this.#messageLength === 0) {
      // A one-frame message whole in this chunk: no copy.
      this.#messageLength = take;
      this.#endFrame(part);
      return i + take;
    } else {
      this.#append(part);
    }
    if (this.#payloadLeft === 0) this.#endFrame(EMPTY);
    return i + take;
  }

  #append(part: Uint8Array): void {
    const needed = this.#messageLength + part.length;
    if (needed > this.#message.length) {
      const grown = new Uint8Array(Math.max(needed, Math.min(2 * this.#message.length, 1 << 20)));
      grown.set(this.#message.subarray(0, this.#messageLength));
      this.#message = grown;
    }
    this.#message.set(part, this.#messageLength);
    this.#messageLength = needed;
  }

  /** The current frame's payload is complete; `whole` is a one-frame message's bytes. */
  #endFrame(whole: Uint8Array): void {
    this.#inFrame = false;
    const opcode = this.#opcode;
    if (opcode & 0x8) {
      const payload = this.#control;
      this.#control = EMPTY;
      this.#events.control(opcode, payload);
      return;
    }
    if (!this.#fin) return;
    const binary = this.#messageOpcode === OPCODE.binary;
    let payload = whole.length > 0 || this.#messageLength === 0 ? whole : this.#message;
    payload = binary ? EMPTY : payload.subarray(0, this.#messageLength);
    // The joined buffer is the caller's now; the next message gets a new one.
    if (payload.buffer === this.#message.buffer) this.#message = EMPTY;
    this.#messageOpcode = 0;
    this.#messageLength = 0;
    if (!binary && tooLong(payload, this.#maxMessage)) {
      return this.#fail(CLOSE_CODE.tooBig, `message over ${this.#maxMessage} bytes`);
    }
    this.#events.message(payload, binary);
  }

  #fail(code: number, reason: string): void {
    this.#failure ??= { code, reason };
    this.#inFrame = false;
    this.#message = EMPTY;
    this.#control = EMPTY;
  }
}

/** Whether a text message is over `max` bytes, not counting one trailing `\n` or `\r\n`. */
function tooLong(payload: Uint8Array, max: number): boolean {
  let length = payload.length;
  if (length > 0 && payload[length - 1] === 0x0a) length--;
  if (length > 0 && payload[length - 1] === 0x0d && length < payload.length) length--;
  return length > max;
}
