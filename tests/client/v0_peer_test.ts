/**
 * The clients against a version 0 peer: a server that behaves like the
 * original Python framework's (no `protocol` in `session_init`, one frame
 * handled per socket read, the rest of that read dropped, replies instead of
 * acks).
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ChatClient } from "../../src/client/client.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { type FakePeer, fakeServer } from "../helpers/fake_server.ts";
import { linesOf, runMain } from "../helpers/run_main.ts";
import { tcpFlags } from "../helpers/spawn.ts";

/** What the version 0 server saw: frames handled and frames it dropped. */
interface V0Log {
  handled: Frame[];
  dropped: Frame[];
}

/** Plays the original Python server on one connection. */
function v0Server(log: V0Log): (peer: FakePeer) => Promise<void> {
  return async (peer) => {
    const sessionId = crypto.randomUUID();
    await peer.send({
      type: "session_init",
      content: "Session established",
      session_id: sessionId,
    });
    for (;;) {
      const frames = await peer.readOnce();
      if (frames === null) return;
      if (frames.length === 0) continue;
      const [frame, ...rest] = frames;
      log.handled.push(frame);
      log.dropped.push(...rest);
      if (frame.type === "message") {
        await peer.send({
          type: "message",
          content: `Server received: ${frame.content}`,
          session_id: sessionId,
        });
      } else if (frame.type === "heartbeat") {
        await peer.send({ type: "heartbeat", content: "pong", session_id: sessionId });
      }
    }
  };
}

Deno.test("ChatClient against a version 0 peer keeps one frame in flight and gets every reply", async () => {
  const log: V0Log = { handled: [], dropped: [] };
  await using server = fakeServer(v0Server(log));
  await using client = await new ChatClient({ to: server.tcp, name: "ada" }).connect();
  assertEquals(client.protocol, 0);
  assert(client.sessionId.length > 0);
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => client.message(`line ${i}`)),
  );
  assertEquals(
    replies.map((r) => r.content),
    Array.from({ length: 20 }, (_, i) => `Server received: line ${i}`),
  );
  assertEquals(log.dropped, []);
  // The session_ack was read on its own, not swallowed with (or dropping) the first message.
  assertEquals(log.handled[0].type, "session_ack");
  assertEquals(log.handled[0].name, "ada");
  assertEquals(
    log.handled.filter((f) => f.type === "message").map((f) => f.content),
    Array.from({ length: 20 }, (_, i) => `line ${i}`),
  );
});

Deno.test("chat client file against a version 0 peer prints every reply and exits 0", async () => {
  const log: V0Log = { handled: [], dropped: [] };
  await using server = fakeServer(v0Server(log));
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);
  const run = await runMain(["client", "file", "-", ...tcpFlags(server.port)], {
    stdin: lines.join("\n") + "\n",
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), lines.map((l) => `Server received: ${l}`));
  assert(run.stderr.includes("sent 50 lines, 50 acknowledged"), run.stderr);
  assertEquals(log.dropped, []);
  assertEquals(log.handled.map((f) => f.type), ["session_ack", ...lines.map(() => "message")]);
});
