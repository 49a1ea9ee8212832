/**
 * A server's counters move by exactly what its sessions did: connections
 * and sessions by transport (away ones not counted), messages relayed and
 * the live copies delivered, error frames by code, and the bytes read and
 * written.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { within } from "../../src/async/deadline.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { resumeOn } from "../helpers/resume.ts";
import { startServer } from "../helpers/server.ts";
import { expectErrorClosed, expectErrorOpen, ready, sync } from "../helpers/session.ts";

Deno.test("ServerMetrics count connections, sessions, messages, deliveries, errors and bytes exactly", async () => {
  const ended = new Set<string>();
  let wake = () => {};
  await using s = await startServer({
    maxClients: 2,
    onSessionClose: (session) => {
      ended.add(session.id);
      wake();
    },
  });
  const metrics = s.server.metrics!;
  const alice = await ready(s.tcp, { name: "alice" });
  const bob = await ready(s.unix, { name: "bob" });
  assertEquals(metrics.sessions, { tcp: 1, unix: 1, ws: 0 });
  // A third connection is accepted, then refused: counted, with its error, never a session.
  {
    await using third = await RawClient.connect(s.tcp);
    await expectErrorClosed(third, "server_full");
  }
  assertEquals(metrics.connections, { tcp: 2, unix: 1, ws: 0 });

  await alice.say({ type: "message", content: "to everyone", id: 1 });
  await alice.ackOf(1);
  await alice.say({ type: "message", content: "to bob", to: "bob", id: 2 });
  await alice.ackOf(2);
  await bob.say({ type: "join", content: "r", id: 3 });
  await bob.ackOf(3);
  await alice.say({ type: "message", content: "to r", room: "r", id: 4 });
  await expectErrorOpen(alice, "no_such_room", 4);
  await bob.write("{nope}\n");
  await expectErrorOpen(bob, "invalid_json");
  strictEqual((await bob.next("message")).content, "to everyone");
  strictEqual((await bob.next("message")).content, "to bob");
  await sync(alice);
  await sync(bob);
  strictEqual(metrics.messages, 2);
  strictEqual(metrics.deliveries, 2);
  const errors = Object.fromEntries([...metrics.errors].filter(([, n]) => n > 0));
  assertEquals(errors, { server_full: 1, no_such_room: 1, invalid_json: 1 });

  // Once the sessions have ended, every write the server made is counted.
  const clients = [alice, bob];
  for (const client of clients) await client.close();
  await within(
    (async () => {
      while (!clients.every((c) => ended.has(c.sessionId))) {
        await new Promise<void>((resolve) => wake = resolve);
      }
    })(),
    5000,
    "the sessions to end",
  );
  assertEquals(metrics.sessions, { tcp: 0, unix: 0, ws: 0 });
  strictEqual(metrics.bytesReceived, alice.bytesWritten + bob.bytesWritten);
  strictEqual(metrics.bytesSent, alice.bytesRead + bob.bytesRead);
});

Deno.test("ServerMetrics: an away session is no connected session, and what reaches it is no live copy; a resume counts it again", async () => {
  const ends = new Map<string, () => void>();
  await using s = await startServer({
    onSessionClose: (session) => ends.get(session.id)?.(),
  });
  const metrics = s.server.metrics!;
  await using alice = await ready(s.tcp, { name: "alice" });
  const bob = await ready(s.unix, { name: "bob" });
  const token = bob.init!.resume_token as string;
  assertEquals(metrics.sessions, { tcp: 1, unix: 1, ws: 0 });
  const gone = new Promise<void>((resolve) => ends.set(bob.sessionId, resolve));
  await bob.close();
  await gone;
  assertEquals(metrics.sessions, { tcp: 1, unix: 0, ws: 0 }, "bob is away: not connected");
  await alice.say({ type: "message", content: "to everyone", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 1, "the away session is reached");
  await alice.say({ type: "message", content: "to bob", to: "bob", id: 2 });
  strictEqual((await alice.ackOf(2)).recipients, 1);
  strictEqual(metrics.messages, 2);
  strictEqual(metrics.deliveries, 0, "nothing written live to an away session");
  await using back = await resumeOn(s.tcp, token, 0);
  strictEqual(back.replayed.length, 2);
  assertEquals(metrics.sessions, { tcp: 2, unix: 0, ws: 0 }, "resumed: connected again");
  strictEqual(metrics.deliveries, 0, "replays are not live copies");
  await alice.say({ type: "message", content: "live", id: 3 });
  await alice.ackOf(3);
  strictEqual((await back.client.next("message")).content, "live");
  strictEqual(metrics.deliveries, 1);
});
