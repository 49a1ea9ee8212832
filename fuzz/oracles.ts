/**
 * What the fuzzer checks against, written apart from the code under test:
 * a whole-input model of the frame decoder, a UTF-8 validator, the outcome
 * PROTOCOL.md gives a frame, prototype checks, and a prediction of what a
 * server answers to a byte stream.
 *
 * @module
 */

import { ChatError } from "../src/protocol/errors.ts";
import { parseFrame } from "../src/protocol/messages.ts";

// ---------------------------------------------------------------- the decoder model

/** What a whole input decodes to. */
export interface ModelResult {
  /** The frames, whitespace trimmed from their ends. */
  frames: Uint8Array[];
  /** Whether a frame (finished or not) was over the limit: nothing after it counts. */
  tooLarge: boolean;
  /** The bytes of the unfinished frame at the end (0 when too large). */
  pending: number;
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * PROTOCOL.md section 1 on a whole input, the simple way: a frame starts at
 * a byte that is not whitespace; one that starts with `{` or `[` ends where
 * its brackets balance (outside strings) or at a line feed; any other ends
 * at a line feed. A frame is over the limit when its bytes, up to but not
 * including the line feed, are more than `maxFrame` (`firstFrameMax` for
 * the first frame).
 */
export function modelDecode(
  bytes: Uint8Array,
  maxFrame: number,
  firstFrameMax: number = maxFrame,
): ModelResult {
  const frames: Uint8Array[] = [];
  const n = bytes.length;
  let i = 0;
  for (;;) {
    const limit = frames.length === 0 ? firstFrameMax : maxFrame;
    while (i < n && isSpace(bytes[i])) i++;
    if (i >= n) return { frames, tooLarge: false, pending: 0 };
    const start = i;
    let end = -1; // exclusive end of the frame; -1 while unfinished
    let next = -1; // where scanning resumes
    if (bytes[i] === 0x7b || bytes[i] === 0x5b) {
      let depth = 0;
      let inString = false;
      for (; i < n; i++) {
        const b = bytes[i];
        if (b === 0x0a) {
          end = i;
          next = i + 1;
          break;
        }
        if (inString) {
          if (b === 0x5c) {
            // The escaped byte is skipped, unless it is a line feed (handled above on the next turn).
            if (i + 1 < n && bytes[i + 1] !== 0x0a) i++;
          } else if (b === 0x22) inString = false;
        } else if (b === 0x22) inString = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if (b === 0x7d || b === 0x5d) {
          if (--depth === 0) {
            end = i + 1;
            next = i + 1;
            break;
          }
        }
      }
    } else {
      while (i < n && bytes[i] !== 0x0a) i++;
      if (i < n) {
        end = i;
        next = i + 1;
      }
    }
    if (end < 0) {
      const pending = n - start;
      return pending > limit
        ? { frames, tooLarge: true, pending: 0 }
        : { frames, tooLarge: false, pending };
    }
    if (end - start > limit) return { frames, tooLarge: true, pending: 0 };
    let last = end;
    while (last > start && isSpace(bytes[last - 1])) last--;
    frames.push(bytes.subarray(start, last));
    i = next;
  }
}

// ---------------------------------------------------------------- UTF-8

/** Whether `bytes` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
export function isUtf8(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min, cp] = [1, 0x80, b & 0x1f];
    else if (b >= 0xe0 && b <= 0xef) [need, min, cp] = [2, 0x800, b & 0x0f];
    else if (b >= 0xf0 && b <= 0xf4) [need, min, cp] = [3, 0x10000, b & 0x07];
    else return false;
    if (i + need >= n) return false;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

// ---------------------------------------------------------------- the validator's contract

/** What `parseFrame` must do with an input. */
export type Expected =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; code: "invalid_json" | "invalid_message"; frameId: string | number | undefined };

const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const STRING_CONTENT_TYPES = ["message", "nick", "join", "leave"];
const OPTIONAL_STRINGS = ["session_id", "to", "room", "name", "token"];

/**
 * The outcome PROTOCOL.md sections 1 and 2 give a frame: `invalid_json`
 * unless it is UTF-8 JSON (a leading byte order mark is dropped, as a
 * UTF-8 decoder does); `invalid_message` unless it is an object whose `id`
 * (if any) is a string or finite number, whose `type` is a string, whose
 * `content` is a string on the four types that need one, and whose
 * `session_id`, `to`, `room`, `name` and `token` are strings when present.
 * The error echoes the `id` once it is known valid.
 */
export function expectedParse(input: Uint8Array | string): Expected {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    if (!isUtf8(input)) return { ok: false, code: "invalid_json", frameId: undefined };
    text = lenient.decode(input);
    if (text.startsWith("\uFEFF")) text = text.slice(1);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", frameId: undefined };
  }
  const bad = (frameId?: string | number): Expected => ({
    ok: false,
    code: "invalid_message",
    frameId,
  });
  if (value === null || typeof value !== "object" || Array.isArray(value)) return bad();
  const record = value as Record<string, unknown>;
  const own = (key: string): unknown => Object.hasOwn(record, key) ? record[key] : undefined;
  const id = own("id");
  if (id !== undefined && typeof id !== "string" && !(typeof id === "number" && isFinite(id))) {
    return bad();
  }
  const frameId = id as string | number | undefined;
  const type = own("type");
  if (typeof type !== "string") return bad(frameId);
  if (STRING_CONTENT_TYPES.includes(type) && typeof own("content") !== "string") {
    return bad(frameId);
  }
  for (const key of OPTIONAL_STRINGS) {
    const v = own(key);
    if (v !== undefined && typeof v !== "string") return bad(frameId);
  }
  return { ok: true, value: record };
}

// ---------------------------------------------------------------- prototypes

/** The own property names of the built-in prototypes, to compare after each case. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((proto) => Reflect.ownKeys(proto).map(String).sort().join(","))
    .join("|");
}

/** Throws unless every object in `value` (walked without recursion) has a built-in prototype. */
export function assertPlainTree(value: unknown): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (proto !== Array.prototype) throw new Error("an array with a foreign prototype");
      for (const item of v) stack.push(item);
    } else {
      if (proto !== Object.prototype) throw new Error("an object with a foreign prototype");
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
    }
  }
}

/** Deep equality without recursion (JSON values only; -0 equals 0 as in JSON). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (let i = 0; i < kx.length; i++) {
      if (kx[i] !== ky[i]) return false;
      stack.push([
        (x as Record<string, unknown>)[kx[i]],
        (y as Record<string, unknown>)[kx[i]],
      ]);
    }
  }
  return true;
}

// ---------------------------------------------------------------- a server's answers

/** An answer the server must give: an error with its code, or a `pong`; with the frame's id. */
export interface Answer {
  /** An error code, or `pong`. */
  what: string;
  /** The id echoed. */
  id: string | number | undefined;
}

/** The error codes whose every occurrence the prediction accounts for. */
export const PREDICTED_CODES: ReadonlySet<string> = new Set([
  "invalid_json",
  "invalid_message",
  "unknown_type",
  "bad_session",
  "frame_too_large",
]);

/** What a server answers a byte stream with, up to the point it closes (if it does). */
export interface Prediction {
  /** Errors of {@linkcode PREDICTED_CODES} and pongs, in order. */
  answers: Answer[];
  /** Why the server closes the connection, or null when it stays open. */
  closes: string | null;
  /** Whether the handshake completed. */
  ready: boolean;
  /** How many frames the server handles (up to the one that closes). */
  frames: number;
}

/**
 * Predicts the server's answers to the bytes a client sends, from the
 * decoder model and PROTOCOL.md sections 3 to 6: the first frame must be a
 * `session_ack` with the right session id, else it is refused and closed;
 * then a malformed frame gets its error and the connection stays open, a
 * wrong or missing session id gets `bad_session` and closes, `heartbeat`
 * gets `pong`, `disconnect` closes, a type the handler does not serve gets
 * `unknown_type`, and an oversized frame gets `frame_too_large` after the
 * frames before it; the first frame (the `session_ack`) may not exceed
 * `handshakeMaxFrame`. (`parseFrame` is trusted here: it is fuzzed on its own.)
 */
export function predictSession(
  bytes: Uint8Array,
  sessionId: string,
  maxFrame: number,
  handshakeMaxFrame: number,
  handlerTypes: readonly string[],
): Prediction {
  const { frames, tooLarge } = modelDecode(bytes, maxFrame, handshakeMaxFrame);
  const answers: Answer[] = [];
  let ready = false;
  let handled = 0;
  const result = (closes: string | null) => ({ answers, closes, ready, frames: handled });
  for (const raw of frames) {
    handled++;
    let frame;
    try {
      frame = parseFrame(raw);
    } catch (error) {
      const e = error as ChatError;
      answers.push({ what: e.code, id: e.frameId });
      if (!ready) return result(e.code);
      continue;
    }
    if (!ready) {
      if (frame.type !== "session_ack" || frame.session_id !== sessionId) {
        answers.push({ what: "bad_session", id: frame.id });
        return result("bad_session");
      }
      ready = true;
      continue;
    }
    if (frame.session_id !== sessionId) {
      answers.push({ what: "bad_session", id: frame.id });
      return result("bad_session");
    }
    if (frame.type === "heartbeat") answers.push({ what: "pong", id: frame.id });
    else if (frame.type === "disconnect") return result("disconnect");
    else if (!handlerTypes.includes(frame.type)) {
      answers.push({ what: "unknown_type", id: frame.id });
    }
  }
  if (tooLarge) {
    answers.push({ what: "frame_too_large", id: undefined });
    return result("frame_too_large");
  }
  return result(null);
}

/** Whether a thrown value is one `parseFrame` may throw. */
export function isParseError(error: unknown): error is ChatError {
  return error instanceof ChatError &&
    (error.code === "invalid_json" || error.code === "invalid_message");
}
