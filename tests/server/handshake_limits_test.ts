/**
 * What a connection that has not completed its handshake may cost the
 * server: a first frame of 16 KiB at most (PROTOCOL.md section 1), then the
 * server's `max_frame`.
 *
 * @module
 */

import { ok, strictEqual } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { expectErrorClosed, ready, sync } from "../helpers/session.ts";

const HANDSHAKE_MAX = PROTOCOL_DEFAULTS.handshakeMaxFrame;

/** A `session_ack` (with `fields`) padded with an unknown field to `size` bytes. */
function ackOfSize(sessionId: string, size: number, fields: object = {}): string {
  const bare = JSON.stringify({ type: "session_ack", session_id: sessionId, ...fields, pad: "" });
  return bare.replace('"pad":""', `"pad":"${"x".repeat(size - bare.length)}"`);
}

Deno.test("a session_ack over 16 KiB gets frame_too_large and the connection is closed", async () => {
  await using s = await startServer();
  for (const to of [s.tcp, s.unix]) {
    await using client = await RawClient.connect(to, { tolerateWriteErrors: true });
    const init = await client.next("session_init");
    strictEqual(init.max_frame, PROTOCOL_DEFAULTS.maxFrame, "the limit after the handshake");
    // Almost a megabyte, unfinished: refused once the first 16 KiB are in.
    await client.write(ackOfSize(init.session_id as string, 1_000_000).slice(0, -2));
    const error = await expectErrorClosed(client, "frame_too_large");
    ok((error.content as string).includes(String(HANDSHAKE_MAX)), error.content as string);
  }
  strictEqual(s.server.connectionCount, 0);
});

Deno.test("a session_ack of exactly 16 KiB is taken, and after it a frame up to max_frame", async () => {
  await using s = await startServer({ maxFrame: 64 * 1024 });
  await using peer = await ready(s.tcp, { name: "peer" });
  await using client = await RawClient.connect(s.unix);
  const init = await client.next("session_init");
  client.sessionId = init.session_id as string;
  const ack = ackOfSize(client.sessionId, HANDSHAKE_MAX, { id: "hs", name: "big" });
  strictEqual(ack.length, HANDSHAKE_MAX);
  // The ack and a 40 KiB message in one write: the message counts against max_frame.
  const big = "y".repeat(40 * 1024);
  await client.write(
    ack + "\n" +
      JSON.stringify({ type: "message", content: big, session_id: client.sessionId, id: 1 }) +
      "\n",
  );
  strictEqual((await client.ackOf("hs")).name, "big");
  strictEqual((await client.ackOf(1)).recipients, 1);
  strictEqual((await peer.next("message")).content, big);
  await sync(client);
});
