/**
 * Resume in a cluster (PROTOCOL.md section 9), on three real `chat server
 * --cluster` processes and a real nats-server with JetStream: a receiver
 * cut mid-stream resumes on another node and gets exactly what it missed,
 * in order; a resent id is acknowledged with its first seq on any node and
 * not relayed twice; a token unknown or used gives `recovered:false`.
 *
 * @module
 */

import { deepStrictEqual, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Frame, WhoEntry } from "../../../src/protocol/messages.ts";
import {
  type ClusterNode,
  eventually,
  natsTest,
  startCluster,
  who,
  whoShows,
} from "../../helpers/cluster.ts";
import { send } from "../../helpers/history.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { resumeOn } from "../../helpers/resume.ts";
import { ready } from "../../helpers/session.ts";

/**
 * A short presence TTL, so that a node's death is noticed within 1.5 s
 * (the sessions here send no heartbeats: a long silence is allowed them).
 */
const SHORT_TTL = ["--heartbeat-timeout", "1.5", "--heartbeat-retries", "40"];

/**
 * ann on node `a` (the test cuts her connection, then closes it) with her
 * id and resume token, and ben on node `b`, both in the room lobby, which
 * ben's node lists them in.
 */
async function inLobby(a: ClusterNode, b: ClusterNode) {
  const ann = await ready(a.addresses.tcp!, { name: "ann" });
  const ben = await ready(b.addresses.tcp!, { name: "ben" });
  for (const client of [ann, ben]) {
    await client.say({ type: "join", content: "lobby", id: "j" });
    await client.ackOf("j");
  }
  await whoShows(ben, ["ann", "ben"], "lobby");
  return { ann, annId: ann.sessionId, token: ann.init!.resume_token as string, ben };
}

/** Waits until `who` through `client` lists the session `id` away; returns its entry. */
function listedAway(client: RawClient, id: string): Promise<WhoEntry> {
  return eventually(`${id} listed away`, async () => {
    const entry = (await who(client)).find((e) => e.session_id === id);
    return entry?.away ? entry : undefined;
  });
}

natsTest(
  "a receiver cut mid-stream resumes on another node: exactly the messages it missed, in order, then live there",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    const { ann, annId, token, ben } = await inLobby(a, b);
    await using _ben = ben;
    // ben sends twenty (to everyone, the room, and ann), pipelined.
    const kinds = [{}, { room: "lobby" }, { to: "ann" }, { to: annId }];
    for (let i = 0; i < 20; i++) {
      await ben.say({ type: "message", content: `m${i}`, id: i, ...kinds[i % 4] });
    }
    const acks: Frame[] = [];
    for (let i = 0; i < 20; i++) acks.push(await ben.ackOf(i));
    // ann reads seven, and her connection is cut there.
    let seen = 0;
    for (let i = 0; i < 7; i++) {
      const message = await ann.next("message");
      strictEqual(message.content, `m${i}`);
      seen = message.seq as number;
    }
    await ann.close();
    // More while she is away (or not yet noticed as away): kept for her all the same.
    const late = await send(ben, "late", { to: "ann" });
    // She resumes on node c.
    await using back = await resumeOn(c.addresses.tcp!, token, seen);
    deepStrictEqual(
      back.replayed.map((m) => [m.content, m.seq, m.session_id]),
      [
        ...acks.slice(7).map((ack, n) => [`m${n + 7}`, ack.seq, annId]),
        ["text late", late.seq, annId],
      ],
    );
    deepStrictEqual(back.resumed.content, { recovered: true, replayed: 14, seq: late.seq });
    deepStrictEqual([back.resumed.session_id, back.resumed.name, back.resumed.rooms], [
      annId,
      "ann",
      ["lobby"],
    ]);
    // Live on c now: the room's messages reach her there, once.
    const after = await send(ben, "after", { room: "lobby" });
    strictEqual(after.recipients, 1);
    const live = await back.client.next("message");
    deepStrictEqual([live.content, live.seq, live.replay], ["text after", after.seq, undefined]);
    // The cluster lists her once, on c, under her name.
    const entries = await whoShows(ben, ["ann", "ben"]);
    strictEqual(entries.filter((entry) => entry.session_id === annId).length, 1);
    // Her name is still hers: nobody else may take it.
    await ben.say({ type: "nick", content: "ann", id: "n" });
    strictEqual((await ben.next("error")).code, "name_taken");
  },
);

natsTest(
  "a resent id is acknowledged with its first seq on another node, and not relayed again",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    const ann = await ready(a.addresses.tcp!, { name: "ann" });
    const token = ann.init!.resume_token as string;
    await using ben = await ready(b.addresses.tcp!, { name: "ben" });
    await whoShows(ann, ["ann", "ben"]);
    const first = await send(ann, "x");
    strictEqual((await ben.next("message")).seq, first.seq);
    await ann.close();
    await using back = await resumeOn(c.addresses.tcp!, token, first.seq as number);
    strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
    // The resend: its first seq, and ben does not get it twice (his next message is the one after).
    const again = await send(back.client, "x");
    strictEqual(again.seq, first.seq);
    const next = await send(back.client, "y");
    ok((next.seq as number) > (first.seq as number));
    strictEqual((await ben.next("message")).content, "text y");
  },
);

natsTest(
  "recovered is false, the session a new one, for a token unknown to the cluster, or used already on another node",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    {
      await using unknown = await resumeOn(b.addresses.tcp!, "no-such-token-in-the-cluster", 0, {
        name: "carl",
      });
      strictEqual(unknown.resumed.session_id, unknown.init.session_id);
      deepStrictEqual(
        [unknown.resumed.content, unknown.resumed.name],
        [{ recovered: false, replayed: 0, seq: 0 }, "carl"],
      );
    }
    const ann = await ready(a.addresses.tcp!, { name: "ann" });
    const token = ann.init!.resume_token as string;
    await ann.close();
    await using first = await resumeOn(b.addresses.tcp!, token, 0);
    strictEqual(first.resumed.session_id, ann.sessionId);
    strictEqual((first.resumed.content as { recovered: boolean }).recovered, true);
    await using used = await resumeOn(c.addresses.tcp!, token, 0);
    notStrictEqual(used.resumed.session_id, ann.sessionId);
    strictEqual((used.resumed.content as { recovered: boolean }).recovered, false);
    // The new token works, on yet another node: the one connection on b is cut.
    await using second = await resumeOn(a.addresses.tcp!, first.resumed.resume_token as string, 0);
    strictEqual(second.resumed.session_id, ann.sessionId);
    strictEqual((second.resumed.content as { recovered: boolean }).recovered, true);
    await first.client.closed();
  },
);

natsTest(
  "after a SIGKILL of its node, a session is away on the others (listed, reached) and resumes on any of them with exactly what it missed",
  async () => {
    await using cluster = await startCluster(3, SHORT_TTL);
    const [a, b, c] = cluster.nodes;
    const { ann, annId, token, ben } = await inLobby(a, b);
    await using _ben = ben;
    const seen = await send(ben, 1, { room: "lobby" });
    strictEqual((await ann.next("message")).seq, seen.seq);

    a.process.kill("SIGKILL");
    await a.process.status();
    await ann.closed();
    await ann.close();
    // Sent before and after the others noticed: kept for her either way.
    const missed = [await send(ben, 2, { room: "lobby" })];
    const listed = await listedAway(ben, annId);
    deepStrictEqual([listed.name, listed.rooms], ["ann", ["lobby"]]);
    missed.push(await send(ben, 3, { room: "lobby" }), await send(ben, 4, { to: "ann" }));
    deepStrictEqual(missed.slice(1).map((ack) => ack.recipients), [1, 1]);
    // Her name is still hers.
    await ben.say({ type: "nick", content: "ann", id: "n" });
    strictEqual((await ben.next("error")).code, "name_taken");

    await using back = await resumeOn(c.addresses.tcp!, token, seen.seq as number);
    deepStrictEqual(
      back.replayed.map((m) => [m.content, m.seq]),
      missed.map((ack, n) => [`text ${n + 2}`, ack.seq]),
    );
    deepStrictEqual(back.resumed.content, { recovered: true, replayed: 3, seq: missed[2].seq });
    deepStrictEqual([back.resumed.session_id, back.resumed.rooms], [annId, ["lobby"]]);
    const after = await send(ben, 5, { room: "lobby" });
    strictEqual((await back.client.next("message")).seq, after.seq);
    await eventually("ann listed connected again", async () => {
      const entry = (await who(ben)).find((e) => e.session_id === annId);
      return entry && !entry.away ? entry : undefined;
    });
  },
);

natsTest(
  "the token a resume used works once more when the node that took the session over died (its resumed frame may have died with it), never while it lives",
  async () => {
    await using cluster = await startCluster(3, SHORT_TTL);
    const [a, b, c] = cluster.nodes;
    const { ann, annId, token, ben } = await inLobby(a, c);
    await using _ben = ben;
    await ann.close();
    // The resume on b: its resumed frame is read here, but say it was lost.
    const first = await resumeOn(b.addresses.tcp!, token, 0);
    strictEqual((first.resumed.content as { recovered: boolean }).recovered, true);
    // While b lives, the token used is used up.
    {
      await using used = await resumeOn(c.addresses.tcp!, token, 0);
      strictEqual((used.resumed.content as { recovered: boolean }).recovered, false);
    }
    b.process.kill("SIGKILL");
    await b.process.status();
    await first.client.closed();
    await first.client.close();
    // Once the others noticed b died (she is away on one of them), the token used works once more.
    await listedAway(ben, annId);
    const missed = await send(ben, "m", { room: "lobby" });
    await using again = await resumeOn(a.addresses.tcp!, token, 0);
    deepStrictEqual(
      [again.resumed.session_id, (again.resumed.content as { recovered: boolean }).recovered],
      [annId, true],
    );
    deepStrictEqual(again.replayed.map((m) => m.seq), [missed.seq]);
    // Once more only.
    await using twice = await resumeOn(c.addresses.tcp!, token, 0);
    strictEqual((twice.resumed.content as { recovered: boolean }).recovered, false);
  },
);

natsTest(
  "a node stopped cleanly leaves its sessions away on the others: listed, reached, and resumed on any node with what they missed",
  async () => {
    await using cluster = await startCluster(3);
    const [a, b, c] = cluster.nodes;
    const { ann, annId, token, ben } = await inLobby(a, b);
    await using _ben = ben;
    const seen = await send(ben, 1, { room: "lobby" });
    strictEqual((await ann.next("message")).seq, seen.seq);
    a.process.kill("SIGTERM");
    strictEqual((await ann.next("disconnect")).content, "server shutting down");
    await ann.closed();
    await ann.close();
    strictEqual((await a.process.status()).code, 0);
    await listedAway(ben, annId);
    const missed = await send(ben, 2, { room: "lobby" });
    strictEqual(missed.recipients, 1);
    await using back = await resumeOn(c.addresses.tcp!, token, seen.seq as number);
    deepStrictEqual(back.replayed.map((m) => m.seq), [missed.seq]);
    deepStrictEqual(back.resumed.content, { recovered: true, replayed: 1, seq: missed.seq });
  },
);
