/**
 * The web page across restarts of a real `chat server --http --store FILE`
 * process killed with SIGKILL (PROTOCOL.md sections 9 and 10): the page
 * resumes its session on its own, shows once what was said while it was
 * away, and delivers once the line typed while the server was gone.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { browserTest, launchBrowser, newPage } from "../helpers/browser.ts";
import { entries, entry, freePort, joinRoom, openChat, say } from "../helpers/chat_page.ts";
import { resumeOn } from "../helpers/resume.ts";
import { ready } from "../helpers/session.ts";
import { ChatProcess, tcpFlags, tempDir } from "../helpers/spawn.ts";

/**
 * How long the page may take to come back by itself: its reconnect backoff
 * grows to 15 s (±20 %) while the server is away, and the server is away
 * for two process starts here.
 */
const BACK_MS = 30_000;

/** Starts `chat server --store FILE` on TCP port 0 (and HTTP `port`, when given). */
async function storeServer(file: string, port?: number) {
  const http = port === undefined ? [] : ["--http", `127.0.0.1:${port}`];
  const server = ChatProcess.spawn(["server", ...tcpFlags(0), ...http, "--store", file]);
  const { tcp } = await server.listening(http.length === 0 ? 1 : 2);
  return { server, tcp: tcp! };
}

/** Kills `server` with SIGKILL and waits until it is gone. */
async function killHard(server: ChatProcess): Promise<void> {
  server.kill("SIGKILL");
  strictEqual((await server.status()).signal, "SIGKILL");
}

browserTest(
  "the page survives SIGKILLed restarts with --store: it resumes, shows once what was said meanwhile, and delivers once what was typed",
  async () => {
    await using dir = await tempDir();
    const file = `${dir.path}/chat.db`;
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    await using browser = await launchBrowser();
    await using page = await newPage(browser);

    // The page and a TCP client in a room; one message each way.
    const first = await storeServer(file, port);
    await using _first = first.server;
    await openChat(page, url, "pat");
    await joinRoom(page, "den");
    await using tim = await ready(first.tcp, { name: "tim" });
    await tim.say({ type: "join", content: "den", id: "j" });
    await tim.ackOf("j");
    await say(page, "before the crash");
    const before = await tim.next("message");
    assertEquals([before.from, before.room, before.content], ["pat", "den", "before the crash"]);
    await (await entry(page, "before the crash")).locator(".state", { hasText: "✓ 1" }).waitFor();
    let timToken = tim.init!.resume_token as string;
    const timId = tim.sessionId;

    // The server dies; the page says so, and keeps what is typed meanwhile.
    await killHard(first.server);
    await page.locator('#status[data-state="reconnecting"]').waitFor();
    await say(page, "typed while away");
    const typed = await entry(page, "typed while away");
    strictEqual(await typed.getAttribute("class"), "message own pending");
    strictEqual(await page.inputValue("#message"), "", "the line left the box");
    await tim.closed();

    // Back on the same file but not yet on the page's port: tim resumes and
    // talks in the room while the page cannot be there.
    const middle = await storeServer(file);
    let said: Frame;
    {
      await using _middle = middle.server;
      await using back = await resumeOn(middle.tcp, timToken, before.seq as number);
      assertEquals(
        [back.resumed.session_id, back.resumed.rooms, back.replayed],
        [timId, ["den"], []],
      );
      await back.client.say({ type: "message", content: "said meanwhile", room: "den", id: "m" });
      said = await back.client.ackOf("m");
      strictEqual(said.recipients, 1, "the page's session is away, not gone");
      timToken = back.resumed.resume_token as string;
      await killHard(middle.server); // acknowledged: it must survive this too
    }

    // Back on the page's port: the page comes back by itself, in its session.
    const last = await storeServer(file, port);
    await using _last = last.server;
    await page.locator("#status-text", { hasText: "Connected as pat" }).waitFor({
      timeout: BACK_MS,
    });
    await page.locator('#status[data-state="online"]').waitFor();
    const meanwhile = await entry(page, "said meanwhile");
    assertEquals(
      [await meanwhile.getAttribute("data-from"), await meanwhile.getAttribute("data-room")],
      ["tim", "den"],
    );
    strictEqual(await meanwhile.getAttribute("data-seq"), String(said.seq));
    await page.locator("#log li.info", { hasText: "Back: 1 missed messages above." }).waitFor();
    await page.locator("#rooms li", { hasText: "#den" }).waitFor();
    // The typed line went out once, under the resumed session.
    await typed.locator(".state", { hasText: "✓ 1" }).waitFor();

    // tim resumes too: the typed line reaches it once (replayed or live, by
    // who came back first), then a later one from the page, and nothing twice.
    await using again = await resumeOn(last.tcp, timToken, said.seq as number);
    const heard = [...again.replayed];
    await say(page, "after the restarts");
    while (!heard.some((m) => m.content === "after the restarts")) {
      heard.push(await again.client.next("message"));
    }
    assertEquals(
      heard.map((m) => [m.from, m.room, m.content]),
      [["pat", "den", "typed while away"], ["pat", "den", "after the restarts"]],
    );
    // The page shows every message once, the ones from before the crash included.
    for (const text of ["before the crash", "typed while away", "said meanwhile"]) {
      strictEqual(await entries(page, text).count(), 1, text);
    }
    await (await entry(page, "after the restarts")).locator(".state", { hasText: "✓ 1" })
      .waitFor();
    strictEqual(await page.locator("#log li.failed, #log li.error").count(), 0);
    await again.client.say({ type: "who", room: "den", id: "w" });
    const who = (await again.client.next("who")).content as { name: string; away?: true }[];
    assertEquals(who.map((m) => [m.name, m.away ?? false]).sort(), [
      ["pat", false],
      ["tim", false],
    ]);
  },
);
