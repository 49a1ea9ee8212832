/**
 * Resuming a session on a raw peer (PROTOCOL.md section 9): the handshake
 * with `resume`, then every frame up to `resumed`, which must all be
 * replayed messages.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { type PeerTarget, RawClient } from "./raw_client.ts";

/** A connection that asked to resume, and what it got. */
export interface Resumed extends AsyncDisposable {
  /** The connection; its `sessionId` is the one `resumed` carries. */
  client: RawClient;
  /** The `session_init` of the connection. */
  init: Frame;
  /** The messages written before `resumed`, in order. */
  replayed: Frame[];
  /** The `resumed` frame. */
  resumed: Frame;
}

/**
 * Connects and resumes with `token` after `seq` (`ack` adds fields to the
 * `session_ack`); checks that nothing but replayed messages comes before
 * `resumed`, and waits for the handshake's `ack`.
 */
export async function resumeOn(
  to: PeerTarget,
  token: string,
  seq: number,
  ack: Partial<Frame> = {},
): Promise<Resumed> {
  const client = await RawClient.connect(to);
  try {
    const init = await client.handshake({ resume: { token, seq }, ...ack });
    const replayed: Frame[] = [];
    for (;;) {
      const frame = await client.next();
      if (frame.type === "resumed") {
        client.sessionId = frame.session_id as string;
        await client.ackOf("hs");
        return {
          client,
          init,
          replayed,
          resumed: frame,
          [Symbol.asyncDispose]: () => client.close(),
        };
      }
      strictEqual(frame.type, "message", `only replays before resumed: ${JSON.stringify(frame)}`);
      strictEqual(frame.replay, true, `a replayed message: ${JSON.stringify(frame)}`);
      replayed.push(frame);
    }
  } catch (error) {
    await client.close();
    throw error;
  }
}
