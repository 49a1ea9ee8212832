/**
 * The web server's HTTP on raw sockets: GET and HEAD on kept-alive
 * connections, the page's files with their types and policy, and every
 * refusal (404, 405, 400, 413, 431, 505) and timeout closing what it should.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, match, ok, strictEqual } from "node:assert/strict";
import { within } from "../../src/async/deadline.ts";
import { writeAll } from "../../src/io/write_all.ts";
import { startWebServer } from "../helpers/server.ts";
import { dialUrl, httpExchange } from "../helpers/websocket_wire.ts";

/** A GET (or `method`) request for `path`, with `extra` header lines. */
function get(path: string, extra = "", method = "GET"): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
}

/** Everything read until the server closes `conn` (or a read fails). */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let text = "";
  await within(
    (async () => {
      for (let n; (n = await conn.read(buffer).catch(() => null)) !== null;) {
        text += decoder.decode(buffer.subarray(0, n), { stream: true });
      }
    })(),
    5000,
    "the server to close the connection",
  );
  return text;
}

/** Resolves once the server closed `conn`. */
async function closedByServer(conn: Deno.Conn): Promise<void> {
  await readToEnd(conn);
}

Deno.test("the web server answers GET and HEAD in order on one kept-alive connection", async () => {
  await using s = await startWebServer();
  using conn = await dialUrl(new URL(s.http));
  const health = await httpExchange(conn, get("/healthz"));
  assertEquals([health.status, health.body, health.headers.get("connection")], [
    200,
    "ok\n",
    "keep-alive",
  ]);
  const head = await httpExchange(conn, get("/", "", "HEAD"), { head: true });
  strictEqual(head.status, 200);
  ok(Number(head.headers.get("content-length")) > 1000, "the length of the body it would have");
  // Two requests in one write are answered in order; the second asks to close.
  await writeAll(conn, get("/readyz") + get("/nowhere", "Connection: close\r\n"));
  const rest = await readToEnd(conn);
  match(rest, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nready\nHTTP\/1\.1 404 Not Found\r\n/);
  match(rest, /Connection: close\r\n[^]*not found\n$/);
});

Deno.test("the web server serves the page, its script, its style and its icon with their types, a policy and no caching", async () => {
  await using s = await startWebServer();
  for (
    const [path, type] of [
      ["/", "text/html; charset=utf-8"],
      ["/chat.js", "text/javascript; charset=utf-8"],
      ["/chat.css", "text/css; charset=utf-8"],
      ["/favicon.ico", "image/svg+xml"], // asked for by browsers: not a 404
    ]
  ) {
    const response = await fetch(`${s.http}${path}`);
    strictEqual(response.status, 200, path);
    strictEqual(response.headers.get("content-type"), type);
    match(response.headers.get("content-security-policy")!, /script-src 'self'/);
    strictEqual(response.headers.get("x-content-type-options"), "nosniff");
    ok((await response.text()).length > 100, path);
  }
  const page = await (await fetch(`${s.http}/`)).text();
  // The page loads nothing from elsewhere and runs no inline script.
  assertEquals([...page.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]), [
    "/chat.css",
    "/chat.js",
  ]);
  ok(!/<script>/.test(page));
});

Deno.test("the web server refuses other methods with 405, bodies with 413, other versions with 505, garbage with 400", async () => {
  await using s = await startWebServer();
  const cases: [string, number][] = [
    [get("/", "", "POST"), 405],
    [get("/healthz", "Content-Length: 3\r\n") + "abc", 413],
    [get("/healthz", "Transfer-Encoding: chunked\r\n"), 413],
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    ["hello there\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\n\r\n", 400], // no Host
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: a\r\nbad header\r\n\r\n", 400],
  ];
  for (const [request, status] of cases) {
    using conn = await dialUrl(new URL(s.http));
    const answer = await httpExchange(conn, request);
    strictEqual(answer.status, status, JSON.stringify(request));
    if (status === 405) strictEqual(answer.headers.get("allow"), "GET, HEAD");
    if (status >= 400) await closedByServer(conn);
  }
});

Deno.test("the web server answers a head over 16 KiB with 431 and closes", async () => {
  await using s = await startWebServer();
  using conn = await dialUrl(new URL(s.http));
  const answer = await httpExchange(conn, get("/", `X-Pad: ${"p".repeat(17 * 1024)}\r\n`));
  strictEqual(answer.status, 431);
  await closedByServer(conn);
});

Deno.test("the web server closes a connection that sends no whole head within the request timeout", async () => {
  await using s = await startWebServer({}, { requestTimeout: 0.2 });
  using conn = await dialUrl(new URL(s.http));
  await writeAll(conn, "GET /healthz HTTP/1.1\r\nHost: 1");
  await closedByServer(conn);
  // A kept-alive connection that stays idle is closed too.
  using idle = await dialUrl(new URL(s.http));
  strictEqual((await httpExchange(idle, get("/healthz"))).status, 200);
  await closedByServer(idle);
});

Deno.test("/ws answers a plain GET with 426 and a wrong WebSocket version with 426 naming 13", async () => {
  await using s = await startWebServer();
  const plain = await fetch(`${s.http}/ws`);
  strictEqual(plain.status, 426);
  strictEqual(plain.headers.get("upgrade"), "websocket");
  await plain.body?.cancel();
  using conn = await dialUrl(new URL(s.http));
  const answer = await httpExchange(
    conn,
    get(
      "/ws",
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Version: 8\r\n",
    ),
  );
  assertEquals([answer.status, answer.headers.get("sec-websocket-version")], [426, "13"]);
});
