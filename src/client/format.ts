/**
 * How the file mode prints what it receives (CLI.md, "chat client file"):
 * one line per frame, names and text escaped so that one message is always
 * one line. The parts that say who sent a message serve the interactive
 * screen too.
 *
 * @module
 */

import type { Frame } from "../protocol/messages.ts";
import { escapeLine } from "./printable.ts";

/** A frame's `content` as text: a string as it is, anything else as JSON. */
export function contentText(frame: Frame): string {
  return typeof frame.content === "string" ? frame.content : JSON.stringify(frame.content) ?? "";
}

/**
 * Who a relayed message is from, and where it went: `<from>`, `[<room>]
 * <from>` for a room, `(dm) <from>` for a message sent to the receiver
 * alone; each name passed through `escape`. `undefined` for a message with
 * no sender (an echo reply).
 */
export function senderLabel(
  frame: Frame,
  escape: (text: string) => string = (text) => text,
): string | undefined {
  if (typeof frame.from !== "string") return undefined;
  const from = escape(frame.from);
  if (typeof frame.to === "string") return `(dm) ${from}`;
  if (typeof frame.room === "string") return `[${escape(frame.room)}] ${from}`;
  return from;
}

/**
 * The line the file mode prints for a received frame, or `null` for frames
 * it does not show (notices among them): `<from>: <content>`, `[<room>]
 * <from>: <content>`, `(dm) <from>: <content>`, an echo reply as its
 * content, an error as `error (<code>): <content>`, a `disconnect` as
 * `chat: server disconnected: <content>` (with the client's other lines
 * about the connection, `chat: lost the server ...`).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { formatFrame } from "./format.ts";
 * strictEqual(formatFrame({ type: "message", from: "bob", to: "ada", content: "psst\n" }), "(dm) bob: psst\\n");
 * ```
 */
export function formatFrame(frame: Frame): string | null {
  const content = escapeLine(contentText(frame));
  switch (frame.type) {
    case "message": {
      const sender = senderLabel(frame, escapeLine);
      return sender === undefined ? content : `${sender}: ${content}`;
    }
    case "error":
      return `error (${escapeLine(String(frame.code))}): ${content}`;
    case "disconnect":
      return `chat: server disconnected: ${content}`;
    default:
      return null;
  }
}
