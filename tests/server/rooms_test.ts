/**
 * Rooms on a real server: at most `--max-rooms` a session (`too_many_rooms`),
 * and `who` answers that stay under 64 KiB a frame however many rooms and
 * sessions there are.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Frame, WhoEntry } from "../../src/protocol/messages.ts";
import type { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { expectErrorOpen, pending, ready, sync } from "../helpers/session.ts";

/** Joins `rooms` (pipelined, ids `j0`...), and waits for every ack. */
async function joinAll(client: RawClient, rooms: string[]): Promise<void> {
  await client.write(
    rooms.map((room, i) =>
      JSON.stringify({ type: "join", content: room, id: `j${i}`, session_id: client.sessionId }) +
      "\n"
    ).join(""),
  );
  for (let i = 0; i < rooms.length; i++) await client.ackOf(`j${i}`);
}

/** Asks `who` (of `room`) with the id `id`; returns its frames, which end with one without `more`. */
async function whoFrames(client: RawClient, id: string, room?: string): Promise<Frame[]> {
  await client.say({ type: "who", id, ...(room === undefined ? {} : { room }) });
  const frames: Frame[] = [];
  do frames.push(await client.next("who")); while (frames.at(-1)!.more === true);
  return frames;
}

const byteLength = (frame: Frame) => new TextEncoder().encode(JSON.stringify(frame)).length;

Deno.test("--max-rooms: a join past it gets too_many_rooms; leaving one makes room", async () => {
  await using s = await startServer({ maxRooms: 3 });
  await using alice = await ready(s.tcp, { name: "alice" });
  await joinAll(alice, ["a", "b", "c"]);
  await alice.say({ type: "join", content: "d", id: "over" });
  await expectErrorOpen(alice, "too_many_rooms", "over");
  // Joining a room it is in is no new room.
  await alice.say({ type: "join", content: "B", id: "again" });
  strictEqual((await alice.ackOf("again")).content, "b");
  await alice.say({ type: "leave", content: "a", id: "l" });
  await alice.ackOf("l");
  await alice.say({ type: "join", content: "d", id: "d" });
  await alice.ackOf("d");
  deepStrictEqual([...s.server.sessions[0].rooms].sort(), ["b", "c", "d"]);
});

Deno.test("who over 64 KiB comes in several frames, each under 65,536 bytes, more on all but the last, with the request's room and id", async () => {
  await using s = await startServer({ maxRooms: 100 });
  const clients: RawClient[] = [];
  try {
    const rooms = Array.from(
      { length: 100 },
      (_, i) => `room-${String(i).padStart(3, "0")}-${"x".repeat(20)}`,
    );
    for (let i = 0; i < 24; i++) {
      const client = await ready(i % 2 ? s.unix : s.tcp, { name: `member${i}` });
      clients.push(client);
      await joinAll(client, rooms);
    }
    const asker = clients[0];
    for (const [id, room] of [["all", undefined], ["one", "ROOM-042-" + "X".repeat(20)]] as const) {
      const frames = await whoFrames(asker, id, room);
      ok(frames.length >= 2, `${frames.length} frames`);
      frames.forEach((frame, i) => {
        ok(byteLength(frame) < 65_536, `frame ${i}: ${byteLength(frame)} bytes`);
        strictEqual(frame.id, id);
        strictEqual(frame.room, room);
        strictEqual(frame.more, i < frames.length - 1 ? true : undefined);
        strictEqual(frame.session_id, asker.sessionId);
      });
      const entries = frames.flatMap((frame) => frame.content as WhoEntry[]);
      deepStrictEqual(
        entries.map((e) => e.name).sort(),
        clients.map((_, i) => `member${i}`).sort(),
      );
      for (const entry of entries) strictEqual(entry.rooms.length, 100);
    }
    // One answer per id: no ack after the who frames.
    await sync(asker);
    deepStrictEqual(pending(asker).filter((f) => f.id === "all" || f.id === "one"), []);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
