/**
 * The payload of a message in the cluster's history stream (`history_stream.ts`):
 * the message as history keeps it (a {@linkcode MessageDraft}: the stream
 * gives its seq) and the sender's frame id, if it had one, so that every
 * node can acknowledge a resend with its first seq (PROTOCOL.md section 9).
 * JSON, read back with every field checked: a payload that is not one is
 * refused (`undefined`), never half-read.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { decodeHistoryPayload, encodeHistoryPayload } from "./history_payload.ts";
 * const draft = {
 *   ts: 1, sender: "s1", from: "ann", verified: false, content: "hi", room: "Lobby",
 *   roomKey: "lobby",
 * };
 * deepStrictEqual(decodeHistoryPayload(encodeHistoryPayload(draft, 7)), { draft, id: 7 });
 * deepStrictEqual(decodeHistoryPayload(new TextEncoder().encode("{}")), undefined);
 * ```
 *
 * @module
 */

import { encodeShared } from "../../protocol/encode.ts";
import type { FrameId } from "../../protocol/messages.ts";
import type { MessageDraft } from "../history/mod.ts";

const decoder = new TextDecoder();

/** A message read from the stream: what to keep, and the sender's frame id. */
export interface HistoryPayload {
  /** The message (its seq is the stream's). */
  readonly draft: MessageDraft;
  /** The sender's frame id, when it sent one. */
  readonly id?: FrameId;
}

/** The stream payload of a message and its sender's frame id. */
export function encodeHistoryPayload(draft: MessageDraft, id?: FrameId): Uint8Array {
  const { ts, sender, from, verified, content, room, roomKey, recipient, to } = draft;
  // The shared slab, not a buffer a message (the NATS client may hold it until its flush: the
  // slab's bytes are never written again).
  return encodeShared(
    JSON.stringify({ ts, sender, from, verified, content, room, roomKey, recipient, to, id }),
  );
}

/** The message of a stream payload; `undefined` when it is not one. */
export function decodeHistoryPayload(data: Uint8Array): HistoryPayload | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { ts, sender, from, verified, content, room, roomKey, recipient, to, id } = value;
  if (
    typeof ts !== "number" || typeof sender !== "string" || typeof from !== "string" ||
    typeof verified !== "boolean" || typeof content !== "string" ||
    !optional(room) || !optional(roomKey) || !optional(recipient) || !optional(to) ||
    (room === undefined) !== (roomKey === undefined) ||
    (recipient === undefined) !== (to === undefined) ||
    (id !== undefined && typeof id !== "string" && typeof id !== "number")
  ) return undefined;
  const draft: MessageDraft = {
    ts,
    sender,
    from,
    verified,
    content,
    ...(room !== undefined && { room: room as string, roomKey: roomKey as string }),
    ...(recipient !== undefined && { recipient: recipient as string, to: to as string }),
  };
  return id === undefined ? { draft } : { draft, id: id as FrameId };
}

function optional(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}
