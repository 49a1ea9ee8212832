/**
 * A node killed with SIGKILL and started again (a new node id), PROTOCOL.md
 * sections 2 and 9: with history, its session is away on the node that
 * tidied up, keeping its name; on the restarted node another client asking
 * that name gets `name_taken`, and the session's own client resumes there
 * with its token, getting its session and name back. Without history the
 * name is free on the restarted node as soon as the cluster dropped the
 * dead node. A client that resumes on the restarted node before the
 * cluster noticed the death gets its name too: the claim moves with it.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { Frame } from "../../../src/protocol/messages.ts";
import type { Holder } from "../../../src/server/cluster/name_claims.ts";
import { nameKey, NAMES_BUCKET } from "../../../src/server/cluster/subjects.ts";
import {
  type ClusterNode,
  eventually,
  natsTest,
  startNats,
  startNode,
  who,
  whoShows,
} from "../../helpers/cluster.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { resumeOn } from "../../helpers/resume.ts";
import { assertNothing, ready } from "../../helpers/session.ts";
import { tempDir } from "../../helpers/spawn.ts";

/** A short presence TTL; the sessions here send no heartbeats: a long silence is allowed them. */
const SHORT_TTL = ["--heartbeat-timeout", "1.5", "--heartbeat-retries", "40"];

let nicks = 0;

/** Asks `client`'s session to be called `name`; returns the answer (`ack` or `error`). */
async function nick(client: RawClient, name: string): Promise<Frame> {
  const id = `nick-${++nicks}`;
  await client.say({ type: "nick", content: name, id });
  return await client.answerOf(id);
}

/** Kills `node` with SIGKILL and waits until it is gone. */
async function killed(node: ClusterNode): Promise<void> {
  node.process.kill("SIGKILL");
  await node.process.status();
}

natsTest(
  "a node killed and restarted: the away session's name stays taken there, and its client resumes there with its name",
  async () => {
    await using nats = await startNats();
    await using dir = await tempDir();
    await using a = await startNode(nats, "tcp", dir.path, SHORT_TTL);
    const b = await startNode(nats, "tcp", dir.path, SHORT_TTL);
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    const dora = await ready(b.addresses.tcp!, { name: "dora" });
    const token = dora.init!.resume_token as string;
    await whoShows(alice, ["alice", "dora"]);

    await killed(b);
    await b[Symbol.asyncDispose]();
    await dora.closed();
    await dora.close();
    await eventually("dora listed away", async () => {
      const entry = (await who(alice)).find((e) => e.session_id === dora.sessionId);
      return entry?.away ? entry : undefined;
    });
    const restarted = await startNode(nats, "tcp", dir.path, SHORT_TTL);
    await using _restarted = restarted;
    // Another client asking her name on the restarted node: taken (she is away, not gone).
    await using other = await ready(restarted.addresses.tcp!);
    strictEqual((await nick(other, "dora")).code, "name_taken");
    // Her own client resumes there with its token: her session, her name.
    await using back = await resumeOn(restarted.addresses.tcp!, token, 0);
    deepStrictEqual(
      [
        back.resumed.session_id,
        back.resumed.name,
        (back.resumed.content as { recovered: boolean }).recovered,
      ],
      [dora.sessionId, "dora", true],
    );
    await whoShows(alice, ["alice", "dora", `guest-${other.sessionId.slice(0, 8)}`]);
    strictEqual((await nick(alice, "dora")).code, "name_taken");
  },
);

natsTest(
  "without history, a node killed and restarted: the name of its session is free there once the cluster dropped the node",
  async () => {
    const args = [...SHORT_TTL, "--history", "0"];
    await using nats = await startNats();
    await using dir = await tempDir();
    await using a = await startNode(nats, "tcp", dir.path, args);
    const b = await startNode(nats, "tcp", dir.path, args);
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    const dora = await ready(b.addresses.tcp!, { name: "dora" });
    await whoShows(alice, ["alice", "dora"]);

    await killed(b);
    await b[Symbol.asyncDispose]();
    await dora.close();
    await whoShows(alice, ["alice"]);
    // The node that tidied up after it freed her name in the names bucket.
    await a.process.waitForLine(/cluster: name "?dora"? of session .* of dead node .* is free/);
    const restarted = await startNode(nats, "tcp", dir.path, args);
    await using _restarted = restarted;
    await using other = await ready(restarted.addresses.tcp!);
    strictEqual((await nick(other, "dora")).content, "dora");
    await whoShows(alice, ["alice", "dora"]);
  },
);

natsTest(
  "a node killed and restarted at once, before the cluster noticed: its session's client resumes there, with its name",
  async () => {
    // A long presence TTL: the cluster does not notice the death during this test.
    const args = ["--heartbeat-timeout", "60", "--heartbeat-retries", "2"];
    await using nats = await startNats();
    await using dir = await tempDir();
    await using a = await startNode(nats, "tcp", dir.path, args);
    const b = await startNode(nats, "tcp", dir.path, args);
    await using alice = await ready(a.addresses.tcp!, { name: "alice" });
    const dora = await ready(b.addresses.tcp!, { name: "dora" });
    const token = dora.init!.resume_token as string;
    await whoShows(alice, ["alice", "dora"]);

    await killed(b);
    await b[Symbol.asyncDispose]();
    await dora.closed();
    await dora.close();
    const restarted = await startNode(nats, "tcp", dir.path, args);
    await using _restarted = restarted;
    await using back = await resumeOn(restarted.addresses.tcp!, token, 0);
    deepStrictEqual(
      [back.resumed.session_id, back.resumed.name],
      [dora.sessionId, "dora"],
    );
    // Her name is hers on the restarted node: the cluster lists her under it, nobody else gets it.
    const entries = await whoShows(alice, ["alice", "dora"]);
    strictEqual(entries.find((entry) => entry.name === "dora")?.session_id, dora.sessionId);
    strictEqual((await nick(alice, "dora")).code, "name_taken");
    // The names bucket says so: her claim moved to the restarted node with her session.
    const nc = await connect({ servers: nats.url });
    await using _nc = { [Symbol.asyncDispose]: () => nc.close() };
    const claims = await new Kvm(nc).open(NAMES_BUCKET);
    await eventually("dora's claim on the restarted node", async () => {
      const entry = await claims.get(nameKey("dora"));
      const holder = entry?.operation === "PUT" ? entry.json<Holder>() : undefined;
      return holder?.node === restarted.id ? holder : undefined;
    }).then((holder) => strictEqual(holder.session, dora.sessionId));
    await assertNothing(back.client, "error");
  },
);
