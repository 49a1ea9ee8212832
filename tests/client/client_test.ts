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
} from "node:assert/strict";
import { ChatClient, type ClientOptions } from "../../src/client/client.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { within } from "../../src/async/deadline.ts";
import { TransportError } from "../../src/transport/types.ts";
import { fakeServer, sessionInit } from "../helpers/fake_server.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { WAIT_MS } from "../helpers/raw_client.ts";

type Transport = "tcp" | "unix";
const TRANSPORTS: Transport[] = ["tcp", "unix"];

/** Settles with `promise`, or rejects after `ms` naming `what`. */
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
    await using s = await startServer({
      heartbeat,
      onSessionClose: (_, reason) => closes.push(reason),
    });
    await using ada = await client(s, transport, { name: "ada" });
    await using bob = await client(s, transport, { name: "bob" });
    assertEquals(ada.heartbeat, heartbeat);
    // Idle for four times the 0.2 s silence limit, checking all along that both sides hold on.
    const until = Date.now() + 800;
    while (Date.now() < until) {
      assertEquals(closes, []);
      assert(ada.connected, "the client closed");
      assert(
        s.server.sessions.some((x) => x.id === ada.sessionId),
        "the server dropped the idle session",
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertEquals((await ada.message("still alive")).recipients, 1);
    assertEquals((await new Inbox(bob).next()).content, "still alive");
  });
}

Deno.test("a server that goes silent is treated as dead within timeout × retries", async () => {
  const heartbeat = { interval: 0.05, timeout: 0.1, retries: 2 };
  let pings = 0;
  await using fake = fakeServer(async (peer) => {
    if (await peer.handshake({ name: "ada" }, heartbeat) === null) return;
    // Then never a word: count the client's pings until it gives up.
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      if (frame.type === "heartbeat") pings++;
    }
  });
  await using ada = await new ChatClient({ to: fake.tcp, name: "ada" }).connect();
  const started = Date.now();
  assertEquals(ada.protocol, 1);
  const info = await within(ada.closed, 5000, "the client to give up on the silent server");
  const elapsed = Date.now() - started;
  assert(/silent/.test(info.reason), info.reason);
  assertEquals(info.byServer, false);
  assert(elapsed >= 150, `gave up after only ${elapsed} ms`);
  assert(elapsed < 200 + 800, `gave up only after ${elapsed} ms`);
  assert(!ada.connected);
  await assertRejects(
    ada.message("anyone?"),
    (error) => (error as Error).name === "ConnectionClosedError",
  );
  assert(pings >= 1, `the client sent ${pings} heartbeats`);
});

Deno.test("a server that never completes the handshake fails connect after handshakeTimeout", async () => {
  await using fake = fakeServer(async (peer) => {
    await peer.send(sessionInit(crypto.randomUUID()));
    await peer.drain(); // Reads the session_ack and never answers it.
  });
  const started = Date.now();
  const ada = new ChatClient({ to: fake.tcp, handshakeTimeout: 0.2 });
  await assertRejects(ada.connect(), (error) => {
    assertEquals((error as Error).name, "ConnectionClosedError");
    assert(/handshake/.test((error as Error).message), (error as Error).message);
    return true;
  });
  const elapsed = Date.now() - started;
  assert(elapsed >= 150 && elapsed < 2000, `took ${elapsed} ms`);
  assert(!ada.connected);
});

Deno.test("connecting to a closed port fails promptly with a TransportError", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const started = Date.now();
  const refused = new ChatClient({ to: { transport: "tcp", hostname: "127.0.0.1", port } });
  await assertRejects(refused.connect(), (error) => {
    assert(error instanceof TransportError, `not a TransportError: ${error}`);
    assert(error.message.includes(String(port)), error.message);
    return true;
  });
  assert(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
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
