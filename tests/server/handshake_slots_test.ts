/**
 * `--max-handshakes` and `--max-clients` (CLI.md): connections in their
 * handshake at once, in all and from one address, and sessions that
 * completed it, each refused with `server_full` past its limit.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { HandshakeSlots } from "../../src/server/handshake_slots.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { expectError, ready, signal, sync } from "../helpers/session.ts";
import { SourcePeer } from "../helpers/source_peer.ts";

Deno.test("HandshakeSlots: at most the limit in all, an eighth of it per address, given back once", () => {
  const slots = new HandshakeSlots(16);
  strictEqual(slots.perAddress, 2);
  ok(slots.take("a") && slots.take("a"));
  strictEqual(slots.take("a"), false);
  for (const address of ["b", "b", "c", "c", "d", "d", "e", "e", "f", "f", "g", "g", "h", "h"]) {
    ok(slots.take(address), address);
  }
  strictEqual(slots.size, 16);
  strictEqual(slots.take("i"), false, "the limit in all");
  slots.release("a");
  slots.release("nobody");
  strictEqual(slots.size, 15);
  ok(slots.take("i"));
  strictEqual(new HandshakeSlots(7).perAddress, 1, "never less than one");
});

/** Opens connections from `address` until the server refuses one; returns the ones it took. */
async function holdSlots(port: number, address: string, most: number): Promise<SourcePeer[]> {
  const held: SourcePeer[] = [];
  for (let i = 0; i < most; i++) {
    const peer = await SourcePeer.connect(port, address);
    const first = await peer.first();
    if (first.type === "error") {
      strictEqual(first.code, "server_full", JSON.stringify(first));
      await peer.closed();
      await peer.close();
      return held;
    }
    strictEqual(first.type, "session_init");
    held.push(peer);
  }
  return held;
}

Deno.test("a client with the token is served while another address holds every handshake slot it may", async () => {
  // Without history: each client's session ends with its connection (an away one would count).
  await using s = await startServer({
    token: "s3cret",
    maxHandshakes: 40,
    maxClients: 10,
    history: 0,
  });
  const attacker = await holdSlots(s.tcp.port, "127.0.0.2", 100);
  try {
    strictEqual(attacker.length, 5, "an eighth of --max-handshakes from one address");
    strictEqual(s.server.handshakeCount, 5);
    // The client with the token, from another address, is served every time.
    for (let i = 0; i < 20; i++) {
      await using client = await ready(s.tcp, { token: "s3cret" });
      await sync(client);
    }
    strictEqual(s.server.handshakeCount, 5, "the attacker's slots are still held");
  } finally {
    await Promise.all(attacker.map((peer) => peer.close()));
  }
});

Deno.test("--max-handshakes counts every address together, and a slot comes back once its connection is admitted or gone", async () => {
  await using s = await startServer({ maxHandshakes: 16 });
  const held: SourcePeer[] = [];
  try {
    for (let n = 2; n <= 9; n++) held.push(...await holdSlots(s.tcp.port, `127.0.0.${n}`, 3));
    strictEqual(held.length, 16, "two per address, sixteen in all");
    await using refused = await RawClient.connect(s.unix);
    const error = await refused.next("error");
    deepStrictEqual([error.code, error.session_id], ["server_full", undefined]);
    await refused.closed();
    // One of them completes its handshake: its slot is free for another connection.
    const first = held.shift()!;
    first.send({
      type: "session_ack",
      content: "ok",
      id: "hs",
      session_id: first.frames[0].session_id as string,
    });
    await first.frame((frame) => frame.type === "ack" && frame.id === "hs");
    await using _next = await ready(s.unix, { name: "next" });
    strictEqual(s.server.sessions.length, 2);
    await first.close();
    // Closing held connections frees their slots too.
    await Promise.all(held.splice(0).map((peer) => peer.close()));
    await using after = await ready(s.tcp, { name: "after" });
    await sync(after);
  } finally {
    await Promise.all(held.map((peer) => peer.close()));
  }
});

Deno.test("--max-clients counts completed sessions: connections in their handshake are not refused for it, the one that completes past it gets server_full", async () => {
  const closed = signal();
  // Without history: the first one's session ends with its connection (away, it would still count).
  await using s = await startServer({
    maxClients: 1,
    history: 0,
    onSessionClose: () => closed.resolve(),
  });
  const waiting = await Promise.all([s.tcp, s.unix, s.tcp].map((to) => RawClient.connect(to)));
  try {
    for (const client of waiting) strictEqual((await client.next()).type, "session_init");
    const ack = (client: RawClient, name: string) =>
      client.say({ type: "session_ack", content: "ok", id: "hs", name });
    await ack(waiting[0], "first");
    await waiting[0].ackOf("hs");
    await ack(waiting[1], "second");
    await expectError(waiting[1], "server_full", "hs");
    await waiting[1].closed();
    // A new connection, with the server full, gets server_full instead of session_init.
    await using late = await RawClient.connect(s.tcp);
    strictEqual((await late.next()).code, "server_full");
    await late.closed();
    // The first one leaves: the third may complete its handshake now.
    await waiting[0].close();
    await closed.promise;
    await ack(waiting[2], "third");
    await waiting[2].ackOf("hs");
    deepStrictEqual(s.server.sessions.map((session) => session.name), ["third"]);
  } finally {
    await Promise.all(waiting.map((client) => client.close()));
  }
});

Deno.test("every Unix socket peer counts as one address", async () => {
  await using s = await startServer({ maxHandshakes: 16 });
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 3; i++) clients.push(await RawClient.connect(s.unix));
    const frames = await Promise.all(clients.map((client) => client.next()));
    deepStrictEqual(frames.map((f) => f.type), ["session_init", "session_init", "error"]);
    strictEqual(frames[2].code, "server_full");
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
