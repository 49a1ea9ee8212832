/**
 * The web chat page in a real browser (Debian's chromium, headless),
 * against a real server: two pages and a TCP client chat in a room and
 * directly; hostile content stays text; the page works from the keyboard
 * alone and at phone width; it reconnects, with its name and rooms, when
 * the server comes back.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { ChatServer } from "../../src/server/server.ts";
import { WebServer } from "../../src/web/web_server.ts";
import { browserTest, launchBrowser, newPage, WAIT_MS } from "../helpers/browser.ts";
import { entry, freePort, joinRoom, openChat, say } from "../helpers/chat_page.ts";
import { startWebServer } from "../helpers/server.ts";
import { resumeOn } from "../helpers/resume.ts";
import { assertNothing, ready, sync } from "../helpers/session.ts";

browserTest("two pages and a TCP client chat with each other in a room and directly", async () => {
  await using s = await startWebServer();
  await using browser = await launchBrowser();
  await using alice = await newPage(browser);
  await using bob = await newPage(browser);
  await openChat(alice, s.http, "alice");
  await openChat(bob, s.http, "bob");
  await using carol = await ready(s.tcp, { name: "carol" });

  // A room: both pages and the TCP client join it.
  await joinRoom(alice, "lobby");
  await joinRoom(bob, "lobby");
  await carol.say({ type: "join", content: "lobby", id: "j" });
  await carol.ackOf("j");
  strictEqual(await alice.inputValue("#target"), "#lobby", "talking in the room just joined");
  await say(alice, "hello lobby");
  const inBob = await entry(bob, "hello lobby");
  assertEquals(
    [await inBob.getAttribute("data-from"), await inBob.getAttribute("data-room")],
    ["alice", "lobby"],
  );
  const relayed = await carol.next("message");
  assertEquals([relayed.from, relayed.room, relayed.content], ["alice", "lobby", "hello lobby"]);
  // Alice's own line is marked delivered, to two.
  await (await entry(alice, "hello lobby")).locator(".state", { hasText: "✓ 2" }).waitFor();
  await carol.say({ type: "message", content: "hi from tcp", room: "lobby", id: "m" });
  await carol.ackOf("m");
  for (const page of [alice, bob]) {
    strictEqual(await (await entry(page, "hi from tcp")).getAttribute("data-from"), "carol");
  }

  // Directly: bob picks alice in the people list.
  await bob.click("#refresh-who");
  await bob.click('#people li[data-name="alice"] button');
  strictEqual(await bob.inputValue("#target"), "@alice");
  await say(bob, "psst, alice");
  const direct = await entry(alice, "psst, alice");
  assertEquals(
    [await direct.getAttribute("data-from"), await direct.getAttribute("data-to")],
    ["bob", "alice"],
  );
  await carol.say({ type: "message", content: "just for bob", to: "bob", id: "d" });
  await carol.ackOf("d");
  await entry(bob, "just for bob");
  // Neither direct message reached anyone else: a later one from the same sender comes
  // after where it would have been.
  await assertNothing(carol, "message");
  await carol.say({ type: "message", content: "marker", to: "alice", id: "k" });
  await carol.ackOf("k");
  await entry(alice, "marker");
  strictEqual(await alice.locator("#log li.message", { hasText: "just for bob" }).count(), 0);
  // Without history on the server, nothing failed on the pages either.
  for (const page of [alice, bob]) strictEqual(await page.locator("#log li.error").count(), 0);
  // Every session shows in who, the pages as ws.
  await carol.say({ type: "who", id: "w" });
  const who = (await carol.next("who")).content as { name: string; transport: string }[];
  assertEquals(
    Object.fromEntries(who.map((e) => [e.name, e.transport])),
    { alice: "ws", bob: "ws", carol: "tcp" },
  );
});

browserTest("hostile content is shown as text: markup, bidi controls and line breaks", async () => {
  await using s = await startWebServer();
  await using browser = await launchBrowser();
  await using page = await newPage(browser);
  await openChat(page, s.http, "reader");
  await using mallory = await ready(s.tcp, { name: "mallory" });
  const hostile = [
    '<img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script>',
    "\u202Egnp.exe\u202C and \u2066isolated\u2069",
    "line one\nline two\n  indented three",
    "zero\u200Bwidth & <b>bold</b> &amp;",
  ];
  for (const [i, content] of hostile.entries()) {
    await mallory.say({ type: "message", content, id: i });
    await mallory.ackOf(i);
  }
  const markup = await entry(page, "onerror");
  strictEqual(await markup.locator(".text").textContent(), hostile[0]);
  strictEqual(await page.locator("#log img, #log script, #log b").count(), 0);
  strictEqual(await page.evaluate<unknown>("window.pwned"), undefined);
  // Bidi controls are shown, not obeyed: the text reads in its stored order.
  const bidi = await entry(page, "gnp.exe");
  strictEqual(
    await bidi.locator(".text").textContent(),
    "\\u202Egnp.exe\\u202C and \\u2066isolated\\u2069",
  );
  strictEqual(await bidi.locator(".escape").count(), 4);
  const lines = await entry(page, "line one");
  strictEqual(await lines.locator(".text").innerText(), hostile[2]);
  const zero = await entry(page, "bold");
  strictEqual(await zero.locator(".text").textContent(), "zero\\u200Bwidth & <b>bold</b> &amp;");
  // The name stays where names go, the page's title and structure unchanged.
  strictEqual(await markup.locator(".from").textContent(), "mallory");
  strictEqual(await page.title(), "chat");
});

browserTest(
  "the page works from the keyboard alone, every control labelled, and fits a phone",
  async () => {
    await using s = await startWebServer();
    await using browser = await launchBrowser();
    await using page = await newPage(browser, { viewport: { width: 360, height: 740 } });
    await using listener = await ready(s.tcp, { name: "listener" });
    await page.goto(s.http);
    await page.locator('#status[data-state="online"]').waitFor({ timeout: WAIT_MS });
    /** Presses Tab until `selector` has the focus (at most 30 times). */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 30; i++) {
        const here = `document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`;
        if (await page.evaluate<boolean>(here)) return;
        await page.keyboard.press("Tab");
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    // The message box has the focus from the start.
    strictEqual(await page.evaluate<string>("document.activeElement?.id"), "message");
    await tabTo("#name");
    await page.keyboard.type("kb");
    await page.keyboard.press("Enter");
    await page.locator("#status-text", { hasText: "Connected as kb" }).waitFor({
      timeout: WAIT_MS,
    });
    await tabTo("#room");
    await page.keyboard.type("#keys");
    await page.keyboard.press("Enter");
    await page.locator("#rooms li", { hasText: "#keys" }).waitFor({ timeout: WAIT_MS });
    await listener.say({ type: "join", content: "keys", id: "j" });
    await listener.ackOf("j");
    await tabTo("#message");
    await page.keyboard.type("typed");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("on two lines");
    await page.keyboard.press("Enter");
    const got = await listener.next("message");
    assertEquals([got.from, got.room, got.content], ["kb", "keys", "typed\non two lines"]);
    // Leaving a room from the keyboard: its Leave button.
    await tabTo('#rooms button[aria-label="Leave #keys"]');
    await page.keyboard.press("Enter");
    await page.locator("#rooms li").waitFor({ state: "detached", timeout: WAIT_MS });
    // Every visible control has a name: a label, an aria-label, or a button's text.
    const unlabelled = await page.evaluate<string[]>(`
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") ||
          (el.tagName === "BUTTON" && el.textContent.trim())))
        .map((el) => el.outerHTML)
    `);
    assertEquals(unlabelled, []);
    // Nothing wider than the phone's screen.
    const [scrollWidth, clientWidth] = await page.evaluate<number[]>(
      "[document.documentElement.scrollWidth, document.documentElement.clientWidth]",
    );
    ok(scrollWidth <= clientWidth, `${scrollWidth} px wide in a ${clientWidth} px screen`);
    await sync(listener);
  },
);

/** A chat server (history in memory) with its web server on `port`, stopped on dispose. */
async function chatOnPort(port: number) {
  const web = await WebServer.bind({ hostname: "127.0.0.1", port });
  const chat = new ChatServer({ listen: [], listeners: [web.websockets] });
  await chat.start();
  web.serve(chat);
  return {
    web,
    chat,
    async [Symbol.asyncDispose]() {
      await chat.stop();
      await web.close();
    },
  };
}

browserTest(
  "the page reconnects when the server comes back, with its name, its rooms and what was typed meanwhile",
  async () => {
    const port = freePort();
    const start = () => chatOnPort(port);
    await using browser = await launchBrowser();
    await using page = await newPage(browser);
    {
      await using _first = await start();
      await openChat(page, `http://127.0.0.1:${port}`, "phoenix");
      await joinRoom(page, "ashes");
    }
    await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    // A line typed meanwhile waits, and goes once the page is back (a new session: this server
    // keeps no history), after the page joined its room again.
    await say(page, "typed while away");
    const typed = await entry(page, "typed while away");
    await typed.locator(".state", { hasText: "waiting for the connection" }).waitFor();
    await using second = await start();
    await page.locator("#status-text", { hasText: "Connected as phoenix" }).waitFor({
      timeout: WAIT_MS,
    });
    await typed.locator(".state", { hasText: "✓ 0" }).waitFor({ timeout: WAIT_MS });
    strictEqual(await typed.getAttribute("data-room"), "ashes");
    await using watcher = await ready({
      transport: "ws",
      url: `ws://127.0.0.1:${port}/ws`,
    }, { name: "watcher" });
    // The page joined its room again on the new server.
    await watcher.say({ type: "who", room: "ashes", id: "w" });
    const members = (await watcher.next("who")).content as { name: string }[];
    assertEquals(members.map((m) => m.name), ["phoenix"]);
    strictEqual(second.chat.sessions.length, 2);
  },
);

browserTest(
  "after a restart that lost history, the page shows the new server's messages, though their seqs repeat",
  async () => {
    const port = freePort();
    const ws = { transport: "ws" as const, url: `ws://127.0.0.1:${port}/ws` };
    await using browser = await launchBrowser();
    await using page = await newPage(browser);
    const talk = async (name: string, lines: string[]) => {
      await using peer = await ready(ws, { name });
      await peer.say({ type: "join", content: "ashes", id: "j" });
      await peer.ackOf("j");
      for (const [i, content] of lines.entries()) {
        await peer.say({ type: "message", room: "ashes", content, id: i });
        strictEqual((await peer.ackOf(i)).seq, i + 1, "a server in memory numbers from 1");
      }
    };
    {
      await using _first = await chatOnPort(port);
      await openChat(page, `http://127.0.0.1:${port}`, "phoenix");
      await joinRoom(page, "ashes");
      await talk("ember", ["before 1", "before 2"]);
      await entry(page, "before 2");
    }
    await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    await using _second = await chatOnPort(port);
    await page.locator("#status-text", { hasText: "Connected as phoenix" }).waitFor({
      timeout: WAIT_MS,
    });
    await talk("cinder", ["after 1", "after 2"]);
    await entry(page, "after 2");
    // Each once, and in the order they were said.
    const texts = await page.locator("#log li.message .text").allTextContents();
    assertEquals(texts, ["before 1", "before 2", "after 1", "after 2"]);
  },
);

browserTest(
  "the page: Join moves the focus to the message box; who is here shows a silent newcomer and one back from away without a click",
  async () => {
    await using s = await startWebServer();
    await using browser = await launchBrowser();
    await using page = await newPage(browser);
    await openChat(page, s.http, "pat");
    await page.click("#room");
    await joinRoom(page, "lobby");
    strictEqual(await page.evaluate<string>("document.activeElement?.id"), "message");
    const person = (name: string) => page.locator(`#people li[data-name="${name}"]`);
    await person("pat").waitFor({ timeout: WAIT_MS });

    // A newcomer in no room who says nothing: no notice for it (PROTOCOL.md section 8), but
    // the ack of pat's next line to everyone counts one more than the list: asked again.
    await using quiet = await ready(s.tcp, { name: "quiet" });
    await page.selectOption("#target", "");
    await say(page, "anyone here?");
    strictEqual((await quiet.next("message")).content, "anyone here?");
    await person("quiet").waitFor({ timeout: WAIT_MS });

    // ann joins (a notice: listed), goes away, and comes back saying something.
    const ann = await ready(s.tcp, { name: "ann" });
    const token = ann.init!.resume_token as string;
    await ann.say({ type: "join", content: "lobby", id: "j" });
    await ann.ackOf("j");
    await person("ann").waitFor({ timeout: WAIT_MS });
    await ann.close(); // no disconnect: away
    for (let i = 0;; i++) {
      await quiet.say({ type: "who", id: `w${i}` });
      const who = (await quiet.next("who")).content as { name: string; away?: boolean }[];
      if (who.some((entry) => entry.name === "ann" && entry.away)) break;
    }
    await page.click("#refresh-who");
    const away = person("ann").locator(".badge", { hasText: "away" });
    await away.waitFor({ timeout: WAIT_MS });
    await using back = await resumeOn(s.tcp, token, 0);
    await back.client.say({ type: "message", room: "lobby", content: "back again", id: "m" });
    await back.client.ackOf("m");
    await entry(page, "back again");
    await away.waitFor({ state: "detached", timeout: WAIT_MS });
    await sync(quiet);
  },
);
