/**
 * `history` requests on real sockets (PROTOCOL.md section 9), with history
 * in memory and in an SQLite file alike: pages oldest first, `before` and
 * `limit`, `more`, each message as it was relayed with `replay: true`, and
 * the closing frame with the request's `room` and `id`, its one answer.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import type { RawClient } from "../helpers/raw_client.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { assertNothing, expectError, ready } from "../helpers/session.ts";

/** Each test, with history in memory and in a file. */
function bothStores(name: string, fn: (s: TestServer) => Promise<void>): void {
  Deno.test(`${name} (memory)`, async () => {
    await using s = await startServer();
    await fn(s);
  });
  Deno.test(`${name} (--store)`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-store-" });
    try {
      await using s = await startServer({ store: `${dir}/history.db` });
      await fn(s);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** Asks for history and returns the replayed messages and the closing frame (nothing else between). */
async function ask(
  client: RawClient,
  request: Record<string, unknown>,
): Promise<{ messages: Frame[]; end: Frame }> {
  await client.say({ type: "history", ...request });
  const messages: Frame[] = [];
  for (;;) {
    const frame = await client.next((f) => f.type === "message" || f.type === "history");
    if (frame.type === "history") return { messages, end: frame };
    strictEqual(frame.replay, true);
    messages.push(frame);
  }
}

bothStores(
  "history pages go oldest first, by before and limit, with more while older ones are kept",
  async (s) => {
    await using ann = await ready(s.tcp, { name: "ann" });
    await using bob = await ready(s.unix, { name: "bob" });
    const seqs: number[] = [];
    for (let i = 0; i < 7; i++) {
      await ann.say({ type: "message", content: `m${i}`, id: i });
      seqs.push((await ann.ackOf(i)).seq as number);
    }
    const relayed: Frame[] = [];
    for (let i = 0; i < 7; i++) relayed.push(await bob.next("message"));
    const newest = await ask(bob, { limit: 3, id: "h1" });
    deepStrictEqual(newest.messages.map((m) => m.content), ["m4", "m5", "m6"]);
    // Each as it was relayed, with replay.
    deepStrictEqual(newest.messages[0], { ...relayed[4], replay: true });
    deepStrictEqual(newest.end, {
      type: "history",
      content: { count: 3, more: true },
      id: "h1",
      session_id: bob.sessionId,
    });
    const older = await ask(bob, { limit: 3, before: seqs[4], id: "h2" });
    deepStrictEqual(older.messages.map((m) => m.seq), seqs.slice(1, 4));
    deepStrictEqual(older.end.content, { count: 3, more: true });
    const oldest = await ask(bob, { limit: 3, before: seqs[1], id: 7 });
    deepStrictEqual(oldest.messages.map((m) => m.content), ["m0"]);
    deepStrictEqual([oldest.end.content, oldest.end.id], [{ count: 1, more: false }, 7]);
    // The sender's own messages are in its history too; no id: no id on the closing frame.
    const own = await ask(ann, {});
    deepStrictEqual(own.messages.map((m) => m.content), relayed.map((m) => m.content));
    deepStrictEqual([own.end.content, own.end.id], [{ count: 7, more: false }, undefined]);
    await assertNothing(bob, "ack");
  },
);

bothStores(
  "a room's history is for its members, with its messages from before they joined; without a room, direct messages to or by the session",
  async (s) => {
    await using ann = await ready(s.tcp, { name: "ann" });
    await using bob = await ready(s.unix, { name: "bob" });
    await using carl = await ready(s.tcp, { name: "carl" });
    await ann.say({ type: "join", content: "lobby", id: "j" });
    await ann.ackOf("j");
    await ann.say({ type: "message", room: "lobby", content: "early", id: 1 });
    await ann.ackOf(1);
    await ann.say({ type: "message", to: "bob", content: "psst", id: 2 });
    await ann.ackOf(2);
    strictEqual((await bob.next("message")).content, "psst", "live");
    await bob.say({ type: "history", room: "lobby", id: "h" });
    await expectError(bob, "no_such_room", "h");
    await bob.say({ type: "join", content: "lobby", id: "j" });
    await bob.ackOf("j");
    const room = await ask(bob, { room: "lobby", id: "r" });
    deepStrictEqual(room.messages.map((m) => [m.content, m.room]), [["early", "lobby"]]);
    deepStrictEqual([room.end.room, room.end.id], ["lobby", "r"]);
    const main = await ask(bob, { id: "m" });
    deepStrictEqual(main.messages.map((m) => [m.content, m.to]), [["psst", "bob"]]);
    const theirs = await ask(carl, { id: "c" });
    deepStrictEqual(theirs.messages, [], "neither the room nor the direct message is carl's");
  },
);

bothStores(
  "history refuses a before or limit that is not a whole number, and caps limit at 1,000",
  async (s) => {
    await using ann = await ready(s.tcp, { name: "ann" });
    await ann.say({ type: "history", before: "9", id: "b" });
    await expectError(ann, "invalid_message", "b");
    await ann.say({ type: "history", limit: -1, id: "l" });
    await expectError(ann, "invalid_message", "l");
    const capped = await ask(ann, { limit: 5000, id: "c" });
    deepStrictEqual(capped.end.content, { count: 0, more: false });
  },
);
