/**
 * History in a cluster (PROTOCOL.md section 9), on three real `chat server
 * --cluster` processes and a real nats-server with JetStream: one order for
 * the whole cluster (every node gives a message the same `seq`, the ack
 * too), and `history` on any node.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { natsTest, startCluster, whoShows } from "../../helpers/cluster.ts";
import { askHistory as history, send } from "../../helpers/history.ts";
import { ready } from "../../helpers/session.ts";

natsTest(
  "a cluster gives each message one seq, the same on every node, growing in the order each session sent",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    await using ann = await ready(a.addresses.tcp!, { name: "ann" });
    await using ben = await ready(b.addresses.tcp!, { name: "ben" });
    await using cid = await ready(c.addresses.tcp!, { name: "cid" });
    ok(typeof ann.init!.resume_token === "string", "history on: a resume token");
    await whoShows(ann, ["ann", "ben", "cid"]);
    await whoShows(cid, ["ann", "ben", "cid"]);
    // Each sends five at once (pipelined): their acks' seqs grow in the order sent.
    const clients = [ann, ben, cid];
    const acks = await Promise.all(clients.map(async (client, n) => {
      for (let i = 0; i < 5; i++) {
        await client.say({ type: "message", content: `${n}:${i}`, id: i });
      }
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const ack = await client.ackOf(i);
        strictEqual(ack.recipients, 2);
        seqs.push(ack.seq as number);
      }
      return seqs;
    }));
    for (const seqs of acks) deepStrictEqual(seqs, [...seqs].sort((x, y) => x - y));
    const bySeq = new Map<number, string>();
    acks.forEach((seqs, n) => seqs.forEach((seq, i) => bySeq.set(seq, `${n}:${i}`)));
    strictEqual(bySeq.size, 15, "fifteen different seqs");
    // Every receiver gets the others' ten in increasing seq, each with the seq its sender's ack had.
    for (const [n, client] of clients.entries()) {
      const got: number[] = [];
      for (let i = 0; i < 10; i++) {
        const message = await client.next("message");
        strictEqual(bySeq.get(message.seq as number), message.content);
        ok(!(message.content as string).startsWith(`${n}:`), "no copy of its own");
        got.push(message.seq as number);
      }
      deepStrictEqual(got, [...got].sort((x, y) => x - y), `node ${n} in seq order`);
    }
  },
);

natsTest(
  "history on any node of a cluster: the room's messages, and the room-less space's with this session's direct ones",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    await using ann = await ready(a.addresses.tcp!, { name: "ann" });
    await using ben = await ready(b.addresses.tcp!, { name: "ben" });
    await whoShows(ann, ["ann", "ben"]);
    await ann.say({ type: "join", content: "lobby", id: "j" });
    await ann.ackOf("j");
    const inRoom = await send(ann, 1, { room: "lobby" });
    const toAll = await send(ann, 2);
    const toBen = await send(ann, 3, { to: "ben" });
    strictEqual(toBen.recipients, 1);
    strictEqual((await ben.next("message")).seq, toAll.seq);
    strictEqual((await ben.next("message")).seq, toBen.seq);
    // A session that connects later, on a third node, joins and reads the room's history.
    await using cid = await ready(c.addresses.tcp!, { name: "cid" });
    await cid.say({ type: "join", content: "Lobby", id: "j" });
    await cid.ackOf("j");
    const room = await history(cid, "h1", { room: "lobby" });
    deepStrictEqual(room.messages.map((m) => [m.seq, m.content, m.from, m.room]), [
      [inRoom.seq, "text 1", "ann", "lobby"],
    ]);
    deepStrictEqual(room.end.content, { count: 1, more: false });
    // The room-less space: cid sees the message to everyone, not ann's direct one to ben.
    const space = await history(cid, "h2");
    deepStrictEqual(space.messages.map((m) => m.seq), [toAll.seq]);
    // ben, on another node, sees both, the direct one with its `to`.
    const bens = await history(ben, "h3");
    deepStrictEqual(bens.messages.map((m) => [m.seq, m.to]), [[toAll.seq, undefined], [
      toBen.seq,
      "ben",
    ]]);
    // `before` and `limit` page through them the same way on every node.
    const page = await history(ben, "h4", { before: toBen.seq, limit: 1 });
    deepStrictEqual(page.messages.map((m) => m.seq), [toAll.seq]);
  },
);
