/**
 * The names of one node in the names bucket, on a real NATS: a claim, a
 * conflict with a live holder (of another node or of this one), a takeover
 * from a dead one, claims held locally while the node is out of sync and
 * claimed again when it is back, the races of a takeover, a claim that
 * moves with its resumed session, and a dead node's names freed. The
 * {@linkcode NameClaims} are driven directly, for members that are plain
 * objects, with the presence of their node on a {@linkcode ManualClock}.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import type { KV } from "@nats-io/kv";
import { ManualClock } from "../../../src/async/clock.ts";
import { NatsLink } from "../../../src/server/cluster/link.ts";
import { NameClaims } from "../../../src/server/cluster/name_claims.ts";
import { Presence } from "../../../src/server/cluster/presence.ts";
import { PresenceBucket } from "../../../src/server/cluster/presence_bucket.ts";
import {
  nameKey,
  NAMES_BUCKET,
  newNodeId,
  PRESENCE_BUCKET,
} from "../../../src/server/cluster/subjects.ts";
import type { Member } from "../../../src/server/member.ts";
import { Registry } from "../../../src/server/registry.ts";
import { guestName } from "../../../src/protocol/messages.ts";
import {
  eventually,
  type NatsServer,
  natsTest,
  startNats,
  testHost,
  type TestMember,
  testMember,
} from "../../helpers/cluster.ts";

/** The presence TTL of these nodes, in milliseconds. */
const TTL = 2000;

const member = testMember;

/** One node's names over its own link, with what it was told to give up. */
interface Node extends AsyncDisposable {
  node: string;
  link: NatsLink;
  names: NameClaims;
  view: Presence;
  kv: KV;
  clock: ManualClock;
  lost: Member[];
}

/** A node's names and presence on `nats`, in sync; `kv` wraps its names bucket when given. */
async function nodeOn(nats: NatsServer, wrap: (kv: KV) => KV = (kv) => kv): Promise<Node> {
  const node = newNodeId();
  const clock = new ManualClock(Date.now());
  const link = new NatsLink(nats.url, clock);
  await link.connect(`test ${node}`, TTL, { lost: () => {}, regained: () => {} });
  const kvm = link.kvm;
  const bucket = (name: string, storage: "file" | "memory") =>
    kvm.create(name, { history: 1, storage }).catch(() => kvm.open(name));
  const kv = await bucket(NAMES_BUCKET, "file");
  const view = new Presence(TTL, clock);
  const lost: Member[] = [];
  const presence = new PresenceBucket(link, node, TTL, view, new Registry<TestMember>());
  const names = new NameClaims(link, node, presence, testHost({ loseName: (m) => lost.push(m) }));
  names.bind(wrap(kv));
  await presence.load(await bucket(PRESENCE_BUCKET, "memory"), link.generation);
  link.sync();
  return {
    node,
    link,
    names,
    view,
    kv,
    clock,
    lost,
    async [Symbol.asyncDispose]() {
      link.halt();
      presence.leave();
      await link.drain();
      presence.stopWatch();
      await link.close();
    },
  };
}

/** The holder of a name in the bucket (`undefined` when free). */
async function holder(
  kv: KV,
  name: string,
): Promise<{ node: string; session: string } | undefined> {
  const entry = await kv.get(nameKey(name));
  return entry?.operation === "PUT" ? entry.json() : undefined;
}

/** Resolves once the name's entry is gone from the bucket. */
function freed(kv: KV, name: string): Promise<true> {
  return eventually(
    `${name} freed`,
    async () => (await holder(kv, name)) === undefined || undefined,
  );
}

const nameTaken = { code: "name_taken" };

/** A KV whose methods named in `hooks` are replaced. */
function tampered(kv: KV, hooks: Partial<KV>): KV {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop in hooks) return hooks[prop as keyof KV];
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

natsTest(
  "NameClaims: a free name is claimed in the bucket, held against another node, freed on release",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    await using b = await nodeOn(nats);
    const alice = member();
    await a.names.claim(alice, "alice");
    deepStrictEqual(await holder(a.kv, "alice"), { node: a.node, session: alice.id });
    strictEqual(a.names.size, 1);
    // B: A is alive (its heartbeat is in B's view, or B's view is too young to say otherwise).
    await rejects(Promise.resolve(b.names.claim(member(), "alice")), nameTaken);
    // A session's own guest name needs no claim.
    const guest = member();
    strictEqual(a.names.claim(guest, guestName(guest.id)), undefined);
    strictEqual(await holder(a.kv, guestName(guest.id)), undefined);
    // Releasing a name this session does not hold changes nothing.
    a.names.release(guest, "alice");
    strictEqual(a.names.size, 1);
    a.names.release(alice, "alice");
    strictEqual(a.names.size, 0);
    await freed(a.kv, "alice");
    const bob = member();
    await b.names.claim(bob, "alice");
    deepStrictEqual(await holder(b.kv, "alice"), { node: b.node, session: bob.id });
  },
);

natsTest("NameClaims: the guest name of another node's session is taken at once", async () => {
  await using nats = await startNats();
  await using a = await nodeOn(nats);
  const remote = crypto.randomUUID();
  a.view.upsert("fedcba9876543210", remote, {
    name: guestName(remote),
    transport: "unix",
    rooms: [],
  });
  let thrown: unknown;
  try {
    a.names.claim(member(), guestName(remote));
  } catch (error) {
    thrown = error;
  }
  strictEqual((thrown as { code: string }).code, "name_taken", "thrown, not a rejection");
});

natsTest(
  "NameClaims: a name of this node is taken while its holder lives, taken over once it is gone",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    const first = member("twin");
    await a.names.claim(first, "twin");
    const second = member();
    await rejects(a.names.claim(second, "twin") as Promise<void>, nameTaken);
    first.gone = true;
    await a.names.claim(second, "twin");
    deepStrictEqual(await holder(a.kv, "twin"), { node: a.node, session: second.id });
    // The gone holder's release frees nothing now.
    a.names.release(first, "twin");
    strictEqual(a.names.size, 1);
    // Claiming again a name the session holds in the bucket is its own entry.
    await a.names.claim(second, "twin");
    deepStrictEqual(await holder(a.kv, "twin"), { node: a.node, session: second.id });
  },
);

natsTest(
  "NameClaims: a session's claim moves with it from the node it was resumed from, live or not",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    await using b = await nodeOn(nats);
    const dora = member("dora");
    await a.names.claim(dora, "dora");
    // The same session, resumed on B (its record taken over): its own claim, not a conflict.
    const resumed = { ...dora };
    await b.names.claim(resumed, "dora");
    deepStrictEqual(await holder(b.kv, "dora"), { node: b.node, session: dora.id });
    // Another session of A's is still refused it.
    await rejects(a.names.claim(member(), "dora") as Promise<void>, nameTaken);
  },
);

natsTest(
  "NameClaims: dropDead frees the name a dead node's session holds, and nothing a claim took over",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    const dead = "deadbeefdeadbeef";
    const session = crypto.randomUUID();
    await a.kv.create(nameKey("ghost"), JSON.stringify({ node: dead, session }));
    await a.kv.create(nameKey("kept"), JSON.stringify({ node: dead, session }));
    const keeper = member("kept");
    a.clock.advance(TTL);
    await a.names.claim(keeper, "kept");
    await a.names.dropDead("ghost", { node: dead, session });
    strictEqual(await holder(a.kv, "ghost"), undefined);
    // "kept" is held by a living session now: its entry stays.
    await a.names.dropDead("kept", { node: dead, session });
    deepStrictEqual(await holder(a.kv, "kept"), { node: a.node, session: keeper.id });
  },
);

natsTest(
  "NameClaims: a dead node's name is taken over once this view is a TTL old, not before",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    await a.kv.create(nameKey("ghost"), JSON.stringify({ node: "deadbeefdeadbeef", session: "x" }));
    const claimant = member();
    // A view younger than one TTL cannot tell a dead node from one coming back.
    await rejects(a.names.claim(claimant, "ghost") as Promise<void>, nameTaken);
    a.clock.advance(TTL);
    await a.names.claim(claimant, "ghost");
    deepStrictEqual(await holder(a.kv, "ghost"), { node: a.node, session: claimant.id });
  },
);

natsTest(
  "NameClaims: out of sync, names are held locally; back in sync, released ones are deleted and the others claimed again or lost",
  async () => {
    await using nats = await startNats();
    await using a = await nodeOn(nats);
    await using b = await nodeOn(nats);
    const keeper = member("keep");
    const leaver = member("leave");
    await a.names.claim(keeper, "keep");
    await a.names.claim(leaver, "leave");
    // NATS is away for A: what it claims and releases meanwhile is its own business.
    a.link.unsync();
    const local = member();
    await a.names.claim(local, "local");
    a.names.release(local, "local"); // never in the bucket: nothing to delete
    a.names.release(leaver, "leave"); // in the bucket: deleted once A is back
    const clash = member("clash");
    await a.names.claim(clash, "clash");
    const fickle = member("fickle");
    await a.names.claim(fickle, "fickle");
    fickle.name = "other"; // renamed meanwhile: "fickle" is not claimed again
    const quitter = member("quitter");
    await a.names.claim(quitter, "quitter");
    quitter.gone = true; // ended meanwhile
    for (const name of ["local", "clash", "fickle", "quitter"]) {
      strictEqual(await holder(a.kv, name), undefined);
    }
    strictEqual(await holder(a.kv, "leave") !== undefined, true, "still in the bucket");
    // B, in sync, claims "clash" in the bucket first.
    await b.names.claim(member(), "clash");
    // A is back.
    a.link.sync();
    await a.names.restore(a.link.generation);
    await freed(a.kv, "leave");
    deepStrictEqual(await holder(a.kv, "keep"), { node: a.node, session: keeper.id });
    strictEqual((await holder(a.kv, "clash"))?.node, b.node);
    deepStrictEqual(a.lost, [clash], "the name another node held first is lost");
    for (const name of ["fickle", "quitter"]) strictEqual(await holder(a.kv, name), undefined);
    strictEqual(a.names.size, 1);
  },
);

natsTest("NameClaims: a claim NATS fails is held locally, and claimed again", async () => {
  await using nats = await startNats();
  let failures = 2;
  let real: KV | undefined;
  await using a = await nodeOn(nats, (kv) => {
    real = kv;
    return tampered(kv, {
      create: (key: string, value: string) => {
        if (failures-- > 0) return Promise.reject(new Error("a request timed out"));
        return kv.create(key, value);
      },
    });
  });
  const alice = member("alice");
  // The first create fails: held locally (the session has its name), claimed again in the
  // background; that fails too, and is tried again at the next restore.
  await a.names.claim(alice, "alice");
  strictEqual(a.names.size, 1);
  await eventually("the second create", () => Promise.resolve(failures <= 0 || undefined));
  await a.names.restore(a.link.generation);
  deepStrictEqual(await holder(real!, "alice"), { node: a.node, session: alice.id });
  // A restore whose claim fails otherwise than name_taken fails.
  const bob = member("bob");
  await a.names.claim(bob, "bob");
  failures = 1;
  await a.kv.delete(nameKey("bob"));
  await rejects(a.names.restore(a.link.generation), /timed out/);
});

natsTest(
  "NameClaims: a name released while its background claim is on its way is not left held",
  async () => {
    await using nats = await startNats();
    let failures = 1;
    const second = Promise.withResolvers<void>();
    const proceed = Promise.withResolvers<void>();
    await using a = await nodeOn(nats, (kv) =>
      tampered(kv, {
        create: async (key: string, value: string) => {
          if (failures-- > 0) throw new Error("a request timed out");
          // The background claim: let the session give the name up before it lands.
          second.resolve();
          await proceed.promise;
          return kv.create(key, value);
        },
      }));
    const alice = member("alice");
    await a.names.claim(alice, "alice");
    await second.promise;
    a.names.release(alice, "alice");
    proceed.resolve();
    await freed(a.kv, "alice");
    strictEqual(a.names.size, 0);
    // Another node can take it.
    await using b = await nodeOn(nats);
    const other = member("alice");
    await b.names.claim(other, "alice");
    deepStrictEqual(await holder(b.kv, "alice"), { node: b.node, session: other.id });
  },
);

natsTest(
  "NameClaims: a takeover that loses every race is name_taken; a name freed meanwhile is claimed",
  async () => {
    await using nats = await startNats();
    const tamper: Partial<KV> = {};
    await using a = await nodeOn(nats, (kv) => tampered(kv, tamper));
    const dead = (session: string) => JSON.stringify({ node: "deadbeefdeadbeef", session });
    await a.kv.create(nameKey("contested"), dead("x"));
    a.clock.advance(TTL); // the view is old enough to count unknown nodes dead
    // Each takeover is beaten by another writer, three times over.
    let beaten = 0;
    tamper.update = async (key: string, value: string, revision: number) => {
      await a.kv.put(key, dead(`racer-${++beaten}`));
      return a.kv.update(key, value, revision);
    };
    await rejects(a.names.claim(member(), "contested") as Promise<void>, nameTaken);
    strictEqual(beaten, 3);
    // A name whose entry is deleted between a failed create and the read is claimed on the next try.
    delete tamper.update;
    tamper.get = async (key: string) => {
      await a.kv.delete(key);
      delete tamper.get;
      return a.kv.get(key);
    };
    const winner = member();
    await a.names.claim(winner, "contested");
    deepStrictEqual(await holder(a.kv, "contested"), { node: a.node, session: winner.id });
  },
);
