/**
 * How the command-line clients show what they receive.
 *
 * @module
 */

import type { Frame, WhoEntry } from "../protocol/messages.ts";

/**
 * The line a client prints for a received frame, or `null` for frames it
 * does not show: `<from>: <content>`, `[<room>] <from>: <content>`, an echo
 * reply as its content, an error as `error (<code>): <content>`.
 */
export function formatFrame(frame: Frame): string | null {
  const content = typeof frame.content === "string" ? frame.content : JSON.stringify(frame.content);
  switch (frame.type) {
    case "message": {
      if (typeof frame.from !== "string") return content;
      const room = typeof frame.room === "string" ? `[${frame.room}] ` : "";
      return `${room}${frame.from}: ${content}`;
    }
    case "error":
      return `error (${String(frame.code)}): ${content}`;
    case "disconnect":
      return `server disconnected: ${content}`;
    case "who":
      return Array.isArray(frame.content) ? formatWho(frame.content as WhoEntry[]) : content;
    default:
      return null;
  }
}

/** A `who` list, one session a line: name, transport, rooms and id. */
export function formatWho(entries: WhoEntry[]): string {
  if (entries.length === 0) return "nobody";
  return entries.map((e) => {
    const rooms = e.rooms.length > 0 ? ` in ${e.rooms.map((r) => `#${r}`).join(" ")}` : "";
    return `${e.name} (${e.transport}${rooms}) ${e.session_id}`;
  }).join("\n");
}
