/**
 * The interactive client's reconnecting session, in process, against real
 * servers on a Unix socket (stopped and started again on the same path),
 * with a screen that records what it is told.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { ChatClient, ClientOptions } from "../../src/client/client.ts";
import { LineQueue } from "../../src/client/line_handler.ts";
import { ReconnectingSession } from "../../src/client/reconnecting_session.ts";
import type { Screen } from "../../src/client/screen.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { ServerOptions } from "../../src/server/options.ts";
import { ChatServer } from "../../src/server/server.ts";
import { within } from "../../src/async/deadline.ts";
import { fakeServer, sessionInit } from "../helpers/fake_server.ts";
import { WAIT_MS } from "../helpers/raw_client.ts";
import { Wakeup } from "../helpers/wakeup.ts";

/** A screen that keeps every line it is given (fatal and status ones marked), to wait on. */
class RecordingScreen implements Screen {
  readonly tty = false;
  readonly lines: string[] = [];
  readonly #wakeup = new Wakeup();

  message(text: string): void {
    this.#add(text);
  }

  info(text: string): void {
    this.#add(text);
  }

  fatal(text: string): void {
    this.#add(`fatal: ${text}`);
  }

  status(text: string | undefined): void {
    if (text !== undefined) this.#add(`status: ${text}`);
  }

  close(): void {}

  /** Resolves with the first line that matches. */
  waitFor(pattern: RegExp): Promise<string> {
    return this.#wakeup.until(
      () => this.lines.find((line) => pattern.test(line)),
      WAIT_MS,
      () => `no line matching ${pattern} in ${JSON.stringify(this.lines)}`,
    );
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#wakeup.wake();
  }
}

/** A server on a Unix socket path that can be stopped and started again there. */
class Restartable implements AsyncDisposable {
  readonly path: string;
  readonly #dir: string;
  #server?: ChatServer;

  private constructor(dir: string) {
    this.#dir = dir;
    this.path = `${dir}/chat.sock`;
  }

  static async create(): Promise<Restartable> {
    return new Restartable(await Deno.makeTempDir({ prefix: "chat-session-" }));
  }

  get to(): { transport: "unix"; path: string } {
    return { transport: "unix", path: this.path };
  }

  async start(options: Omit<ServerOptions, "listen"> = {}): Promise<ChatServer> {
    this.#server = new ChatServer({ ...options, listen: [{ transport: "unix", path: this.path }] });
    await this.#server.start();
    return this.#server;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.#dir, { recursive: true });
  }
}

function session(
  screen: Screen,
  client: ClientOptions,
  reconnect = true,
): ReconnectingSession {
  return new ReconnectingSession({ client, reconnect, screen });
}

/** A session connected to a server of its own, then lost when that server stopped. */
interface Lost extends AsyncDisposable {
  place: Restartable;
  screen: RecordingScreen;
  session: ReconnectingSession;
}

/** Connects a session to a server of its own, runs `before`, stops the server: the session is lost. */
async function lost(
  client: Omit<ClientOptions, "to"> = {},
  before?: (session: ReconnectingSession) => Promise<void>,
): Promise<Lost> {
  const place = await Restartable.create();
  await place.start();
  const screen = new RecordingScreen();
  const s = session(screen, { ...client, to: place.to });
  await s.connect();
  await before?.(s);
  await place.stop();
  await screen.waitFor(
    /^status: connection lost: server shutting down; reconnecting in 0.5 s \(try 1\)$/,
  );
  assert(!s.connected);
  return { place, screen, session: s, [Symbol.asyncDispose]: () => place[Symbol.asyncDispose]() };
}

Deno.test("ReconnectingSession: a refused first connection is one fatal line and status 1", async () => {
  await using place = await Restartable.create();
  await place.start({ token: "sesame" });
  const screen = new RecordingScreen();
  const s = session(screen, { to: place.to, token: "wrong" });
  await s.connect();
  assertEquals(await within(s.done, WAIT_MS, "done"), 1);
  assertEquals(screen.lines, [
    `fatal: chat: refused by the server at unix://${place.path}: unauthorized: wrong token`,
  ]);
  assert(s.stopping && !s.connected);
  assertEquals(await s.live(), undefined);
});

Deno.test("ReconnectingSession: a taken name is told; the session goes on as the guest", async () => {
  await using place = await Restartable.create();
  await place.start();
  const ada = session(new RecordingScreen(), { to: place.to, name: "ada" });
  await ada.connect();
  const screen = new RecordingScreen();
  const other = session(screen, { to: place.to, name: "ada" });
  await other.connect();
  const client = await other.live();
  assert(client?.connected);
  assertEquals(screen.lines, [
    `error (name_taken): name ada is taken; you are ${client.name}`,
  ]);
  assertEquals(other.remembered.name, undefined);
  assertEquals(ada.remembered.name, "ada");
  await other.quit();
  await other.quit(); // A second quit changes nothing.
  await ada.quit();
  assertEquals([await ada.done, await other.done], [0, 0]);
  assertEquals(await other.live(), undefined);
});

Deno.test("ReconnectingSession: quit while the handshake is pending leaves with 0 and says goodbye once it completes", async () => {
  const acked = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const after: Frame[] = [];
  await using fake = fakeServer(async (peer) => {
    const sessionId = crypto.randomUUID();
    await peer.send(sessionInit(sessionId));
    const ack = await peer.next();
    acked.resolve();
    await release.promise;
    await peer.send({
      type: "ack",
      content: "Session acknowledged",
      id: ack!.id,
      session_id: sessionId,
    });
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      after.push(frame);
      if (frame.type === "disconnect") return;
    }
  });
  const screen = new RecordingScreen();
  const s = session(screen, { to: fake.tcp });
  const connecting = s.connect();
  await within(acked.promise, WAIT_MS, "the session_ack");
  await s.quit();
  assertEquals(await s.done, 0);
  release.resolve();
  await within(connecting, WAIT_MS, "connect to give up");
  assertEquals(after.map((f) => [f.type, f.content]), [["disconnect", "bye"]]);
  assertEquals(screen.lines, []);
});

Deno.test("ReconnectingSession: quit while the first connection times out leaves with 0, no line", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const screen = new RecordingScreen();
  const s = session(screen, {
    to: { transport: "tcp", hostname: "127.0.0.1", port: listener.addr.port },
    handshakeTimeout: 0.1,
  });
  const connecting = s.connect();
  using _conn = await listener.accept(); // Says nothing.
  await s.quit();
  await within(connecting, WAIT_MS, "connect to time out");
  assertEquals(await s.done, 0);
  assertEquals(screen.lines, []);
});

Deno.test("ReconnectingSession without reconnect: the lost server is one fatal line and status 1", async () => {
  await using place = await Restartable.create();
  await place.start();
  const screen = new RecordingScreen();
  const s = session(screen, { to: place.to, name: "solo" }, false);
  await s.connect();
  await place.stop();
  assertEquals(await within(s.done, WAIT_MS, "done"), 1);
  assertEquals(screen.lines, [
    `fatal: chat: lost the server at unix://${place.path}: server shutting down`,
  ]);
});

Deno.test("ReconnectingSession: a reconnection the server refuses for good ends with status 1", async () => {
  await using t = await lost({ name: "ada" });
  const { place, screen, session: s } = t;
  await place.start({ token: "sesame" }); // The client has no token: unauthorized, for good.
  assertEquals(await within(s.done, WAIT_MS, "done"), 1);
  assertEquals(
    screen.lines.at(-1),
    `fatal: chat: refused by the server at unix://${place.path}: unauthorized: a token is required`,
  );
});

Deno.test("ReconnectingSession: quit while waiting to reconnect ends the wait, and live() with it", async () => {
  await using t = await lost();
  const { screen, session: s } = t;
  const waiting = s.live(); // Waits through the reconnection...
  await s.quit(); // ... which the quit ends.
  assertEquals(await within(waiting, WAIT_MS, "live()"), undefined);
  assertEquals(await s.done, 0);
  assertEquals(screen.lines.length, 1);
});

Deno.test("ReconnectingSession: reconnects, takes back its name and rooms, and live() gives the new client", async () => {
  let first: ChatClient | undefined;
  await using t = await lost({ name: "ada" }, async (s) => {
    first = await s.live();
    await first!.join("lobby");
    s.remembered.rooms.add("lobby");
  });
  const { place, screen, session: s } = t;
  const waiting = s.live(); // Waits through the reconnection.
  await place.start();
  const second = await within(waiting, WAIT_MS, "live() after the reconnection");
  assert(second && second !== first && second.connected);
  assertEquals([second.name, [...second.rooms]], ["ada", ["lobby"]]);
  await screen.waitFor(new RegExp(`^reconnected to unix://${place.path} as ada, rejoined #lobby$`));
  await s.quit();
  assertEquals(await s.done, 0);
});

Deno.test("ReconnectingSession: lines typed while the server is away are counted in the status; quit says they were not sent", async () => {
  await using t = await lost({ name: "ada" });
  const { screen, session: s } = t;
  const lines = new LineQueue(s);
  const first = lines.push("one");
  const second = lines.push("two");
  void lines.push("/help"); // A local command queued behind them waits too.
  await screen.waitFor(/^status: 3 typed lines waiting; connection lost: /);
  await s.quit();
  await within(Promise.all([first, second]), WAIT_MS, "the lines to give up");
  assertEquals(await s.done, 0);
  assert(
    screen.lines.includes("3 typed lines were not sent: the server was away"),
    screen.lines.join("\n"),
  );
});
