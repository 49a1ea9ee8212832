/**
 * Error codes of the chat protocol (PROTOCOL.md section 6) and the error
 * class that carries one.
 *
 * @module
 */

/** Every error code of PROTOCOL.md section 6, with whether it closes the connection. */
export const ERROR_CODES = {
  invalid_json: { closes: false },
  invalid_message: { closes: false },
  unknown_type: { closes: false },
  frame_too_large: { closes: true },
  handshake_timeout: { closes: true },
  bad_session: { closes: true },
  unauthorized: { closes: true },
  not_permitted: { closes: false },
  name_taken: { closes: false },
  invalid_name: { closes: false },
  no_such_room: { closes: false },
  no_such_recipient: { closes: false },
  too_many_rooms: { closes: false },
  server_full: { closes: true },
  slow_consumer: { closes: true },
  heartbeat_timeout: { closes: true },
} as const satisfies Record<string, { closes: boolean }>;

/** A machine-readable error code from PROTOCOL.md section 6. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether an error with this code ends the connection (PROTOCOL.md section 6). */
export function closesConnection(code: ErrorCode): boolean {
  return ERROR_CODES[code].closes;
}

/** Whether `value` is one of the protocol's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

/** Options of {@linkcode ChatError}. */
export interface ChatErrorOptions extends ErrorOptions {
  /** The `id` of the frame that caused the error. */
  frameId?: string | number;
}

/**
 * An error that carries a protocol error code.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ChatError } from "./errors.ts";
 *
 * const err = new ChatError("no_such_room", "not a member of #lobby", { frameId: 7 });
 * strictEqual(err.code, "no_such_room");
 * strictEqual(err.closes, false); // the session goes on
 * strictEqual(err.frameId, 7);
 * strictEqual(new ChatError("handshake_timeout", "no session_ack").closes, true);
 * ```
 */
export class ChatError extends Error {
  /** The protocol error code. */
  readonly code: ErrorCode;
  /** The `id` of the frame that caused it, echoed on the `error` frame. */
  readonly frameId?: string | number;

  /** Creates an error with a protocol code and a human-readable message. */
  constructor(code: ErrorCode, message: string, options?: ChatErrorOptions) {
    super(message, options);
    this.name = "ChatError";
    this.code = code;
    this.frameId = options?.frameId;
  }

  /** Whether this error ends the connection. */
  get closes(): boolean {
    return closesConnection(this.code);
  }
}
