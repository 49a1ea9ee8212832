/**
 * The registry of a server's sessions: ids and guest names, unique display
 * names, rooms, and what a session leaves behind when it goes.
 *
 * @module
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { guestName } from "../../src/protocol/messages.ts";
import { type Entry, Registry } from "../../src/server/registry.ts";
import { testEntry } from "../helpers/entry.ts";
import { UUID_V4 } from "../helpers/session.ts";

/** A session of `registry` in its handshake: an id, its guest name, no rooms. */
function entry(registry: Registry): Entry {
  const id = registry.newSessionId();
  return testEntry(id, guestName(id));
}

/** Two registered sessions: one called alice, one with its guest name. */
function aliceAndBob(registry: Registry): [Entry, Entry] {
  const alice = entry(registry);
  const bob = entry(registry);
  registry.rename(alice, "alice");
  registry.add(alice);
  registry.add(bob);
  return [alice, bob];
}

/** The error code a registry call throws. */
function code(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return "none";
}

Deno.test("Registry.newSessionId() gives a UUID v4 and holds its guest name until release()", () => {
  const registry = new Registry();
  const ids = Array.from({ length: 100 }, () => registry.newSessionId());
  for (const id of ids) match(id, UUID_V4);
  strictEqual(new Set(ids.map(guestName)).size, ids.length);
  const [id] = ids;
  // Its guest name is nobody else's, though nobody is registered yet.
  strictEqual(registry.size, 0);
  ok(!registry.isFree(guestName(id)));
  const own = testEntry(id, guestName(id), "unix");
  ok(registry.isFree(guestName(id), own), "a session may take its own guest name");
  registry.release(id);
  ok(registry.isFree(guestName(id)));
});

Deno.test("Registry.add() registers a session under its name; find() takes a name, else an id", () => {
  const registry = new Registry();
  const [alice, bob] = aliceAndBob(registry);
  strictEqual(registry.size, 2);
  deepStrictEqual([...registry.sessions()], [alice, bob]);
  strictEqual(registry.get(alice.id), alice);
  strictEqual(registry.byName("alice"), alice);
  strictEqual(registry.find("alice"), alice);
  strictEqual(registry.find(bob.id), bob);
  strictEqual(registry.find(bob.name), bob);
  strictEqual(registry.find("nobody"), undefined);
  // Names compare as PROTOCOL.md section 2 says: NFKC, then lowercase.
  strictEqual(registry.byName("Alice"), alice);
  strictEqual(registry.find("ＡＬＩＣＥ"), alice);
  strictEqual(registry.byName("alíce"), undefined);
});

Deno.test("Registry names are unique: checkName() and rename() say invalid_name or name_taken", () => {
  const registry = new Registry();
  const [alice, bob] = aliceAndBob(registry);
  strictEqual(code(() => registry.checkName(bob, "alice")), "name_taken");
  strictEqual(code(() => registry.checkName(bob, "ALICE")), "name_taken");
  strictEqual(code(() => registry.rename(bob, guestName(alice.id))), "name_taken");
  // A client may not choose a guest name, its own or another's, in any case.
  strictEqual(code(() => registry.checkName(bob, guestName(alice.id))), "invalid_name");
  strictEqual(code(() => registry.checkName(bob, guestName(bob.id))), "invalid_name");
  strictEqual(code(() => registry.checkName(bob, "Guest-x")), "invalid_name");
  strictEqual(code(() => registry.checkName(bob, "two words")), "invalid_name");
  strictEqual(registry.checkName(bob, "ｂｏｂ"), "bob", "the name as it is stored: NFKC");
  strictEqual(code(() => registry.rename(bob, "")), "invalid_name");
  strictEqual(code(() => registry.rename(bob, "alice")), "name_taken");
  strictEqual(bob.name, guestName(bob.id), "a refused rename changes nothing");
  // A rename frees the old name.
  registry.rename(alice, "alicia");
  strictEqual(registry.byName("alice"), undefined);
  strictEqual(registry.byName("alicia"), alice);
  ok(registry.isFree("alice"));
  registry.rename(bob, "alice");
  strictEqual(registry.find("alice"), bob);
  // Renaming to the name it holds is no conflict, in another spelling neither.
  strictEqual(code(() => registry.checkName(bob, "alice")), "none");
  registry.rename(bob, "Alice");
  strictEqual(registry.byName("alice"), bob);
  strictEqual(bob.name, "Alice");
});

Deno.test("Registry rooms: join() creates a room, leave() empties it, members() lists it", () => {
  const registry = new Registry();
  const [alice, bob] = [entry(registry), entry(registry)];
  registry.add(alice);
  registry.add(bob);
  registry.join(alice, "lobby");
  registry.join(bob, "lobby");
  registry.join(bob, "ops");
  deepStrictEqual([...registry.members("lobby")], [alice, bob]);
  deepStrictEqual([...bob.rooms], ["lobby", "ops"]);
  // A room is one room in every spelling, shown as it was created.
  strictEqual(registry.join(alice, "OPS"), "ops");
  deepStrictEqual([...registry.members("Ops")], [bob, alice]);
  strictEqual(registry.roomName("ＯＰＳ"), "ops");
  strictEqual(registry.leave(alice, "Ops"), "ops");
  strictEqual(registry.join(alice, "Kitchen"), "Kitchen");
  strictEqual(registry.roomName("kitchen"), "Kitchen");
  registry.leave(alice, "KITCHEN");
  strictEqual(registry.roomName("kitchen"), undefined, "an empty room is gone");
  strictEqual(code(() => registry.join(alice, "no spaces")), "invalid_name");
  strictEqual(code(() => registry.leave(alice, "ops")), "no_such_room");
  registry.leave(bob, "ops");
  deepStrictEqual([...registry.members("ops")], []);
  deepStrictEqual([...bob.rooms], ["lobby"]);
  registry.leave(alice, "lobby");
  deepStrictEqual([...registry.members("lobby")], [bob]);
  deepStrictEqual([...registry.members("nowhere")], []);
});

Deno.test("Registry.remove() takes a session out of its rooms and frees its name", () => {
  const registry = new Registry();
  const [alice, bob] = aliceAndBob(registry);
  registry.join(alice, "lobby");
  registry.join(bob, "lobby");
  registry.remove(alice);
  strictEqual(registry.size, 1);
  strictEqual(registry.get(alice.id), undefined);
  strictEqual(registry.find("alice"), undefined);
  ok(registry.isFree("alice"));
  deepStrictEqual([...registry.members("lobby")], [bob]);
  registry.remove(bob);
  deepStrictEqual([...registry.members("lobby")], []);
  registry.remove(bob); // again: harmless
  strictEqual(registry.size, 0);
});

Deno.test("Registry.remove() of a session in its handshake frees the name it took, and nothing else", () => {
  const registry = new Registry();
  const alice = entry(registry);
  registry.add(alice);
  // Another session took a name during its handshake, then ended before it completed.
  const early = entry(registry);
  registry.rename(early, "early");
  ok(!registry.isFree("early"));
  strictEqual(registry.get(early.id), undefined);
  registry.remove(early);
  ok(registry.isFree("early"));
  deepStrictEqual([...registry.sessions()], [alice]);
  // A stale copy with a registered session's id removes nothing.
  registry.remove(testEntry(alice.id, alice.name, alice.transport, ["x"]));
  strictEqual(registry.get(alice.id), alice);
});

Deno.test("Registry.replace() puts a session in another's place: its name and rooms in every spelling, rooms shown as created", () => {
  const registry = new Registry();
  const [alice, bob] = aliceAndBob(registry);
  registry.rename(alice, "Alice");
  registry.join(alice, "Lobby");
  registry.join(bob, "LOBBY");
  registry.join(alice, "ops");
  // The same session on another connection: same id and name, no rooms yet.
  const next = testEntry(alice.id, alice.name, "unix");
  registry.replace(alice, next);
  strictEqual(registry.get(alice.id), next);
  strictEqual(registry.find("ALICE"), next, "the name, by its key");
  ok(!registry.isFree("alice", bob));
  ok(registry.isFree("alice", next));
  deepStrictEqual([...next.rooms].sort(), ["Lobby", "ops"], "the rooms' shown names");
  deepStrictEqual([...registry.members("lobby")], [bob, next]);
  deepStrictEqual([...registry.members("OPS")], [next]);
  strictEqual(registry.roomName("LOBBY"), "Lobby");
  // Removing the old entry takes nothing of the new one.
  registry.remove(alice);
  strictEqual(registry.find("alice"), next);
  deepStrictEqual([...registry.members("ops")], [next]);
  // The new one leaves a room in any spelling, and goes.
  strictEqual(registry.leave(next, "LOBBY"), "Lobby");
  registry.remove(next);
  strictEqual(registry.find("alice"), undefined);
  strictEqual(registry.roomName("ops"), undefined);
  deepStrictEqual([...registry.members("lobby")], [bob]);
});
