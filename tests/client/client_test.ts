/**
 * The client library (`ChatClient`) against a real in-process server over
 * real sockets, on both transports, and against scripted servers for the
 * failures a real one does not produce on demand.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { ChatClient, type ClientOptions, ConnectionClosedError } from "../../src/client/client.ts";
import { ManualClock } from "../../src/async/clock.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { settleWithin, within } from "../../src/async/deadline.ts";
import { TransportError } from "../../src/transport/types.ts";
import { type FakePeer, fakeServer, sessionInit } from "../helpers/fake_server.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { WAIT_MS } from "../helpers/raw_client.ts";
import { Wakeup } from "../helpers/wakeup.ts";

type Transport = "tcp" | "unix";
const TRANSPORTS: Transport[] = ["tcp", "unix"];

/** A connected client of `s` over `transport`. */
function client(
  s: TestServer,
  transport: Transport,
  options: Omit<ClientOptions, "to"> = {},
): Promise<ChatClient> {
  return new ChatClient({ to: s[transport], ...options }).connect();
}

/** Reads a client's incoming frames one at a time, each with a deadline. */
class Inbox {
  #iterator: AsyncIterator<Frame>;

  constructor(client: ChatClient) {
    this.#iterator = client[Symbol.asyncIterator]();
  }

  /** The next frame the client did not wait for itself. */
  async next(ms = WAIT_MS): Promise<Frame> {
    const result = await within(this.#iterator.next(), ms, "a frame");
    if (result.done) throw new Error("the connection ended while waiting for a frame");
    return result.value;
  }
}

for (const transport of TRANSPORTS) {
  Deno.test(`[${transport}] connect completes the handshake: session id, name, protocol 1, heartbeat`, async () => {
    const heartbeat = { interval: 2, timeout: 4, retries: 5 };
    await using s = await startServer({ heartbeat });
    await using ada = await client(s, transport, { name: "ada" });
    assert(ada.connected);
    assertEquals(ada.protocol, 1);
    assertEquals(ada.name, "ada");
    assertEquals(ada.heartbeat, heartbeat);
    assertEquals(ada.nameError, undefined);
    assertEquals(
      s.server.sessions.map((x) => ({ id: x.id, name: x.name, transport: x.transport })),
      [{ id: ada.sessionId, name: "ada", transport }],
    );
    assert(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(ada.sessionId),
    );
  });

  Deno.test(`[${transport}] a client that asks for no name gets the guest name`, async () => {
    await using s = await startServer();
    await using guest = await client(s, transport);
    assertEquals(guest.name, `guest-${guest.sessionId.slice(0, 8)}`);
    assertEquals(guest.nameError, undefined);
    assertEquals(s.server.sessions.map((x) => x.name), [guest.name]);
  });

  Deno.test(`[${transport}] a taken or invalid name sets nameError and the client still connects`, async () => {
    await using s = await startServer();
    await using first = await client(s, transport, { name: "ada" });
    await using second = await client(s, transport, { name: "ada" });
    await using third = await client(s, transport, { name: "not valid" });
    assertEquals(first.name, "ada");
    assertEquals(second.nameError?.code, "name_taken");
    assertEquals(second.name, `guest-${second.sessionId.slice(0, 8)}`);
    assertEquals(third.nameError?.code, "invalid_name");
    assertEquals(third.name, `guest-${third.sessionId.slice(0, 8)}`);
    assert(second.connected && third.connected);
    // Still usable: the guest can talk.
    assertEquals((await second.message("hello")).recipients, 2);
  });

  Deno.test(`[${transport}] a server with a token refuses a client without it or with a wrong one`, async () => {
    await using s = await startServer({ token: "sesame" });
    for (const token of [undefined, "wrong"]) {
      const refused = new ChatClient({ to: s[transport], token });
      await assertRejects(refused.connect(), (error) => {
        assert(error instanceof ChatError, `not a ChatError: ${error}`);
        assertEquals(error.code, "unauthorized");
        return true;
      });
      assert(!refused.connected);
      assertEquals((await within(refused.closed, WAIT_MS, "closed")).byServer, false);
    }
    assertEquals(s.server.sessions.length, 0);
    await using welcome = await client(s, transport, { token: "sesame" });
    assertEquals(s.server.sessions.map((x) => x.id), [welcome.sessionId]);
  });

  Deno.test(`[${transport}] a full server refuses with server_full`, async () => {
    await using s = await startServer({ maxClients: 1 });
    await using first = await client(s, transport);
    await assertRejects(client(s, transport), (error) => {
      assert(error instanceof ChatError, `not a ChatError: ${error}`);
      assertEquals(error.code, "server_full");
      return true;
    });
    assert(first.connected);
  });

  Deno.test(`[${transport}] message() resolves with an ack counting recipients; others iterate the relayed frame`, async () => {
    await using s = await startServer();
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport === "tcp" ? "unix" : "tcp", { name: "bob" });
    await using cy = await client(s, transport, { name: "cy" });
    const ack = await ada.message("hello all");
    assertEquals([ack.type, ack.content, ack.recipients], ["ack", "delivered", 2]);
    for (const receiver of [bob, cy]) {
      const got = await new Inbox(receiver).next();
      assertEquals([got.type, got.content, got.from, got.session_id], [
        "message",
        "hello all",
        "ada",
        receiver.sessionId,
      ]);
      assertEquals(typeof got.ts, "number");
    }
    assertEquals(ada.inFlight, 0);
  });

  Deno.test(`[${transport}] direct and room messages reach only their recipients`, async () => {
    await using s = await startServer();
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport, { name: "bob" });
    await using cy = await client(s, transport, { name: "cy" });
    const bobInbox = new Inbox(bob);
    const cyInbox = new Inbox(cy);

    assertEquals((await ada.message("psst", { to: "bob" })).recipients, 1);
    const direct = await bobInbox.next();
    assertEquals([direct.content, direct.from, direct.to], ["psst", "ada", "bob"]);
    assertEquals((await ada.message("by id", { to: cy.sessionId })).recipients, 1);
    assertEquals((await cyInbox.next()).content, "by id");

    await ada.join("lobby");
    await bob.join("lobby");
    assertEquals([...ada.rooms], ["lobby"]);
    assertEquals((await ada.message("in the lobby", { room: "lobby" })).recipients, 1);
    const room = await bobInbox.next();
    assertEquals([room.content, room.from, room.room], ["in the lobby", "ada", "lobby"]);

    // cy, in no room and not addressed, got neither: its next frame is the broadcast after them.
    assertEquals((await ada.message("everyone")).recipients, 2);
    assertEquals((await cyInbox.next()).content, "everyone");
    assertEquals((await bobInbox.next()).content, "everyone");
  });

  Deno.test(`[${transport}] nick, join, leave and who`, async () => {
    await using s = await startServer();
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport);
    assertEquals(await bob.nick("bob"), "bob");
    assertEquals(bob.name, "bob");
    await bob.join("lobby");
    await bob.join("attic");
    assertEquals([...bob.rooms].sort(), ["attic", "lobby"]);

    const everyone = await ada.who();
    assertEquals(
      everyone.map((e) => [e.session_id, e.name, e.transport, [...e.rooms].sort()]).sort(),
      [
        [ada.sessionId, "ada", transport, []],
        [bob.sessionId, "bob", transport, ["attic", "lobby"]],
      ].sort(),
    );
    assertEquals((await ada.who("lobby")).map((e) => e.name), ["bob"]);

    await bob.leave("lobby");
    assertEquals([...bob.rooms], ["attic"]);
    assertEquals(await ada.who("lobby"), []);
    assertEquals(s.server.sessions.find((x) => x.id === bob.sessionId)?.name, "bob");
  });

  Deno.test(`[${transport}] an error rejects its request with a ChatError and the connection stays usable`, async () => {
    await using s = await startServer();
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport, { name: "bob" });
    const expectCode = (code: string) => (error: unknown) => {
      assert(error instanceof ChatError, `not a ChatError: ${error}`);
      assertEquals(error.code, code);
      return true;
    };
    await assertRejects(ada.leave("nowhere"), expectCode("no_such_room"));
    await assertRejects(ada.message("hi", { room: "nowhere" }), expectCode("no_such_room"));
    await assertRejects(ada.message("hi", { to: "nobody" }), expectCode("no_such_recipient"));
    await assertRejects(ada.nick("bob"), expectCode("name_taken"));
    await assertRejects(ada.nick("two words"), expectCode("invalid_name"));
    assertEquals(ada.name, "ada");
    assert(ada.connected);
    assertEquals((await ada.message("still here")).recipients, 1);
    assertEquals((await new Inbox(bob).next()).content, "still here");
    assertEquals(ada.inFlight, 0);
  });

  Deno.test(`[${transport}] disconnect() says goodbye and the server closes the session`, async () => {
    const reasons = Promise.withResolvers<[string, CloseReason]>();
    await using s = await startServer({
      onSessionClose: (session, reason) => reasons.resolve([session.id, reason]),
    });
    const ada = await client(s, transport, { name: "ada" });
    await ada.disconnect();
    assert(!ada.connected);
    assertEquals(await within(reasons.promise, WAIT_MS, "onSessionClose"), [
      ada.sessionId,
      "disconnect",
    ]);
    const info = await within(ada.closed, WAIT_MS, "closed");
    assertEquals(info.byServer, true);
    assertEquals(s.server.sessions.length, 0);
  });

  Deno.test(`[${transport}] heartbeats keep an idle client alive well past the silence limit`, async () => {
    const heartbeat = { interval: 0.05, timeout: 0.1, retries: 2 };
    const closes: CloseReason[] = [];
    const closed = Promise.withResolvers<void>();
    await using s = await startServer({
      heartbeat,
      onSessionClose: (_, reason) => {
        closes.push(reason);
        closed.resolve();
      },
    });
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport, { name: "bob" });
    assertEquals(ada.heartbeat, heartbeat);
    // Idle for four times the 0.2 s silence limit: neither side may end a session meanwhile.
    await settleWithin(Promise.race([closed.promise, ada.closed, bob.closed]), 800);
    assertEquals(closes, []);
    assert(ada.connected, "the client closed");
    assert(
      s.server.sessions.some((x) => x.id === ada.sessionId),
      "the server dropped the idle session",
    );
    assertEquals((await ada.message("still alive")).recipients, 1);
    assertEquals((await new Inbox(bob).next()).content, "still alive");
  });
}

/** A scripted server that completes the handshake, then only counts the client's pings. */
function silentServer(heartbeat: { interval: number; timeout: number; retries: number }): {
  server: ReturnType<typeof fakeServer>;
  pings: () => number;
  peer: Promise<FakePeer>;
  ended: Promise<number>;
  wakeup: Wakeup;
} {
  let pings = 0;
  const wakeup = new Wakeup();
  const peer = Promise.withResolvers<FakePeer>();
  const ended = Promise.withResolvers<number>();
  const server = fakeServer(async (p) => {
    if (await p.handshake({ name: "ada" }, heartbeat) === null) return;
    peer.resolve(p);
    for (let frame = await p.next(); frame !== null; frame = await p.next()) {
      if (frame.type === "heartbeat") pings++;
      wakeup.wake();
    }
    ended.resolve(pings);
  });
  return { server, pings: () => pings, peer: peer.promise, ended: ended.promise, wakeup };
}

Deno.test("on a ManualClock: a ping every interval; a silent server is dead after timeout × retries", async () => {
  const heartbeat = { interval: 1, timeout: 2, retries: 3 }; // 6 s of silence allowed
  const silent = silentServer(heartbeat);
  await using _server = silent.server;
  const clock = new ManualClock(1_000_000);
  await using ada = await new ChatClient({ to: silent.server.tcp, name: "ada", clock }).connect();
  assertEquals(ada.heartbeat, heartbeat);
  // Each second of the clock sends one ping, and no more: the server gets them one by one.
  for (let second = 1; second <= 6; second++) {
    clock.advance(999);
    clock.advance(1);
    await silent.wakeup.until(
      () => silent.pings() === second || undefined,
      WAIT_MS,
      () => `ping ${second} did not arrive (${silent.pings()} did)`,
    );
    assert(ada.connected, `closed after ${second} s`);
  }
  // 6 s of silence is the limit, not past it; the next check finds it past: the end, no ping.
  clock.advance(1000);
  const info = await within(ada.closed, WAIT_MS, "the client to give up on the silent server");
  assertEquals(info, { reason: "the server was silent for 6 s", byServer: false });
  assert(!ada.connected);
  assertEquals(await within(silent.ended, WAIT_MS, "the server to see the close"), 6);
  await assertRejects(
    ada.message("anyone?"),
    (error) => error instanceof ConnectionClosedError && error.info === info,
  );
});

Deno.test("on a ManualClock: any frame from the server starts the allowed silence again", async () => {
  const silent = silentServer({ interval: 1, timeout: 2, retries: 3 });
  await using _server = silent.server;
  const clock = new ManualClock();
  await using ada = await new ChatClient({ to: silent.server.tcp, clock }).connect();
  const inbox = new Inbox(ada);
  clock.advance(5000);
  await (await silent.peer).send({ type: "message", content: "still here", from: "bob" });
  assertEquals((await inbox.next()).content, "still here");
  clock.advance(6000); // 11 s since the connection, 6 s since the server was last heard
  assert(ada.connected, "the frame did not count as a sign of life");
  clock.advance(1000);
  assertEquals(
    (await within(ada.closed, WAIT_MS, "closed")).reason,
    "the server was silent for 6 s",
  );
});

Deno.test("a server that never completes the handshake fails connect after handshakeTimeout", async () => {
  const seen = Promise.withResolvers<Frame | null>();
  const ended = Promise.withResolvers<void>();
  await using fake = fakeServer(async (peer) => {
    await peer.send(sessionInit(crypto.randomUUID()));
    seen.resolve(await peer.next()); // The session_ack, never answered.
    await peer.drain();
    ended.resolve();
  });
  const started = Date.now();
  const ada = new ChatClient({ to: fake.tcp, handshakeTimeout: 0.2 });
  await assertRejects(ada.connect(), (error) => {
    assertEquals((error as Error).name, "ConnectionClosedError");
    assertEquals((error as Error).message, "connection closed: no handshake within 0.2 s");
    return true;
  });
  assert(Date.now() - started >= 150, `gave up after only ${Date.now() - started} ms`);
  assertEquals((await seen.promise)?.type, "session_ack");
  // The client closed the connection: the server sees its end.
  await within(ended.promise, WAIT_MS, "the server to see the client close");
  assert(!ada.connected);
});

Deno.test("connecting to a closed port fails with a TransportError saying it was refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = new ChatClient({ to: { transport: "tcp", hostname: "127.0.0.1", port } });
  await assertRejects(refused.connect(), (error) => {
    assert(error instanceof TransportError, `not a TransportError: ${error}`);
    assert(error.message.includes(String(port)), error.message);
    // Refused at once, not timed out.
    assert(/refused/i.test(error.message), error.message);
    return true;
  });
  assert(!refused.connected);
});

Deno.test("connecting to a missing Unix socket fails with a TransportError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  try {
    const refused = new ChatClient({ to: { transport: "unix", path: `${dir}/none.sock` } });
    await assertRejects(refused.connect(), TransportError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("localhost resolves and connects to a server bound on 127.0.0.1", async () => {
  await using s = await startServer();
  await using ada = await new ChatClient({
    to: { transport: "tcp", hostname: "localhost", port: s.tcp.port },
    name: "ada",
  }).connect();
  assertEquals(ada.name, "ada");
  assertEquals(s.server.sessions.map((x) => x.id), [ada.sessionId]);
});

Deno.test("nick() resolves with the name the server confirmed, which becomes the client's name", async () => {
  await using fake = fakeServer(async (peer) => {
    const sessionId = await peer.handshake({ name: "ada" });
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      // A server that shows names in their normal form: the nick ack carries it.
      const name = String(frame.content).normalize("NFKC").toLowerCase();
      await peer.send({ type: "ack", content: name, id: frame.id, session_id: sessionId! });
    }
  });
  await using ada = await new ChatClient({ to: fake.tcp, name: "ada" }).connect();
  assertEquals(await ada.nick("ＢＯＢ"), "bob");
  assertEquals(ada.name, "bob");
});

Deno.test("send() and request() before connect() fail with ConnectionClosedError", async () => {
  const idle = new ChatClient({ to: { transport: "tcp", hostname: "127.0.0.1", port: 1 } });
  const notConnected = (error: unknown) =>
    error instanceof ConnectionClosedError && error.info.reason === "not connected";
  assertThrows(() => idle.send({ type: "message", content: "hi" }), notConnected);
  await assertRejects(idle.message("hi"), notConnected);
  assertEquals(idle.inFlight, 0);
  await idle.close();
  assertEquals(await idle.closed, { reason: "closed", byServer: false });
  // Once closed, it says so.
  await assertRejects(
    idle.who(),
    (error) => (error as ConnectionClosedError).info.reason === "closed",
  );
});

Deno.test("a frame over maxFrame from the server ends the connection", async () => {
  await using fake = fakeServer(async (peer) => {
    const sessionId = await peer.handshake();
    await peer.send({ type: "message", content: "x".repeat(2000), session_id: sessionId! });
    await peer.drain();
  });
  await using ada = await new ChatClient({ to: fake.tcp, maxFrame: 1000 }).connect();
  assertEquals(await within(ada.closed, WAIT_MS, "closed"), {
    reason: "the server sent a frame that is too large",
    byServer: false,
  });
  assertEquals(await Array.fromAsync(ada), []);
});

Deno.test("a version 0 peer that closes right after session_init fails connect", async () => {
  await using fake = fakeServer(async (peer) => {
    await peer.send({ type: "session_init", content: "Session established", session_id: "s" });
  });
  const ada = new ChatClient({ to: fake.tcp });
  await assertRejects(ada.connect(), ConnectionClosedError);
  assert(!ada.connected);
});

Deno.test("disconnect() against a version 0 peer closes at once, sending no disconnect", async () => {
  const frames: Frame[] = [];
  const ended = Promise.withResolvers<void>();
  await using fake = fakeServer(async (peer) => {
    await peer.send({ type: "session_init", content: "Session established", session_id: "s" });
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      frames.push(frame);
    }
    ended.resolve();
  });
  const ada = await new ChatClient({ to: fake.tcp }).connect();
  assertEquals(ada.protocol, 0);
  await ada.disconnect();
  assertEquals(await ada.closed, { reason: "disconnected", byServer: false });
  await within(ended.promise, WAIT_MS, "the peer to see the close");
  assertEquals(frames.map((f) => f.type), ["session_ack"]);
});
