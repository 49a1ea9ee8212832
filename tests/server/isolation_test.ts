/**
 * One session's bad frames never harm another (PROTOCOL.md section 6), and
 * shutdown (section 7), on real sockets over TCP and Unix.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, rejects, strictEqual } from "node:assert/strict";
import type { CloseReason } from "../../src/server/options.ts";
import { ManualClock } from "../../src/async/clock.ts";
import { serverSettings } from "../../src/server/settings.ts";
import { RawClient, WAIT_MS } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { within } from "../../src/async/deadline.ts";
import { expectError, expectErrorClosed, ready, sync } from "../helpers/session.ts";

Deno.test("ChatServer never ends another session nor loses its frames over a malformed frame", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    maxFrame: 1024,
    history: 0, // the sessions cut end for good: the last message reaches the good ones alone
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  await using receiver = await ready(s.unix, { name: "receiver" });
  await using good = await ready(s.tcp, { name: "good" });
  await using good2 = await ready(s.unix, { name: "good2" });
  const bads = await Promise.all([s.tcp, s.unix, s.tcp, s.unix].map((to) => ready(to)));
  try {
    const burst = (client: RawClient, tag: string) =>
      Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({
          type: "message",
          content: `${tag}${i}`,
          to: "receiver",
          session_id: client.sessionId,
        })).join("\n") + "\n";
    const said = (client: RawClient, content: string) =>
      JSON.stringify({ type: "message", content, to: "receiver", session_id: client.sessionId }) +
      "\n";
    const malformed = [
      // Garbage that leaves the session open, then a frame_too_large that closes it.
      (c: RawClient) =>
        said(c, "bad0-first") + "{]\n[1]\n" +
        JSON.stringify({ type: "x", session_id: c.sessionId }) +
        "\n" + "z".repeat(2048) + "\n" + said(c, "bad0-lost"),
      // A frame over the limit with no end at all.
      (c: RawClient) => said(c, "bad1-first") + '{"type":"message","content":"' + "y".repeat(4096),
      // Another session's id.
      (c: RawClient) =>
        said(c, "bad2-first") + JSON.stringify({ type: "who", session_id: good.sessionId }) + "\n",
      // Invalid UTF-8, then a connection that vanishes.
      (c: RawClient) =>
        new Uint8Array([
          ...new TextEncoder().encode(said(c, "bad3-first")),
          ...[0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a], // {"<invalid UTF-8>"}
        ]),
    ];
    // The good sessions' bursts and the bad frames are written at once.
    await Promise.all([
      good.write(burst(good, "g")),
      good2.write(burst(good2, "h")),
      ...bads.map((bad, i) => bad.write(malformed[i](bad))),
    ]);
    for (const code of ["invalid_json", "invalid_message", "unknown_type"]) {
      await expectError(bads[0], code);
    }
    await expectErrorClosed(bads[0], "frame_too_large");
    await expectErrorClosed(bads[1], "frame_too_large");
    await expectErrorClosed(bads[2], "bad_session");
    await bads[3].next("error");
    await bads[3].close(); // a peer that vanishes right after its garbage
    // The receiver gets every frame of the good sessions, each in order, and
    // the frames the bad sessions sent before their bad one.
    const got: string[] = [];
    while (got.length < 404) got.push((await receiver.next("message")).content as string);
    for (const tag of ["g", "h"]) {
      assertEquals(
        got.filter((c) => c.startsWith(tag)),
        Array.from({ length: 200 }, (_, i) => `${tag}${i}`),
      );
    }
    assertEquals(
      got.filter((c) => c.startsWith("bad")).sort(),
      ["bad0-first", "bad1-first", "bad2-first", "bad3-first"],
    );
    // Everyone else is still there and working.
    for (const client of [receiver, good, good2]) await sync(client);
    await good.say({ type: "message", content: "still here", id: "last" });
    strictEqual((await good.ackOf("last")).recipients, 2);
    for (const client of [receiver, good, good2]) ok(!reasons.has(client.sessionId));
    assertEquals(s.server.sessions.map((e) => e.name).sort(), ["good", "good2", "receiver"]);
  } finally {
    await Promise.all(bads.map((bad) => bad.close()));
  }
});

Deno.test("ChatServer stop says disconnect to every session, closes them and removes its socket file", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using handshaking = await RawClient.connect(s.unix);
  await handshaking.next("session_init");
  // Output owed before the shutdown is flushed before the goodbye.
  await alice.say({ type: "message", content: "last words", id: 1 });
  await alice.ackOf(1);
  ok((await Deno.lstat(s.unix.path)).isSocket);
  await s.server.stop();
  strictEqual((await bob.next()).content, "last words");
  for (const client of [alice, bob, handshaking]) {
    const bye = await client.next();
    const own = client === handshaking ? bye.session_id : client.sessionId;
    assertEquals(bye, { type: "disconnect", content: "server shutting down", session_id: own });
    await client.closed();
  }
  strictEqual(reasons.get(alice.sessionId), "shutdown");
  strictEqual(reasons.get(bob.sessionId), "shutdown");
  await rejects(Deno.lstat(s.unix.path), Deno.errors.NotFound);
  // Nobody is accepted any more.
  await rejects(RawClient.connect(s.unix));
  await rejects(RawClient.connect(s.tcp));
  strictEqual(s.server.connectionCount, 0);
  await s.server.stop(); // again: harmless
});

Deno.test("ChatServer stop completes after the grace period, by its clock, with a client that never reads", async () => {
  const reasons = new Map<string, CloseReason>();
  const clock = new ManualClock();
  await using s = await startServer({
    clock,
    maxQueue: 64 * 1024 * 1024,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  const { graceMs } = serverSettings({});
  await using stuckTcp = await ready(s.tcp, { name: "stuck-tcp" });
  await using stuckUnix = await ready(s.unix, { name: "stuck-unix" });
  stuckTcp.pause();
  stuckUnix.pause();
  await using reader = await ready(s.unix, { name: "reader" });
  await using flooder = await ready(s.tcp, { name: "flooder" });
  // More than the kernel can buffer for a reader that never reads: the
  // server is left holding output it cannot write.
  const [, , wmem] = (await Deno.readTextFile("/proc/sys/net/ipv4/tcp_wmem").catch(() => "0 0 0"))
    .trim().split(/\s+/).map(Number);
  const total = Math.max(wmem, 4 << 20) + (8 << 20);
  const content = "s".repeat(32 * 1024);
  for (let i = 0, sent = 0; sent < total; i++, sent += content.length) {
    for (const to of ["stuck-tcp", "stuck-unix"]) {
      await flooder.say({ type: "message", content, to, id: `${to}-${i}` });
      strictEqual((await flooder.ackOf(`${to}-${i}`)).recipients, 1);
    }
  }
  ok(!stuckTcp.ended && !stuckUnix.ended);
  let stopped = false;
  const stopping = s.server.stop().then(() => stopped = true);
  // The sessions that read get their goodbye and are closed at once.
  for (const client of [reader, flooder]) {
    strictEqual((await client.next("disconnect")).content, "server shutting down");
    await client.closed();
  }
  strictEqual(reasons.get(reader.sessionId), "shutdown");
  strictEqual(reasons.get(flooder.sessionId), "shutdown");
  // The stuck ones hold the stop until the grace period has passed on the server's clock.
  ok(!stopped, "stop waits for the stuck sessions' output");
  ok(!reasons.has(stuckTcp.sessionId) && !reasons.has(stuckUnix.sessionId));
  clock.advance(graceMs);
  await within(stopping, WAIT_MS, "stop once the grace period has passed");
  for (const stuck of [stuckTcp, stuckUnix]) {
    strictEqual(reasons.get(stuck.sessionId), "shutdown");
    stuck.resume();
    await stuck.closed(20_000);
  }
  await rejects(Deno.lstat(s.unix.path), Deno.errors.NotFound);
});
