/**
 * WebSocket sessions at `/ws` (PROTOCOL.md section 10) on raw frames: the
 * same handshake, relays and errors as a socket, one frame per text
 * message each way, a binary message refused, the frame limit counted on a
 * message's bytes (and caught from its header), two frames in one message
 * refused, the origins let in, and a peer that never reads cut.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, rejects, strictEqual } from "node:assert/strict";
import { within } from "../../src/async/deadline.ts";
import type { WhoEntry } from "../../src/protocol/messages.ts";
import type { CloseReason } from "../../src/server/options.ts";
import {
  encodeWebSocketFrame,
  headerSize,
  OPCODE,
  writeHeader,
} from "../../src/transport/websocket_codec.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startWebServer } from "../helpers/server.ts";
import {
  assertNothing,
  expectErrorClosed,
  expectErrorOpen,
  ready,
  signal,
  sync,
} from "../helpers/session.ts";
import {
  dialUrl,
  httpExchange,
  UpgradeRefused,
  upgradeRequest,
  type WebSocketTarget,
} from "../helpers/websocket_wire.ts";

Deno.test("a WebSocket session does the handshake, is listed with transport ws, and chats with TCP and Unix sessions", async () => {
  await using s = await startWebServer();
  await using web = await ready(s.ws, { name: "wendy" });
  await using tcp = await ready(s.tcp, { name: "tom" });
  await using unix = await ready(s.unix, { name: "uma" });
  await web.say({ type: "who", id: "w" });
  const who = (await web.next("who")).content as WhoEntry[];
  assertEquals(
    Object.fromEntries(who.map((entry) => [entry.name, entry.transport])),
    { wendy: "ws", tom: "tcp", uma: "unix" },
  );
  await web.say({ type: "message", content: "hello sockets", id: 1 });
  strictEqual((await web.ackOf(1)).recipients, 2);
  for (const peer of [tcp, unix]) {
    const relayed = await peer.next("message");
    assertEquals([relayed.from, relayed.content], ["wendy", "hello sockets"]);
  }
  await tcp.say({ type: "message", content: "hello web", to: "wendy", id: 2 });
  await tcp.ackOf(2);
  const direct = await web.next("message");
  assertEquals([direct.from, direct.to, direct.content, direct.session_id], [
    "tom",
    "wendy",
    "hello web",
    web.sessionId,
  ]);
  // Every frame came as a text message of its own, with its line feed.
  await sync(web);
  ok(web.messages >= 5, `${web.messages} messages`);
  assertEquals(web.misframed, []);
});

Deno.test("a WebSocket text message may end with a line feed (or CRLF) or not; a binary one gets invalid_message", async () => {
  await using s = await startWebServer();
  await using client = await ready(s.ws);
  const ping = (tail: string) =>
    JSON.stringify({ type: "heartbeat", content: "ping", session_id: client.sessionId }) + tail;
  for (const tail of ["", "\n", "\r\n"]) {
    await client.writeRaw(
      encodeWebSocketFrame(OPCODE.text, new TextEncoder().encode(ping(tail)), true),
    );
    strictEqual((await client.next("heartbeat")).content, "pong", JSON.stringify(tail));
  }
  await client.writeRaw(
    encodeWebSocketFrame(OPCODE.binary, new TextEncoder().encode(ping("\n")), true),
  );
  await expectErrorOpen(client, "invalid_message");
});

Deno.test("two frames in one WebSocket message are no frame: invalid_json, and neither is handled", async () => {
  await using s = await startWebServer();
  await using client = await ready(s.ws);
  const join = (room: string, id: string) =>
    JSON.stringify({ type: "join", content: room, id, session_id: client.sessionId });
  for (const between of ["", "\n", "\r\n"]) {
    const message = join("a", "one") + between + join("b", "two") + "\n";
    await client.writeRaw(
      encodeWebSocketFrame(OPCODE.text, new TextEncoder().encode(message), true),
    );
    await expectErrorOpen(client, "invalid_json");
  }
  await assertNothing(client, "ack");
});

Deno.test("a binary message or two frames as the first WebSocket message end the handshake like a bad first frame", async () => {
  await using s = await startWebServer();
  for (
    const [message, code] of [[new Uint8Array([1]), "invalid_message"], [
      '{"type":"a"}{"type":"b"}',
      "invalid_json",
    ]] as const
  ) {
    await using client = await RawClient.connect(s.ws);
    await client.next("session_init");
    const opcode = typeof message === "string" ? OPCODE.text : OPCODE.binary;
    const bytes = typeof message === "string" ? new TextEncoder().encode(message) : message;
    await client.writeRaw(encodeWebSocketFrame(opcode, bytes, true));
    await expectErrorClosed(client, code);
  }
});

Deno.test("a WebSocket message over maxFrame gets frame_too_large and a close 1009, counted on the message's bytes", async () => {
  const reasons = new Map<string, CloseReason>();
  await using s = await startWebServer({
    maxFrame: 1024,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  await using bob = await ready(s.tcp, { name: "bob" });
  await using alice = await ready(s.ws, { name: "alice" });
  const exact = (content: string) =>
    JSON.stringify({ type: "message", session_id: alice.sessionId, content });
  const pad = "x".repeat(1024 - exact("").length);
  // Exactly maxFrame bytes (and its line feed) is a frame; one byte more is not.
  await alice.write(exact(pad) + "\n");
  strictEqual((await bob.next("message")).content, pad);
  await alice.write(exact(pad + "x") + "\n");
  await expectErrorClosed(alice, "frame_too_large");
  strictEqual(alice.closeCode, 1009);
  strictEqual(reasons.get(alice.sessionId), "frame_too_large");
  await assertNothing(bob, "message");
});

Deno.test("a WebSocket message over maxFrame is refused from its header, before its payload comes", async () => {
  await using s = await startWebServer({ maxFrame: 1024 });
  await using client = await ready(s.ws);
  // A header announcing 64 MiB, and no payload at all.
  const length = 64 * 1024 * 1024;
  const header = new Uint8Array(headerSize(length, true));
  writeHeader(header, 0, OPCODE.text, length, new Uint8Array(4));
  await client.writeRaw(header);
  await expectErrorClosed(client, "frame_too_large");
});

Deno.test("/ws lets in a request without Origin, the page's own origin and --http-origin ones; refuses others with 403", async () => {
  await using s = await startWebServer({}, { origins: ["https://chat.example.com"] });
  const own = new URL(s.http);
  const at = (origin?: string): WebSocketTarget => ({ ...s.ws, origin });
  const allowed = [
    undefined,
    own.origin,
    `http://127.0.0.1:${own.port}`,
    "https://chat.example.com",
    "https://CHAT.example.com:443",
  ];
  for (const origin of allowed) {
    await using client = await ready(at(origin));
    await sync(client);
  }
  const refused = [
    "http://evil.example",
    `http://127.0.0.1:${Number(own.port) + 1}`,
    `http://localhost:${own.port}`,
    "https://chat.example.com:8443",
    "null",
    "not an origin",
  ];
  for (const origin of refused) {
    await rejects(RawClient.connect(at(origin)), (error) => {
      ok(error instanceof UpgradeRefused, String(error));
      strictEqual(error.answer.status, 403, origin);
      return true;
    });
  }
  strictEqual(s.server.connectionCount, 0);
});

Deno.test("/ws refuses an upgrade with two Origin fields", async () => {
  await using s = await startWebServer();
  using conn = await dialUrl(new URL(s.ws.url));
  const own = new URL(s.http).origin;
  const answer = await httpExchange(
    conn,
    upgradeRequest({ ...s.ws, origin: own }, "dGhlIHNhbXBsZSBub25jZQ==", `Origin: ${own}\r\n`),
  );
  strictEqual(answer.status, 403);
});

Deno.test("a WebSocket that never reads is cut with slow_consumer past maxQueue, its socket closed, others unharmed", async () => {
  const closed = new Map<string, (reason: CloseReason) => void>();
  await using s = await startWebServer({
    maxQueue: 64 * 1024,
    shutdownGrace: 0.5,
    history: 0, // the session cut ends for good: recipients stop counting it
    onSessionClose: (session, reason) => closed.get(session.id)?.(reason),
  });
  await using deaf = await ready(s.ws, { name: "deaf" });
  deaf.pause();
  const cut = signal<CloseReason>();
  closed.set(deaf.sessionId, cut.resolve);
  await using third = await ready(s.tcp, { name: "third" });
  await using flooder = await ready(s.tcp, { name: "flooder" });
  const content = "f".repeat(8 * 1024);
  let recipients = 2;
  for (let sent = 0; recipients === 2 && sent < 8 * 1024; sent++) {
    await flooder.say({ type: "message", content, id: sent });
    strictEqual((await third.next("message")).content, content);
    recipients = (await flooder.ackOf(sent)).recipients as number;
  }
  strictEqual(recipients, 1, "the deaf session was cut");
  strictEqual(await within(cut.promise, 10_000, "the cut"), "slow_consumer");
  // Its socket is closed although it never read: the server does not wait on it.
  deaf.resume();
  await deaf.closed(10_000);
  strictEqual(s.server.metrics!.sessions.ws, 0);
  await flooder.say({ type: "message", content: "after", id: "after" });
  strictEqual((await flooder.ackOf("after")).recipients, 1);
});

Deno.test("a WebSocket close frame ends the session as a peer that closed; a ping gets a pong", async () => {
  const closed = new Map<string, (reason: CloseReason) => void>();
  await using s = await startWebServer({
    onSessionClose: (session, reason) => closed.get(session.id)?.(reason),
  });
  await using client = await ready(s.ws);
  const ended = signal<CloseReason>();
  closed.set(client.sessionId, ended.resolve);
  await client.writeRaw(encodeWebSocketFrame(OPCODE.ping, new Uint8Array([7]), true));
  await client.until(() => client.pongs === 1 || undefined, "the pong");
  await client.writeRaw(
    encodeWebSocketFrame(OPCODE.close, new Uint8Array([0x03, 0xe8]), true),
  );
  strictEqual(await within(ended.promise, 5000, "the end"), "peer_closed");
  await client.closed();
  strictEqual(client.closeCode, 1000);
});
