/**
 * A cluster in trouble: a node killed with SIGKILL leaves `who` and frees
 * its names; a node that falls silent does so once 0.9 of its heartbeat
 * timeout has passed on the others' clock, not before; NATS killed and
 * started again: every node keeps serving its own sessions meanwhile, says
 * so once, and the cluster heals (presence, names and room interest
 * restored).
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { ManualClock } from "../../../src/async/clock.ts";
import { DEAD_AFTER } from "../../../src/server/cluster/presence.ts";
import {
  nameKey,
  NAMES_BUCKET,
  nodeKey,
  PRESENCE_BUCKET,
  sessionKey,
} from "../../../src/server/cluster/subjects.ts";
import { ChatServer } from "../../../src/server/server.ts";
import { names, natsTest, startCluster, startNats, who, whoShows } from "../../helpers/cluster.ts";
import { ready } from "../../helpers/session.ts";

/** The presence TTL of these tests (--heartbeat-timeout), in seconds. */
const TTL = 1.5;
/** Sessions of these tests send no heartbeats: allow them a long silence. */
const NODE_ARGS = ["--heartbeat-timeout", String(TTL), "--heartbeat-retries", "40"];

natsTest(
  "without history, a node killed with SIGKILL leaves who and frees its names",
  async () => {
    // With history its sessions would be away, not gone: resume_cluster_test.ts.
    const args = [...NODE_ARGS, "--history", "0"];
    await using cluster = await startCluster(["tcp", "unix", "both"], args);
    const [a, b, c] = cluster.nodes;
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    await using bob = await ready(b.addresses.unix!, { name: "bob" });
    await using _carol = await ready(c.addresses.unix!, { name: "carol" });
    await using _cody = await ready(c.addresses.tcp!, { name: "cody" });
    await whoShows(alice, ["alice", "bob", "carol", "cody"]);
    await whoShows(bob, ["alice", "bob", "carol", "cody"]);
    // While C lives, its names are taken.
    await alice.say({ type: "nick", content: "carol", id: "early" });
    strictEqual((await alice.next("error")).code, "name_taken");

    // (When, to the millisecond of the others' clock: the test of a silent node below.)
    c.process.kill("SIGKILL");
    await c.process.status();
    await Promise.all([whoShows(alice, ["alice", "bob"]), whoShows(bob, ["alice", "bob"])]);
    // Its names are free: a session of another node takes one at once.
    await alice.say({ type: "nick", content: "carol", id: "take" });
    strictEqual((await alice.ackOf("take")).content, "carol");
    await bob.say({ type: "nick", content: "cody", id: "take" });
    strictEqual((await bob.ackOf("take")).content, "cody");
    await whoShows(bob, ["carol", "cody"]);
    // And a direct message to a name of the dead node's sessions reaches its new holder.
    await bob.say({ type: "message", to: "carol", content: "you are carol now", id: "dm" });
    strictEqual((await bob.ackOf("dm")).recipients, 1);
    strictEqual((await alice.next("message")).content, "you are carol now");
  },
);

natsTest(
  "a silent node leaves who and frees its names after 0.9 of its heartbeat timeout, by the clock",
  async () => {
    const ttlMs = 2000;
    await using nats = await startNats();
    const clock = new ManualClock(Date.now());
    const server = new ChatServer({
      cluster: nats.url,
      clock,
      heartbeat: { timeout: ttlMs / 1000, retries: 1000 },
      listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }],
    });
    await using _server = { [Symbol.asyncDispose]: () => server.stop() };
    const [url] = await server.start();
    const to = {
      transport: "tcp" as const,
      hostname: "127.0.0.1",
      port: Number(url.split(":").pop()),
    };
    // Another node, as its writes to the buckets make it: one heartbeat, one session, one name.
    const nc = await connect({ servers: nats.url });
    await using _nc = { [Symbol.asyncDispose]: () => nc.close() };
    const kvm = new Kvm(nc);
    const presence = await kvm.open(PRESENCE_BUCKET);
    const claims = await kvm.open(NAMES_BUCKET);
    const node = "0123456789abcdef";
    const carol = crypto.randomUUID();
    await presence.put(nodeKey(node), JSON.stringify({ ttl: ttlMs }));
    await presence.put(
      sessionKey(node, carol),
      JSON.stringify({ name: "carol", transport: "unix", rooms: [] }),
    );
    await claims.create(nameKey("carol"), JSON.stringify({ node, session: carol }));
    await using alice = await ready(to, { name: "alice" });
    // The server's clock has not moved: it heard the other node at this very time.
    await whoShows(alice, ["alice", "carol"]);
    let n = 0;
    const nick = async (name: string) => {
      const id = `nick-${++n}`;
      await alice.say({ type: "nick", content: name, id });
      return await alice.answerOf(id);
    };
    // Silent for 0.9 of its TTL: still there, its name still taken.
    clock.advance(ttlMs * DEAD_AFTER);
    deepStrictEqual(names(await who(alice)), ["alice", "carol"]);
    strictEqual((await nick("carol")).code, "name_taken");
    // The sweep after that (every tenth of the TTL) drops it: gone from who, its name free.
    clock.advance(ttlMs / 10);
    deepStrictEqual(names(await who(alice)), ["alice"]);
    strictEqual((await nick("carol")).content, "carol");
    deepStrictEqual(names(await who(alice)), ["carol"]);
  },
);

natsTest(
  "NATS killed and restarted: local chat goes on, said once, and the cluster heals",
  async () => {
    await using cluster = await startCluster(["both", "unix", "tcp"], NODE_ARGS);
    const { nats, nodes: [a, b, c] } = cluster;
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    await using amy = await ready(a.addresses.unix!, { name: "amy" });
    await using bob = await ready(b.addresses.unix!, { name: "bob" });
    await using carol = await ready(c.addresses.tcp!, { name: "carol" });
    for (const [client, id] of [[bob, "j"], [carol, "j"]] as const) {
      await client.say({ type: "join", content: "ops", id });
      await client.ackOf(id);
    }
    const everyone = ["alice", "amy", "bob", "carol"];
    await whoShows(alice, everyone);
    await whoShows(carol, ["bob", "carol"], "ops");

    await nats.kill();
    for (const node of [a, b, c]) await node.process.waitForLine(/cluster: lost NATS/);

    // Each node serves its own sessions alone: local messages, local who, local names.
    await whoShows(alice, ["alice", "amy"]);
    await alice.say({ type: "message", content: "still here", id: "l1" });
    strictEqual((await alice.ackOf("l1")).recipients, 1);
    const local = await amy.next("message");
    deepStrictEqual([local.from, local.content], ["alice", "still here"]);
    await amy.say({ type: "nick", content: "amy2", id: "l2" });
    strictEqual((await amy.ackOf("l2")).content, "amy2");
    await whoShows(bob, ["bob"]);

    await nats.restart();
    for (const node of [a, b, c]) await node.process.waitForLine(/cluster: presence restored/);
    for (const node of [a, b, c]) {
      const lost = node.process.lines.filter((line) => line.includes("cluster: lost NATS"));
      strictEqual(lost.length, 1, `node ${node.id} said it lost NATS once: ${lost.join("\n")}`);
    }

    // Presence: every node's sessions again, with their names and rooms.
    const healed = ["alice", "amy2", "bob", "carol"];
    for (const client of [alice, bob, carol]) await whoShows(client, healed);
    await whoShows(alice, ["bob", "carol"], "ops");
    // Cross-node messages flow: broadcast, room (interest resubscribed), direct.
    await alice.say({ type: "message", content: "back together", id: "h1" });
    strictEqual((await alice.ackOf("h1")).recipients, 3);
    for (const client of [amy, bob, carol]) {
      strictEqual((await client.next("message")).content, "back together");
    }
    await carol.say({ type: "message", room: "ops", content: "ops again", id: "h2" });
    strictEqual((await carol.ackOf("h2")).recipients, 1);
    strictEqual((await bob.next("message")).content, "ops again");
    await bob.say({ type: "message", to: "amy2", content: "hi amy2", id: "h3" });
    await bob.ackOf("h3");
    strictEqual((await amy.next("message")).content, "hi amy2");
    // Names were claimed again: another node cannot take them.
    for (const name of ["alice", "amy2"]) {
      await carol.say({ type: "nick", content: name, id: `t-${name}` });
      strictEqual((await carol.next("error")).code, "name_taken", `${name} is still taken`);
    }
    deepStrictEqual(names(await who(amy)), healed);
  },
);
