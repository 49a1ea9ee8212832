/**
 * The handshake (PROTOCOL.md section 3) on real sockets, over TCP and Unix.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, match, ok, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../src/async/clock.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { serverSettings } from "../../src/server/settings.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import {
  expectError,
  expectErrorClosed,
  pending,
  ready,
  sync,
  UUID_V4,
} from "../helpers/session.ts";

function both(s: TestServer): [TestServer["tcp"], TestServer["unix"]] {
  return [s.tcp, s.unix];
}

/** Reads the first bytes the server writes, up to and including the first line feed. */
async function firstLine(to: TestServer["tcp"] | TestServer["unix"]): Promise<string> {
  using conn = to.transport === "unix"
    ? await Deno.connect({ transport: "unix", path: to.path })
    : await Deno.connect({ hostname: to.hostname, port: to.port });
  const bytes: number[] = [];
  const buffer = new Uint8Array(4096);
  while (!bytes.includes(0x0a)) {
    const n = await conn.read(buffer);
    if (n === null) break;
    bytes.push(...buffer.subarray(0, n));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

Deno.test("ChatServer opens with a session_init of protocol 1, the heartbeat and a UUID v4", async () => {
  await using s = await startServer();
  for (const to of both(s)) {
    const line = await firstLine(to);
    ok(line.endsWith("\n"), "a frame ends with a line feed");
    strictEqual(line.indexOf("\n"), line.length - 1, "session_init is alone until the ack");
    const init = JSON.parse(line);
    match(init.session_id, UUID_V4);
    // The resume token of history (on by default): at least 128 random bits, base64url.
    match(init.resume_token, /^[A-Za-z0-9_-]{22,}$/);
    assertEquals(init, {
      type: "session_init",
      content: "Session established",
      session_id: init.session_id,
      protocol: 1,
      heartbeat: { interval: 5, timeout: 10, retries: 3 },
      resume_token: init.resume_token,
      max_frame: 1048576,
    });
  }
});

Deno.test("ChatServer announces its own heartbeat settings and frame limit in session_init", async () => {
  await using s = await startServer({
    heartbeat: { interval: 1, timeout: 2, retries: 4 },
    maxFrame: 4096,
  });
  await using client = await RawClient.connect(s.unix);
  const init = await client.next("session_init");
  assertEquals(init.heartbeat, { interval: 1, timeout: 2, retries: 4 });
  strictEqual(init.protocol, 1);
  strictEqual(init.max_frame, 4096);
});

Deno.test("ChatServer gives every connection a session id no other session holds", async () => {
  await using s = await startServer();
  const clients = await Promise.all(
    Array.from({ length: 24 }, (_, i) => RawClient.connect(i % 2 ? s.unix : s.tcp)),
  );
  try {
    const ids = await Promise.all(
      clients.map(async (c) => (await c.next("session_init")).session_id as string),
    );
    for (const id of ids) match(id, UUID_V4);
    strictEqual(new Set(ids).size, ids.length, "session ids are unique");
    strictEqual(new Set(ids.map((id) => id.slice(0, 8))).size, ids.length, "so are guest names");
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});

Deno.test("ChatServer acknowledges session_ack with the session's name", async () => {
  await using s = await startServer();
  for (const [to, name] of [[s.tcp, "alice"], [s.unix, "bob"]] as const) {
    await using client = await RawClient.session(to, { name });
    const ack = await client.ackOf("hs");
    assertEquals(ack, {
      type: "ack",
      content: "Session acknowledged",
      name,
      id: "hs",
      session_id: client.sessionId,
    });
  }
});

Deno.test("ChatServer accepts a session_ack that carries the right token", async () => {
  const opened: string[] = [];
  await using s = await startServer({
    token: "s3cret",
    onSessionOpen: (session) => opened.push(session.name),
  });
  for (const to of both(s)) {
    await using client = await ready(to, { name: `t-${to.transport}`, token: "s3cret" });
    await sync(client);
  }
  assertEquals(opened, ["t-tcp", "t-unix"]);
});

Deno.test("ChatServer names a session that sets no name guest-<first 8 of its id>", async () => {
  await using s = await startServer({ history: 0 }); // alone in who: the last round's session ended
  for (const to of both(s)) {
    await using client = await RawClient.session(to);
    const ack = await client.ackOf("hs");
    strictEqual(ack.name, `guest-${client.sessionId.slice(0, 8)}`);
    await client.say({ type: "who", id: "w" });
    const who = await client.next("who");
    assertEquals((who.content as { name: string }[]).map((e) => e.name), [ack.name]);
  }
});

Deno.test("ChatServer completes the handshake with the guest name when the name is taken", async () => {
  await using s = await startServer({ history: 0 }); // the last round's session ended for good
  await using alice = await ready(s.tcp, { name: "alice" });
  for (const to of both(s)) {
    await using other = await RawClient.session(to, { name: "alice" });
    // The error is the session_ack's one answer: no ack follows it.
    await expectError(other, "name_taken", "hs");
    await sync(other);
    assertEquals(pending(other).filter((f) => f.id === "hs"), []);
    // Still a full session, under its guest name: it can chat.
    await other.say({ type: "message", content: "hi", id: 1 });
    strictEqual((await other.ackOf(1)).recipients, 1);
    strictEqual((await alice.next("message")).from, `guest-${other.sessionId.slice(0, 8)}`);
  }
  // Another spelling of a name held is taken too.
  await using spelled = await RawClient.session(s.tcp, { name: "ALICE" });
  await expectError(spelled, "name_taken", "hs");
});

Deno.test("ChatServer completes the handshake with the guest name when the name is invalid", async () => {
  await using s = await startServer();
  const invalid = ["", "two words", "tab\there", "bell\u0007", "x".repeat(33)];
  for (const [i, name] of invalid.entries()) {
    await using client = await RawClient.session(i % 2 ? s.unix : s.tcp, { name });
    await expectError(client, "invalid_name", "hs");
    await sync(client);
    assertEquals(pending(client).filter((f) => f.id === "hs"), [], "one answer: the error");
    const me = s.server.sessions.find((e) => e.id === client.sessionId);
    strictEqual(me?.name, `guest-${client.sessionId.slice(0, 8)}`);
  }
});

Deno.test("ChatServer closes a connection whose first frame is not session_ack, with bad_session", async () => {
  await using s = await startServer();
  const first = [
    { type: "heartbeat", content: "ping" },
    { type: "message", content: "too early" },
    { type: "who", id: 3 },
  ];
  for (const [i, frame] of first.entries()) {
    await using client = await RawClient.connect(i % 2 ? s.unix : s.tcp);
    const init = await client.next("session_init");
    await client.send({ ...frame, session_id: init.session_id as string });
    // The error echoes the id of the offending frame, when it had one.
    const error = await expectErrorClosed(client, "bad_session", frame.id);
    strictEqual(error.session_id, init.session_id);
  }
  strictEqual(s.server.sessions.length, 0);
});

Deno.test("ChatServer closes a connection whose first frame is not JSON, with invalid_json", async () => {
  await using s = await startServer();
  for (const to of both(s)) {
    await using client = await RawClient.connect(to);
    await client.next("session_init");
    await client.write("{this is not json}\n");
    await expectErrorClosed(client, "invalid_json");
  }
});

Deno.test("ChatServer closes a connection whose first frame is not an object, with invalid_message", async () => {
  await using s = await startServer();
  for (const to of both(s)) {
    await using client = await RawClient.connect(to);
    await client.next("session_init");
    await client.write('["session_ack"]\n');
    await expectErrorClosed(client, "invalid_message");
  }
});

Deno.test("ChatServer closes a session_ack with a wrong or missing session id, with bad_session", async () => {
  await using s = await startServer();
  for (const to of both(s)) {
    for (const session_id of [crypto.randomUUID(), undefined]) {
      await using client = await RawClient.connect(to);
      await client.next("session_init");
      await client.send({ type: "session_ack", content: "Session acknowledged", session_id });
      await expectErrorClosed(client, "bad_session");
    }
  }
  // Another live session's id is just as wrong.
  await using alice = await ready(s.tcp, { name: "alice" });
  await using thief = await RawClient.connect(s.unix);
  await thief.next("session_init");
  await thief.send({ type: "session_ack", content: "x", session_id: alice.sessionId });
  await expectErrorClosed(thief, "bad_session");
  await sync(alice);
});

Deno.test("ChatServer closes a session_ack without the right token, with unauthorized", async () => {
  const opened: string[] = [];
  await using s = await startServer({
    token: "s3cret",
    onSessionOpen: (session) => opened.push(session.id),
  });
  for (const to of both(s)) {
    for (const token of [undefined, "wrong", "s3cret2", ""]) {
      await using client = await RawClient.session(to, { name: "mallory", token });
      await expectErrorClosed(client, "unauthorized", "hs");
    }
  }
  assertEquals(opened, []);
});

Deno.test("ChatServer closes a connection that sends no session_ack in time, with handshake_timeout", async () => {
  await using s = await startServer({ handshakeTimeout: 0.2 });
  for (const to of both(s)) {
    const start = Date.now();
    await using silent = await RawClient.connect(to);
    await using partial = await RawClient.connect(to);
    await silent.next("session_init");
    const init = await partial.next("session_init");
    // Half a session_ack is no session_ack.
    await partial.write(`{"type":"session_ack","session_id":"${init.session_id}"`);
    await expectErrorClosed(silent, "handshake_timeout");
    await expectErrorClosed(partial, "handshake_timeout");
    ok(Date.now() - start >= 190, `not before the timeout (${Date.now() - start} ms)`);
  }
  // A session that completed its handshake in time is not cut by it.
  await using alice = await ready(s.tcp, { name: "alice" });
  await using timer = await RawClient.connect(s.unix);
  await expectErrorClosed(timer, "handshake_timeout");
  await sync(alice);
});

Deno.test("ChatServer cuts a connection with handshake_timeout after the handshake timeout, by its clock", async () => {
  const clock = new ManualClock();
  const reasons = new Map<string, CloseReason>();
  await using s = await startServer({
    clock,
    handshakeTimeout: 10,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  const { handshakeMs, sweepMs } = serverSettings({ handshakeTimeout: 10 });
  for (const to of both(s)) {
    await using late = await RawClient.connect(to);
    await using never = await RawClient.connect(to);
    late.sessionId = (await late.next("session_init")).session_id as string;
    const neverId = (await never.next("session_init")).session_id as string;
    // At the timeout itself both are still waited for: a session_ack is taken then.
    clock.advance(handshakeMs);
    await late.say({
      type: "session_ack",
      content: "late",
      id: "hs",
      name: `late-${to.transport}`,
    });
    strictEqual((await late.ackOf("hs")).name, `late-${to.transport}`);
    // The sweep after it cuts the one that sent none; the other is a session now.
    clock.advance(sweepMs);
    const error = await expectErrorClosed(never, "handshake_timeout");
    strictEqual(error.content, "no session_ack within 10 s");
    await sync(late);
    ok(!reasons.has(neverId), "a connection cut in its handshake was never a session");
  }
});
