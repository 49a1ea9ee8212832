/**
 * Message types of PROTOCOL.md sections 2 to 4, and the validation of
 * client frames. Pure: no I/O.
 *
 * @module
 */

import { ChatError, type ErrorCode } from "./errors.ts";

/** The protocol version this implementation speaks. */
export const PROTOCOL_VERSION = 1;

/** A frame's `id`: chosen by the client, echoed on its `ack` or `error`. */
export type FrameId = string | number;

/** Heartbeat settings announced in `session_init`, in seconds. */
export interface HeartbeatSettings {
  /** How often a client should send `heartbeat`. */
  interval: number;
  /** Liveness timeout; silence allowed is `timeout × retries`. */
  timeout: number;
  /** How many timeouts of silence are allowed. */
  retries: number;
}

/** The fields every frame may carry (PROTOCOL.md section 2); unknown fields are kept. */
export interface Frame {
  /** The frame type. */
  type: string;
  /** The payload: a string unless the type says otherwise. */
  content?: unknown;
  /** The receiver's session id. */
  session_id?: string;
  /** A client-chosen id, echoed on `ack` and `error`. */
  id?: FrameId;
  /** Any other field: unknown fields are ignored, so later versions can add some. */
  [field: string]: unknown;
}

/** `session_init`: the server opens the handshake. */
export interface SessionInit extends Frame {
  /** Always `session_init`. */
  type: "session_init";
  /** `Session established`. */
  content: string;
  /** The new session's id. */
  session_id: string;
  /** The protocol version; absent for a version 0 peer. */
  protocol?: number;
  /** The liveness settings the client should follow. */
  heartbeat?: HeartbeatSettings;
}

/** `session_ack`: the client completes the handshake. */
export interface SessionAck extends Frame {
  /** Always `session_ack`. */
  type: "session_ack";
  /** The display name asked for. */
  name?: string;
  /** The token, when the server requires one. */
  token?: string;
}

/** A client `message`. */
export interface ClientMessage extends Frame {
  /** Always `message`. */
  type: "message";
  /** The text. */
  content: string;
  /** A display name or session id to deliver to. */
  to?: string;
  /** A room to deliver to. */
  room?: string;
}

/** A `message` the server relays to a receiver. */
export interface RelayedMessage extends Frame {
  /** Always `message`. */
  type: "message";
  /** The text. */
  content: string;
  /** The sender's display name (absent on an echo reply). */
  from?: string;
  /** Server time in milliseconds since the epoch. */
  ts?: number;
  /** The room it was sent to. */
  room?: string;
  /** `true` when the sender logged in to an account (PROTOCOL.md section 11). */
  verified?: boolean;
}

/** One entry of a `who` answer. */
export interface WhoEntry {
  /** The session's id. */
  session_id: string;
  /** Its display name. */
  name: string;
  /** `tcp`, `unix` or `ws`. */
  transport: string;
  /** The rooms it is in. */
  rooms: string[];
  /** `true` for a session waiting to be resumed (PROTOCOL.md section 9). */
  away?: boolean;
  /** `true` for a session logged in to an account (PROTOCOL.md section 11). */
  verified?: boolean;
}

/** An `error` frame. */
export interface ErrorFrame extends Frame {
  /** Always `error`. */
  type: "error";
  /** The machine-readable reason. */
  code: ErrorCode;
  /** A human-readable explanation. */
  content: string;
}

/** Client frame types whose `content` must be a string. */
const STRING_CONTENT: ReadonlySet<string> = new Set(["message", "nick", "join", "leave"]);

/** Optional fields that must be strings when present. */
const STRING_FIELDS = ["session_id", "to", "room", "name", "token"] as const;

const fastDecoder = new TextDecoder("utf-8");
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8, throwing on invalid bytes. The lenient decoder is several
 * times faster; only a text holding U+FFFD (a replaced invalid sequence, or
 * a real U+FFFD) is decoded again strictly to tell which.
 */
function decodeUtf8(bytes: Uint8Array): string {
  const text = fastDecoder.decode(bytes);
  return text.includes("\uFFFD") ? strictDecoder.decode(bytes) : text;
}

function fail(code: ErrorCode, message: string, frameId?: FrameId): never {
  throw new ChatError(code, message, { frameId });
}

/**
 * Decodes and validates one client frame: UTF-8, JSON, an object with a
 * string `type`, a string `content` where the type requires it, a string or
 * number `id`, and string `session_id`, `to`, `room`, `name` and `token`.
 * Throws a {@linkcode ChatError} with `invalid_json` or `invalid_message`,
 * whose `frameId` is the frame's `id` when it had a valid one.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * import { ChatError } from "./errors.ts";
 * import { parseFrame } from "./messages.ts";
 *
 * const frame = parseFrame(new TextEncoder().encode('{"type":"join","content":"lobby"}'));
 * deepStrictEqual(frame, { type: "join", content: "lobby" });
 * throws(
 *   () => parseFrame('{"type":"join","content":7,"id":3}'),
 *   (error) => error instanceof ChatError && error.code === "invalid_message" && error.frameId === 3,
 * );
 * throws(() => parseFrame("{"), (error) => (error as ChatError).code === "invalid_json");
 * ```
 */
export function parseFrame(bytes: Uint8Array | string): Frame {
  const frame = parseObject(bytes, decodeUtf8);
  const id = frame.id;
  const validId = typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
  if (id !== undefined && !validId) fail("invalid_message", "id must be a string or a number");
  const frameId = id as FrameId | undefined;
  if (typeof frame.type !== "string") fail("invalid_message", "type must be a string", frameId);
  if (STRING_CONTENT.has(frame.type) && typeof frame.content !== "string") {
    fail("invalid_message", `content of ${frame.type} must be a string`, frameId);
  }
  for (const field of STRING_FIELDS) {
    const v = frame[field];
    if (v !== undefined && typeof v !== "string") {
      fail("invalid_message", `${field} must be a string`, frameId);
    }
  }
  return frame as Frame;
}

/**
 * Decodes one frame a server sent, as a client reads it: JSON (invalid
 * UTF-8 replaced, not refused), an object with a string `type`. Unlike
 * {@linkcode parseFrame} it asks nothing of the other fields: a client keeps
 * what it does not understand. Throws a {@linkcode ChatError} with
 * `invalid_json` or `invalid_message`.
 *
 * @example
 * ```ts
 * import { parseServerFrame } from "./messages.ts";
 * const frame = parseServerFrame('{"type":"who","content":[],"id":3}');
 * console.log(frame.type, frame.id); // "who" 3
 * ```
 */
export function parseServerFrame(bytes: Uint8Array | string): Frame {
  const frame = parseObject(bytes, (b) => fastDecoder.decode(b));
  if (typeof frame.type !== "string") fail("invalid_message", "type must be a string");
  return frame as Frame;
}

/** A frame's bytes (decoded with `decode`) or text to an object; throws `invalid_json` or `invalid_message`. */
function parseObject(
  bytes: Uint8Array | string,
  decode: (bytes: Uint8Array) => string,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === "string" ? bytes : decode(bytes));
  } catch {
    fail("invalid_json", "frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("invalid_message", "frame must be a JSON object");
  }
  return value as Record<string, unknown>;
}

export { guestName, isValidName } from "./names.ts";
