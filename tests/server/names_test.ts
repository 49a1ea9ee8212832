/**
 * Display names of one node: renames checked against the registry and,
 * when the backplane claims names (a cluster), held back until the claim
 * answers; a name lost to another node. The backplane is a fake whose
 * claims the test answers.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { guestName } from "../../src/protocol/messages.ts";
import { type Backplane, LocalBackplane } from "../../src/server/backplane.ts";
import type { Member } from "../../src/server/member.ts";
import { Names } from "../../src/server/names.ts";
import { Registry } from "../../src/server/registry.ts";
import { type TestMember, testMember } from "../helpers/cluster.ts";

/** A backplane alone but for its claims, which wait for the test, and what it is told of names. */
class ClaimingBackplane implements Backplane {
  readonly told: string[] = [];
  readonly claims: PromiseWithResolvers<void>[] = [];
  #alone = new LocalBackplane();
  readonly node = undefined;
  readonly reachable = true;
  start = this.#alone.start;
  stop = this.#alone.stop;
  directory = this.#alone.directory;
  nodeOf = this.#alone.nodeOf;
  publish = this.#alone.publish;
  opened = this.#alone.opened;
  joined = this.#alone.joined;
  left = this.#alone.left;
  closed = this.#alone.closed;
  displace = this.#alone.displace;
  historyStore = this.#alone.historyStore;
  away = this.#alone.away;
  back = this.#alone.back;
  claim(_: Member, name: string): Promise<void> {
    this.told.push(`claim ${name}`);
    const claim = Promise.withResolvers<void>();
    this.claims.push(claim);
    return claim.promise;
  }
  release(_: Member, name: string): void {
    this.told.push(`release ${name}`);
  }
  renamed(member: Member): void {
    this.told.push(`renamed ${member.name}`);
  }
}

/** A registry with one registered session, its names over a claiming backplane. */
function setup() {
  const registry = new Registry<TestMember>();
  const backplane = new ClaimingBackplane();
  const notices: string[] = [];
  const names = new Names(registry, backplane, {
    renamed: (member, old) => notices.push(`${old} is ${member.name}`),
  });
  const session = testMember();
  registry.release(session.id);
  registry.add(session);
  return { registry, backplane, names, session, notices };
}

Deno.test("Names.rename() takes the name once the cluster's claim answers, and releases the old one", async () => {
  const { backplane, names, session, registry } = setup();
  strictEqual(names.rename(session, session.name), undefined, "its own name: nothing to do");
  const renaming = names.rename(session, "alice") as Promise<void>;
  strictEqual(session.name, guestName(session.id), "not before the claim answers");
  backplane.claims[0].resolve();
  await renaming;
  strictEqual(registry.byName("alice"), session);
  const again = names.rename(session, "alicia") as Promise<void>;
  backplane.claims[1].resolve();
  await again;
  deepStrictEqual(backplane.told, [
    "claim alice",
    "renamed alice",
    "claim alicia",
    "release alice",
    "renamed alicia",
  ]);
});

Deno.test("Names.rename(): a name claimed for a session that ended meanwhile is released", async () => {
  const { backplane, names, session } = setup();
  const renaming = names.rename(session, "alice") as Promise<void>;
  session.gone = true;
  backplane.claims[0].resolve();
  await renaming;
  strictEqual(session.name, guestName(session.id));
  deepStrictEqual(backplane.told, ["claim alice", "release alice"]);
});

Deno.test("Names.rename(): a name another session of this node took meanwhile is name_taken", async () => {
  const { backplane, names, session, registry } = setup();
  const renaming = names.rename(session, "alice") as Promise<void>;
  const other = testMember();
  registry.rename(other, "alice");
  registry.add(other);
  backplane.claims[0].resolve();
  await rejects(renaming, { code: "name_taken" });
  strictEqual(session.name, guestName(session.id));
  deepStrictEqual(backplane.told, ["claim alice", "release alice"]);
});

Deno.test("Names.rename(): another spelling of the name held keeps its claim; rooms hear of each new name", async () => {
  const { backplane, names, session, notices } = setup();
  const renaming = names.rename(session, "alice") as Promise<void>;
  backplane.claims[0].resolve();
  await renaming;
  const respelled = names.rename(session, "Alice") as Promise<void>;
  backplane.claims[1].resolve();
  await respelled;
  deepStrictEqual(backplane.told, ["claim alice", "renamed alice", "claim Alice", "renamed Alice"]);
  deepStrictEqual(notices, [`${guestName(session.id)} is alice`, "alice is Alice"]);
  strictEqual(names.rename(session, "Alice"), undefined, "its own name: nothing to do");
});

Deno.test("Names.loseName() gives the guest name back, and tells the cluster only of a registered session", () => {
  const { backplane, names, session, registry } = setup();
  registry.rename(session, "alice");
  names.loseName(session);
  strictEqual(session.name, guestName(session.id));
  strictEqual(registry.byName("alice"), undefined);
  const handshaking = testMember();
  registry.rename(handshaking, "bob");
  names.loseName(handshaking);
  strictEqual(handshaking.name, guestName(handshaking.id));
  deepStrictEqual(backplane.told, [`renamed ${guestName(session.id)}`]);
});
