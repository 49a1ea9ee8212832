/**
 * The name rules of PROTOCOL.md section 2 on a real server: names and room
 * names normalized (NFKC), compared without case, nothing invisible or of
 * two scripts, no `guest-` names chosen by a client.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { WhoEntry } from "../../src/protocol/messages.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { assertNothing, expectError, expectErrorOpen, ready, sync } from "../helpers/session.ts";

/** Names refused next to `bob`: each looks like a name, or like bob. */
const REFUSED = [
  "бob", // a Cyrillic б with Latin letters
  "b\u200bob", // a zero-width space
  "\u202eboba", // a right-to-left override
  "\u3164", // Hangul filler
  "\u2800", // Braille blank
  "bob\u0301\u200d", // a zero-width joiner
  "guest-1234abcd", // the server's names
  "Guest-bob",
];

Deno.test("nick: another spelling of a name held is name_taken; confusable and invisible names are invalid_name", async () => {
  await using s = await startServer();
  await using _bob = await ready(s.tcp, { name: "bob" });
  await using mallory = await ready(s.unix, { name: "mallory" });
  for (const [i, name] of ["Bob", "BOB", "ｂｏｂ"].entries()) {
    await mallory.say({ type: "nick", content: name, id: `taken-${i}` });
    await expectErrorOpen(mallory, "name_taken", `taken-${i}`);
  }
  for (const [i, name] of REFUSED.entries()) {
    await mallory.say({ type: "nick", content: name, id: `bad-${i}` });
    await expectErrorOpen(mallory, "invalid_name", `bad-${i}`);
  }
  // A lone surrogate in the JSON text is an invalid name, not invalid JSON.
  await mallory.write(
    `{"type":"nick","content":"bob\\ud800","id":"lone","session_id":"${mallory.sessionId}"}\n`,
  );
  await expectErrorOpen(mallory, "invalid_name", "lone");
  strictEqual(s.server.sessions.find((e) => e.id === mallory.sessionId)?.name, "mallory");
});

Deno.test("session_ack: a refused name leaves the guest name; a name is stored and shown normalized", async () => {
  // Without history: the guests' sessions end with their connections (away, who would list them).
  await using s = await startServer({ history: 0 });
  await using _bob = await ready(s.tcp, { name: "bob" });
  for (const name of ["Bob", ...REFUSED]) {
    await using client = await RawClient.session(s.unix, { name });
    const error = await expectError(client, name === "Bob" ? "name_taken" : "invalid_name", "hs");
    strictEqual(typeof error.content, "string");
    await sync(client);
    const me = s.server.sessions.find((e) => e.id === client.sessionId);
    strictEqual(me?.name, `guest-${client.sessionId.slice(0, 8)}`);
  }
  // Fullwidth letters and a ligature: stored as NFKC makes them.
  await using wide = await ready(s.tcp, { name: "ｃａｒｏｌ\ufb01" });
  strictEqual(s.server.sessions.find((e) => e.id === wide.sessionId)?.name, "carolfi");
  await wide.say({ type: "who", id: "w" });
  const who = await wide.next("who");
  deepStrictEqual(
    (who.content as WhoEntry[]).map((e) => e.name).sort(),
    ["bob", "carolfi"],
  );
});

Deno.test("a direct message to any spelling of a name reaches its holder", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "Alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  for (const [i, to] of ["bob", "BOB", "ｂｏｂ"].entries()) {
    await alice.say({ type: "message", content: `hi ${i}`, to, id: i });
    strictEqual((await alice.ackOf(i)).recipients, 1);
    const got = await bob.next("message");
    deepStrictEqual([got.content, got.from, got.to], [`hi ${i}`, "Alice", to]);
  }
});

Deno.test("rooms: one room in every spelling, shown by the spelling it was created with", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await alice.say({ type: "join", content: "Lobby", id: "j1" });
  strictEqual((await alice.ackOf("j1")).content, "Lobby");
  await bob.say({ type: "join", content: "ＬＯＢＢＹ", id: "j2" });
  strictEqual((await bob.ackOf("j2")).content, "Lobby", "join lobby enters Lobby");
  await bob.say({ type: "join", content: "lobby", id: "j3" });
  strictEqual((await bob.ackOf("j3")).content, "Lobby", "already in it: nothing changes");
  await alice.say({ type: "message", content: "hi room", room: "LOBBY", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 1);
  const got = await bob.next("message");
  deepStrictEqual([got.content, got.room], ["hi room", "Lobby"]);
  await bob.say({ type: "who", room: "lobby", id: "w" });
  const who = await bob.next("who");
  strictEqual(who.room, "lobby", "the request's room, as asked");
  deepStrictEqual(
    (who.content as WhoEntry[]).map((e) => [e.name, e.rooms]).sort(),
    [["alice", ["Lobby"]], ["bob", ["Lobby"]]],
  );
  // Invalid room names are refused; leaving works in any spelling.
  for (const [i, room] of ["b\u200bar", "two words", "бar"].entries()) {
    await alice.say({ type: "join", content: room, id: `bad-${i}` });
    await expectErrorOpen(alice, "invalid_name", `bad-${i}`);
  }
  await alice.say({ type: "leave", content: "lObBy", id: "l" });
  strictEqual((await alice.ackOf("l")).content, "Lobby");
  await alice.say({ type: "message", content: "gone", room: "Lobby", id: 2 });
  await expectErrorOpen(alice, "no_such_room", 2);
  await assertNothing(bob, "message");
});
