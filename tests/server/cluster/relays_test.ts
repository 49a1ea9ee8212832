/**
 * Relays between two nodes on a real NATS, driven directly: to everyone, to
 * a room while a node is interested, to sessions by id on one node; what a
 * relay counts as reached; what a node ignores; and a relay NATS does not
 * take.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { ManualClock } from "../../../src/async/clock.ts";
import { SplicedFrame } from "../../../src/protocol/encode.ts";
import { NatsLink } from "../../../src/server/cluster/link.ts";
import { Presence } from "../../../src/server/cluster/presence.ts";
import { Relays } from "../../../src/server/cluster/relays.ts";
import { ALL_SUBJECT, newNodeId, nodeSubject } from "../../../src/server/cluster/subjects.ts";
import {
  eventually,
  type NatsServer,
  natsTest,
  startNats,
  testHost,
  testMember,
} from "../../helpers/cluster.ts";

const decoder = new TextDecoder();

/** What a node's inbound side got: `all`, `room:<room>` or `to:<ids>`, with the frame's content. */
type Delivery = [string, string];

/** One node's relays over its own link, recording what it delivers to its sessions. */
async function relaysOn(nats: NatsServer) {
  const node = newNodeId();
  const clock = new ManualClock(Date.now());
  const link = new NatsLink(nats.url, clock);
  await link.connect(`test ${node}`, 2000, { lost: () => {}, regained: () => {} });
  const view = new Presence(2000, clock);
  const got: Delivery[] = [];
  const content = (frame: SplicedFrame) => {
    const json = decoder.decode(frame.forSession(new TextEncoder().encode("x")));
    return JSON.parse(json).content as string;
  };
  const relays = new Relays(
    link,
    node,
    view,
    testHost({
      inbound: {
        deliverAll: (frame) => got.push(["all", content(frame)]),
        deliverRoom: (room, frame) => got.push([`room:${room}`, content(frame)]),
        deliverTo: (ids, frame) => got.push([`to:${ids.join(",")}`, content(frame)]),
        deliverMessage: () => {},
      },
    }),
  );
  relays.listen();
  return {
    node,
    link,
    view,
    relays,
    got,
    async [Symbol.asyncDispose]() {
      link.halt();
      await link.close();
    },
  };
}

const frame = (content: string) => new SplicedFrame({ type: "message", content });

natsTest(
  "Relays: to everyone, to a room while interested, to sessions by id on one node",
  async () => {
    await using nats = await startNats();
    await using a = await relaysOn(nats);
    await using b = await relaysOn(nats);
    // B has a session: it hears relays to everyone. It has a member in room r.
    b.relays.opened();
    await b.relays.joined("r");
    await b.link.nc.flush();
    // A's view counts B's sessions: two, one of them in r.
    const [s1, s2] = [crypto.randomUUID(), crypto.randomUUID()];
    a.view.upsert(b.node, s1, { name: "one", transport: "tcp", rooms: ["r"] });
    a.view.upsert(b.node, s2, { name: "two", transport: "tcp", rooms: [] });
    strictEqual(a.relays.publish({ everyone: true }, frame("hello all")), 2);
    strictEqual(a.relays.publish({ room: "r" }, frame("hello r")), 1);
    strictEqual(a.relays.publish({ room: "q" }, frame("hello q")), 0);
    strictEqual(a.relays.publish({ node: b.node, sessions: [s1, s2] }, frame("hello you")), 2);
    await eventually(
      "B to get three relays",
      () => Promise.resolve(b.got.length >= 3 || undefined),
    );
    deepStrictEqual(b.got, [
      ["all", "hello all"],
      ["room:r", "hello r"],
      [`to:${s1},${s2}`, "hello you"],
    ]);
    deepStrictEqual(a.got, [], "a node never hears its own relays");
    // B's member leaves r, and B's session ends: B hears neither any more.
    b.relays.left("r");
    b.relays.closed(testMember("one"));
    await b.link.nc.flush();
    a.relays.publish({ room: "r" }, frame("r again"));
    a.relays.publish({ everyone: true }, frame("all again"));
    a.relays.publish({ node: b.node, sessions: [s2] }, frame("last"));
    // Relays from one node arrive in order: when the last arrives, the others would have.
    await eventually("B to get the last", () => Promise.resolve(b.got.length >= 4 || undefined));
    deepStrictEqual(b.got.slice(3), [[`to:${s2}`, "last"]]);
  },
);

natsTest("Relays: what is not the head of a frame is ignored", async () => {
  await using nats = await startNats();
  await using b = await relaysOn(nats);
  b.relays.opened();
  await b.link.nc.flush();
  const nc = await connect({ servers: nats.url });
  try {
    const encode = (text: string) => new TextEncoder().encode(text);
    nc.publish(ALL_SUBJECT, encode("[1,2]"));
    nc.publish(nodeSubject(b.node), encode("no line feed"));
    nc.publish(nodeSubject(b.node), encode('x\n{"type":1}'));
    nc.publish(ALL_SUBJECT, frame("valid").head);
    await nc.flush();
  } finally {
    await nc.close();
  }
  await eventually("B to get the valid relay", () => Promise.resolve(b.got.length || undefined));
  deepStrictEqual(b.got, [["all", "valid"]]);
});

natsTest("Relays: a relay NATS does not take reaches nobody there", async () => {
  await using nats = await startNats();
  // Never connected: nothing is published.
  const offline = new Relays(
    new NatsLink(nats.url, new ManualClock()),
    newNodeId(),
    new Presence(2000, new ManualClock()),
    testHost(),
  );
  strictEqual(offline.publish({ everyone: true }, frame("nobody")), 0);
  // A connection closed under the link: the publish throws, and counts nothing.
  await using a = await relaysOn(nats);
  a.view.upsert(newNodeId(), crypto.randomUUID(), { name: "x", transport: "tcp", rooms: [] });
  strictEqual(a.relays.publish({ everyone: true }, frame("before")), 1);
  await a.link.nc.close();
  strictEqual(a.relays.publish({ everyone: true }, frame("after")), 0);
});

natsTest("Relays: relays to many rooms keep working past the cache of room subjects", async () => {
  await using nats = await startNats();
  await using a = await relaysOn(nats);
  await using b = await relaysOn(nats);
  await b.relays.joined("first");
  await b.link.nc.flush();
  for (let i = 0; i < 10_001; i++) a.relays.publish({ room: `room${i}` }, frame("x"));
  a.relays.publish({ room: "first" }, frame("still"));
  await eventually("B to get its room's relay", () => Promise.resolve(b.got.length || undefined));
  deepStrictEqual(b.got, [["room:first", "still"]]);
});
