/**
 * How the interactive client shows what it receives (CLI.md, "chat client
 * interactive"): each message and notice with its time, direct and room
 * messages set apart from the room-less ones, every further line of a
 * multi-line message indented so that it cannot pass for another message,
 * the names of accounts (`"verified":true`, PROTOCOL.md section 11) marked
 * ` ✓` (a name has no space: no name can pass for one marked), and
 * control and bidi characters escaped. Pure: no I/O.
 *
 * @module
 */

import { type Frame, guestName, type WhoEntry } from "../protocol/messages.ts";
import { contentText, senderLabel } from "./format.ts";
import { printable } from "./printable.ts";

/** What starts each further line of a multi-line message: never the start of a message. */
export const CONTINUATION = "        ";

/** The local time of `ms` (milliseconds since the epoch) as `HH:MM`. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** Text of several lines: the first as it is, each further one indented; each made printable. */
function indented(head: string, text: string): string {
  const [first, ...rest] = text.split(/\r?\n/).map(printable);
  return [head + first, ...rest.map((line) => CONTINUATION + line)].join("\n");
}

/** What follows the name of an account's session (`"verified":true`). */
export const VERIFIED_MARK = " ✓";

/** `VERIFIED_MARK` when `frame` (a message, a notice, a `who` entry) says its session is verified. */
function verifiedMark(frame: Frame | WhoEntry): string {
  return frame.verified === true ? VERIFIED_MARK : "";
}

/** A room name as the user reads it. */
function room(name: unknown): string {
  return `#${printable(String(name))}`;
}

/** The sentence of a `notice` (PROTOCOL.md section 8), or `null` for an event it does not know. */
export function describeNotice(frame: Frame): string | null {
  const name = printable(String(frame.name)) + verifiedMark(frame);
  switch (frame.event) {
    case "join":
      return `${name} joined ${room(frame.room)}`;
    case "leave":
      return frame.reason === "quit"
        ? `${name} quit (was in ${room(frame.room)})`
        : `${name} left ${room(frame.room)}`;
    case "nick":
      return `${printable(String(frame.old))} is now known as ${name}`;
    default:
      return null;
  }
}

/**
 * The text the interactive screen shows for a received frame, or `null`
 * for frames it does not show: `HH:MM <from>: <text>`, `HH:MM [<room>]
 * <from>: <text>`, `HH:MM (dm) <from>: <text>`, `HH:MM <text>` for an echo
 * reply, `HH:MM -- <notice>`, and `error (<code>): <text>`. The time is the
 * server's (`ts`), else `now`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { clockTime, formatIncoming } from "./screen_format.ts";
 * const ts = Date.UTC(2025, 0, 1, 9, 5);
 * strictEqual(
 *   formatIncoming({ type: "message", from: "bob", content: "brb\n[ops] bob: run it", ts }),
 *   `${clockTime(ts)} bob: brb\n        [ops] bob: run it`,
 * );
 * ```
 */
export function formatIncoming(frame: Frame, now: number = Date.now()): string | null {
  const time = clockTime(typeof frame.ts === "number" ? frame.ts : now);
  switch (frame.type) {
    case "message": {
      const sender = senderLabel(frame, printable);
      // Sent again from history (a resume, /history): set apart.
      const mark = frame.replay === true ? "(history) " : "";
      const from = sender === undefined ? "" : `${sender}${verifiedMark(frame)}: `;
      return indented(`${time} ${mark}${from}`, contentText(frame));
    }
    case "notice": {
      const notice = describeNotice(frame);
      return notice === null ? null : `${time} -- ${notice}`;
    }
    case "error":
      return indented(`error (${printable(String(frame.code))}): `, contentText(frame));
    default:
      return null;
  }
}

/**
 * A `who` list, one session a line: name (an account's marked ` ✓`),
 * transport, rooms and the first 8 characters of its id; `(you)` marks the
 * session `selfId`, `(guest)` a guest, `(away)` one waiting to be resumed.
 */
export function formatWho(entries: WhoEntry[], selfId?: string): string {
  if (entries.length === 0) return "nobody";
  return entries.map((e) => {
    const rooms = e.rooms.length > 0 ? ` in ${e.rooms.map(room).join(" ")}` : "";
    const guest = e.verified !== true && e.name === guestName(String(e.session_id));
    const marks = (e.session_id === selfId ? " (you)" : "") + (guest ? " (guest)" : "") +
      (e.away === true ? " (away)" : "");
    const id = printable(String(e.session_id).slice(0, 8));
    const name = printable(e.name) + verifiedMark(e);
    return `${name} (${printable(e.transport)}${rooms}) ${id}${marks}`;
  }).join("\n");
}
