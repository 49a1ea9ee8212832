/**
 * How a cluster maps chat onto NATS: the subjects frames travel on, the
 * keys of the presence and name buckets, and the payload of a relay.
 *
 * Room and display names are arbitrary Unicode (1 to 32 code points, no
 * whitespace), so they travel as base64url of their UTF-8 bytes: a subject
 * token and a KV key may hold only `[A-Za-z0-9_-]` of that alphabet, never
 * `.`, `*`, `>` or whitespace. A room subject and a name's key are made of
 * the name's key (PROTOCOL.md section 2: NFKC, lowercased), so two
 * spellings of one room are one subject, and of one name one key.
 *
 * | subject | carries | subscribed by a node |
 * | --- | --- | --- |
 * | `chat.all` | messages to everyone | while it has a session |
 * | `chat.room.<base64url room>` | messages to a room | while one of its sessions is a member |
 * | `chat.node.<node id>` | messages to sessions by id | always: it is the node's own address |
 * | `chat.displace.<node id>` | requests to end a session whose account logged in elsewhere | always |
 * | `chat.takeover.<node id>` | requests to let go a session that a resume took over elsewhere | always |
 * | `chat.history` | every message, in the stream `CHAT_HISTORY` (`history_stream.ts`) | by one ordered consumer |
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";
import { nameKey as keyOf } from "../../protocol/names.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The subject of messages to everyone. */
export const ALL_SUBJECT = "chat.all";

/** The KV bucket of presence: node heartbeats and sessions. */
export const PRESENCE_BUCKET = "chat-presence";

/** The KV bucket of claimed display names. */
export const NAMES_BUCKET = "chat-names";

/**
 * A string as base64url (no padding) of its UTF-8 bytes: a safe subject
 * token or KV key. Injective: a string with a lone surrogate (which UTF-8
 * cannot carry, and which would turn into U+FFFD like any other) is refused
 * with `invalid_name`.
 */
export function token(text: string): string {
  if (!text.isWellFormed()) {
    throw new ChatError("invalid_name", `invalid name ${JSON.stringify(text)}: a lone surrogate`);
  }
  const bytes = encoder.encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The string of a {@linkcode token}. */
export function untoken(tok: string): string {
  const base64 = tok.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return decoder.decode(bytes);
}

/** The subject of a room's messages (the same for every spelling of its name). */
export function roomSubject(room: string): string {
  return `chat.room.${token(keyOf(room))}`;
}

/** The subject of a node's direct messages. */
export function nodeSubject(node: string): string {
  return `chat.node.${node}`;
}

/** The subject of requests to a node to end a session whose account logged in elsewhere. */
export function displaceSubject(node: string): string {
  return `chat.displace.${node}`;
}

/** The subject of requests to a node to let go a session resumed on another node. */
export function takeoverSubject(node: string): string {
  return `chat.takeover.${node}`;
}

/** The presence key of a node's heartbeat. */
export function nodeKey(node: string): string {
  return `node.${node}`;
}

/** The presence key of a session. */
export function sessionKey(node: string, session: string): string {
  return `sess.${node}.${session}`;
}

/** The names-bucket key of a display name (the same for every spelling of it). */
export function nameKey(name: string): string {
  return token(keyOf(name));
}

/** A presence key taken apart; `undefined` for a key this version does not write. */
export function parsePresenceKey(
  key: string,
): { kind: "node"; node: string } | { kind: "session"; node: string; session: string } | undefined {
  const parts = key.split(".");
  if (parts[0] === "node" && parts.length === 2) return { kind: "node", node: parts[1] };
  if (parts[0] === "sess" && parts.length === 3) {
    return { kind: "session", node: parts[1], session: parts[2] };
  }
  return undefined;
}

/** A new node id: 16 hex digits, a valid subject token and key part. */
export function newNodeId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

const LF = 0x0a;

/**
 * The payload of a relay to sessions by id on one node: the ids, joined by
 * `,`, a line feed, then the head of the spliced frame.
 */
export function directPayload(sessions: readonly string[], head: Uint8Array): Uint8Array {
  const ids = encoder.encode(sessions.join(",") + "\n");
  const out = new Uint8Array(ids.length + head.length);
  out.set(ids);
  out.set(head, ids.length);
  return out;
}

/** The ids and head of a {@linkcode directPayload}; `undefined` when malformed. */
export function parseDirectPayload(
  payload: Uint8Array,
): { sessions: string[]; head: Uint8Array } | undefined {
  const newline = payload.indexOf(LF);
  if (newline <= 0) return undefined;
  const sessions = decoder.decode(payload.subarray(0, newline)).split(",");
  const head = payload.subarray(newline + 1);
  return isHead(head) ? { sessions, head } : undefined;
}

const HEAD_END = encoder.encode('"session_id":"');

/**
 * Whether bytes look like the head of a spliced frame (a JSON object up to
 * `"session_id":"`): what a node checks before splicing a relay from NATS
 * into its sessions' streams.
 */
export function isHead(head: Uint8Array): boolean {
  if (head.length < HEAD_END.length + 1 || head[0] !== 0x7b) return false;
  const at = head.length - HEAD_END.length;
  for (let i = 0; i < HEAD_END.length; i++) if (head[at + i] !== HEAD_END[i]) return false;
  return true;
}
