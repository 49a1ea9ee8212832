/**
 * The NATS backplane inside one test process (two `ChatServer`s on one
 * NATS): what `recipients` counts, names taken over from dead holders only,
 * presence that repairs itself, a name claimed on two nodes during an
 * outage, and a start that fails clearly.
 *
 * @module
 */

import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  nameKey,
  NAMES_BUCKET,
  nodeKey,
  PRESENCE_BUCKET,
  sessionKey,
} from "../../../src/server/cluster/subjects.ts";
import { ChatServer } from "../../../src/server/server.ts";
import type { ServerOptions } from "../../../src/server/options.ts";
import type { MessageHandler } from "../../../src/server/handler.ts";
import { chatHandler } from "../../../src/server/handlers/chat.ts";
import {
  eventually,
  type NatsServer,
  natsTest,
  startNats,
  who,
  whoShows,
} from "../../helpers/cluster.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { ready } from "../../helpers/session.ts";

/** A `ChatServer` on `nats`, listening on TCP; `await using` stops it. */
async function node(nats: NatsServer, options: Omit<ServerOptions, "listen"> = {}) {
  const server = new ChatServer({
    cluster: nats.url,
    heartbeat: { timeout: 2, retries: 30 },
    ...options,
    listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }],
  });
  const [url] = await server.start();
  const port = Number(url.split(":").pop());
  return {
    server,
    to: { transport: "tcp" as const, hostname: "127.0.0.1", port },
    async [Symbol.asyncDispose]() {
      await server.stop();
    },
  };
}

/** A plain NATS connection for a test to look into the buckets. */
async function spy(nats: NatsServer): Promise<NatsConnection & AsyncDisposable> {
  const nc = await connect({ servers: nats.url });
  return Object.assign(nc, { [Symbol.asyncDispose]: () => nc.close() });
}

natsTest(
  "recipients counts this node's sessions reached and the others' that presence lists",
  async () => {
    await using nats = await startNats();
    await using a = await node(nats);
    await using b = await node(nats);
    await using a1 = await ready(a.to, { name: "a1" });
    await using a2 = await ready(a.to, { name: "a2" });
    await using b1 = await ready(b.to, { name: "b1" });
    await using b2 = await ready(b.to, { name: "b2" });
    await using _b3 = await ready(b.to, { name: "b3" });
    await whoShows(a1, ["a1", "a2", "b1", "b2", "b3"]);
    await a1.say({ type: "message", content: "all", id: 1 });
    strictEqual((await a1.ackOf(1)).recipients, 4);
    for (const [client, room] of [[a1, "r"], [a2, "r"], [b1, "r"], [b2, "r"]] as const) {
      await client.say({ type: "join", content: room, id: "j" });
      await client.ackOf("j");
    }
    await whoShows(a1, ["a1", "a2", "b1", "b2"], "r");
    await a1.say({ type: "message", room: "r", content: "room", id: 2 });
    strictEqual((await a1.ackOf(2)).recipients, 3);
    await a1.say({ type: "message", to: "b3", content: "dm", id: 3 });
    strictEqual((await a1.ackOf(3)).recipients, 1);
    for (const client of [b1, b2]) {
      deepStrictEqual(
        [(await client.next("message")).content, (await client.next("message")).content],
        ["all", "room"],
      );
    }
    // A session that leaves for good stops being counted once its end reaches the other node.
    await b2.say({ type: "disconnect", content: "bye" });
    await b2.closed();
    await whoShows(a1, ["a1", "a2", "b1"], "r");
    await a1.say({ type: "message", room: "r", content: "room", id: 4 });
    strictEqual((await a1.ackOf(4)).recipients, 2);
  },
);

natsTest("a relay to sessions listed by the directory crosses NATS once per node", async () => {
  // A handler that relays each message to every session the directory lists (itself
  // included), named by SessionInfo literals of its own: each is found by its id.
  const handler: MessageHandler = {
    name: "all-listed",
    types: chatHandler.types,
    handle(frame, ctx) {
      if (frame.type !== "message") return chatHandler.handle(frame, ctx);
      const listed = [...ctx.directory.sessions()].map(({ id, name, transport, rooms }) => ({
        id,
        name,
        transport,
        rooms,
      }));
      const reached = ctx.relay(listed, {
        type: "message",
        content: frame.content,
      });
      ctx.ack({ recipients: reached });
    },
  };
  await using nats = await startNats();
  await using a = await node(nats, { handler });
  await using b = await node(nats, { handler });
  await using c = await node(nats, { handler });
  const clients: RawClient[] = [];
  try {
    for (const n of [a, b, b, b, c, c]) clients.push(await ready(n.to));
    const [sender] = clients;
    await using nc = await spy(nats);
    const subjects: string[] = [];
    nc.subscribe("chat.>", {
      callback: (_e, msg) => {
        subjects.push(msg.subject);
      },
    });
    await nc.flush();
    const a1 = await ready(a.to);
    clients.push(a1);
    await eventually("every node to list 7 sessions", async () => {
      for (const client of [sender, clients[1], clients[4]]) {
        if ((await who(client)).length !== 7) return undefined;
      }
      return true;
    });
    await sender.say({ type: "message", content: "listed", id: 1 });
    strictEqual((await sender.ackOf(1)).recipients, 7);
    for (const client of clients) strictEqual((await client.next("message")).content, "listed");
    await nc.flush();
    deepStrictEqual(
      subjects.filter((s) => s.startsWith("chat.node.")).sort(),
      [`chat.node.${b.server.node}`, `chat.node.${c.server.node}`].sort(),
    );
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});

natsTest("a name held by a dead node is taken over; one held by a live node is not", async () => {
  await using nats = await startNats();
  await using a = await node(nats);
  await using nc = await spy(nats);
  const kvm = new Kvm(nc);
  const names = await kvm.create(NAMES_BUCKET, { history: 1, storage: "file" });
  const presence = await kvm.create(PRESENCE_BUCKET, { history: 1, storage: "memory" });
  const holder = (node: string) => JSON.stringify({ node, session: crypto.randomUUID() });
  // "ghost": its node never had a heartbeat.
  await names.create(nameKey("ghost"), holder("deadbeefdeadbeef"));
  // "haunt": its node beats, with a TTL of 300 ms, then falls silent.
  await presence.put(nodeKey("0123456789abcdef"), JSON.stringify({ ttl: 300 }));
  await names.create(nameKey("haunt"), holder("0123456789abcdef"));
  await using client = await ready(a.to);
  let n = 0;
  const take = async (name: string) => {
    const id = `${name}-${++n}`;
    await client.say({ type: "nick", content: name, id });
    return await client.answerOf(id);
  };
  // While its heartbeat is fresh, "haunt" stays taken.
  strictEqual((await take("haunt")).code, "name_taken");
  // A view younger than its TTL (2 s) takes nothing over; then "ghost" is free.
  await eventually(
    "ghost to be free",
    async () => (await take("ghost")).type === "ack" || undefined,
  );
  strictEqual((await names.get(nameKey("ghost")))!.json<{ node: string }>().node, a.server.node);
  // Once its heartbeat is older than its TTL, "haunt" is free too.
  await eventually(
    "haunt to be free",
    async () => (await take("haunt")).type === "ack" || undefined,
  );
  strictEqual((await who(client))[0].name, "haunt");
  // "ghost" was released when the session took "haunt".
  await eventually("ghost to be released", async () => {
    const entry = await names.get(nameKey("ghost"));
    return entry === null || entry.operation !== "PUT" || undefined;
  });
});

natsTest("presence repairs itself: a leftover entry goes, a purged one comes back", async () => {
  await using nats = await startNats();
  await using a = await node(nats);
  await using b = await node(nats);
  await using alice = await ready(a.to, { name: "alice" });
  await using bob = await ready(b.to, { name: "bob" });
  await whoShows(bob, ["alice", "bob"]);
  await using nc = await spy(nats);
  const presence = await new Kvm(nc).create(PRESENCE_BUCKET, { history: 1, storage: "memory" });
  // A session of A that A does not have (as a crash between close and delete leaves): A removes it.
  const stray = sessionKey(a.server.node!, crypto.randomUUID());
  await presence.put(stray, JSON.stringify({ name: "stray", transport: "tcp", rooms: [] }));
  await eventually("A to remove the stray entry", async () => {
    const entry = await presence.get(stray);
    return entry?.operation !== "PUT" || undefined;
  });
  await whoShows(bob, ["alice", "bob"]);
  // Alice's entry purged (as a peer does when it wrongly thought A dead): A writes it again.
  await presence.purge(sessionKey(a.server.node!, alice.sessionId));
  await eventually("alice's entry back", async () => {
    const entry = await presence.get(sessionKey(a.server.node!, alice.sessionId));
    return entry?.operation === "PUT" || undefined;
  });
  await whoShows(bob, ["alice", "bob"]);
});

natsTest("a node counted dead that beats again comes back with its sessions", async () => {
  await using nats = await startNats();
  await using a = await node(nats);
  await using nc = await spy(nats);
  const presence = await new Kvm(nc).create(PRESENCE_BUCKET, { history: 1, storage: "memory" });
  // G: a node with a long TTL and the smallest id, so that A does not purge what it counts dead.
  await presence.put(nodeKey("0000000000000000"), JSON.stringify({ ttl: 60_000 }));
  // F: a slow node with a short TTL, and one session.
  const f = "ffffffffffffffff";
  const session = crypto.randomUUID();
  await presence.put(nodeKey(f), JSON.stringify({ ttl: 300 }));
  await presence.put(
    sessionKey(f, session),
    JSON.stringify({ name: "slow", transport: "tcp", rooms: [] }),
  );
  await using client = await ready(a.to, { name: "quick" });
  await whoShows(client, ["quick", "slow"]);
  // F misses its heartbeats: its session leaves who; its keys stay (A is not the one to purge).
  await whoShows(client, ["quick"]);
  strictEqual((await presence.get(sessionKey(f, session)))!.operation, "PUT");
  // F beats again, writing nothing else: A loads its view afresh and sees F's session.
  await presence.put(nodeKey(f), JSON.stringify({ ttl: 60_000 }));
  await whoShows(client, ["quick", "slow"]);
});

natsTest(
  "names taken on two nodes while NATS was away: after it, the first holder keeps its own",
  async () => {
    await using nats = await startNats();
    await using a = await node(nats);
    await using b = await node(nats);
    await using keeper = await ready(a.to, { name: "keeper" });
    await using x = await ready(a.to);
    await using y = await ready(b.to);
    await using z = await ready(b.to);
    const guest = (client: RawClient) => `guest-${client.sessionId.slice(0, 8)}`;
    await whoShows(z, ["keeper", guest(x), guest(y), guest(z)]);
    await nats.kill();
    await whoShows(x, ["keeper", guest(x)]);
    await whoShows(y, [guest(y), guest(z)]);
    // Each node checks only itself: both take "twin", and B gives away "keeper".
    for (const [client, name] of [[x, "twin"], [y, "twin"], [z, "keeper"]] as const) {
      await client.say({ type: "nick", content: name, id: "t" });
      strictEqual((await client.ackOf("t")).content, name);
    }
    await nats.restart();
    // Healed: "keeper" stayed with its holder from before; one of x and y is "twin".
    const all = await eventually("both nodes to see each other again", async () => {
      const seen = await who(keeper);
      const twins = seen.filter((e) => e.name === "twin").length;
      const keepers = seen.filter((e) => e.name === "keeper").length;
      return seen.length === 4 && twins === 1 && keepers === 1 ? seen : undefined;
    });
    const name = (client: RawClient) => all.find((e) => e.session_id === client.sessionId)!.name;
    strictEqual(name(keeper), "keeper");
    strictEqual(name(z), guest(z));
    const [twin, other] = name(x) === "twin" ? [x, y] : [y, x];
    strictEqual(name(twin), "twin");
    strictEqual(name(other), guest(other));
    await whoShows(y, all.map((e) => e.name));
    // "keeper" is still taken everywhere.
    await z.say({ type: "nick", content: "keeper", id: "k" });
    strictEqual((await z.answerOf("k")).code, "name_taken");
  },
);

natsTest("start fails clearly without a NATS, or on a NATS without JetStream", async () => {
  await using nats = await startNats({ jetstream: false });
  const plain = new ChatServer({ cluster: nats.url, listen: [{ transport: "tcp", port: 0 }] });
  await rejects(plain.start(), (error: Error) => {
    match(error.message, /JetStream/);
    return true;
  });
  await plain.stop();
  const url = nats.url;
  await nats.kill();
  const nowhere = new ChatServer({ cluster: url, listen: [{ transport: "tcp", port: 0 }] });
  await rejects(nowhere.start(), /cannot reach NATS/);
  await nowhere.stop();
  ok(plain.addresses.length === 0 && nowhere.addresses.length === 0, "nothing was bound");
});
