/**
 * Notices across a cluster: three `chat server --cluster` processes, a room
 * spelled three ways that is one room (one subject), and every notice
 * reaching the members on other nodes, once, and nobody else.
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import type { Frame } from "../../../src/protocol/messages.ts";
import { natsTest, startCluster, whoShows } from "../../helpers/cluster.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { pending, ready, sync } from "../../helpers/session.ts";

/** Waits until `count` notices wait for `client` (then a round trip); takes them, ids aside. */
async function notices(client: RawClient, count: number): Promise<Frame[]> {
  await client.until(
    () => pending(client, "notice").length >= count || undefined,
    `${count} notices`,
    15_000,
  );
  await sync(client);
  const found = pending(client, "notice");
  for (let i = 0; i < found.length; i++) await client.next("notice");
  return found.map(({ session_id: _, ...frame }) => frame);
}

natsTest(
  "notices cross nodes: join, leave, nick and quit reach the members on every node, once",
  async () => {
    await using cluster = await startCluster(["tcp", "unix", "tcp"]);
    const [a, b, c] = cluster.nodes;
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    await using bob = await ready(b.addresses.unix!, { name: "bob" });
    await using carol = await ready(c.addresses.tcp!, { name: "carol" });
    await using dave = await ready(a.addresses.tcp!, { name: "dave" });
    await whoShows(carol, ["alice", "bob", "carol", "dave"]);

    // One room in three spellings on three nodes: shown as it was created.
    const members: string[] = [];
    const joins = [[alice, "alice", "Salon"], [bob, "bob", "SALON"], [
      carol,
      "carol",
      "ｓａｌｏｎ",
    ]];
    for (const [client, name, room] of joins as [RawClient, string, string][]) {
      await client.say({ type: "join", content: room, id: "j" });
      deepStrictEqual((await client.ackOf("j")).content, "Salon");
      members.push(name);
      await whoShows(dave, members, "salon");
    }
    const join = (name: string) => ({ type: "notice", event: "join", room: "Salon", name });
    deepStrictEqual(await notices(alice, 2), [join("bob"), join("carol")]);
    deepStrictEqual(await notices(bob, 1), [join("carol")]);
    deepStrictEqual(await notices(carol, 0), []);

    // A room message from one node reaches the others: one subject for every spelling.
    await carol.say({ type: "message", room: "salon", content: "hi all", id: "m" });
    deepStrictEqual((await carol.ackOf("m")).recipients, 2);
    for (const client of [alice, bob]) {
      deepStrictEqual(
        (await client.next("message")).room,
        "Salon",
      );
    }

    await bob.say({ type: "nick", content: "Robert", id: "n" });
    await bob.ackOf("n");
    const nick = { type: "notice", event: "nick", name: "Robert", old: "bob" };
    deepStrictEqual(await notices(alice, 1), [nick]);
    deepStrictEqual(await notices(carol, 1), [nick]);

    await carol.say({ type: "leave", content: "SALON", id: "l" });
    await carol.ackOf("l");
    const left = { type: "notice", event: "leave", room: "Salon", name: "carol", reason: "left" };
    deepStrictEqual(await notices(alice, 1), [left]);
    deepStrictEqual(await notices(bob, 1), [left]);

    await bob.say({ type: "disconnect", content: "bye" });
    await bob.closed();
    const quit = { type: "notice", event: "leave", room: "Salon", name: "Robert", reason: "quit" };
    deepStrictEqual(await notices(alice, 1), [quit]);
    // Nobody else heard anything: carol left, dave was never in the room.
    deepStrictEqual(await notices(carol, 0), []);
    deepStrictEqual(await notices(dave, 0), []);
  },
);
