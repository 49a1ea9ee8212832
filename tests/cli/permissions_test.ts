/**
 * The least permissions `chat` runs with (`src/cli/permissions.ts`): the
 * deno.json tasks and `deno compile` use exactly them; under exactly them a
 * server listens on TCP, TLS and a Unix socket, clients talk over each, and
 * SIGTERM exits 0; without any one of them, `chat` fails in one line naming
 * the permission, and exits 1.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { compileArgs } from "../../scripts/compile.ts";
import { ENV_VARIABLES, PERMISSIONS, RUN_FLAGS, V8_FLAGS } from "../../src/cli/permissions.ts";
import { makeCerts, tlsTest } from "../helpers/certs.ts";
import { linesOf, runMain } from "../helpers/run_main.ts";
import { assertGone, ChatProcess, ROOT, tempDir } from "../helpers/spawn.ts";
import { fetchText } from "../helpers/websocket_wire.ts";

/** PERMISSIONS without the flag that starts with `prefix`. */
function without(prefix: string): string[] {
  const kept = PERMISSIONS.filter((flag) => !flag.startsWith(prefix));
  assertEquals(kept.length, PERMISSIONS.length - 1, `one flag starts with ${prefix}`);
  return kept;
}

Deno.test("deno.json tasks and deno compile ask for exactly PERMISSIONS (and the V8 flags)", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const flags = RUN_FLAGS.join(" ");
  assertEquals(config.tasks.server, `deno run ${flags} main.ts server`);
  assertEquals(config.tasks.chat, `deno run ${flags} main.ts`);
  const args = compileArgs("x86_64-unknown-linux-gnu", "dist/chat");
  const at = args.indexOf(PERMISSIONS[0]);
  assertEquals(args.slice(at, at + PERMISSIONS.length), [...PERMISSIONS]);
  assertEquals(args.filter((arg) => /^--(allow|deny)-|^-A$|^--no-prompt$/.test(arg)), [
    ...PERMISSIONS,
  ]);
  assertEquals(args.slice(-1 - V8_FLAGS.length, -1), [...V8_FLAGS]);
  assertEquals(args.at(-1), "main.ts");
});

Deno.test("PERMISSIONS: no run, sys, ffi, import or all; env only for the variables chat reads", () => {
  for (const flag of PERMISSIONS) {
    assert(!/^(-A|--allow-all|--allow-(run|sys|ffi|import|scripts))\b/.test(flag), flag);
  }
  assert(PERMISSIONS.includes(`--allow-env=${ENV_VARIABLES.join(",")}`), "a scoped --allow-env");
  assertEquals([...ENV_VARIABLES].sort(), [
    "CHAT_CLUSTER",
    "CHAT_JWT",
    "CHAT_PASSWORD",
    "CHAT_TOKEN",
  ]);
  assert(PERMISSIONS.includes("--no-prompt"), "never asks at a terminal");
});

tlsTest(
  "under exactly PERMISSIONS: TCP, TLS, Unix and HTTP listeners, clients over each, SIGTERM exits 0",
  async () => {
    await using certs = await makeCerts();
    await using dir = await tempDir();
    const path = `${dir.path}/chat.sock`;
    const tokenFile = `${dir.path}/token`;
    await Deno.writeTextFile(tokenFile, "perm-token\n");
    const permissions = PERMISSIONS;
    // A plain server reads its token from CHAT_TOKEN (an allowed variable) ...
    await using plain = ChatProcess.spawn(
      [
        "server",
        "--port",
        "0",
        "--unix",
        path,
        "--http",
        "127.0.0.1:0",
        "--handler",
        "echo",
        "--log-format",
        "json",
      ],
      { permissions, env: { CHAT_TOKEN: "perm-token" } },
    );
    // ... a TLS one reads a token file and its certificate and key.
    await using tls = ChatProcess.spawn([
      "server",
      "--port",
      "0",
      "--handler",
      "echo",
      "--tls-cert",
      certs.cert.path,
      "--tls-key",
      certs.key.path,
      "--token-file",
      tokenFile,
    ], { permissions });
    const { tcp, unix, http } = await plain.listening(3);
    // The page is inside the program: served without reading a file.
    const page = await fetchText(`${http}/`);
    assertEquals(page.status, 200);
    assertMatch(page.body, /<title>chat<\/title>/);
    const secure = (await tls.listening()).tcp!;
    const messages = `${dir.path}/messages.txt`;
    await Deno.writeTextFile(messages, "hello\nexit\n");
    const clients: [string, string[], Record<string, string>][] = [
      ["TCP", ["--port", String(tcp!.port)], { CHAT_TOKEN: "perm-token" }],
      ["Unix", ["--unix", unix!.path], { CHAT_TOKEN: "perm-token" }],
      [
        "TLS",
        ["--port", String(secure.port), "--tls-ca", certs.ca.path, "--token-file", tokenFile],
        {},
      ],
    ];
    for (const [name, where, env] of clients) {
      // FILE rather than standard input: the client reads it under --allow-read.
      const run = await runMain(["client", "file", messages, ...where], { permissions, env });
      assertEquals(run.code, 0, `${name}: ${run.stderr}`);
      assertEquals(linesOf(run.stdout), ["Server received: hello"], name);
    }
    for (const server of [plain, tls]) {
      server.kill("SIGTERM");
      const result = await server.finished();
      assertEquals(result.code, 0, result.stderr);
      assert(!/NotCapable|Requires .* access|Uncaught/.test(result.stderr), result.stderr);
    }
    await assertGone(path);
  },
);

tlsTest("without each permission: one line naming it, exit 1", async (t) => {
  await using certs = await makeCerts();
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  const file = `${dir.path}/messages.txt`;
  await Deno.writeTextFile(file, "hello\n");
  // A server to connect to, under the full set.
  await using server = ChatProcess.spawn(["server", "--port", "0", "--handler", "echo"]);
  const { tcp } = await server.listening();
  const port = String(tcp!.port);
  const cases: [string, string[], string[], RegExp][] = [
    [
      "server, TCP",
      without("--allow-net"),
      ["server", "--port", "0"],
      /cannot listen on tcp:.*--allow-net/,
    ],
    [
      "server, TLS",
      without("--allow-net"),
      ["server", "--port", "0", "--tls-cert", certs.cert.path, "--tls-key", certs.key.path],
      /cannot listen on tcp:.*--allow-net/,
    ],
    [
      "server, Unix",
      without("--allow-write"),
      ["server", "--unix", path],
      /cannot listen on unix:.*--allow-write/,
    ],
    [
      "server, Unix",
      without("--allow-read"),
      ["server", "--unix", path],
      /cannot listen on unix:.*--allow-read/,
    ],
    [
      "server, environment",
      without("--allow-env"),
      ["server", "--port", "0"],
      /missing permission: .*CHAT_TOKEN.*--allow-env/,
    ],
    [
      "server, certificate",
      without("--allow-read"),
      ["server", "--port", "0", "--tls-cert", certs.cert.path, "--tls-key", certs.key.path],
      /missing permission: .*--allow-read/,
    ],
    [
      "client, TCP",
      without("--allow-net"),
      ["client", "file", file, "--port", port],
      /cannot connect to tcp:.*--allow-net/,
    ],
    [
      "client, FILE",
      without("--allow-read"),
      ["client", "file", file, "--port", port],
      /missing permission: .*--allow-read/,
    ],
    [
      "client, Unix",
      without("--allow-write"),
      ["client", "file", file, "--unix", path],
      /--allow-write/,
    ],
  ];
  for (const [name, permissions, args, what] of cases) {
    const missing = PERMISSIONS.find((flag) => !permissions.includes(flag))!;
    await t.step(`${name}, without ${missing}`, async () => {
      const run = await runMain(args, { permissions, stdin: "" });
      assertEquals(run.code, 1, `status ${run.code}: ${run.stderr}`);
      assertEquals(run.stdout, "");
      const lines = linesOf(run.stderr);
      assertEquals(lines.length, 1, `one line, got:\n${run.stderr}`);
      assertMatch(lines[0], /^chat: /);
      assertMatch(lines[0], what);
    });
  }
  await assertGone(path);
});
