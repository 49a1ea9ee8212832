/**
 * Every client frame type of PROTOCOL.md section 4, on real sockets.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import type { Frame, FrameId, WhoEntry } from "../../src/protocol/messages.ts";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import type { CloseReason } from "../../src/server/options.ts";
import type { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { assertNothing, expectErrorOpen, pending, ready, sync } from "../helpers/session.ts";

/** Asserts that the ack of `id` is exactly `{ type: "ack", ...fields, id, session_id }`. */
async function assertAck(client: RawClient, id: FrameId, fields: Partial<Frame>): Promise<void> {
  assertEquals(await client.ackOf(id), {
    type: "ack",
    ...fields,
    id,
    session_id: client.sessionId,
  });
}

Deno.test("ChatServer answers a heartbeat ping with a pong and no ack, even with an id", async () => {
  await using s = await startServer();
  for (const to of [s.tcp, s.unix]) {
    await using client = await ready(to);
    await client.say({ type: "heartbeat", content: "ping", id: 7 });
    const pong = await client.next("heartbeat");
    // (The pong echoes the id today; the contract only rules out an ack.)
    assertEquals([pong.content, pong.session_id], ["pong", client.sessionId]);
    await client.say({ type: "heartbeat", content: "ping" });
    assertEquals(await client.next("heartbeat"), {
      type: "heartbeat",
      content: "pong",
      session_id: client.sessionId,
    });
    // A later frame with an id is acked; nothing was acked before it.
    await client.say({ type: "join", content: "lobby", id: 8 });
    await client.ackOf(8);
    assertEquals(pending(client, "ack"), []);
    assertEquals(pending(client), []);
  }
});

Deno.test("ChatServer relays a message to every other session with from, ts and the receiver's session_id", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using carol = await ready(s.tcp, { name: "carol" });
  const before = Date.now();
  await alice.say({ type: "message", content: "hello, ünïcödé 👋", id: "m1", extra: "ignored" });
  await assertAck(alice, "m1", { content: "delivered", recipients: 2, seq: 1 });
  for (const receiver of [bob, carol]) {
    const got = await receiver.next("message");
    ok(typeof got.ts === "number" && got.ts >= before && got.ts <= Date.now(), `ts ${got.ts}`);
    assertEquals(got, {
      type: "message",
      content: "hello, ünïcödé 👋",
      from: "alice",
      ts: got.ts,
      seq: 1,
      session_id: receiver.sessionId,
    });
  }
  await assertNothing(alice, "message");
});

Deno.test("ChatServer delivers a message with to to that display name or session id alone", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using carol = await ready(s.tcp, { name: "carol" });
  await alice.say({ type: "message", content: "psst bob", to: "bob", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 1);
  const byName = await bob.next("message");
  assertEquals(
    [byName.content, byName.from, byName.to, byName.session_id],
    ["psst bob", "alice", "bob", bob.sessionId],
  );
  await bob.say({ type: "message", content: "psst carol", to: carol.sessionId, id: 2 });
  strictEqual((await bob.ackOf(2)).recipients, 1);
  const byId = await carol.next("message");
  assertEquals(
    [byId.content, byId.from, byId.session_id],
    ["psst carol", "bob", carol.sessionId],
  );
  await assertNothing(carol, "message");
  await assertNothing(bob, "message");
  await assertNothing(alice, "message");
});

Deno.test("ChatServer delivers a room message to the room's members alone, from a member only", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using carol = await ready(s.unix, { name: "carol" });
  await alice.say({ type: "join", content: "lobby", id: "j1" });
  await bob.say({ type: "join", content: "lobby", id: "j2" });
  await alice.ackOf("j1");
  await bob.ackOf("j2");
  await alice.say({ type: "message", content: "lobby only", room: "lobby", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 1);
  const got = await bob.next("message");
  assertEquals(
    [got.content, got.from, got.room, got.session_id],
    ["lobby only", "alice", "lobby", bob.sessionId],
  );
  await assertNothing(carol, "message");
  await assertNothing(alice, "message");
  // A non-member may not speak in the room.
  await carol.say({ type: "message", content: "let me in", room: "lobby", id: 2 });
  await expectErrorOpen(carol, "no_such_room", 2);
  await assertNothing(alice, "message");
  await assertNothing(bob, "message");
  // Once bob leaves, alice speaks to nobody.
  await bob.say({ type: "leave", content: "lobby", id: "l" });
  await bob.ackOf("l");
  await alice.say({ type: "message", content: "anyone?", room: "lobby", id: 3 });
  strictEqual((await alice.ackOf(3)).recipients, 0);
  await assertNothing(bob, "message");
});

Deno.test("ChatServer acks only the frames that carry an id, with the message's recipients", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await alice.say({ type: "message", content: "no id" });
  await alice.say({ type: "join", content: "lobby" });
  await alice.say({ type: "nick", content: "alice2" });
  await alice.say({ type: "leave", content: "lobby" });
  await alice.say({ type: "message", content: "string id", id: "x" });
  await alice.say({ type: "message", content: "number id", id: 0 });
  await alice.say({ type: "join", content: "dev", id: 1.5 });
  // "no id" was the first message (seq 1), this the second.
  await assertAck(alice, "x", { content: "delivered", recipients: 1, seq: 2 });
  strictEqual((await alice.ackOf(0)).recipients, 1);
  assertEquals((await alice.ackOf(1.5)).content, "dev");
  await sync(alice);
  assertEquals(pending(alice), [], "no other ack, and nothing else");
  const contents = [];
  for (let i = 0; i < 3; i++) contents.push((await bob.next("message")).content);
  assertEquals(contents, ["no id", "string id", "number id"]);
  // The join, nick and leave without an id were handled all the same.
  await bob.say({ type: "who", id: "w" });
  const who = (await bob.next("who")).content as WhoEntry[];
  const entry = who.find((e) => e.session_id === alice.sessionId);
  assertEquals([entry?.name, entry?.rooms], ["alice2", ["dev"]]);
});

Deno.test("ChatServer renames a session with nick, or refuses with name_taken or invalid_name", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await alice.say({ type: "nick", content: "alicia", id: 1 });
  await assertAck(alice, 1, { content: "alicia" });
  await alice.say({ type: "message", content: "new name", id: 2 });
  await alice.ackOf(2);
  strictEqual((await bob.next("message")).from, "alicia");
  // The old name is free again; the new one is taken.
  await bob.say({ type: "nick", content: "alice", id: 3 });
  strictEqual((await bob.ackOf(3)).content, "alice");
  await bob.say({ type: "nick", content: "alicia", id: 4 });
  await expectErrorOpen(bob, "name_taken", 4);
  // Names are 1 to 32 code points without whitespace or control characters.
  for (const [i, bad] of ["", "a b", "new\nline", "nul\u0000", "é".repeat(33)].entries()) {
    await bob.say({ type: "nick", content: bad, id: `bad${i}` });
    await expectErrorOpen(bob, "invalid_name", `bad${i}`);
  }
  const astral = "🦊".repeat(32);
  await bob.say({ type: "nick", content: astral, id: 5 });
  strictEqual((await bob.ackOf(5)).content, astral);
  await bob.say({ type: "who", id: 6 });
  const who = (await bob.next("who")).content as WhoEntry[];
  assertEquals(who.map((e) => e.name).sort(), ["alicia", astral].sort());
});

Deno.test("ChatServer joins and leaves rooms, with no_such_room to leave a room one is not in", async () => {
  await using s = await startServer();
  await using alice = await ready(s.unix, { name: "alice" });
  await alice.say({ type: "join", content: "lobby", id: 1 });
  await assertAck(alice, 1, { content: "lobby" });
  await alice.say({ type: "join", content: "lobby", id: 2 });
  strictEqual((await alice.ackOf(2)).content, "lobby", "joining twice is harmless");
  await alice.say({ type: "who", room: "lobby", id: 3 });
  assertEquals(
    ((await alice.next("who")).content as WhoEntry[]).map((e) => e.rooms),
    [["lobby"]],
  );
  await alice.say({ type: "leave", content: "lobby", id: 4 });
  assertEquals((await alice.ackOf(4)).content, "lobby");
  await alice.say({ type: "leave", content: "lobby", id: 5 });
  await expectErrorOpen(alice, "no_such_room", 5);
  await alice.say({ type: "leave", content: "never-joined", id: 6 });
  await expectErrorOpen(alice, "no_such_room", 6);
  await alice.say({ type: "join", content: "bad room", id: 7 });
  await expectErrorOpen(alice, "invalid_name", 7);
  await alice.say({ type: "who", room: "lobby", id: 8 });
  assertEquals((await alice.next("who")).content, []);
});

Deno.test("ChatServer answers who with every session, or a room's members", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using guest = await ready(s.unix);
  for (const [client, room] of [[alice, "lobby"], [alice, "dev"], [bob, "lobby"]] as const) {
    await client.say({ type: "join", content: room, id: room });
    await client.ackOf(room);
  }
  await guest.say({ type: "who", id: "all" });
  const all = await guest.next("who");
  strictEqual(all.id, "all");
  strictEqual(all.session_id, guest.sessionId);
  const entries = (all.content as WhoEntry[]).map((e) => ({ ...e, rooms: [...e.rooms].sort() }));
  entries.sort((a, b) => a.session_id.localeCompare(b.session_id));
  const expected = [
    { session_id: alice.sessionId, name: "alice", transport: "tcp", rooms: ["dev", "lobby"] },
    { session_id: bob.sessionId, name: "bob", transport: "unix", rooms: ["lobby"] },
    {
      session_id: guest.sessionId,
      name: `guest-${guest.sessionId.slice(0, 8)}`,
      transport: "unix",
      rooms: [],
    },
  ].sort((a, b) => a.session_id.localeCompare(b.session_id));
  assertEquals(entries, expected);
  for (const entry of all.content as Record<string, unknown>[]) {
    assertEquals(Object.keys(entry).sort(), ["name", "rooms", "session_id", "transport"]);
  }
  await guest.say({ type: "who", room: "dev" });
  const dev = await guest.next("who");
  strictEqual(dev.room, "dev");
  assertEquals(dev.content, [
    { session_id: alice.sessionId, name: "alice", transport: "tcp", rooms: ["lobby", "dev"] },
  ]);
  await guest.say({ type: "who", room: "lobby" });
  const lobby = (await guest.next("who")).content as WhoEntry[];
  assertEquals(lobby.map((e) => e.name).sort(), ["alice", "bob"]);
});

Deno.test("ChatServer closes a session that sends disconnect once the frames before it are handled", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    history: 0, // a session that left ends for good: its name is free for the next round
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  for (const to of [s.tcp, s.unix]) {
    await using bob = await ready(to === s.tcp ? s.unix : s.tcp, { name: "bob" });
    await using alice = await ready(to, { name: "alice" });
    const frames = [
      { type: "message", content: "one", id: 1 },
      { type: "message", content: "two" },
      { type: "join", content: "lobby", id: 2 },
      { type: "disconnect", content: "bye now" },
    ].map((f) => JSON.stringify({ ...f, session_id: alice.sessionId }));
    await alice.write(frames.join("\n") + "\n");
    await alice.closed();
    strictEqual((await alice.ackOf(1)).recipients, 1);
    strictEqual((await alice.ackOf(2)).content, "lobby");
    strictEqual((await bob.next("message")).content, "one");
    strictEqual((await bob.next("message")).content, "two");
    // The hook runs before the socket is closed.
    strictEqual(reasons.get(alice.sessionId), "disconnect");
    await sync(bob);
    assertEquals(s.server.sessions.map((e) => e.name), ["bob"]);
    // Whose name is free again.
    await using _again = await ready(to, { name: "alice" });
  }
});

Deno.test("ChatServer with the echo handler answers Server received: <content> and relays nothing", async () => {
  await using s = await startServer({ handler: echoHandler });
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  for (const client of [alice, bob]) {
    await client.say({ type: "message", content: "hello 🌍", id: 1 });
    assertEquals(await client.next("message"), {
      type: "message",
      content: "Server received: hello 🌍",
      session_id: client.sessionId,
    });
    await client.ackOf(1);
    await client.say({ type: "message", content: "" });
    strictEqual((await client.next("message")).content, "Server received: ");
  }
  await assertNothing(alice, "message");
  await assertNothing(bob, "message");
  // The echo handler serves message alone.
  await alice.say({ type: "who", id: 2 });
  await expectErrorOpen(alice, "unknown_type", 2);
  await alice.say({ type: "nick", content: "x", id: 3 });
  await expectErrorOpen(alice, "unknown_type", 3);
});

Deno.test("ChatServer relays across transports both ways", async () => {
  await using s = await startServer();
  await using tcp = await ready(s.tcp, { name: "tcp-user" });
  await using unix = await ready(s.unix, { name: "unix-user" });
  await tcp.say({ type: "message", content: "tcp to unix", id: 1 });
  await unix.say({ type: "message", content: "unix to tcp", id: 2 });
  strictEqual((await tcp.ackOf(1)).recipients, 1);
  strictEqual((await unix.ackOf(2)).recipients, 1);
  const atUnix = await unix.next("message");
  const atTcp = await tcp.next("message");
  assertEquals(
    [atUnix.content, atUnix.from, atUnix.session_id],
    ["tcp to unix", "tcp-user", unix.sessionId],
  );
  assertEquals(
    [atTcp.content, atTcp.from, atTcp.session_id],
    ["unix to tcp", "unix-user", tcp.sessionId],
  );
  // Many frames in one write and one frame over many writes cross too.
  const burst = Array.from(
    { length: 50 },
    (_, i) => JSON.stringify({ type: "message", content: `n${i}`, session_id: unix.sessionId }),
  );
  await unix.write(burst.join(""));
  const split = new TextEncoder().encode(
    JSON.stringify({ type: "message", content: "é€😀", session_id: tcp.sessionId, id: 3 }) + "\r\n",
  );
  for (let i = 0; i < split.length; i += 3) await tcp.write(split.subarray(i, i + 3));
  for (let i = 0; i < 50; i++) strictEqual((await tcp.next("message")).content, `n${i}`);
  await tcp.ackOf(3);
  strictEqual((await unix.next("message")).content, "é€😀");
});
