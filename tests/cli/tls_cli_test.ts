/**
 * `chat server --tls-cert FILE --tls-key FILE` and `chat client ... --tls
 * [--tls-ca FILE]` as real processes, with throwaway certificates made by
 * openssl: sessions over TLS beside a plain Unix socket, certificates
 * refused with one line and exit 1, plain peers on the TLS port, and the
 * usage errors (exit 2).
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { ChatClient } from "../../src/client/client.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { makeCerts, tlsTest } from "../helpers/certs.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { assertUnreadable, linesOf, runMain } from "../helpers/run_main.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

const encoder = new TextEncoder();

/** Asserts exit status 1, nothing on stdout, and one stderr line matching `what`. */
function assertRefused(run: { code: number; stdout: string; stderr: string }, what: RegExp) {
  assertEquals(run.code, 1, `status ${run.code}, stderr: ${run.stderr}`);
  assertEquals(run.stdout, "");
  const lines = linesOf(run.stderr);
  assertEquals(lines.length, 1, `one line on stderr, got ${JSON.stringify(run.stderr)}`);
  assertMatch(lines[0], /^chat: /);
  assertMatch(lines[0], what);
}

/** Asserts a usage error: exit 2, nothing on stdout, one line naming `what` and the help. */
function assertUsage(run: { code: number; stdout: string; stderr: string }, what: RegExp) {
  assertEquals(run.code, 2, `status ${run.code}, stderr: ${run.stderr}`);
  assertEquals(run.stdout, "");
  const lines = linesOf(run.stderr);
  assertEquals(lines.length, 1, `one line on stderr, got ${JSON.stringify(run.stderr)}`);
  assertMatch(lines[0], what);
  assertMatch(lines[0], /\(see 'chat .*--help'\)$/);
}

/** A command line for a step's name: file names without their temp directories. */
function short(args: string[]): string {
  return args.map((arg) => arg.replace(/^\/.*\//, "")).join(" ");
}

/** Waits for the first message frame `client` receives, with a deadline. */
async function nextMessage(client: ChatClient, ms = 10_000): Promise<Frame> {
  const iterator = client[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
  });
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), late]);
      if (result.done) throw new Error("the connection ended before a message");
      if (result.value.type === "message") return result.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

tlsTest(
  "chat server --tls-cert/--tls-key: TLS on TCP, plain Unix, one chat; SIGTERM exits 0",
  async () => {
    await using certs = await makeCerts();
    await using dir = await tempDir();
    const path = `${dir.path}/chat.sock`;
    const token = "Tls-Tok3n-never-logged";
    await Deno.writeTextFile(`${dir.path}/token`, `${token}\n`);
    await using server = ChatProcess.spawn([
      "server",
      "--port",
      "0",
      "--unix",
      path,
      "--tls-cert",
      certs.cert.path,
      "--tls-key",
      certs.key.path,
      "--token-file",
      `${dir.path}/token`,
      "--log-level",
      "debug",
    ]);
    const { tcp, urls } = await server.listening(2);
    assertMatch(urls[0], /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assertEquals(urls[1], `unix://${path}`);
    await server.waitForLine(/TLS on .*tcp:\/\/127\.0\.0\.1:\d+/);

    // A Unix session (plain) waits for what a TLS session says.
    await using bob = await new ChatClient({ to: { transport: "unix", path }, name: "bob", token })
      .connect();
    const heard = nextMessage(bob);
    const run = await runMain(
      [
        "client",
        "file",
        "-",
        "--port",
        String(tcp!.port),
        "--tls-ca",
        certs.ca.path,
        "--token-file",
        `${dir.path}/token`,
        "--name",
        "alice",
      ],
      { stdin: "hello over TLS\n" },
    );
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /^sent 1 line, 1 acknowledged/m);
    const got = await heard;
    assertEquals([got.from, got.content], ["alice", "hello over TLS"]);

    // And the other way: a TLS session (--tls with the host the certificate names) hears bob.
    await using carol = await new ChatClient({
      to: {
        transport: "tcp",
        hostname: "localhost",
        port: tcp!.port,
        tls: { caCerts: [certs.ca.pem] },
      },
      name: "carol",
      token,
    }).connect();
    const carolHears = nextMessage(carol);
    await bob.message("hello over Unix");
    assertEquals((await carolHears).from, "bob");

    // A plain TCP peer on the TLS port is cut off; the server carries on.
    {
      await using raw = await RawClient.connect(tcp!);
      await raw.write(encoder.encode('{"type":"session_ack"}\n'));
      await raw.closed();
    }
    assertEquals((await carol.who()).length, 2);

    server.kill("SIGTERM");
    const result = await server.finished();
    assertEquals(result.code, 0, result.stderr);
    assert(
      !result.stderr.includes(token),
      `the token is in the server's stderr:\n${result.stderr}`,
    );
    assert(
      !run.stderr.includes(token) && !run.stdout.includes(token),
      "the token in the client's output",
    );
    for (const line of result.lines) {
      assert(!/Uncaught|^\s+at /.test(line), `no stack traces: ${line}`);
    }
  },
);

tlsTest(
  "chat client --tls: a certificate it cannot trust is refused in one line, exit 1",
  async (t) => {
    await using certs = await makeCerts();
    await using server = ChatProcess.spawn(
      ["server", "--port", "0", "--tls-cert", certs.cert.path, "--tls-key", certs.key.path],
    );
    const { tcp } = await server.listening();
    await using wrongName = ChatProcess.spawn([
      "server",
      "--port",
      "0",
      "--tls-cert",
      certs.wrongNameCert.path,
      "--tls-key",
      certs.wrongNameKey.path,
    ]);
    const wrong = (await wrongName.listening()).tcp!;
    const client = (port: number, ...flags: string[]) =>
      runMain(["client", "file", "-", "--port", String(port), ...flags], { stdin: "hi\n" });

    await t.step("--tls-ca of another CA", async () => {
      assertRefused(
        await client(tcp!.port, "--tls-ca", certs.otherCa.path),
        /cannot connect to tcp:\/\/localhost:\d+: TLS: the server's certificate is not signed by a trusted CA/,
      );
    });
    await t.step("--tls with no CA: Deno's roots only", async () => {
      assertRefused(await client(tcp!.port, "--tls"), /not signed by a trusted CA/);
    });
    await t.step("a certificate for another host name", async () => {
      assertRefused(
        await client(wrong.port, "--tls-ca", certs.ca.path),
        /TLS: the server's certificate is not valid for localhost/,
      );
    });
    await t.step("--host 127.0.0.1, which the certificate names: accepted", async () => {
      const run = await client(
        tcp!.port,
        "--host",
        "127.0.0.1",
        "--tls",
        "--tls-ca",
        certs.ca.path,
      );
      assertEquals(run.code, 0, run.stderr);
    });
    server.kill("SIGTERM");
    assertEquals((await server.status()).code, 0);
  },
);

tlsTest("chat client --tls against a plain TCP server: one line, exit 1", async () => {
  await using certs = await makeCerts();
  await using server = ChatProcess.spawn(["server", "--port", "0"]);
  const { tcp } = await server.listening();
  assertRefused(
    await runMain(
      ["client", "file", "-", "--port", String(tcp!.port), "--tls-ca", certs.ca.path],
      { stdin: "hi\n" },
    ),
    /TLS: the server did not answer in TLS|TLS: the server closed the connection/,
  );
});

tlsTest(
  "TLS flags: usage errors exit 2 with one line; a file it cannot read or a key that does not fit exits 1",
  async (t) => {
    await using certs = await makeCerts();
    await using dir = await tempDir();
    const missing = `${dir.path}/missing.pem`;
    const cert = certs.cert.path;
    const key = certs.key.path;
    const server: [string[], RegExp][] = [
      [["--tls-cert", cert], /--tls-cert and --tls-key go together/],
      [["--tls-key", key], /--tls-cert and --tls-key go together/],
      [["--tls-cert", key, "--tls-key", key], /--tls-cert: .* holds no PEM certificate/],
      [["--tls-cert", cert, "--tls-key", cert], /--tls-key: .* holds no PEM private key/],
      [["--unix", `${dir.path}/s.sock`, "--tls-cert", cert, "--tls-key", key], /TLS on TCP/],
    ];
    for (const [flags, what] of server) {
      await t.step(`chat server ${short(flags)}`, async () => {
        // --unix alone has no TCP listener to serve TLS on; the others have --port 0.
        const port = flags.includes("--unix") ? [] : ["--port", "0"];
        const run = await runMain(["server", ...port, ...flags]);
        assertUsage(run, what);
        assertMatch(run.stderr, /'chat server --help'/);
      });
    }
    const client: [string[], RegExp][] = [
      [["--unix", `${dir.path}/s.sock`, "--tls"], /--tls is for TCP, not --unix/],
      [["--unix", `${dir.path}/s.sock`, "--tls-ca", certs.ca.path], /--tls-ca is for TCP/],
      [["--tls-ca", key], /--tls-ca: .* holds no PEM certificate/],
      [["--tls-ca"], /--tls-ca.*needs a value/],
    ];
    for (const [flags, what] of client) {
      await t.step(`chat client file - ${short(flags)}`, async () => {
        assertUsage(await runMain(["client", "file", "-", ...flags], { stdin: "" }), what);
      });
    }
    const unreadable: [string[], RegExp][] = [
      [
        ["server", "--port", "0", "--tls-cert", missing, "--tls-key", key],
        /--tls-cert: cannot read .*missing\.pem: no such file$/,
      ],
      [
        ["server", "--port", "0", "--tls-cert", cert, "--tls-key", missing],
        /--tls-key: cannot read .*missing\.pem: no such file$/,
      ],
      [
        ["server", "--port", "0", "--tls-cert", dir.path, "--tls-key", key],
        /--tls-cert: cannot read .*: is a directory$/,
      ],
      [
        ["client", "file", "-", "--tls-ca", missing],
        /--tls-ca: cannot read .*missing\.pem: no such file$/,
      ],
    ];
    for (const [args, what] of unreadable) {
      await t.step(`chat ${short(args)}: a file it cannot read, exit 1`, async () => {
        assertUnreadable(await runMain(args, { stdin: "" }), what);
      });
    }
    await t.step("a key that belongs to another certificate: exit 1", async () => {
      assertRefused(
        await runMain([
          "server",
          "--port",
          "0",
          "--tls-cert",
          cert,
          "--tls-key",
          certs.wrongNameKey.path,
        ]),
        /cannot listen on tcp:\/\/localhost:0: TLS: the private key does not match the certificate/,
      );
    });
    await t.step("--help names the flags", async () => {
      const serverHelp = await runMain(["server", "--help"]);
      for (const flag of ["--tls-cert", "--tls-key"]) {
        assert(serverHelp.stdout.includes(flag), flag);
      }
      for (const mode of ["file", "interactive"]) {
        const help = await runMain(["client", mode, "--help"]);
        for (const flag of ["--tls ", "--tls-ca"]) {
          assert(help.stdout.includes(flag), flag);
        }
      }
    });
  },
);
