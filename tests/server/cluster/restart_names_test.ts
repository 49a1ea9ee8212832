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
  type NatsServer,
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

/** Two nodes, then dora's node killed with SIGKILL (see {@linkcode doraKilled}). */
interface Killed extends AsyncDisposable {
  nats: NatsServer;
  /** The node that lives on. */
  a: ClusterNode;
  /** A session on `a`. */
  alice: RawClient;
  /** dora's session id and resume token, of the node killed. */
  dora: { id: string; token: string };
  /** Starts the killed node again (a new node id); it is stopped with the rest. */
  restart(): Promise<ClusterNode>;
}

/**
 * A NATS and two nodes with `args`; alice on the first, dora on the second,
 * which is killed with SIGKILL (her connection closed once it broke).
 */
async function doraKilled(args: string[]): Promise<Killed> {
  const stack = new AsyncDisposableStack();
  try {
    const nats = stack.use(await startNats());
    const dir = stack.use(await tempDir());
    const a = stack.use(await startNode(nats, "tcp", dir.path, args));
    const alice = stack.use(await ready(a.addresses.tcp!, { name: "alice" }));
    {
      await using b = await startNode(nats, "tcp", dir.path, args);
      await using dora = await ready(b.addresses.tcp!, { name: "dora" });
      await whoShows(alice, ["alice", "dora"]);
      b.process.kill("SIGKILL");
      await b.process.status();
      await dora.closed();
      const killed = { id: dora.sessionId, token: dora.init!.resume_token as string };
      const moved = stack.move();
      return {
        nats,
        a,
        alice,
        dora: killed,
        restart: async () => moved.use(await startNode(nats, "tcp", dir.path, args)),
        [Symbol.asyncDispose]: () => moved.disposeAsync(),
      };
    }
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
}

natsTest(
  "a node killed and restarted: the away session's name stays taken there, and its client resumes there with its name",
  async () => {
    await using killed = await doraKilled(SHORT_TTL);
    const { alice, dora } = killed;
    await eventually("dora listed away", async () => {
      const entry = (await who(alice)).find((e) => e.session_id === dora.id);
      return entry?.away ? entry : undefined;
    });
    const restarted = await killed.restart();
    // Another client asking her name on the restarted node: taken (she is away, not gone).
    await using other = await ready(restarted.addresses.tcp!);
    strictEqual((await nick(other, "dora")).code, "name_taken");
    // Her own client resumes there with its token: her session, her name.
    await using back = await resumeOn(restarted.addresses.tcp!, dora.token, 0);
    deepStrictEqual(
      [
        back.resumed.session_id,
        back.resumed.name,
        (back.resumed.content as { recovered: boolean }).recovered,
      ],
      [dora.id, "dora", true],
    );
    await whoShows(alice, ["alice", "dora", `guest-${other.sessionId.slice(0, 8)}`]);
    strictEqual((await nick(alice, "dora")).code, "name_taken");
  },
);

natsTest(
  "without history, a node killed and restarted: the name of its session is free there once the cluster dropped the node",
  async () => {
    await using killed = await doraKilled([...SHORT_TTL, "--history", "0"]);
    const { a, alice } = killed;
    await whoShows(alice, ["alice"]);
    // The node that tidied up after it freed her name in the names bucket.
    await a.process.waitForLine(/cluster: name "?dora"? of session .* of dead node .* is free/);
    const restarted = await killed.restart();
    await using other = await ready(restarted.addresses.tcp!);
    strictEqual((await nick(other, "dora")).content, "dora");
    await whoShows(alice, ["alice", "dora"]);
  },
);

natsTest(
  "a node killed and restarted at once, before the cluster noticed: its session's client resumes there, with its name",
  async () => {
    // A long presence TTL: the cluster does not notice the death during this test.
    await using killed = await doraKilled([
      "--heartbeat-timeout",
      "60",
      "--heartbeat-retries",
      "2",
    ]);
    const { nats, alice, dora } = killed;
    const restarted = await killed.restart();
    await using back = await resumeOn(restarted.addresses.tcp!, dora.token, 0);
    deepStrictEqual(
      [back.resumed.session_id, back.resumed.name],
      [dora.id, "dora"],
    );
    // Her name is hers on the restarted node: the cluster lists her under it, nobody else gets it.
    const entries = await whoShows(alice, ["alice", "dora"]);
    strictEqual(entries.find((entry) => entry.name === "dora")?.session_id, dora.id);
    strictEqual((await nick(alice, "dora")).code, "name_taken");
    // The names bucket says so: her claim moved to the restarted node with her session.
    const nc = await connect({ servers: nats.url });
    await using _nc = { [Symbol.asyncDispose]: () => nc.close() };
    const claims = await new Kvm(nc).open(NAMES_BUCKET);
    await eventually("dora's claim on the restarted node", async () => {
      const entry = await claims.get(nameKey("dora"));
      const holder = entry?.operation === "PUT" ? entry.json<Holder>() : undefined;
      return holder?.node === restarted.id ? holder : undefined;
    }).then((holder) => strictEqual(holder.session, dora.id));
    await assertNothing(back.client, "error");
  },
);
