/**
 * Notices (PROTOCOL.md section 8) on a real server: joins, leaves (`left`,
 * `quit`) and new names, each to the sessions that must get it and to no
 * other; never to the session it is about, never for the room-less space.
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import { ManualClock } from "../../src/async/clock.ts";
import type { CloseReason } from "../../src/server/options.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { assertNothing, pending, ready, signal, sync } from "../helpers/session.ts";

/** Makes `client` join `rooms`, waiting for each ack. */
async function join(client: RawClient, ...rooms: string[]): Promise<void> {
  for (const room of rooms) {
    await client.say({ type: "join", content: room, id: `join-${room}` });
    await client.ackOf(`join-${room}`);
  }
}

/** Takes the notices waiting for `client` (after a round trip), without their session ids. */
async function notices(client: RawClient): Promise<Frame[]> {
  await sync(client);
  const found = pending(client, "notice");
  for (let i = 0; i < found.length; i++) await client.next("notice");
  for (const frame of found) {
    deepStrictEqual(frame.session_id, client.sessionId, "a notice carries its receiver's id");
    delete frame.session_id;
  }
  return found;
}

/** Waits until `count` notices are waiting for `client`, then takes them (see {@linkcode notices}). */
async function noticesOnce(client: RawClient, count: number): Promise<Frame[]> {
  await client.until(
    () => pending(client, "notice").length >= count || undefined,
    `${count} notices`,
  );
  return await notices(client);
}

Deno.test("join and leave: the room's other members hear them, not the actor, not outsiders", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using carol = await ready(s.tcp, { name: "carol" });
  await join(alice, "Lobby");
  await join(carol, "ops");
  await join(bob, "LOBBY");
  deepStrictEqual(await notices(alice), [
    { type: "notice", event: "join", room: "Lobby", name: "bob" },
  ]);
  deepStrictEqual(await notices(bob), [], "never about itself");
  deepStrictEqual(await notices(carol), [], "not a member");
  await bob.say({ type: "leave", content: "lobby", id: "l" });
  await bob.ackOf("l");
  deepStrictEqual(await notices(alice), [
    { type: "notice", event: "leave", room: "Lobby", name: "bob", reason: "left" },
  ]);
  deepStrictEqual(await notices(bob), []);
  deepStrictEqual(await notices(carol), []);
  // A room of one: nobody to tell.
  await join(carol, "solo");
  await assertNothing(carol, "notice");
});

Deno.test("quit: when a session ends for good (a disconnect, or without history its connection lost), each of its rooms hears it once", async () => {
  // Without history a lost connection ends its session for good (with history it is away: below).
  await using s = await startServer({ history: 0 });
  await using alice = await ready(s.tcp, { name: "alice" });
  await using dave = await ready(s.unix, { name: "dave" });
  await using carol = await ready(s.tcp, { name: "carol" });
  await join(alice, "lobby", "ops");
  await join(dave, "ops");
  for (const [name, end] of [["bob", "disconnect"], ["eve", "vanish"]] as const) {
    const leaver = await ready(s.unix, { name });
    await join(leaver, "lobby", "ops", "empty");
    await notices(alice);
    await notices(dave);
    if (end === "disconnect") {
      await leaver.say({ type: "disconnect", content: "bye" });
      await leaver.closed();
    }
    await leaver.close();
    const quit = (room: string) => ({
      type: "notice",
      event: "leave",
      room,
      name,
      reason: "quit",
    });
    deepStrictEqual(await noticesOnce(alice, 2), [quit("lobby"), quit("ops")]);
    deepStrictEqual(await noticesOnce(dave, 1), [quit("ops")]);
  }
  deepStrictEqual(await notices(carol), [], "in no room: no notices at all");
});

Deno.test("away: a session whose connection is lost is only away, no notice; its quit comes when its resume window ends, a disconnect's at once", async () => {
  const clock = new ManualClock(Date.now());
  const ends = new Map<string, (reason: CloseReason) => void>();
  await using s = await startServer({
    clock,
    resumeWindow: 5,
    heartbeat: { interval: 50, timeout: 100, retries: 3 },
    onSessionClose: (session, reason) => ends.get(session.id)?.(reason),
  });
  await using alice = await ready(s.tcp, { name: "alice" });
  await join(alice, "lobby", "ops");
  const quit = (room: string, name: string) => ({
    type: "notice",
    event: "leave",
    room,
    name,
    reason: "quit",
  });
  // eve's connection is lost: away, and nobody is told.
  const eve = await ready(s.unix, { name: "eve" });
  await join(eve, "lobby", "ops");
  await notices(alice);
  const ended = signal<CloseReason>();
  ends.set(eve.sessionId, ended.resolve);
  await eve.close();
  await ended.promise;
  clock.advance(4_000);
  deepStrictEqual(await notices(alice), [], "away, not gone: no notice");
  // bob disconnects meanwhile: ended for good at once.
  const bob = await ready(s.tcp, { name: "bob" });
  await join(bob, "lobby");
  await notices(alice);
  await bob.say({ type: "disconnect", content: "bye" });
  await bob.closed();
  await bob.close();
  deepStrictEqual(await noticesOnce(alice, 1), [quit("lobby", "bob")]);
  // eve's window ends: now her rooms hear that she quit, once.
  clock.advance(1_500);
  deepStrictEqual(await noticesOnce(alice, 2), [quit("lobby", "eve"), quit("ops", "eve")]);
  clock.advance(10_000);
  deepStrictEqual(await notices(alice), [], "once");
});

Deno.test("nick: once to every other session sharing at least one room, to nobody else", async () => {
  await using s = await startServer();
  await using bob = await ready(s.tcp, { name: "bob" });
  await using alice = await ready(s.unix, { name: "alice" });
  await using dave = await ready(s.tcp, { name: "dave" });
  await using carol = await ready(s.unix, { name: "carol" });
  await join(bob, "lobby", "ops");
  await join(alice, "lobby", "ops");
  await join(dave, "ops");
  await join(carol, "elsewhere");
  for (const client of [bob, alice, dave, carol]) await notices(client);
  await bob.say({ type: "nick", content: "Robert", id: "n" });
  await bob.ackOf("n");
  const nick = { type: "notice", event: "nick", name: "Robert", old: "bob" };
  deepStrictEqual(await notices(alice), [nick], "two rooms shared: one notice");
  deepStrictEqual(await notices(dave), [nick]);
  deepStrictEqual(await notices(carol), []);
  deepStrictEqual(await notices(bob), []);
  // A session in no room renames: nobody hears of it.
  await carol.say({ type: "leave", content: "elsewhere", id: "l" });
  await carol.ackOf("l");
  await carol.say({ type: "nick", content: "caroline", id: "n2" });
  await carol.ackOf("n2");
  for (const client of [bob, alice, dave]) deepStrictEqual(await notices(client), []);
});
