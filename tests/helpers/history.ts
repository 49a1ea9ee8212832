/**
 * History on a raw peer (PROTOCOL.md section 9): a message sent with an
 * id and its ack, and a `history` request with the messages it replays.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import type { RawClient } from "./raw_client.ts";

/** Sends a message `text <id>` with an id (and `fields`) and returns its ack. */
export async function send(
  client: RawClient,
  id: string | number,
  fields: Record<string, unknown> = {},
): Promise<Frame> {
  await client.say({ type: "message", content: `text ${id}`, id, ...fields });
  return await client.ackOf(id);
}

/**
 * Asks `history` with `fields` (`room`, `before`, `limit`) and returns the
 * messages replayed (each checked to be one) and the closing frame.
 */
export async function askHistory(
  client: RawClient,
  id: string,
  fields: Record<string, unknown> = {},
): Promise<{ messages: Frame[]; end: Frame }> {
  await client.say({ type: "history", id, ...fields });
  const messages: Frame[] = [];
  for (;;) {
    const frame = await client.next();
    if (frame.type === "history") {
      strictEqual(frame.id, id);
      return { messages, end: frame };
    }
    strictEqual(frame.type, "message", JSON.stringify(frame));
    strictEqual(frame.replay, true);
    messages.push(frame);
  }
}
