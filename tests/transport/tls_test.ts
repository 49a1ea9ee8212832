/**
 * TLS on the TCP listener (`ListenOptions.tls`) and in the client
 * (`ConnectOptions.tls`), with throwaway certificates made by openssl:
 * sessions over TLS, certificates refused with a reason, plain peers on the
 * wrong side, a silent peer that never handshakes, and a Unix session and a
 * TLS session in one chat.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { ChatClient, ConnectionClosedError } from "../../src/client/client.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { CloseReason, ServerOptions } from "../../src/server/options.ts";
import { ChatServer } from "../../src/server/server.ts";
import { connect } from "../../src/transport/connect.ts";
import { listen } from "../../src/transport/listen.ts";
import {
  type ConnectOptions,
  type TlsServerOptions,
  TransportError,
} from "../../src/transport/types.ts";
import { makeCerts, tlsTest } from "../helpers/certs.ts";
import { RawClient, WAIT_MS } from "../helpers/raw_client.ts";
import { tempDir } from "../helpers/spawn.ts";
import { Wakeup } from "../helpers/wakeup.ts";

const encoder = new TextEncoder();

/** A started server with a TLS TCP listener (and a Unix one when `unix` is given). */
async function tlsServer(
  tls: TlsServerOptions,
  options: Omit<ServerOptions, "listen"> = {},
  unix?: string,
): Promise<
  { server: ChatServer; port: number; connections(count: number): Promise<void> } & AsyncDisposable
> {
  const ended = new Wakeup();
  const server = new ChatServer({
    ...options,
    onConnectionEnd: () => {
      options.onConnectionEnd?.();
      ended.wake();
    },
    listen: [
      { transport: "tcp", hostname: "127.0.0.1", port: 0, tls },
      ...(unix === undefined ? [] : [{ transport: "unix" as const, path: unix }]),
    ],
  });
  const [url] = await server.start();
  assertMatch(url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  return {
    server,
    port: Number(url.slice(url.lastIndexOf(":") + 1)),
    /** Waits until `count` connections are open, re-checked as each one ends. */
    connections: (count) =>
      ended.until(
        () => server.connectionCount === count || undefined,
        WAIT_MS,
        () => `${server.connectionCount} connections open, not ${count}`,
      ).then(() => {}),
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

/** Where a TLS client connects: `hostname` on `port`, trusting `caCerts`. */
function tlsTo(port: number, caCerts?: string[], hostname = "localhost"): ConnectOptions {
  return { transport: "tcp", hostname, port, tls: caCerts ? { caCerts } : {} };
}

/** A client that keeps what it receives and waits on it with a deadline. */
class Collector extends ChatClient {
  readonly frames: Frame[] = [];
  readonly #wakeup = new Wakeup();

  protected override onFrame(frame: Frame): void {
    this.frames.push(frame);
    this.#wakeup.wake();
  }

  /** Waits for a received frame that `match` accepts. */
  waitFor(match: (frame: Frame) => boolean, what: string, ms = WAIT_MS): Promise<Frame> {
    return this.#wakeup.until(
      () => this.frames.find(match),
      ms,
      () => `timed out waiting for ${what}; got ${JSON.stringify(this.frames)}`,
    );
  }
}

/** Reads `conn` until the peer closes or resets it, within `ms`; returns what came. */
async function readToEnd(conn: Deno.Conn, ms = WAIT_MS): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, ms);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } catch {
    // A reset is an end too; a close by the timer is reported below.
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new Error(`the peer did not close the connection within ${ms} ms`);
  conn.close();
  return new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
}

tlsTest("TLS: ChatClients exchange messages over a TLS listener", async () => {
  await using certs = await makeCerts();
  await using s = await tlsServer({ cert: certs.cert.pem, key: certs.key.pem });
  for (const hostname of ["localhost", "127.0.0.1"]) {
    await using alice = await new Collector({
      to: tlsTo(s.port, [certs.ca.pem], hostname),
      name: "alice",
    }).connect();
    await using bob = await new Collector({ to: tlsTo(s.port, [certs.ca.pem], hostname) })
      .connect();
    assertEquals(alice.protocol, 1);
    const ack = await alice.message("hello over TLS");
    assertEquals(ack.recipients, 1);
    const got = await bob.waitFor((f) => f.type === "message", "alice's message");
    assertEquals([got.from, got.content], ["alice", "hello over TLS"]);
    await bob.message("and back", { to: "alice" });
    const back = await alice.waitFor((f) => f.content === "and back", "bob's reply");
    assertEquals(back.from, bob.name);
    await alice.disconnect();
    await bob.disconnect();
  }
  await s.connections(0);
});

tlsTest("TLS: a large frame and a pipelined burst arrive whole and in order", async () => {
  await using certs = await makeCerts();
  await using s = await tlsServer(
    { cert: certs.cert.pem, key: certs.key.pem },
    { maxFrame: 4 * 1024 * 1024 },
  );
  const to = tlsTo(s.port, [certs.ca.pem]);
  await using alice = await new Collector({ to, name: "alice" }).connect();
  await using bob = await new Collector({ to, name: "bob" }).connect();
  const big = "0123456789abcdef".repeat(3 * 65536); // 3 MiB: many TLS records
  await alice.message(big);
  const got = await bob.waitFor((f) => f.type === "message", "the large message");
  assertEquals((got.content as string).length, big.length);
  assert(got.content === big, "the large message arrived intact");
  const count = 2000;
  const line = (i: number) => `${i}:${"x".repeat(1000)}`;
  const acks = await Promise.all(
    Array.from({ length: count }, (_, i) => alice.message(line(i))),
  );
  assert(acks.every((ack) => ack.recipients === 1));
  await bob.waitFor((f) => f.content === line(count - 1), "the last of the burst");
  const burst = bob.frames.filter((f) => f.type === "message").slice(1);
  assertEquals(burst.length, count);
  burst.forEach((frame, i) => assertEquals(frame.content, line(i)));
});

tlsTest("TLS: a session that stops reading is cut (slow_consumer); the others go on", async () => {
  await using certs = await makeCerts();
  const reasons = new Map<string, CloseReason>();
  await using s = await tlsServer({ cert: certs.cert.pem, key: certs.key.pem }, {
    maxQueue: 64 * 1024,
    onSessionClose: (session, reason) => reasons.set(session.id, reason),
  });
  const to = tlsTo(s.port, [certs.ca.pem]);
  await using slow = await RawClient.session(to, { name: "slow" });
  await slow.ackOf("hs");
  slow.pause();
  await using flooder = await new Collector({ to, name: "flooder" }).connect();
  await using third = await new Collector({ to, name: "third" }).connect();
  const content = "f".repeat(8 * 1024);
  let sent = 0;
  // At most 64 MiB: far past any socket buffer; the slow one is cut long before. Once it is
  // cut, relays no longer count it: the flood then reaches the third session alone.
  let recipients = 2;
  for (; recipients === 2 && sent < 8 * 1024; sent++) {
    recipients = (await flooder.message(content)).recipients as number;
  }
  assertEquals(recipients, 1, "the slow session was cut");
  assert(sent > 8, `the slow session took ${sent} messages before it was cut`);
  // Reading again, it gets its slow_consumer error, then the end of the connection.
  slow.resume();
  assertEquals((await slow.next("error")).code, "slow_consumer");
  await slow.closed();
  assertEquals(reasons.get(slow.sessionId), "slow_consumer");
  await flooder.message("after");
  await third.waitFor((f) => f.content === "after", "a relay after the cut");
  assertEquals([...reasons.values()], ["slow_consumer"]);
});

tlsTest("TLS: a Unix session and a TLS session see each other", async () => {
  await using certs = await makeCerts();
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using s = await tlsServer({ cert: certs.cert.pem, key: certs.key.pem }, {}, path);
  assertEquals(s.server.addresses[1], `unix://${path}`);
  await using tls = await new Collector({ to: tlsTo(s.port, [certs.ca.pem]), name: "tls" })
    .connect();
  await using unix = await new Collector({ to: { transport: "unix", path }, name: "unix" })
    .connect();
  const who = await tls.who();
  assertEquals(
    who.map((entry) => [entry.name, entry.transport]).sort(),
    [["tls", "tcp"], ["unix", "unix"]],
  );
  await tls.message("from TLS");
  assertEquals(
    (await unix.waitFor((f) => f.content === "from TLS", "the TLS message")).from,
    "tls",
  );
  await unix.message("from Unix");
  assertEquals(
    (await tls.waitFor((f) => f.content === "from Unix", "the Unix message")).from,
    "unix",
  );
});

tlsTest("TLS: a certificate the client cannot trust is refused, saying why", async (t) => {
  await using certs = await makeCerts();
  await using s = await tlsServer({ cert: certs.cert.pem, key: certs.key.pem });
  await using wrong = await tlsServer({
    cert: certs.wrongNameCert.pem,
    key: certs.wrongNameKey.pem,
  });
  const cases: [string, ConnectOptions, RegExp][] = [
    ["signed by another CA", tlsTo(s.port, [certs.otherCa.pem]), /not signed by a trusted CA/],
    ["no CA given (Deno's roots only)", tlsTo(s.port), /not signed by a trusted CA/],
    ["for another host name", tlsTo(wrong.port, [certs.ca.pem]), /not valid for localhost/],
  ];
  for (const [name, to, reason] of cases) {
    await t.step(name, async () => {
      const error = await connect(to).then((c) => {
        c.close();
        return undefined;
      }, (e) => e);
      assert(error instanceof TransportError, String(error));
      assertMatch(error.message, reason);
      assertMatch(error.message, /^cannot connect to tcp:\/\/localhost:\d+: TLS: /);
      assertEquals(error.message.includes("\n"), false, "one line");
      await assertRejects(() => new ChatClient({ to }).connect(), (e: unknown) => {
        assert(e instanceof TransportError, String(e));
        assertMatch(e.message, reason);
        return true;
      });
    });
  }
  // Refusals leave the server well: a trusted client still gets in.
  await using ok = await new ChatClient({ to: tlsTo(s.port, [certs.ca.pem]) }).connect();
  assert(ok.connected);
  await s.connections(1); // only the trusted session remains
});

tlsTest("TLS: a plain TCP peer on the TLS port fails cleanly and hurts no one", async (t) => {
  await using certs = await makeCerts();
  await using s = await tlsServer({ cert: certs.cert.pem, key: certs.key.pem });
  await using watcher = await new Collector({ to: tlsTo(s.port, [certs.ca.pem]), name: "w" })
    .connect();

  await t.step("a peer that speaks first: cut off, no session_init in clear", async () => {
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await raw.write(encoder.encode('{"type":"session_ack","content":"hi"}\n'));
    const got = new TextDecoder().decode(await readToEnd(raw));
    assert(!got.includes("session_init"), `plain text leaked: ${got}`);
  });

  await t.step("a ChatClient without TLS: refused within its handshake timeout", async () => {
    const client = new ChatClient({
      to: { transport: "tcp", hostname: "127.0.0.1", port: s.port },
      handshakeTimeout: 0.3,
    });
    const error = await client.connect().then(() => undefined, (e) => e);
    assert(error instanceof ConnectionClosedError, String(error));
    assertMatch(error.message, /no handshake within 0\.3 s.*does it expect TLS/);
  });

  await s.connections(1); // the plain peers' connections closed
  assert(watcher.connected);
  await watcher.message("still here");
  await using late = await new ChatClient({ to: tlsTo(s.port, [certs.ca.pem]) }).connect();
  assertEquals((await late.who()).length, 2);
});

tlsTest("TLS: a peer that never handshakes is closed by the handshake timeout", async () => {
  await using certs = await makeCerts();
  await using s = await tlsServer(
    { cert: certs.cert.pem, key: certs.key.pem },
    { handshakeTimeout: 0.3, shutdownGrace: 0.2 },
  );
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  const started = Date.now();
  const ended = readToEnd(silent, WAIT_MS);
  // Meanwhile the listener accepts and serves others.
  await using other = await new ChatClient({ to: tlsTo(s.port, [certs.ca.pem]) }).connect();
  await other.message("not held up");
  assertEquals((await ended).length, 0, "nothing sent to a peer that never handshook");
  assert(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
});

tlsTest("TLS: a TLS client against a plain TCP server is refused, saying why", async () => {
  await using certs = await makeCerts();
  const server = new ChatServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
  const [url] = await server.start();
  try {
    const port = Number(url.slice(url.lastIndexOf(":") + 1));
    const error = await connect(tlsTo(port, [certs.ca.pem])).then((c) => {
      c.close();
      return undefined;
    }, (e) => e);
    assert(error instanceof TransportError, String(error));
    assertMatch(error.message, /^cannot connect to tcp:\/\/localhost:\d+: TLS: /);
    assertMatch(error.message, /did not answer in TLS|closed the connection/);
  } finally {
    await server.stop();
  }
});

tlsTest("TLS: listen refuses a bad certificate or key with a one-line reason", async (t) => {
  await using certs = await makeCerts();
  const cases: [string, TlsServerOptions, RegExp][] = [
    ["not PEM", { cert: "nope", key: certs.key.pem }, /no PEM certificate/],
    ["no key", { cert: certs.cert.pem, key: certs.cert.pem }, /no PEM private key/],
    [
      "a key of another certificate",
      { cert: certs.cert.pem, key: certs.wrongNameKey.pem },
      /private key does not match the certificate/,
    ],
  ];
  await t.step("a port in use", async () => {
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = taken.addr.port;
    const tls = { cert: certs.cert.pem, key: certs.key.pem };
    const error = await listen({ transport: "tcp", hostname: "127.0.0.1", port, tls })
      .then(async (l) => {
        await l.close();
        return undefined;
      }, (e) => e);
    assert(error instanceof TransportError, String(error));
    assertEquals(error.message, `cannot listen on tcp://127.0.0.1:${port}: address in use`);
  });
  for (const [name, tls, reason] of cases) {
    await t.step(name, async () => {
      const error = await listen({ transport: "tcp", hostname: "127.0.0.1", port: 0, tls })
        .then(async (l) => {
          await l.close();
          return undefined;
        }, (e) => e);
      assert(error instanceof TransportError, String(error));
      assertMatch(error.message, /^cannot listen on tcp:\/\/127\.0\.0\.1:0: TLS: /);
      assertMatch(error.message, reason);
    });
  }
});
