/**
 * The server's session under faults of its own or of its handler, and the
 * relay of a handler that names its targets itself, on real sockets.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { MessageHandler, SessionInfo } from "../../src/server/handler.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { assertNothing, expectErrorOpen, ready, sync } from "../helpers/session.ts";

/** Relays each message to everyone else, unless it asks the handler to fail. */
const fragile: MessageHandler = {
  name: "fragile",
  types: ["message"],
  handle(frame, ctx) {
    if (frame.content === "throw") throw new TypeError("a bug in the handler");
    if (frame.content === "reject") return Promise.reject(new RangeError("an async bug"));
    const recipients = ctx.relay({ everyone: true }, { type: "message", content: frame.content });
    ctx.ack({ recipients });
  },
};

Deno.test("Session: a handler that throws a non-ChatError gets invalid_message to that client alone, and the session lives on", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    handler: fragile,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  await using victim = await ready(s.tcp, { name: "victim" });
  await using bystander = await ready(s.unix, { name: "bystander" });
  for (const [i, content] of ["throw", "reject", "throw"].entries()) {
    await victim.say({ type: "message", content, id: i });
    await expectErrorOpen(victim, "invalid_message", i);
  }
  // Without an id, the error carries none.
  await victim.say({ type: "message", content: "throw" });
  await expectErrorOpen(victim, "invalid_message");
  await assertNothing(bystander, "error");
  await assertNothing(bystander, "message");
  // Both sessions go on as before.
  await victim.say({ type: "message", content: "still here", id: "after" });
  strictEqual((await victim.ackOf("after")).recipients, 1);
  strictEqual((await bystander.next("message")).content, "still here");
  strictEqual(reasons.size, 0);
});

Deno.test("Session: a fault inside the session itself closes that one session with internal_error", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    // A hook that throws makes the session's own handshake fail.
    onSessionOpen: (session) => {
      if (session.name === "doomed") throw new Error("a bug in the hook");
    },
    onSessionClose: (session, reason) => reasons.set(session.name, reason),
  });
  await using alice = await ready(s.tcp, { name: "alice" });
  await using doomed = await RawClient.session(s.unix, { name: "doomed" });
  await doomed.closed();
  strictEqual(reasons.get("doomed"), "internal_error");
  deepStrictEqual(doomed.backlog, [], "no ack: the handshake did not complete");
  // The others are unharmed, and the name is free again.
  await sync(alice);
  await using bob = await ready(s.tcp, { name: "bob" });
  await alice.say({ type: "message", content: "hi", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 1);
  strictEqual((await bob.next("message")).content, "hi");
  await alice.say({ type: "nick", content: "doomed", id: 2 });
  strictEqual((await alice.ackOf(2)).content, "doomed");
  deepStrictEqual(s.server.sessions.map((e) => e.name).sort(), ["bob", "doomed"]);
  deepStrictEqual([...reasons.keys()], ["doomed"]);
});

Deno.test("Session: a handler's relay to SessionInfo objects of its own reaches the sessions with those ids", async () => {
  // Targets made by the handler, not taken from the directory: plain literals.
  const handler: MessageHandler = {
    name: "literal",
    types: ["message"],
    handle(frame, ctx) {
      const targets: SessionInfo[] = [...ctx.directory.sessions()]
        .filter((s) => s.id !== ctx.session.id)
        .map((s) => ({ id: s.id, name: s.name, transport: s.transport, rooms: new Set(s.rooms) }));
      // An id nobody holds reaches nobody.
      targets.push({ id: crypto.randomUUID(), name: "ghost", transport: "tcp", rooms: new Set() });
      const recipients = ctx.relay(targets, { type: "message", content: frame.content });
      ctx.ack({ recipients });
    },
  };
  await using s = await startServer({ handler });
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await using carol = await ready(s.tcp, { name: "carol" });
  await alice.say({ type: "message", content: "to each by id", id: 1 });
  strictEqual((await alice.ackOf(1)).recipients, 2);
  for (const client of [bob, carol]) {
    const got = await client.next("message");
    deepStrictEqual(got, {
      type: "message",
      content: "to each by id",
      session_id: client.sessionId,
    });
  }
  await assertNothing(alice, "message");
  await assertNothing(alice, "error");
  ok(!alice.ended);
});
