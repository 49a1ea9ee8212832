/**
 * `chat client ...` and the top-level flags, run as real processes: exit
 * statuses 0, 1 and 2 and the one-line reasons that go with them.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import type { MessageHandler } from "../../src/server/handler.ts";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { fakeServer } from "../helpers/fake_server.ts";
import { assertUnreadable, linesOf, runMain } from "../helpers/run_main.ts";
import { startServer } from "../helpers/server.ts";
import { tcpFlags } from "../helpers/spawn.ts";

/** Asserts a usage error: status 2, one line on stderr naming `what` and pointing to help. */
function assertUsage(run: { code: number; stdout: string; stderr: string }, what: RegExp): void {
  assertEquals(run.code, 2, `status ${run.code}, stderr: ${run.stderr}`);
  const lines = linesOf(run.stderr);
  assertEquals(lines.length, 1, run.stderr);
  assert(what.test(lines[0]), lines[0]);
  assert(/--help/.test(lines[0]), `no help hint in: ${lines[0]}`);
  assertEquals(run.stdout, "");
}

Deno.test("chat client file exits 0 when every line was acknowledged", async () => {
  await using s = await startServer({ handler: echoHandler });
  const run = await runMain(
    ["client", "file", "-", ...tcpFlags(s.tcp.port)],
    { stdin: "one\ntwo\n" },
  );
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), ["Server received: one", "Server received: two"]);
  assert(/^sent 2 lines, 2 acknowledged/m.test(run.stderr), run.stderr);
});

Deno.test("chat client file exits 1 with a one-line reason when the server refuses the token", async () => {
  await using s = await startServer({ handler: echoHandler, token: "sesame" });
  for (const token of [[], ["--token", "wrong"]]) {
    const run = await runMain(
      ["client", "file", "-", "--port", String(s.tcp.port), "--host", "127.0.0.1", ...token],
      { stdin: "let me in\n" },
    );
    assertEquals(run.code, 1, run.stderr);
    const lines = linesOf(run.stderr);
    assertEquals(lines.length, 1, run.stderr);
    assert(/unauthorized/.test(lines[0]), lines[0]);
    assertEquals(run.stdout, "");
  }
  assertEquals(s.server.sessions.length, 0);
});

Deno.test("chat client file exits 1 promptly when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  // Promptly: without waiting for the connect timeout. Measured against what starting the
  // program takes on this machine at this moment (a run that connects nowhere), not against a
  // fixed time, which a loaded machine can pass just by starting slowly.
  const start = await runMain(["client", "--help"]);
  assertEquals(start.code, 0, start.stderr);
  const promptly = start.ms + (1000 * PROTOCOL_DEFAULTS.connectTimeout) / 2;
  for (const host of ["127.0.0.1", "localhost"]) {
    const run = await runMain(["client", "file", "-", "--host", host, "--port", String(port)], {
      stdin: "hello?\n",
    });
    assertEquals(run.code, 1, run.stderr);
    const lines = linesOf(run.stderr);
    assertEquals(lines.length, 1, run.stderr);
    assert(lines[0].includes(String(port)), lines[0]);
    assert(
      run.ms < promptly,
      `took ${run.ms.toFixed(0)} ms, where starting takes ${start.ms.toFixed(0)} ms`,
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  try {
    const run = await runMain(["client", "file", "-", "--unix", `${dir}/none.sock`], {
      stdin: "hello?\n",
    });
    assertEquals(run.code, 1, run.stderr);
    assertEquals(linesOf(run.stderr).length, 1, run.stderr);
    assert(run.stderr.includes(`${dir}/none.sock`), run.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat client file exits 1 saying how many lines were delivered when the server goes away", async () => {
  const ACKED = 3;
  await using fake = fakeServer(async (peer) => {
    const sessionId = await peer.handshake();
    if (sessionId === null) return;
    let acked = 0;
    while (acked < ACKED) {
      const frame = await peer.next();
      if (frame === null) return;
      if (frame.type !== "message") continue;
      await peer.send({
        type: "ack",
        content: "delivered",
        recipients: 0,
        id: frame.id,
        session_id: sessionId,
      });
      acked++;
    }
    // Gone: no more answers, end of stream; read on until the client hangs up.
    await peer.conn.closeWrite();
    await peer.drain();
  });
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`);
  const run = await runMain(["client", "file", "-", ...tcpFlags(fake.port)], {
    stdin: lines.join("\n") + "\n",
  });
  assertEquals(run.code, 1, run.stderr);
  const delivered = run.stderr.match(/(\d+) of (\d+) lines were delivered/);
  assert(delivered, run.stderr);
  assertEquals(Number(delivered[1]), ACKED);
  assert(Number(delivered[2]) > ACKED && Number(delivered[2]) <= lines.length, run.stderr);
  assert(/lost the server/.test(run.stderr), run.stderr);
  assert(
    new RegExp(`^sent ${delivered[2]} lines, ${ACKED} acknowledged`, "m").test(run.stderr),
    run.stderr,
  );
});

Deno.test("chat client file exits 1 when the server shuts down before everything was acknowledged", async () => {
  // A server that completes the handshake and says goodbye at the first message.
  await using fake = fakeServer(async (peer) => {
    const sessionId = await peer.handshake();
    if (sessionId === null) return;
    if ((await peer.next())?.type !== "message") return;
    await peer.send({ type: "disconnect", content: "server shutting down", session_id: sessionId });
  });
  const run = await runMain(["client", "file", "-", ...tcpFlags(fake.port)], {
    stdin: "one\ntwo\n",
  });
  assertEquals(run.code, 1, run.stderr);
  assert(/server shutting down/.test(run.stderr), run.stderr);
  assert(/0 of \d+ lines? (was|were) delivered/.test(run.stderr), run.stderr);
});

Deno.test("chat client file exits 1 when the server left while it waited for more input", async () => {
  const gone = Promise.withResolvers<void>();
  await using fake = fakeServer(async (peer) => {
    try {
      const sessionId = await peer.handshake({ content: "ok" });
      if (sessionId === null) return;
      const first = await peer.next();
      if (first?.type !== "message") return;
      await peer.send({ type: "ack", content: "delivered", id: first.id, session_id: sessionId });
      await peer.send({ type: "disconnect", content: "going away", session_id: sessionId });
    } finally {
      gone.resolve();
    }
  });
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const writer = input.writable.getWriter();
  // The client says so on stderr when the server's disconnect reaches it.
  const heard = Promise.withResolvers<void>();
  const running = runMain(
    ["client", "file", "-", ...tcpFlags(fake.port)],
    {
      stdin: input.readable,
      onStderrLine: (line) => line.includes("going away") && heard.resolve(),
    },
  );
  void running.finally(() => heard.resolve()); // An early exit fails below, not here.
  try {
    await writer.write(new TextEncoder().encode("one\n"));
    await gone.promise;
    await heard.promise;
    await writer.write(new TextEncoder().encode("two\n"));
  } finally {
    await writer.close().catch(() => {});
  }
  const run = await running;
  assertEquals(run.code, 1, run.stderr);
  // "two" was never sent: the client knew the server was gone when it read that line.
  assert(/^sent 1 lines?, 1 acknowledged/m.test(run.stderr), run.stderr);
  assert(
    /lost the server \(going away\): 1 of 1 lines? (was|were) delivered/.test(run.stderr),
    run.stderr,
  );
});

Deno.test("chat client file exits 1 when the server refuses a line with an error", async () => {
  const picky: MessageHandler = {
    name: "picky",
    types: ["message"],
    handle(frame, ctx) {
      if (frame.content === "bad") throw new ChatError("invalid_message", "not that one");
      ctx.send({ type: "message", content: `ok: ${frame.content}` });
    },
  };
  await using s = await startServer({ handler: picky });
  const run = await runMain(
    ["client", "file", "-", ...tcpFlags(s.tcp.port)],
    { stdin: "good\nbad\nfine\n" },
  );
  assertEquals(run.code, 1, run.stderr);
  assertEquals(linesOf(run.stdout), ["ok: good", "ok: fine"]);
  assert(/line 2: not that one/.test(run.stderr), run.stderr);
  assert(/1 of 3 lines were refused/.test(run.stderr), run.stderr);
});

Deno.test("chat client file: usage errors exit 2 with a message; a file it cannot read exits 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  try {
    // A file that cannot be read is a runtime failure (exit 1), not a usage error.
    assertUnreadable(
      await runMain(["client", "file", `${dir}/missing.txt`]),
      /^chat: cannot read .*missing\.txt: no such file$/,
    );
    assertUnreadable(await runMain(["client", "file", dir]), /not a regular file$/);
    assertUsage(await runMain(["client", "file"]), /missing FILE/);
    assertUsage(await runMain(["client", "file", "-", "--bogus"]), /--bogus/);
    assertUsage(await runMain(["client", "file", "a", "b", "1", "d"]), /unexpected argument 'd'/);
    assertUsage(
      await runMain(["client", "file", "a", "/tmp/x.sock", "1"]),
      /unexpected argument '1'/,
    );
    assertUsage(await runMain(["client", "file", "-", "h", "--host", "h"]), /host is given twice/);
    assertUsage(
      await runMain(["client", "interactive", "/tmp/x.sock", "--unix", "/tmp/x.sock"]),
      /Unix socket path is given twice/,
    );
    assertUsage(
      await runMain(["client", "file", "-", "--no-reconnect"]),
      /--no-reconnect is for 'chat client interactive' only.*'chat client file --help'/,
    );
    assertUsage(
      await runMain(["client", "interactive", "--reconnect"]),
      /--reconnect is for 'chat client file' only.*'chat client interactive --help'/,
    );
    // The message points at the subcommand's own help.
    assertUsage(await runMain(["client", "file", "-", "--port", "x"]), /'chat client file --help'/);
    assertUsage(
      await runMain(["client", "interactive", "--name="]),
      /'chat client interactive --help'/,
    );
    assertUsage(
      await runMain(["client", "file", "-", "--port", "-1"]),
      /--port '-1' is out of range: it takes a whole number from 1 to 65535/,
    );
    for (const port of ["abc", "0", "65536", "-1", ""]) {
      assertUsage(await runMain(["client", "file", "-", "--port", port]), /port/);
    }
    assertUsage(await runMain(["client", "file", "-", "--host"]), /host/);
    assertUsage(
      await runMain(["client", "file", "-", "--token", "a", "--token-file", `${dir}/t`]),
      /token/,
    );
    assertUnreadable(
      await runMain(["client", "file", "-", "--token-file", `${dir}/missing-token`]),
      /missing-token/,
    );
    assertUsage(await runMain(["client"]), /mode/);
    assertUsage(await runMain(["client", "bogus"]), /bogus/);
    assertUsage(await runMain(["bogus"]), /bogus/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat --help, --version, chat client --help and chat client file --help exit 0", async () => {
  const help = await runMain(["--help"]);
  assertEquals(help.code, 0, help.stderr);
  assert(/chat client file/.test(help.stdout), help.stdout);

  const version = await runMain(["--version"]);
  assertEquals(version.code, 0, version.stderr);
  assert(/^chat \d+\.\d+\.\d+\n$/.test(version.stdout), version.stdout);

  const client = await runMain(["client", "--help"]);
  assertEquals(client.code, 0, client.stderr);
  assert(/chat client interactive/.test(client.stdout), client.stdout);
  assert(/chat client file/.test(client.stdout), client.stdout);

  const file = await runMain(["client", "file", "--help"]);
  assertEquals(file.code, 0, file.stderr);
  for (const flag of ["--host", "--port", "--unix", "--name", "--token", "--token-file"]) {
    assert(file.stdout.includes(flag), `${flag} missing from:\n${file.stdout}`);
  }
  // Help wins over everything else on the line, even a missing file.
  const early = await runMain(["client", "file", "/nonexistent", "--help"]);
  assertEquals(early.code, 0, early.stderr);
  assertEquals(early.stdout, file.stdout);
});

Deno.test("chat client file FILE HOST PORT and FILE SOCKET_PATH: the original framework's forms", async () => {
  await using s = await startServer({ handler: echoHandler });
  const path = `${s.dir}/messages.txt`;
  await Deno.writeTextFile(path, "Hello Server\nHow are you?\nexit\n");
  for (const where of [["127.0.0.1", String(s.tcp.port)], [s.unix.path]]) {
    const run = await runMain(["client", "file", path, ...where]);
    assertEquals(run.code, 0, `${where.join(" ")}: ${run.stderr}`);
    assertEquals(linesOf(run.stdout), [
      "Server received: Hello Server",
      "Server received: How are you?",
    ]);
  }
});
