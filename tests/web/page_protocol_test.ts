/**
 * The web page's side of PROTOCOL.md sections 8, 9 and 11, in a real
 * browser, against a scripted server that serves the page and plays the
 * server's frames by hand: history in seq order when joining a room,
 * notices, a reconnect that resumes (the token and the last seq sent,
 * missed messages shown, unacknowledged messages sent again under the
 * resumed id), a login form, and a login token read from the address's
 * fragment and removed from it.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { PAGE_ASSETS } from "../../src/web/page_assets.ts";
import { browserTest, launchBrowser, newPage, WAIT_MS } from "../helpers/browser.ts";
import { Wakeup } from "../helpers/wakeup.ts";

/** One WebSocket of the page, played by the test. */
class Scripted {
  readonly frames: Frame[] = [];
  closed = false;
  readonly #socket: WebSocket;
  readonly #wakeup = new Wakeup();

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      this.frames.push(JSON.parse(event.data));
      this.#wakeup.wake();
    };
    socket.onclose = () => {
      this.closed = true;
      this.#wakeup.wake();
    };
  }

  /** Sends a frame as the server would (one message, with its line feed). */
  send(frame: Frame): void {
    this.#socket.send(JSON.stringify(frame) + "\n");
  }

  /** Takes the next frame of `type` the page sent. */
  next(type: string): Promise<Frame> {
    return this.#wakeup.until(
      () => {
        const i = this.frames.findIndex((frame) => frame.type === type);
        if (i >= 0) return this.frames.splice(i, 1)[0];
        if (this.closed) throw new Error(`closed while waiting for ${type}`);
        return undefined;
      },
      WAIT_MS,
      () => `no ${type} from the page; have ${JSON.stringify(this.frames)}`,
    );
  }

  /** Resolves once the page closed the socket. */
  closedByPage(): Promise<true> {
    return this.#wakeup.until(
      () => this.closed || undefined,
      WAIT_MS,
      () => "the page never closed",
    );
  }

  /** Closes it from the server's side. */
  close(): void {
    this.#socket.close();
  }
}

/** A server that serves the page and hands each `/ws` to the test. */
class ScriptedServer implements AsyncDisposable {
  readonly url: string;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #sockets: Scripted[] = [];
  readonly #all: Scripted[] = [];
  readonly #wakeup = new Wakeup();

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/ws") {
        const { socket, response } = Deno.upgradeWebSocket(request);
        socket.onopen = () => {
          const scripted = new Scripted(socket);
          this.#sockets.push(scripted);
          this.#all.push(scripted);
          this.#wakeup.wake();
        };
        return response;
      }
      const asset = PAGE_ASSETS.get(path);
      if (!asset) return new Response("not found", { status: 404 });
      return new Response(asset.body, { headers: { "Content-Type": asset.type } });
    });
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The page's next WebSocket. */
  accept(): Promise<Scripted> {
    return this.#wakeup.until(
      () => this.#sockets.shift(),
      WAIT_MS,
      () => "the page never connected",
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.#all) if (!socket.closed) socket.close();
    await Promise.all(this.#all.map((socket) => socket.closed || socket.closedByPage()));
    await this.#server.shutdown();
  }
}

/** A scripted server, a browser and a page open at the server's address, closed by `await using`. */
async function scriptedPage(path = "/") {
  const server = new ScriptedServer();
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(`${server.url}${path}`);
  return {
    server,
    browser,
    page,
    async [Symbol.asyncDispose]() {
      await browser[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

const HEARTBEAT = { interval: 5, timeout: 10, retries: 3 };

/** A `session_init` as a server with history (and `extra`) sends it. */
function init(sessionId: string, token: string, extra: Frame | object = {}): Frame {
  return {
    type: "session_init",
    content: "Session established",
    protocol: 1,
    heartbeat: HEARTBEAT,
    max_frame: 1048576,
    resume_token: token,
    session_id: sessionId,
    ...extra,
  };
}

/** Answers the page's next request of `type` with `frames` (the request's `id` on all but messages). */
async function answer(
  ws: Scripted,
  type: string,
  frames: (request: Frame) => Frame[],
): Promise<Frame> {
  const request = await ws.next(type);
  for (const frame of frames(request)) {
    ws.send(frame.type === "message" ? frame : { ...frame, id: request.id });
  }
  return request;
}

browserTest("the page shows a room's history in seq order, and notices", async () => {
  await using scripted = await scriptedPage();
  const { server, page } = scripted;
  const ws = await server.accept();
  ws.send(init("s1", "t1"));
  const ack = await ws.next("session_ack");
  strictEqual(ack.resume, undefined, "nothing to resume yet");
  ws.send({ type: "ack", content: "Session acknowledged", name: "guest-s1", id: "hs" });
  // The room-less history and who, first.
  await answer(ws, "history", () => [{ type: "history", content: { count: 0, more: false } }]);
  await answer(ws, "who", () => [{ type: "who", content: [] }]);
  await page.fill("#room", "lobby");
  await page.press("#room", "Enter");
  await answer(ws, "join", () => [{ type: "ack", content: "lobby" }]);
  // A live message comes before the history answer.
  ws.send({ type: "message", content: "live", from: "bob", room: "lobby", ts: 3000, seq: 9 });
  const replayed = { type: "message", room: "lobby", replay: true };
  const history = await answer(ws, "history", (request) => [
    { ...replayed, content: "first", from: "amy", ts: 1000, seq: 1 },
    { ...replayed, content: "second", from: "bob", ts: 2000, seq: 2, verified: true },
    { type: "history", content: { count: 2, more: false }, room: request.room },
  ]);
  assertEquals([history.room, history.limit], ["lobby", 50]);
  await page.locator("#log li.message", { hasText: "second" }).waitFor();
  assertEquals(await page.locator("#log li.message .text").allTextContents(), [
    "first",
    "second",
    "live",
  ]);
  strictEqual(await page.locator("#log li.replay").count(), 2);
  const badge = page.locator("#log li.message", { hasText: "second" }).locator(".verified");
  strictEqual(await badge.getAttribute("aria-label"), "verified account");
  // Notices.
  ws.send({ type: "notice", event: "join", room: "lobby", name: "cy" });
  ws.send({ type: "notice", event: "nick", name: "cyrus", old: "cy" });
  ws.send({ type: "notice", event: "leave", room: "lobby", name: "bob", reason: "quit" });
  await page.locator("#log li.notice", { hasText: "bob quit #lobby" }).waitFor();
  assertEquals(
    await page.locator("#log li.notice .text").allTextContents(),
    ["cy joined #lobby", "cy is now cyrus", "bob quit #lobby"],
  );
});

browserTest(
  "after a lost connection the page resumes: token and seq sent, missed messages shown, unacked ones sent again",
  async () => {
    await using scripted = await scriptedPage();
    const { server, page } = scripted;
    const first = await server.accept();
    first.send(init("s1", "t1"));
    await first.next("session_ack");
    first.send({ type: "ack", content: "Session acknowledged", name: "ann", id: "hs" });
    await answer(first, "history", () => [{ type: "history", content: { count: 0, more: false } }]);
    await page.locator("#status-text", { hasText: "Connected as ann" }).waitFor();
    first.send({ type: "message", content: "before", from: "bob", ts: 1000, seq: 5 });
    await page.locator("#log li.message", { hasText: "before" }).waitFor();
    // A message the server never acknowledges, then the connection drops.
    await page.fill("#message", "unacked");
    await page.press("#message", "Enter");
    const lost = await first.next("message");
    strictEqual(lost.session_id, "s1");
    first.close();
    await page.locator('#status[data-state="reconnecting"]').waitFor();

    const second = await server.accept();
    second.send(init("s2", "t2"));
    const ack = await second.next("session_ack");
    assertEquals([ack.session_id, ack.resume], ["s2", { token: "t1", seq: 5 }]);
    second.send({
      type: "message",
      content: "while away",
      from: "bob",
      ts: 2000,
      seq: 6,
      replay: true,
      session_id: "s1",
    });
    second.send({
      type: "resumed",
      content: { recovered: true, replayed: 1, seq: 6 },
      name: "ann",
      rooms: ["lobby"],
      resume_token: "t3",
      session_id: "s1",
    });
    second.send({
      type: "ack",
      content: "Session acknowledged",
      name: "ann",
      id: "hs",
      session_id: "s1",
    });
    // The unacknowledged message again, same id, under the resumed session.
    const again = await second.next("message");
    assertEquals([again.content, again.id, again.session_id], ["unacked", lost.id, "s1"]);
    second.send({
      type: "ack",
      content: "delivered",
      recipients: 1,
      seq: 7,
      id: again.id,
      session_id: "s1",
    });
    const sent = page.locator("#log li.own", { hasText: "unacked" });
    await sent.locator(".state", { hasText: "✓ 1" }).waitFor();
    await page.locator("#log li.message", { hasText: "while away" }).waitFor();
    await page.locator("#rooms li", { hasText: "#lobby" }).waitFor();
    strictEqual(await page.evaluate<string>('sessionStorage.getItem("chat.resume")'), "t3");
    strictEqual(await page.evaluate<string>('sessionStorage.getItem("chat.seq")'), "7");
    // Nothing was asked again that the resume restored: no join.
    ok(!second.frames.some((frame) => frame.type === "join"), JSON.stringify(second.frames));
  },
);

browserTest(
  "a server that needs a login gets the form's user and password; the page's fragment gives a token and loses it",
  async () => {
    await using scripted = await scriptedPage();
    const { server, browser, page } = scripted;
    const first = await server.accept();
    first.send(init("s1", "t1", { login: ["password"], guests: true }));
    // The page shows the form and hangs up rather than hold the handshake open.
    await page.locator("#login").waitFor();
    await first.closedByPage();
    strictEqual(await page.locator("#login-guest").isVisible(), true);
    await page.fill("#login-user", "ann");
    await page.fill("#login-password", "s3cret pw");
    await page.press("#login-password", "Enter");
    const second = await server.accept();
    second.send(init("s2", "t2", { login: ["password"], guests: true }));
    const ack = await second.next("session_ack");
    assertEquals([ack.auth, ack.name], [{ user: "ann", password: "s3cret pw" }, undefined]);
    strictEqual(
      await page.inputValue("#login-password"),
      "",
      "the password is not kept in the form",
    );
    second.send({ type: "ack", content: "Session acknowledged", name: "ann", id: "hs" });
    await page.locator("#status-text", { hasText: "Connected as ann" }).waitFor();
    strictEqual(await page.locator("#login").isVisible(), false);

    // A token in the fragment: sent as the login, and gone from the address.
    await using other = await newPage(browser);
    await other.goto(`${server.url}/#jwt=aaa.bbb.ccc`);
    const third = await server.accept();
    third.send(init("s3", "t3", { login: ["jwt"], guests: false }));
    const jwtAck = await third.next("session_ack");
    assertEquals(jwtAck.auth, { jwt: "aaa.bbb.ccc" });
    strictEqual(new URL(other.url()).hash, "");
    // A refused login says so and does not retry on its own.
    third.send({ type: "error", code: "unauthorized", content: "login refused", id: "hs" });
    third.close();
    await other.locator("#login-error", { hasText: "Login refused" }).waitFor();
    await other.locator('#status[data-state="offline"]').waitFor();
  },
);
