/**
 * Every error code of PROTOCOL.md section 6 after the handshake, with its
 * connection fate: "stays open" means a following valid frame still works,
 * "closed" means the client sees the connection end. The handshake's own
 * errors (handshake_timeout, unauthorized, bad_session of a first frame) are
 * in handshake_test.ts.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import type { CloseReason } from "../../src/server/options.ts";
import { within } from "../../src/async/deadline.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import {
  assertNothing,
  expectError,
  expectErrorClosed,
  expectErrorOpen,
  ready,
  signal,
  sync,
} from "../helpers/session.ts";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { serverSettings } from "../../src/server/settings.ts";
import { ManualClock } from "../../src/async/clock.ts";

Deno.test("ChatServer answers a frame that is not JSON with invalid_json and stays open", async () => {
  await using s = await startServer();
  for (const to of [s.tcp, s.unix]) {
    await using client = await ready(to);
    for (
      const garbage of [
        "{nope}\n",
        "hello\n",
        '{"type":"message","content":"unterminated}\n',
        '{"type":"message",}\r\n',
        "tru\n",
        new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]), // {"<invalid UTF-8>"}
      ]
    ) {
      await client.write(garbage);
      await expectErrorOpen(client, "invalid_json");
    }
  }
});

Deno.test("ChatServer answers a frame of the wrong shape with invalid_message and stays open", async () => {
  await using s = await startServer();
  for (const to of [s.tcp, s.unix]) {
    await using client = await ready(to);
    for (const raw of ["[1,2]", '"a string"', "42", "null", "[]"]) {
      await client.write(raw + "\n");
      await expectErrorOpen(client, "invalid_message");
    }
    const wrong = [
      { content: "no type", id: "a" },
      { type: 5, content: "type not a string", id: "b" },
      { type: "message", id: "c" },
      { type: "message", content: 5, id: "d" },
      { type: "nick", content: ["x"], id: "e" },
      { type: "join", content: null, id: "f" },
      { type: "leave", id: "g" },
      { type: "message", content: "x", to: 5, id: "h" },
      { type: "message", content: "x", room: {}, id: "i" },
    ];
    for (const frame of wrong) {
      await client.say(frame as never);
      await expectErrorOpen(client, "invalid_message", frame.id);
    }
    // An id that is neither a string nor a number is not echoed.
    await client.say({ type: "message", content: "x", id: { nested: true } as never });
    await expectErrorOpen(client, "invalid_message");
  }
});

Deno.test("ChatServer answers a type it does not handle with unknown_type and stays open", async () => {
  await using s = await startServer();
  await using client = await ready(s.unix);
  for (const type of ["dance", "ack", "error", "session_init", "session_ack", "MESSAGE"]) {
    await client.say({ type, content: "x", id: type });
    await expectErrorOpen(client, "unknown_type", type);
  }
});

Deno.test("ChatServer closes a connection that sends a frame over maxFrame, with frame_too_large", async () => {
  // Without history: a session cut ends for good, and its name is free for the next round.
  await using s = await startServer({ maxFrame: 1024, history: 0 });
  for (const to of [s.tcp, s.unix]) {
    await using bob = await ready(to === s.tcp ? s.unix : s.tcp, { name: "bob" });
    // A frame of exactly maxFrame bytes is accepted; one byte more is not.
    await using alice = await ready(to, { name: "alice" });
    const exact = (content: string) =>
      JSON.stringify({ type: "message", session_id: alice.sessionId, content });
    const pad = "x".repeat(1024 - exact("").length);
    strictEqual(new TextEncoder().encode(exact(pad)).length, 1024);
    await alice.write(exact(pad) + "\n");
    strictEqual((await bob.next("message")).content, pad);
    await sync(alice);
    // The frames before the oversized one, in the same write, are handled.
    await alice.write(exact("before") + "\n" + exact(pad + "x") + "\n" + exact("after") + "\n");
    await expectErrorClosed(alice, "frame_too_large");
    strictEqual((await bob.next("message")).content, "before");
    await assertNothing(bob, "message");
  }
  // An oversized frame is caught before it ends: no line feed, no closing brace.
  for (const to of [s.tcp, s.unix]) {
    await using endless = await ready(to);
    await endless.write(`{"type":"message","content":"${"y".repeat(4096)}`);
    await expectErrorClosed(endless, "frame_too_large");
  }
});

Deno.test("ChatServer closes a session whose frame has a missing or wrong session_id, with bad_session", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    history: 0, // a session cut ends for good: "alice" is free for the next one
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  await using bob = await ready(s.tcp, { name: "bob" });
  for (const to of [s.tcp, s.unix]) {
    for (const session_id of [undefined, crypto.randomUUID(), bob.sessionId, ""]) {
      await using alice = await ready(to, { name: "alice" });
      await alice.send({ type: "message", content: "hi", session_id, id: "m" });
      await expectErrorClosed(alice, "bad_session", "m");
      strictEqual(reasons.get(alice.sessionId), "bad_session");
    }
  }
  await assertNothing(bob, "message");
});

Deno.test("ChatServer answers a nick to a taken name with name_taken and stays open", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using guest = await ready(s.unix);
  await using bob = await ready(s.unix, { name: "bob" });
  const guestName = `guest-${guest.sessionId.slice(0, 8)}`;
  for (const [i, name] of ["alice", "Alice"].entries()) {
    await bob.say({ type: "nick", content: name, id: i });
    await expectErrorOpen(bob, "name_taken", i);
  }
  // Guest names are the server's: a client may choose none, held or not.
  await bob.say({ type: "nick", content: guestName, id: "g" });
  await expectErrorOpen(bob, "invalid_name", "g");
  await bob.say({ type: "message", content: "still bob", id: "m" });
  await bob.ackOf("m");
  strictEqual((await alice.next("message")).from, "bob");
});

Deno.test("ChatServer answers an invalid name or room name with invalid_name and stays open", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  const bad = ["", " ", "a b", "a\tb", "a\u0085b", "\u001b[31m", "x".repeat(33), "🦊".repeat(33)];
  for (const [i, name] of bad.entries()) {
    await alice.say({ type: "nick", content: name, id: `n${i}` });
    await expectErrorOpen(alice, "invalid_name", `n${i}`);
    await alice.say({ type: "join", content: name, id: `j${i}` });
    await expectErrorOpen(alice, "invalid_name", `j${i}`);
  }
  await alice.say({ type: "who", id: "w" });
  const who = await alice.next("who");
  assertEquals(who.content, [
    { session_id: alice.sessionId, name: "alice", transport: "tcp", rooms: [] },
  ]);
});

Deno.test("ChatServer answers no_such_room for a room the session is not in and stays open", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  await bob.say({ type: "join", content: "lobby", id: "j" });
  await bob.ackOf("j");
  await alice.say({ type: "leave", content: "lobby", id: 1 });
  await expectErrorOpen(alice, "no_such_room", 1);
  await alice.say({ type: "message", content: "hi", room: "lobby", id: 2 });
  await expectErrorOpen(alice, "no_such_room", 2);
  await alice.say({ type: "message", content: "hi", room: "nowhere" });
  await expectErrorOpen(alice, "no_such_room");
  await assertNothing(bob, "message");
});

Deno.test("ChatServer answers a message to nobody with no_such_recipient and stays open", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  const gone = await ready(s.unix, { name: "carol" });
  const goneId = gone.sessionId;
  await gone.say({ type: "disconnect", content: "bye" });
  await gone.closed();
  await gone.close();
  for (const [i, to] of ["nobody", "bób", crypto.randomUUID(), "carol", goneId].entries()) {
    await alice.say({ type: "message", content: "hello?", to, id: i });
    await expectErrorOpen(alice, "no_such_recipient", i);
  }
  await assertNothing(bob, "message");
});

Deno.test("ChatServer refuses a connection over maxClients with server_full and closes it", async () => {
  await using s = await startServer({ maxClients: 2 });
  await using alice = await ready(s.tcp, { name: "alice" });
  // A connection still in its handshake does not count (--max-handshakes does).
  await using pending = await RawClient.connect(s.unix);
  await pending.next("session_init");
  await using bob = await ready(s.tcp, { name: "bob" });
  for (const to of [s.tcp, s.unix]) {
    await using third = await RawClient.connect(to);
    const error = await third.next();
    assertEquals(error, { type: "error", code: "server_full", content: error.content });
    strictEqual(typeof error.content, "string");
    await third.closed();
  }
  await sync(alice);
  // Once a session leaves, a new one is welcome.
  await pending.close();
  await alice.say({ type: "disconnect", content: "bye" });
  await alice.closed();
  await using last = await ready(s.tcp, { name: "last" });
  await last.say({ type: "message", content: "hi", id: 1 });
  strictEqual((await last.ackOf(1)).recipients, 1);
  strictEqual((await bob.next("message")).content, "hi");
});

Deno.test("ChatServer closes a silent session with heartbeat_timeout after timeout × retries, by its clock", async () => {
  const reasons = new Map<string, CloseReason>();
  const clock = new ManualClock();
  const heartbeat = { interval: 5, timeout: 10, retries: 3 };
  await using s = await startServer({
    clock,
    heartbeat,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  const silenceMs = 1000 * heartbeat.timeout * heartbeat.retries;
  const { sweepMs } = serverSettings({ heartbeat });
  for (const to of [s.tcp, s.unix]) {
    await using witness = await ready(to === s.tcp ? s.unix : s.tcp);
    await using silent = await ready(to, { name: `silent-${to.transport}` });
    // Silent for exactly timeout × retries: still in, as a relay to it proves.
    clock.advance(silenceMs);
    await witness.say({ type: "message", content: "still there?", to: silent.sessionId, id: 1 });
    strictEqual((await witness.ackOf(1)).recipients, 1);
    strictEqual((await silent.next("message")).content, "still there?");
    // The sweep after it cuts it; the witness, heard since, is not cut.
    clock.advance(sweepMs);
    const error = await expectErrorClosed(silent, "heartbeat_timeout");
    strictEqual(error.content, "no frame within 30 s");
    strictEqual(reasons.get(silent.sessionId), "heartbeat_timeout");
    await sync(witness);
    ok(!reasons.has(witness.sessionId));
  }
});

Deno.test("ChatServer counts any valid frame, and no invalid one, as a sign of life", async () => {
  const clock = new ManualClock();
  const heartbeat = { timeout: 0.25, retries: 2 };
  await using s = await startServer({ clock, heartbeat });
  const silenceMs = 500;
  const { sweepMs } = serverSettings({ heartbeat });
  // Pings and who requests, each within the limit of the one before, keep a session alive
  // for three times the limit.
  await using lively = await ready(s.tcp, { name: "lively" });
  for (let i = 0; i < 6; i++) {
    clock.advance(silenceMs / 2);
    if (i % 2) await sync(lively);
    else {
      await lively.say({ type: "who" });
      await lively.next("who");
    }
  }
  ok(!lively.ended);
  // Invalid frames do not: the session is cut at the limit of its last valid frame.
  await using garbled = await ready(s.unix);
  for (let i = 0; i < 4; i++) {
    clock.advance(silenceMs / 4);
    await garbled.write("not json\n");
    await expectError(garbled, "invalid_json");
  }
  clock.advance(sweepMs);
  await expectErrorClosed(garbled, "heartbeat_timeout");
});

Deno.test("ChatServer sends heartbeat_timeout once to a session that is slow to read it", async () => {
  await using s = await startServer({
    heartbeat: { timeout: 0.1, retries: 2 },
    maxQueue: 64 * 1024 * 1024,
    shutdownGrace: 10,
  });
  // A session that stops reading while it is flooded stays silent past the limit.
  await using flooder = await ready(s.tcp, { name: "flooder" });
  await using stuck = await ready(s.unix, { name: "stuck" });
  stuck.pause();
  const content = "z".repeat(16 * 1024);
  for (let i = 0; i < 64; i++) {
    await flooder.say({ type: "message", content, to: "stuck", id: i });
    strictEqual((await flooder.ackOf(i)).recipients, 1);
    // It still writes, so it is not cut before the flood is over.
    await stuck.say({ type: "heartbeat", content: "ping" });
  }
  // Two later sessions cut for silence prove that sweeps went by meanwhile.
  for (let i = 0; i < 2; i++) {
    await using witness = await ready(s.tcp);
    await expectErrorClosed(witness, "heartbeat_timeout");
  }
  stuck.resume();
  await stuck.closed();
  const errors = stuck.backlog.filter((f) => f.type === "error");
  assertEquals(errors.map((f) => f.code), ["heartbeat_timeout"]);
  strictEqual(stuck.backlog.filter((f) => f.type === "message").length, 64);
  strictEqual(stuck.backlog.filter((f) => f.type === "heartbeat").length, 64);
});

Deno.test("ChatServer cuts a session that does not read with slow_consumer, and others keep getting relays", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    maxQueue: 64 * 1024,
    history: 0, // a session cut ends for good: the next round's recipients do not count it
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  for (const to of [s.unix, s.tcp]) {
    await using slow = await ready(to, { name: `slow-${to.transport}` });
    slow.pause();
    await using third = await ready(to === s.tcp ? s.unix : s.tcp, { name: "third" });
    await using flooder = await ready(to, { name: "flooder" });
    const content = "f".repeat(8 * 1024);
    let sent = 0;
    // At most 64 MiB: far past any socket buffer; the slow one is cut long before. Once it
    // is cut, relays no longer count it: the flood then reaches the third session alone.
    // The slow session reads nothing until the flood is over, and the flooder sends each
    // relay only once the third session has the one before: the third session gets every
    // relay while the slow one is stuck, so none of them waits for the slow one.
    let recipients = 2;
    for (; recipients === 2 && sent < 8 * 1024; sent++) {
      await flooder.say({ type: "message", content, id: sent });
      strictEqual((await third.next("message")).content, content);
      recipients = (await flooder.ackOf(sent)).recipients as number;
    }
    strictEqual(recipients, 1, "the slow session was cut");
    ok(!reasons.has(third.sessionId) && !reasons.has(flooder.sessionId));
    ok(sent > 8, `the slow session took ${sent} messages before it was cut`);
    // Reading again, the slow session gets what was already being written, then its
    // slow_consumer error, then the end of the connection.
    slow.resume();
    const error = await slow.next("error");
    strictEqual(error.code, "slow_consumer");
    strictEqual(error.session_id, slow.sessionId);
    await slow.closed();
    strictEqual(reasons.get(slow.sessionId), "slow_consumer");
    // The others are unharmed.
    await flooder.say({ type: "message", content: "after", id: "after" });
    strictEqual((await flooder.ackOf("after")).recipients, 1);
    strictEqual((await third.next("message")).content, "after");
  }
});

Deno.test("ChatServer cuts a session that never reads its own answers with slow_consumer", async () => {
  const cuts = new Map<string, (reason: CloseReason) => void>();
  await using s = await startServer({
    handler: echoHandler,
    maxQueue: 64 * 1024,
    onSessionClose: (session, reason) => cuts.get(session.id)?.(reason),
  });
  for (const to of [s.unix, s.tcp]) {
    await using other = await ready(to === s.tcp ? s.unix : s.tcp);
    await using deaf = await ready(to);
    deaf.pause();
    const cut = signal<CloseReason>();
    let reason: CloseReason | undefined;
    cuts.set(deaf.sessionId, (r) => cut.resolve(reason = r));
    const frame = JSON.stringify({
      type: "message",
      content: "e".repeat(8 * 1024),
      session_id: deaf.sessionId,
    }) + "\n";
    // Each message is answered with as much; at most 64 MiB of them.
    for (let i = 0; reason === undefined && i < 8 * 1024; i++) {
      try {
        await deaf.write(frame);
      } catch {
        break; // the server closed the connection
      }
    }
    strictEqual(await within(cut.promise, 5000, "the cut"), "slow_consumer");
    deaf.resume();
    await deaf.closed();
    await sync(other);
  }
});
