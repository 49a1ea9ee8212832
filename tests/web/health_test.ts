/**
 * `/healthz` and `/readyz` around a server's life: healthy while the
 * process runs, ready once every listener is bound, not ready from the
 * moment a shutdown starts, and still answering until the web server is
 * closed after the chat server.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, rejects, strictEqual } from "node:assert/strict";
import { ChatServer } from "../../src/server/server.ts";
import { WebServer } from "../../src/web/web_server.ts";
import { startWebServer } from "../helpers/server.ts";
import { ready, sync } from "../helpers/session.ts";
import { dialUrl, fetchText, httpExchange, upgradeRequest } from "../helpers/websocket_wire.ts";

async function status(url: string): Promise<[number, string]> {
  const { status, body } = await fetchText(url);
  return [status, body];
}

Deno.test("/readyz is 503 before the chat server bound its listeners and 200 after; /healthz is 200 throughout", async () => {
  const web = await WebServer.bind({ hostname: "127.0.0.1", port: 0 });
  const chat = new ChatServer({
    listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }],
    listeners: [web.websockets],
  });
  web.serve(chat);
  try {
    assertEquals(await status(`${web.url}/readyz`), [503, "not ready\n"]);
    assertEquals(await status(`${web.url}/healthz`), [200, "ok\n"]);
    const urls = await chat.start();
    assertEquals(urls.at(-1), web.url, "the HTTP listener is listed last");
    assertEquals(await status(`${web.url}/readyz`), [200, "ready\n"]);
  } finally {
    await chat.stop();
    await web.close();
  }
});

Deno.test("/readyz is 503 while the server shuts down and after, until the web server closes", async () => {
  await using s = await startWebServer();
  await using client = await ready(s.ws);
  await sync(client);
  assertEquals(await status(`${s.http}/readyz`), [200, "ready\n"]);
  const stopping = s.server.stop();
  assertEquals(await status(`${s.http}/readyz`), [503, "not ready\n"]);
  assertEquals(await status(`${s.http}/healthz`), [200, "ok\n"]);
  // The WebSocket sessions were told, and a new upgrade is refused.
  strictEqual((await client.next("disconnect")).content, "server shutting down");
  await stopping;
  assertEquals(await status(`${s.http}/readyz`), [503, "not ready\n"]);
  {
    using conn = await dialUrl(new URL(s.http));
    const answer = await httpExchange(conn, upgradeRequest(s.ws, "dGhlIHNhbXBsZSBub25jZQ=="));
    strictEqual(answer.status, 503);
  }
  await client.closed();
  await s.web.close();
  await rejects(fetch(`${s.http}/healthz`));
});
