/**
 * `chat server --http [HOST:]PORT` as a real process (CLI.md): its
 * `listening on http://...` line with the others before anyone is
 * accepted, WebSocket sessions beside TCP and Unix ones, HTTPS and WSS on
 * the TLS flags, `/readyz` following NATS in a cluster, a clean SIGTERM,
 * and the usage errors of `--http` and `--http-origin`.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  throws,
} from "node:assert/strict";
import { parseServerArgs } from "../../src/cli/server_command.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { makeCerts, tlsTest } from "../helpers/certs.ts";
import { natsTest, startNats } from "../helpers/cluster.ts";
import { ready, sync } from "../helpers/session.ts";
import { assertGone, ChatProcess, localFlags, tcpFlags, tempDir } from "../helpers/spawn.ts";
import { fetchText } from "../helpers/websocket_wire.ts";

const noEnv = () => undefined;

Deno.test("--http takes [HOST:]PORT (a bare port binds localhost) and --http-origin origins", () => {
  const http = (...args: string[]) => parseServerArgs(args, noEnv)!.http;
  assertEquals(http("--http", "8080"), {
    hostname: "localhost",
    port: 8080,
    origins: [],
    tls: undefined,
  });
  assertEquals(http("--http", "0.0.0.0:0")?.hostname, "0.0.0.0");
  assertEquals(http("--http", "[::1]:8080")?.hostname, "::1");
  assertEquals(
    http("--http", "8080", "--http-origin", "https://a.example", "--http-origin", "http://b:81")
      ?.origins,
    ["https://a.example", "http://b:81"],
  );
  strictEqualUndefined(http());
  const usage: [string[], RegExp][] = [
    [["--http", "web"], /--http takes \[HOST:\]PORT, got 'web'/],
    [["--http", "host:"], /--http takes/],
    [["--http", "::1:80"], /--http takes/],
    [
      ["--http", "70000"],
      /--http '70000' is out of range: it takes a whole number from 0 to 65535/,
    ],
    [["--http-origin", "https://a.example"], /--http-origin needs --http/],
    [["--http", "1", "--http-origin", "https://a.example/path"], /--http-origin takes an origin/],
    [["--http", "1", "--http-origin", "a.example"], /--http-origin takes an origin/],
  ];
  for (const [args, what] of usage) {
    throws(() => parseServerArgs(args, noEnv), (error) => {
      assert(error instanceof UsageError, String(error));
      assertMatch(error.message, what);
      assertEquals(error.help, "chat server --help");
      return true;
    }, args.join(" "));
  }
});

function strictEqualUndefined(value: unknown): void {
  assertEquals(value, undefined);
}

Deno.test("chat server --http prints listening on http://HOST:PORT after tcp and unix, serves sessions on all three, and exits 0 on SIGTERM", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using server = ChatProcess.spawn([
    "server",
    ...localFlags(path),
    "--http",
    "127.0.0.1:0",
  ]);
  const { tcp, unix, http, urls } = await server.listening(3);
  assertEquals(urls.map((url) => url.split(":")[0]), ["tcp", "unix", "http"]);
  assertMatch(http!, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  assertEquals((await fetchText(`${http}/readyz`)).status, 200);
  await using web = await ready({ transport: "ws", url: `${http!.replace("http", "ws")}/ws` }, {
    name: "web",
  });
  await using sock = await ready(unix!, { name: "sock" });
  await using tcpPeer = await ready(tcp!, { name: "tcpy" });
  await web.say({ type: "message", content: "from the web", id: 1 });
  assertEquals((await web.ackOf(1)).recipients, 2);
  assertEquals((await sock.next("message")).content, "from the web");
  assertEquals((await tcpPeer.next("message")).content, "from the web");
  await server.waitForLine(/session .* opened from "?ws:\/\/127\.0\.0\.1:\d+"? as "?web"?/);
  server.kill("SIGTERM");
  assertEquals((await web.next("disconnect")).content, "server shutting down");
  const result = await server.finished();
  assertEquals(result.code, 0, result.stderr);
  await assertGone(path);
});

Deno.test("chat server --http PORT binds localhost", async () => {
  await using server = ChatProcess.spawn(["server", "--port", "0", "--http", "0"]);
  const { http } = await server.listening(2);
  assertMatch(http!, /^http:\/\/(127\.0\.0\.1|\[::1\]):[1-9]\d*$/);
  const { status, body } = await fetchText(`${http}/healthz`);
  assertEquals([status, body], [200, "ok\n"]);
});

Deno.test("chat server --http on a port in use says it cannot listen on http://, naming the HTTP listener, exit 1", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const run = await ChatProcess.run(["server", "--port", "0", "--http", `127.0.0.1:${port}`]);
  assertEquals(run.code, 1, run.stderr);
  assert(
    run.stderr.includes(`chat: cannot listen on http://127.0.0.1:${port}: address in use`),
    run.stderr,
  );
  assert(!run.stderr.includes("tcp://127.0.0.1:" + port), run.stderr);
});

tlsTest("with --tls-cert, --http serves https:// and wss:// on the same certificate", async () => {
  await using certs = await makeCerts();
  await using server = ChatProcess.spawn([
    "server",
    ...tcpFlags(0),
    "--http",
    "127.0.0.1:0",
    "--tls-cert",
    certs.cert.path,
    "--tls-key",
    certs.key.path,
  ]);
  const { http } = await server.listening(2);
  assertMatch(http!, /^https:\/\/127\.0\.0\.1:\d+$/);
  using client = Deno.createHttpClient({ caCerts: [certs.ca.pem] });
  const { status, body } = await fetchText(`${http}/healthz`, client);
  assertEquals([status, body], [200, "ok\n"]);
  const url = `${http!.replace("https", "wss")}/ws`;
  await using peer = await ready({ transport: "ws", url, caCerts: [certs.ca.pem] }, { name: "s" });
  await sync(peer);
  assertEquals(peer.misframed, []);
});

natsTest("with --cluster, /readyz is 503 once NATS is lost", async () => {
  await using nats = await startNats();
  await using server = ChatProcess.spawn([
    "server",
    ...tcpFlags(0),
    "--http",
    "127.0.0.1:0",
    "--cluster",
    nats.url,
    "--heartbeat-timeout",
    "2",
  ]);
  const { http } = await server.listening(2);
  const readyz = async () => (await fetchText(`${http}/readyz`)).status;
  assertEquals(await readyz(), 200);
  await nats.kill();
  await server.waitForLine(/cluster: lost NATS/);
  assertEquals(await readyz(), 503);
  assertEquals((await fetchText(`${http}/healthz`)).status, 200);
});
