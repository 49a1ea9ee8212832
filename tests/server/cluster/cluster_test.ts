/**
 * Three `chat server --cluster` processes (TCP and Unix listeners mixed) on
 * one throwaway NATS are one chat: broadcast, rooms, direct messages by name
 * and by session id, `who`, names unique across nodes, room interest only
 * where there are members, and a relay that crosses NATS once.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { WhoEntry } from "../../../src/protocol/messages.ts";
import { roomSubject } from "../../../src/server/cluster/subjects.ts";
import { eventually, names, natsTest, startCluster, who, whoShows } from "../../helpers/cluster.ts";
import { RawClient } from "../../helpers/raw_client.ts";
import { expectErrorOpen, ready, sync } from "../../helpers/session.ts";

const ROOM = "salon-été🙂";

natsTest("three servers on one NATS are one chat", async (t) => {
  // A on TCP and Unix, B on Unix alone, C on TCP alone.
  await using cluster = await startCluster(["both", "unix", "tcp"], [], { monitor: true });
  const { nats, nodes: [a, b, c] } = cluster;
  await using alice = await ready(a.addresses.tcp!, { name: "alice" });
  await using amy = await ready(a.addresses.unix!, { name: "amy" });
  await using bob = await ready(b.addresses.unix!, { name: "bob" });
  await using carol = await ready(c.addresses.tcp!, { name: "carol" });
  const everyone = ["alice", "amy", "bob", "carol"];
  for (const client of [alice, bob, carol]) await whoShows(client, everyone);

  await t.step("who lists every node's sessions with their transports", async () => {
    const entries = await who(bob);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    deepStrictEqual(names(entries), everyone);
    strictEqual(byName.get("alice")!.session_id, alice.sessionId);
    strictEqual(byName.get("alice")!.transport, "tcp");
    strictEqual(byName.get("amy")!.transport, "unix");
    strictEqual(byName.get("bob")!.transport, "unix");
    strictEqual(byName.get("carol")!.session_id, carol.sessionId);
    strictEqual(byName.get("carol")!.transport, "tcp");
  });

  await t.step("a broadcast reaches every other session on every node", async () => {
    await alice.say({ type: "message", content: "hello cluster", id: "b1" });
    strictEqual((await alice.ackOf("b1")).recipients, 3);
    for (const client of [amy, bob, carol]) {
      const got = await client.next("message");
      deepStrictEqual([got.from, got.content, got.session_id], [
        "alice",
        "hello cluster",
        client.sessionId,
      ]);
    }
  });

  await t.step("a room message reaches the room's members on other nodes alone", async () => {
    for (const [client, id] of [[bob, "j1"], [carol, "j2"]] as const) {
      await client.say({ type: "join", content: ROOM, id });
      strictEqual((await client.ackOf(id)).content, ROOM);
    }
    await whoShows(bob, ["bob", "carol"], ROOM);
    await whoShows(alice, ["bob", "carol"], ROOM);
    await bob.say({ type: "message", room: ROOM, content: "in the room", id: "r1" });
    strictEqual((await bob.ackOf("r1")).recipients, 1);
    const got = await carol.next("message");
    deepStrictEqual([got.from, got.room, got.content], ["bob", ROOM, "in the room"]);
    // A marker after it: alice and amy get the marker, and no room message before it.
    await bob.say({ type: "message", content: "marker", id: "m1" });
    await bob.ackOf("m1");
    for (const client of [alice, amy]) {
      const next = await client.next("message");
      strictEqual(next.content, "marker", `${JSON.stringify(next)} reached a non-member`);
    }
    strictEqual((await carol.next("message")).content, "marker");
    const rooms = new Map((await who(alice)).map((e: WhoEntry) => [e.name, e.rooms]));
    deepStrictEqual([rooms.get("bob"), rooms.get("carol"), rooms.get("alice")], [
      [ROOM],
      [ROOM],
      [],
    ]);
  });

  await t.step("a node subscribes to a room's subject only while it has a member", async () => {
    const subject = roomSubject(ROOM);
    const holders = async () => {
      const subs = await nats.subscriptions();
      return [a, b, c].filter((node) => subs.get(`chat ${node.id}`)?.includes(subject))
        .map((node) => node.id).sort();
    };
    deepStrictEqual(await holders(), [b.id, c.id].sort());
    await bob.say({ type: "leave", content: ROOM, id: "l1" });
    await bob.ackOf("l1");
    await eventually("B to drop the room's subject", async () => {
      const now = await holders();
      return JSON.stringify(now) === JSON.stringify([c.id]) ? now : undefined;
    });
    await whoShows(alice, ["carol"], ROOM);
  });

  await t.step("direct messages by name and by session id cross nodes", async () => {
    await carol.say({ type: "message", to: "alice", content: "psst", id: "d1" });
    strictEqual((await carol.ackOf("d1")).recipients, 1);
    const got = await alice.next("message");
    deepStrictEqual([got.from, got.to, got.content], ["carol", "alice", "psst"]);
    await bob.say({ type: "message", to: amy.sessionId, content: "by id", id: "d2" });
    strictEqual((await bob.ackOf("d2")).recipients, 1);
    const byId = await amy.next("message");
    deepStrictEqual([byId.from, byId.content], ["bob", "by id"]);
    await bob.say({ type: "message", to: "nobody-here", content: "?", id: "d3" });
    await expectErrorOpen(bob, "no_such_recipient", "d3");
    // Nothing else arrived anywhere.
    for (const client of [alice, amy, bob, carol]) {
      await sync(client);
      deepStrictEqual(client.backlog.filter((f) => f.type === "message"), []);
    }
  });

  await t.step("a relay crosses NATS once, whatever the number of recipients", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const seen: string[] = [];
      const sub = nc.subscribe("chat.>", {
        callback: (_e, msg) => {
          seen.push(msg.subject);
        },
      });
      await nc.flush();
      await amy.say({ type: "message", content: "count me", id: "o1" });
      strictEqual((await amy.ackOf("o1")).recipients, 3);
      for (const client of [alice, bob, carol]) {
        strictEqual((await client.next("message")).content, "count me");
      }
      // NATS routed the relay to the observer before it answers the observer's next ping.
      // With history on, the one relay is the publish to the history stream (each node's
      // one consumer reads it from the stream, on its own inbox).
      await nc.flush();
      deepStrictEqual(seen, ["chat.history"]);
      sub.unsubscribe();
    } finally {
      await nc.close();
    }
  });

  await t.step("a name is unique across nodes: of two concurrent claims one wins", async () => {
    await Promise.all([
      amy.say({ type: "nick", content: "zed", id: "n1" }),
      bob.say({ type: "nick", content: "zed", id: "n1" }),
    ]);
    const answers = await Promise.all([amy, bob].map((client) => client.answerOf("n1")));
    const types = answers.map((frame) => frame.type).sort();
    deepStrictEqual(types, ["ack", "error"], JSON.stringify(answers));
    const loser = answers.find((frame) => frame.type === "error")!;
    strictEqual(loser.code, "name_taken");
    const [winner, other] = answers[0].type === "ack" ? [amy, bob] : [bob, amy];
    // A session_ack naming a name another node holds (in any spelling): name_taken, its one
    // answer; the session opens under its guest name.
    await using late = await RawClient.session(c.addresses.tcp!, { name: "ALICE" });
    const refused = await late.answerOf("hs");
    deepStrictEqual([refused.type, refused.code], ["error", "name_taken"]);
    await late.say({ type: "who", id: "me" });
    const me = (await late.next("who")).content as { session_id: string; name: string }[];
    strictEqual(
      me.find((entry) => entry.session_id === late.sessionId)?.name,
      `guest-${late.sessionId.slice(0, 8)}`,
    );
    // The winner lets it go: the other node can take it.
    await winner.say({ type: "nick", content: "zed-after", id: "n2" });
    await winner.ackOf("n2");
    await other.say({ type: "nick", content: "zed", id: "n3" });
    strictEqual((await other.ackOf("n3")).content, "zed");
  });

  await t.step("every claim of one name from many sessions on three nodes: one wins", async () => {
    const clients: RawClient[] = [];
    try {
      for (const node of [a, b, c, a, b, c]) {
        const to = node.addresses.tcp ?? node.addresses.unix!;
        clients.push(await ready(to));
      }
      await Promise.all(
        clients.map((client) => client.say({ type: "nick", content: "only-one", id: "x" })),
      );
      const answers = await Promise.all(clients.map((client) => client.answerOf("x")));
      strictEqual(answers.filter((f) => f.type === "ack").length, 1, JSON.stringify(answers));
      ok(answers.every((f) => f.type === "ack" || f.code === "name_taken"));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
