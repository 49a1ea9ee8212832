/**
 * `chat server` as a real process (CLI.md): usage errors, where it listens,
 * the Unix socket file, signals, and the options that reach the server.
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { RawClient } from "../helpers/raw_client.ts";
import { assertGone, ChatProcess, tempDir } from "../helpers/spawn.ts";

/** Asserts a usage error: exit 2, nothing on stdout, one stderr line naming `what` and the help. */
async function assertUsageError(args: string[], what: RegExp, help = /'chat server --help'/) {
  const result = await ChatProcess.run(args);
  assertEquals(result.code, 2, `exit status of chat ${args.join(" ")}: ${result.stderr}`);
  assertEquals(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line on stderr, got ${JSON.stringify(result.stderr)}`);
  assertMatch(lines[0], what);
  assertMatch(lines[0], help);
}

Deno.test("bad usage exits 2 with one line saying what is wrong and how to get help", async (t) => {
  const cases: [string[], RegExp, RegExp?][] = [
    [["nope"], /unknown subcommand 'nope'/, /'chat --help'/],
    [[], /missing subcommand/, /'chat --help'/],
    [["--bogus"], /--bogus/, /'chat --help'/],
    [["server", "--bogus"], /unknown option '--bogus'/],
    [["server", "localhost", "9999", "extra"], /unexpected argument 'extra'/],
    [["server", "/tmp/chat-never.sock", "9999"], /unexpected argument '9999'/],
    [["server", "localhost", "--host", "::1"], /the host is given twice/],
    [["server", "localhost", "9999", "--port", "1"], /the port is given twice/],
    [["server", "/tmp/chat-a.sock", "--unix", "/tmp/chat-b.sock"], /socket path is given twice/],
    [["server", "--port"], /--port.*needs a value/],
    [["server", "--port="], /--port needs a value/],
    [["server", "--port", "abc"], /--port.*'abc'/],
    [["server", "--port", "70000"], /--port.*'70000'/],
    [["server", "--port", "-1"], /--port '-1' is out of range: it takes a whole number from 0/],
    [["server", "--heartbeat-timeout", "-1"], /--heartbeat-timeout .*'-1'/],
    [
      [
        "server",
        "--heartbeat-interval",
        "20",
        "--heartbeat-timeout",
        "1",
        "--heartbeat-retries",
        "1",
      ],
      /--heartbeat-interval 20 must be below --heartbeat-timeout × --heartbeat-retries \(1 × 1 = 1 s\)/,
    ],
    [
      ["server", "--heartbeat-timeout", "1", "--heartbeat-retries", "1"],
      /--heartbeat-interval 5 \(its default\) must be below --heartbeat-timeout × --heartbeat-retries/,
    ],
    [
      ["server", "--heartbeat-interval", "30", "--heartbeat-retries", "3"],
      /--heartbeat-interval 30 must be below .*\(10 × 3 = 30 s\)/,
    ],
    [["help", "bogus"], /no help for 'bogus'/, /'chat help'/],
    [["server", "--heartbeat-timeout=-1"], /--heartbeat-timeout.*'-1'/],
    [["server", "--heartbeat-timeout", "0"], /--heartbeat-timeout.*'0'/],
    [["server", "--handshake-timeout", "soon"], /--handshake-timeout.*'soon'/],
    [["server", "--log-level", "loud"], /--log-level.*'loud'/],
    [["server", "--log-format", "xml"], /--log-format.*'xml'/],
    [["server", "--handler", "nope"], /--handler.*'nope'/],
    [["server", "--unix", "/tmp/chat-never.sock", "--unix-mode", "999"], /--unix-mode.*'999'/],
    [["server", "--max-clients", "0"], /--max-clients.*'0'/],
    [["server", "--unix-mode", "600"], /--unix-mode needs --unix/],
    [["server", "--token", "a", "--token-file", "/dev/null"], /--token or --token-file/],
    [
      ["server", "--history", "0", "--store", "/tmp/chat-never.db"],
      /--store keeps history: not with --history 0, which turns it off/,
    ],
  ];
  for (const [args, what, help] of cases) {
    await t.step(`chat ${args.join(" ")}`, () => assertUsageError(args, what, help));
  }
  await assertGone("/tmp/chat-never.db"); // --history 0 --store: no file made
});

Deno.test("--help and --version exit 0 and print to stdout", async (t) => {
  await t.step("chat --help", async () => {
    const result = await ChatProcess.run(["--help"]);
    assertEquals(result.code, 0, result.stderr);
    assertMatch(result.stdout, /Usage:/);
    assertMatch(result.stdout, /chat server/);
    assertMatch(result.stdout, /chat client/);
  });
  for (const args of [["server", "--help"], ["server", "-h"]]) {
    await t.step(`chat ${args.join(" ")}`, async () => {
      const result = await ChatProcess.run(args);
      assertEquals(result.code, 0, result.stderr);
      assertMatch(result.stdout, /Usage: chat server/);
      for (const flag of ["--port", "--unix", "--unix-mode", "--token", "--log-format"]) {
        assert(result.stdout.includes(flag), `server help mentions ${flag}`);
      }
    });
  }
  for (const words of [[], ["server"], ["client"], ["client", "interactive"], ["client", "file"]]) {
    await t.step(
      `chat help ${words.join(" ")} prints what chat ${words.join(" ")} --help does`,
      async () => {
        const help = await ChatProcess.run(["help", ...words]);
        const flag = await ChatProcess.run([...words, "--help"]);
        assertEquals([help.code, flag.code], [0, 0], help.stderr + flag.stderr);
        assertMatch(help.stdout, /Usage:/);
        assertEquals(help.stdout, flag.stdout);
      },
    );
  }
  await t.step("chat --version", async () => {
    const result = await ChatProcess.run(["--version"]);
    assertEquals(result.code, 0, result.stderr);
    assertMatch(result.stdout, /^chat \d+\.\d+\.\d+\n$/);
  });
});

Deno.test("--port 0 prints the real port and a client gets session_init", async () => {
  await using server = ChatProcess.spawn(["server", "--port", "0"]);
  const { tcp, unix, urls } = await server.listening();
  assertMatch(urls[0], /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert(tcp && tcp.port > 0 && tcp.port !== 9999, `a real port: ${urls[0]}`);
  assertEquals(unix, undefined);
  await using client = await RawClient.connect(tcp);
  const init = await client.next("session_init");
  assertEquals([init.content, init.protocol], ["Session established", 1]);
  assertMatch(init.session_id as string, /^[0-9a-f-]{36}$/);
});

Deno.test("--unix alone listens on that socket only", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using server = ChatProcess.spawn(["server", "--unix", path]);
  const { unix, urls } = await server.listening();
  assertEquals(urls, [`unix://${path}`]);
  await using client = await RawClient.session(unix!);
  await client.ackOf("hs");
  // Every listening line is written before the first accept; by the end, there was one.
  server.kill("SIGTERM");
  const result = await server.finished();
  assertEquals(result.code, 0);
  assertEquals(
    result.lines.filter((line) => line.startsWith("listening on")),
    [`unix://${path}`]
      .map((url) => `listening on ${url}`),
  );
});

Deno.test("--unix with --port 0 listens on both, and sessions on both see each other", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using server = ChatProcess.spawn(["server", "--unix", path, "--port", "0"]);
  const { tcp, unix, urls } = await server.listening(2);
  assertEquals(urls.length, 2);
  assertEquals(unix?.path, path);
  assert(tcp && tcp.port > 0);
  await using alice = await RawClient.session(tcp, { name: "alice" });
  await using bob = await RawClient.session(unix, { name: "bob" });
  await alice.ackOf("hs");
  await bob.ackOf("hs");
  await alice.say({ type: "message", content: "hello over unix", id: 1 });
  const got = await bob.next("message");
  assertEquals([got.content, got.from], ["hello over unix", "alice"]);
  assertEquals((await alice.ackOf(1)).recipients, 1);
  await bob.say({ type: "message", content: "hello over tcp", id: 2 });
  assertEquals((await alice.next("message")).content, "hello over tcp");
  await bob.say({ type: "who", id: 3 });
  const who = await bob.next("who");
  const transports = (who.content as { name: string; transport: string }[])
    .map((s) => `${s.name}/${s.transport}`).sort();
  assertEquals(transports, ["alice/tcp", "bob/unix"]);
});

Deno.test("the original framework's positional forms: chat server HOST PORT, chat server SOCKET_PATH", async (t) => {
  await t.step("chat server 127.0.0.1 0", async () => {
    await using server = ChatProcess.spawn(["server", "127.0.0.1", "0"]);
    const { tcp, unix } = await server.listening();
    assert(tcp && tcp.hostname === "127.0.0.1" && tcp.port > 0);
    assertEquals(unix, undefined);
    await using client = await RawClient.session(tcp);
    await client.ackOf("hs");
  });
  await t.step("chat server DIR/chat.sock (a / makes it a socket path)", async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/chat.sock`;
    await using server = ChatProcess.spawn(["server", path]);
    const { urls, unix } = await server.listening();
    assertEquals(urls, [`unix://${path}`]);
    await using client = await RawClient.session(unix!);
    await client.ackOf("hs");
  });
  await t.step(
    "chat server DIR/chat.sock --port 0: both, the socket given by its position",
    async () => {
      await using dir = await tempDir();
      const path = `${dir.path}/chat.sock`;
      await using server = ChatProcess.spawn(["server", path, "--port", "0"]);
      const { tcp, unix } = await server.listening(2);
      assertEquals(unix?.path, path);
      assert(tcp && tcp.port > 0);
    },
  );
  await t.step(
    "chat server chat.sock (no /: a host) and a client of it: exit 1 with a hint",
    async () => {
      await using dir = await tempDir();
      const lines = `${dir.path}/lines.txt`;
      await Deno.writeTextFile(lines, "hi\n");
      const hint =
        "cannot resolve chat.sock (for a Unix socket in this directory, write ./chat.sock)";
      for (
        const [args, what] of [
          [["server", "chat.sock"], "cannot listen on tcp://chat.sock:9999"],
          [["client", "file", lines, "chat.sock"], "cannot connect to tcp://chat.sock:9999"],
        ]
      ) {
        const run = await ChatProcess.run(args as string[], { cwd: dir.path });
        assertEquals(run.code, 1, run.stderr);
        assertEquals(run.stderr.trimEnd(), `chat: ${what}: ${hint}`);
      }
      await assertGone(`${dir.path}/chat.sock`);
    },
  );
});

Deno.test("a TCP port in use: exit 1 with 'address in use'", async () => {
  using holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(holder.addr.port);
  const result = await ChatProcess.run(["server", "--host", "127.0.0.1", "--port", port]);
  assertEquals(result.code, 1, result.stderr);
  assertMatch(result.stderr, /address in use/);
  assertMatch(result.stderr, new RegExp(`:${port}`));
  assertEquals(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
});

Deno.test("a TCP port in use with --unix: exit 1 and no socket file left behind", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  using holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = String(holder.addr.port);
  const result = await ChatProcess.run(
    ["server", "--unix", path, "--host", "127.0.0.1", "--port", port],
  );
  assertEquals(result.code, 1, result.stderr);
  assertMatch(result.stderr, /address in use/);
  assertEquals(await Array.fromAsync(Deno.readDir(dir.path)), []);
});

Deno.test("a live server on the Unix path: exit 1 'address in use', the first one unharmed", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using first = ChatProcess.spawn(["server", "--unix", path]);
  const { unix } = await first.listening();
  const second = await ChatProcess.run(["server", "--unix", path]);
  assertEquals(second.code, 1, second.stderr);
  assertMatch(second.stderr, /address in use/);
  assert((await Deno.lstat(path)).isSocket);
  await using client = await RawClient.session(unix!);
  await client.ackOf("hs");
});

Deno.test("a stale Unix socket file left by a crashed server is removed and bound", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  {
    await using crashed = ChatProcess.spawn(["server", "--unix", path]);
    await crashed.listening();
    crashed.kill("SIGKILL");
    assertEquals((await crashed.status()).signal, "SIGKILL");
  }
  assert((await Deno.lstat(path)).isSocket, "a killed server leaves its socket file");
  await using server = ChatProcess.spawn(["server", "--unix", path]);
  const { unix } = await server.listening();
  assertEquals(unix?.path, path);
  await using client = await RawClient.session(unix!);
  await client.ackOf("hs");
});

Deno.test("a regular file or a directory on the Unix path: exit 1 naming it, never removed", async (t) => {
  await using dir = await tempDir();
  await t.step("a regular file", async () => {
    const path = `${dir.path}/notes.txt`;
    await Deno.writeTextFile(path, "keep me\n");
    const result = await ChatProcess.run(["server", "--unix", path]);
    assertEquals(result.code, 1, result.stderr);
    assert(result.stderr.includes(path), `names ${path}: ${result.stderr}`);
    assertEquals(await Deno.readTextFile(path), "keep me\n");
  });
  await t.step("a directory", async () => {
    const path = `${dir.path}/folder`;
    await Deno.mkdir(path);
    await Deno.writeTextFile(`${path}/inside`, "x");
    const result = await ChatProcess.run(["server", "--unix", path]);
    assertEquals(result.code, 1, result.stderr);
    assert(result.stderr.includes(path), `names ${path}: ${result.stderr}`);
    assert((await Deno.lstat(path)).isDirectory);
    assertEquals(await Deno.readTextFile(`${path}/inside`), "x");
  });
});

Deno.test("the socket file's mode: 600 by default, --unix-mode 660", async (t) => {
  await using dir = await tempDir();
  for (const [extra, mode] of [[[], 0o600], [["--unix-mode", "660"], 0o660]] as const) {
    await t.step(`${extra.join(" ") || "default"}: ${mode.toString(8)}`, async () => {
      const path = `${dir.path}/mode-${mode.toString(8)}.sock`;
      await using server = ChatProcess.spawn(["server", "--unix", path, ...extra]);
      await server.listening();
      const info = await Deno.lstat(path);
      assert(info.isSocket);
      assertEquals((info.mode! & 0o777).toString(8), mode.toString(8));
      server.kill("SIGTERM");
      assertEquals((await server.status()).code, 0);
    });
  }
});

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test(`${signal}: disconnect to every client, socket file removed, exit 0`, async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/chat.sock`;
    await using server = ChatProcess.spawn(["server", "--unix", path, "--port", "0"]);
    const { tcp, unix } = await server.listening(2);
    await using alice = await RawClient.session(tcp!, { name: "alice" });
    await using bob = await RawClient.session(unix!, { name: "bob" });
    await alice.ackOf("hs");
    await bob.ackOf("hs");
    server.kill(signal);
    for (const client of [alice, bob]) {
      const bye = await client.next("disconnect");
      assertEquals([bye.type, bye.content], ["disconnect", "server shutting down"]);
      await client.closed();
    }
    const status = await server.status(5000);
    assertEquals([status.code, status.signal], [0, null]);
    // It stopped at once, waiting on nothing of its clients: it ended both live sessions itself
    // (neither timed out nor left), and exited while both still held their sockets open, silent.
    await server.waitForLine(/shutting down: 2 sessions/);
    await server.waitForLine(/stopped$/);
    assertEquals([alice.backlog, bob.backlog], [[], []]);
    await assertGone(path);
  });
}

Deno.test("--handshake-timeout 0.3 closes a silent connection before a 3 s silence runs out", async () => {
  // The yardstick: a session that falls silent before the silent connection opens, which the
  // server times out after 3 s of silence (1 s × 3 retries), on the same sweep.
  await using server = ChatProcess.spawn(
    ["server", "--port", "0", "--handshake-timeout", "0.3"].concat(
      ["--heartbeat-interval", "1", "--heartbeat-timeout", "1", "--heartbeat-retries", "3"],
    ),
  );
  const { tcp } = await server.listening();
  await using yardstick = await RawClient.session(tcp!);
  await yardstick.ackOf("hs");
  await using client = await RawClient.connect(tcp!);
  await client.next("session_init");
  const error = await client.next("error", 5000);
  assertEquals([error.code, error.content], ["handshake_timeout", "no session_ack within 0.3 s"]);
  await client.closed();
  // Closed while the yardstick's 3 s had not run out; and then they do.
  assertEquals([yardstick.ended, yardstick.backlog], [false, []]);
  assertEquals((await yardstick.next("error", 5000)).code, "heartbeat_timeout");
  await yardstick.closed();
});

Deno.test("--log-format json: every log line on stderr is a JSON object", async () => {
  await using server = ChatProcess.spawn(
    ["server", "--port", "0", "--log-format", "json", "--log-level", "debug"],
  );
  const { tcp } = await server.listening();
  {
    await using client = await RawClient.session(tcp!, { name: "jason" });
    await client.ackOf("hs");
    await client.say({ type: "disconnect", content: "bye" });
    await client.closed();
  }
  await server.waitForLine(/"session_id"/);
  server.kill("SIGTERM");
  const result = await server.finished();
  assertEquals(result.code, 0, result.stderr);
  const logs = result.lines.filter((line) => line !== "" && !line.startsWith("listening on "));
  assert(logs.length >= 3, `some log lines: ${result.stderr}`);
  for (const line of logs) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new Error(`not JSON: ${line}`);
    }
    assert(typeof record === "object" && record !== null && !Array.isArray(record), line);
    assert("message" in record && "level" in record, line);
  }
  assert(logs.some((line) => line.includes("jason")), "the session's log mentions its name");
});

Deno.test("--log-level warn hides the info lines but not the listening line", async () => {
  await using server = ChatProcess.spawn(["server", "--port", "0", "--log-level", "warn"]);
  const { tcp, urls } = await server.listening();
  {
    await using client = await RawClient.session(tcp!);
    await client.ackOf("hs");
  }
  server.kill("SIGTERM");
  const result = await server.finished();
  assertEquals(result.code, 0);
  assertEquals(result.lines.filter((line) => line !== ""), [`listening on ${urls[0]}`]);
});

const TOKEN = "s3cret-Tok3n-XYZ";

for (const via of ["--token", "CHAT_TOKEN"] as const) {
  Deno.test(`${via}: the token is required and never logged`, async () => {
    const args = ["server", "--port", "0", "--log-level", "debug"];
    const server = via === "--token"
      ? ChatProcess.spawn([...args, "--token", TOKEN])
      : ChatProcess.spawn(args, { env: { CHAT_TOKEN: TOKEN } });
    await using _server = server;
    const { tcp } = await server.listening();
    for (const ack of [{}, { token: "wrong" }]) {
      await using client = await RawClient.session(tcp!, ack);
      const error = await client.next("error");
      assertEquals(error.code, "unauthorized");
      await client.closed();
    }
    {
      await using client = await RawClient.session(tcp!, { name: "alice", token: TOKEN });
      assertEquals((await client.ackOf("hs")).name, "alice");
      await client.say({ type: "message", content: "hi", id: 1 });
      await client.ackOf(1);
    }
    server.kill("SIGTERM");
    const result = await server.finished();
    assertEquals(result.code, 0, result.stderr);
    assert(result.lines.length > 2, "debug logs were written");
    assert(!result.stderr.includes(TOKEN), `the token is in stderr:\n${result.stderr}`);
    assert(!result.stdout.includes(TOKEN), "the token is in stdout");
  });
}

Deno.test("--token-file: the token read from a file, its trailing newline ignored", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/token`;
  await Deno.writeTextFile(file, `${TOKEN}\n`);
  await using server = ChatProcess.spawn(["server", "--port", "0", "--token-file", file]);
  const { tcp } = await server.listening();
  {
    await using client = await RawClient.session(tcp!, { token: `${TOKEN}\n` });
    assertEquals((await client.next("error")).code, "unauthorized");
  }
  await using client = await RawClient.session(tcp!, { token: TOKEN });
  await client.ackOf("hs");
});

Deno.test("--handler echo answers a message with 'Server received: ...'", async () => {
  await using server = ChatProcess.spawn(["server", "--port", "0", "--handler", "echo"]);
  const { tcp } = await server.listening();
  await using client = await RawClient.session(tcp!);
  await client.ackOf("hs");
  await client.say({ type: "message", content: "ping?" });
  assertEquals((await client.next("message")).content, "Server received: ping?");
});
