/**
 * `deno task screenshot [FILE]`: takes the README's picture of the web chat
 * page (default `docs/web.png`): a real server with a few people on TCP and
 * Unix sockets and one in Debian's chromium, driven by playwright-core.
 *
 * @module
 */

import { ChatServer } from "../src/server/server.ts";
import { WebServer } from "../src/web/web_server.ts";
import { BROWSER_SKIP, launchBrowser, newPage } from "../tests/helpers/browser.ts";
import { ready } from "../tests/helpers/session.ts";

/** Where the picture goes unless a path is given. */
export const DEFAULT_PATH = new URL("../docs/web.png", import.meta.url).pathname;

/** Takes the picture into `path`. */
export async function screenshot(path: string): Promise<void> {
  if (BROWSER_SKIP !== undefined) throw new Error(BROWSER_SKIP);
  const dir = await Deno.makeTempDir({ prefix: "chat-screenshot-" });
  const web = await WebServer.bind({ hostname: "127.0.0.1", port: 0 });
  const chat = new ChatServer({
    listen: [
      { transport: "tcp", hostname: "127.0.0.1", port: 0 },
      { transport: "unix", path: `${dir}/chat.sock` },
    ],
    listeners: [web.websockets],
  });
  const [tcpUrl] = await chat.start();
  web.serve(chat);
  const tcp = {
    transport: "tcp" as const,
    hostname: "127.0.0.1",
    port: Number(tcpUrl.split(":")[2]),
  };
  try {
    await using grace = await ready(tcp, { name: "grace" });
    await using linus = await ready({ transport: "unix", path: `${dir}/chat.sock` }, {
      name: "linus",
    });
    await using browser = await launchBrowser();
    await using page = await newPage(browser, { viewport: { width: 1100, height: 620 } });
    await page.goto(web.url);
    await page.locator('#status[data-state="online"]').waitFor();
    await page.fill("#name", "ada");
    await page.press("#name", "Enter");
    await page.locator("#status-text", { hasText: "Connected as ada" }).waitFor();
    const say = async (who: typeof grace, frame: Record<string, unknown>, id: string) => {
      await who.say({ type: "message", ...frame, id } as never);
      await who.ackOf(id);
    };
    await say(grace, { content: "Morning all! The chat has a web page now." }, "g1");
    for (const who of [grace, linus]) {
      await who.say({ type: "join", content: "lobby", id: "j" });
      await who.ackOf("j");
    }
    await page.fill("#room", "lobby");
    await page.press("#room", "Enter");
    await page.locator("#rooms li", { hasText: "#lobby" }).waitFor();
    await say(linus, {
      content: "Same frames as over TCP, one per WebSocket message.",
      room: "lobby",
    }, "l1");
    await page.fill("#message", "Typing this in a browser. Shift+Enter for\na second line.");
    await page.press("#message", "Enter");
    await page.locator("#log li.own .state", { hasText: "✓" }).waitFor();
    await say(grace, {
      content: "<b>markup</b> stays text, and \u202Ebidi controls\u202C show up.",
      room: "lobby",
    }, "g2");
    await say(linus, { content: "psst: /metrics speaks Prometheus", to: "ada" }, "l2");
    await page.locator("#log li.message", { hasText: "psst" }).waitFor();
    await page.click("#refresh-who");
    await page.locator('#people li[data-name="linus"]').waitFor();
    await page.focus("#message");
    await page.screenshot({ path });
  } finally {
    await chat.stop();
    await web.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const path = Deno.args[0] ?? DEFAULT_PATH;
  await screenshot(path);
  console.log(`screenshot: wrote ${path}`);
}
