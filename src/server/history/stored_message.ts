/**
 * A message as history keeps it (PROTOCOL.md section 9): enough to write
 * again, exactly, the `message` frame that was relayed.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { messageFrame, storedMessage } from "./stored_message.ts";
 * const stored = storedMessage(7, {
 *   ts: 1000, sender: "0b6c…", from: "alice", verified: true, content: "hi",
 *   room: "Lobby", roomKey: "lobby",
 * });
 * deepStrictEqual(messageFrame(stored, true), {
 *   type: "message", content: "hi", from: "alice", ts: 1000, seq: 7,
 *   room: "Lobby", verified: true, replay: true,
 * });
 * ```
 *
 * @module
 */

import type { Frame } from "../../protocol/messages.ts";

/**
 * A message to keep, as the server hands it to the store. Its audience is
 * everyone (no room, no recipient), a room (`room` and `roomKey`), or one
 * session (`recipient` and `to`).
 */
export interface MessageDraft {
  /** Server time in milliseconds since the epoch. */
  readonly ts: number;
  /** The sender's session id. */
  readonly sender: string;
  /** The sender's display name when it sent it. */
  readonly from: string;
  /** Whether the sender had logged in to an account (PROTOCOL.md section 11). */
  readonly verified: boolean;
  /** The text. */
  readonly content: string;
  /** For a room message: the room's name as shown. */
  readonly room?: string;
  /** For a room message: the room's key (`nameKey` of its name). */
  readonly roomKey?: string;
  /** For a direct message: the recipient's session id. */
  readonly recipient?: string;
  /** For a direct message: `to` as the sender gave it. */
  readonly to?: string;
}

/** A kept message: its draft's fields, every one present (one shape), and its `seq`. */
export interface StoredMessage {
  /** Its place in the chat's history: a positive integer, growing, never reused. */
  readonly seq: number;
  /** Server time in milliseconds since the epoch. */
  readonly ts: number;
  /** The sender's session id. */
  readonly sender: string;
  /** The sender's display name when it sent it. */
  readonly from: string;
  /** Whether the sender had logged in to an account. */
  readonly verified: boolean;
  /** The text. */
  readonly content: string;
  /** The room's name as shown, for a room message. */
  readonly room: string | undefined;
  /** The room's key, for a room message. */
  readonly roomKey: string | undefined;
  /** The recipient's session id, for a direct message. */
  readonly recipient: string | undefined;
  /** `to` as the sender gave it, for a direct message. */
  readonly to: string | undefined;
}

/** The one record a store keeps for a draft given `seq`: all fields set, in one order (one shape). */
export function storedMessage(seq: number, draft: MessageDraft): StoredMessage {
  return {
    seq,
    ts: draft.ts,
    sender: draft.sender,
    from: draft.from,
    verified: draft.verified,
    content: draft.content,
    room: draft.room,
    roomKey: draft.roomKey,
    recipient: draft.recipient,
    to: draft.to,
  };
}

/**
 * The `message` frame of a kept message, as relayed (`replay` false) or
 * sent again from history (`replay: true`): `seq`, `ts`, `from`, `room` or
 * `to`, `verified` when true. The receiver's `session_id` is added by the
 * server.
 */
export function messageFrame(message: StoredMessage, replay: boolean): Frame {
  const frame: Frame = {
    type: "message",
    content: message.content,
    from: message.from,
    ts: message.ts,
    seq: message.seq,
  };
  if (message.room !== undefined) frame.room = message.room;
  if (message.to !== undefined) frame.to = message.to;
  if (message.verified) frame.verified = true;
  if (replay) frame.replay = true;
  return frame;
}
