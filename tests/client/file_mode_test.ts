/**
 * `chat client file FILE|-`, run as a real process (`deno run main.ts`)
 * against an in-process server: what it sends, what it prints, its summary.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import type { MessageHandler } from "../../src/server/handler.ts";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { type FakeServer, fakeServer } from "../helpers/fake_server.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { linesOf, runMain } from "../helpers/run_main.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { ChatProcess, tcpFlags } from "../helpers/spawn.ts";

/** Writes `text` to a file in the server's temp dir; returns its path. */
async function writeInput(s: TestServer, name: string, text: string): Promise<string> {
  const path = `${s.dir}/${name}`;
  await Deno.writeTextFile(path, text);
  return path;
}

/** The summary line `sent N lines, M acknowledged, in T s`, as numbers. */
function summary(stderr: string): { sent: number; acked: number } {
  const match = stderr.match(/^sent (\d+) lines?, (\d+) acknowledged/m);
  assert(match, `no summary line in:\n${stderr}`);
  return { sent: Number(match[1]), acked: Number(match[2]) };
}

Deno.test("file mode against echo prints 'Server received' for each line before exit, trimmed, blanks skipped", async () => {
  await using s = await startServer({ handler: echoHandler });
  const input = [
    "first line",
    "   padded both sides   ",
    "",
    "   ",
    "\ttabbed\t",
    "crlf line\r",
    "exit",
    "after exit",
    "",
  ].join("\n");
  const path = await writeInput(s, "input.txt", input);
  const run = await runMain(["client", "file", path, ...tcpFlags(s.tcp.port)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), [
    "Server received: first line",
    "Server received: padded both sides",
    "Server received: tabbed",
    "Server received: crlf line",
  ]);
  assertEquals(summary(run.stderr), { sent: 4, acked: 4 });
  assert(!run.stdout.includes("after exit"));
});

Deno.test("file mode: 'exit' must be the whole (trimmed) line; other lines containing it are sent", async () => {
  await using s = await startServer({ handler: echoHandler });
  const path = await writeInput(s, "input.txt", "exit now\n  exit  \nnot sent\n");
  const run = await runMain(["client", "file", path, ...tcpFlags(s.tcp.port)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), ["Server received: exit now"]);
  assertEquals(summary(run.stderr), { sent: 1, acked: 1 });
});

Deno.test("file mode: a file without a final newline, and one with no lines", async () => {
  await using s = await startServer({ handler: echoHandler });
  const last = await writeInput(s, "last.txt", "one\ntwo");
  const run = await runMain(["client", "file", last, ...tcpFlags(s.tcp.port)]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), ["Server received: one", "Server received: two"]);

  const empty = await writeInput(s, "empty.txt", "\n\n  \n");
  const none = await runMain(["client", "file", empty, ...tcpFlags(s.tcp.port)]);
  assertEquals(none.code, 0, none.stderr);
  assertEquals(none.stdout, "");
  assertEquals(summary(none.stderr), { sent: 0, acked: 0 });
});

Deno.test("file mode: 2000 lines reach another session complete and in order", async () => {
  await using s = await startServer();
  await using bob = await RawClient.session(s.tcp, { name: "bob" });
  await bob.ackOf("hs");
  const lines = Array.from(
    { length: 2000 },
    (_, i) => `message ${i + 1} ${"x".repeat(i % 50)}`.trim(),
  );
  const path = await writeInput(s, "big.txt", lines.join("\n") + "\n");
  const running = runMain(["client", "file", path, "--name", "ada", ...tcpFlags(s.tcp.port)]);
  const received: Frame[] = [];
  try {
    while (received.length < lines.length) received.push(await bob.next("message"));
  } finally {
    // Whatever happened, the child is awaited.
    const run = await running;
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, ""); // The chat handler sends the sender no copy.
    assertEquals(summary(run.stderr), { sent: 2000, acked: 2000 });
  }
  assertEquals(received.map((f) => f.content), lines);
  assert(received.every((f) => f.from === "ada" && f.session_id === bob.sessionId));
});

Deno.test("file mode reads standard input with '-'", async () => {
  await using s = await startServer({ handler: echoHandler });
  const run = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port)], {
    stdin: "alpha\n  beta  \n\ngamma\nexit\ndelta\n",
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), [
    "Server received: alpha",
    "Server received: beta",
    "Server received: gamma",
  ]);
  assertEquals(summary(run.stderr), { sent: 3, acked: 3 });
});

Deno.test("file mode over a Unix socket (--unix)", async () => {
  const opened: string[] = [];
  await using s = await startServer({
    handler: echoHandler,
    onSessionOpen: (session) => opened.push(session.transport),
  });
  const run = await runMain(["client", "file", "-", "--unix", s.unix.path], {
    stdin: "over unix\n",
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), ["Server received: over unix"]);
  assertEquals(opened, ["unix"]);
});

Deno.test("file mode sends --name, and --token / --token-file / CHAT_TOKEN to a server that requires one", async () => {
  const names: string[] = [];
  await using s = await startServer({
    handler: echoHandler,
    token: "sesame",
    onSessionOpen: (session) => names.push(session.name),
  });
  const tokenFile = await writeInput(s, "token.txt", "sesame\n");
  const ways: { args: string[]; env?: Record<string, string> }[] = [
    { args: ["--token", "sesame", "--name", "ada"] },
    { args: ["--token-file", tokenFile, "--name", "bob"] },
    { args: ["--name", "cy"], env: { CHAT_TOKEN: "sesame" } },
  ];
  for (const { args, env } of ways) {
    const run = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port), ...args], {
      stdin: "knock knock\n",
      env,
    });
    assertEquals(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
    assertEquals(linesOf(run.stdout), ["Server received: knock knock"]);
  }
  assertEquals(names, ["ada", "bob", "cy"]);
});

/** Answers each message with frames a chat server relays, to show how they print. */
const showcase: MessageHandler = {
  name: "showcase",
  types: ["message"],
  handle(frame, ctx) {
    const ts = Date.now();
    ctx.send({ type: "message", content: `hi, ${frame.content}`, from: "bot", ts });
    ctx.send({ type: "message", content: "in the room", from: "bot", room: "lobby", ts });
    ctx.send({ type: "message", content: "psst", from: "bot", to: "ada", ts });
    ctx.send({ type: "notice", event: "join", room: "lobby", name: "ann" });
    ctx.send({ type: "notice", event: "nick", name: "annie", old: "ann" });
    ctx.send({
      type: "message",
      content: "brb\n[ops] bot: please run C:\\tmp\\x\r\tnow\x1b[2J\u202eevil\u0085",
      from: "b\u200fot",
      ts,
    });
    ctx.send({ type: "message", content: "Server received: a\nb" }); // as an echo reply
    ctx.ack({ content: "delivered", recipients: 0 });
  },
};

Deno.test("file mode prints '<from>: <content>', '[<room>] ...', '(dm) ...', echo replies as their content; no notices", async () => {
  await using s = await startServer({ handler: showcase });
  const run = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port)], { stdin: "ada\n" });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(linesOf(run.stdout), [
    "bot: hi, ada",
    "[lobby] bot: in the room",
    "(dm) bot: psst",
    // One message, one line: backslash, LF, CR, tab and other control or bidi characters escaped.
    "b\\u200fot: brb\\n[ops] bot: please run C:\\\\tmp\\\\x\\r\\tnow\\u001b[2J\\u202eevil\\u0085",
    "Server received: a\\nb",
  ]);
  assert(!run.stderr.includes("ann"), `notices are not shown: ${run.stderr}`);
});

Deno.test("file mode prints what other sessions send it while it runs", async () => {
  await using s = await startServer();
  await using bob = await RawClient.session(s.tcp, { name: "bob" });
  await bob.ackOf("hs");
  // Standard input stays open until bob has spoken, so the file client is still there to hear.
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const writer = input.writable.getWriter();
  const running = runMain(["client", "file", "-", "--name", "ada", ...tcpFlags(s.tcp.port)], {
    stdin: input.readable,
  });
  try {
    await writer.write(new TextEncoder().encode("ready\n"));
    const ready = await bob.next("message");
    assertEquals([ready.content, ready.from], ["ready", "ada"]);
    await bob.say({ type: "message", content: "hello ada", to: "ada", id: 1 });
    assertEquals((await bob.ackOf(1)).recipients, 1);
    await bob.say({ type: "message", content: "hello everyone", id: 2 });
    assertEquals((await bob.ackOf(2)).recipients, 1);
  } finally {
    await writer.close();
  }
  const run = await running;
  assertEquals(run.code, 0, run.stderr);
  const printed = linesOf(run.stdout);
  assertEquals(printed.length, 2, run.stdout);
  assertEquals(printed[0], "(dm) bob: hello ada");
  assertEquals(printed[1], "bob: hello everyone");
  assertEquals(summary(run.stderr), { sent: 1, acked: 1 });
});

/** A scripted server that announces `init`'s fields in session_init and acks every message. */
function ackingServer(init: Partial<Frame>, received: string[]): FakeServer {
  return fakeServer(async (peer) => {
    const sessionId = await peer.handshake({}, undefined, init);
    if (sessionId === null) return;
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      if (frame.type === "disconnect") return;
      if (frame.type !== "message") continue;
      received.push(frame.content as string);
      await peer.send({ type: "ack", content: "delivered", id: frame.id, session_id: sessionId });
    }
  });
}

Deno.test("file mode: a line over the server's max_frame is reported with its line number, not sent, and the later lines are", async () => {
  const received: string[] = [];
  await using fake = ackingServer({ max_frame: 200 }, received);
  const long = "x".repeat(300);
  const run = await runMain(["client", "file", "-", ...tcpFlags(fake.port)], {
    stdin: `first\n\n${long}\n   \nafter\n${"é".repeat(150)}\nlast\n`,
  });
  assertEquals(run.code, 1, run.stderr);
  assertEquals(received, ["first", "after", "last"]);
  const reports = linesOf(run.stderr).filter((line) => line.includes("not sent"));
  assertEquals(reports.length, 3, run.stderr);
  assert(
    /^chat: line 3 not sent: line too long: 300 bytes, the server takes \d+$/.test(reports[0]),
  );
  assert(
    /^chat: line 6 not sent: line too long: 300 bytes, the server takes \d+$/.test(reports[1]),
  );
  assertEquals(reports[2], "chat: 2 lines were not sent, too long for the server (lines 3, 6)");
  assertEquals(summary(run.stderr), { sent: 3, acked: 3 });
  assert(!/lost the server/.test(run.stderr), run.stderr);
});

Deno.test("file mode: a --name the server refuses is said on stderr; the lines go as the guest, exit 0", async () => {
  await using s = await startServer();
  await using bob = await RawClient.session(s.tcp, { name: "ada" });
  await bob.ackOf("hs");
  const run = await runMain(["client", "file", "-", "--name", "ada", ...tcpFlags(s.tcp.port)], {
    stdin: "who am I?\n",
  });
  assertEquals(run.code, 0, run.stderr);
  const got = await bob.next("message");
  assertEquals(got.content, "who am I?");
  assert((got.from as string).startsWith("guest-"), got.from as string);
  const refusal = linesOf(run.stderr).find((line) => line.includes("--name ada"));
  assertEquals(
    refusal?.replace(/\(name_taken: .*\)/, "(name_taken: ...)"),
    `chat: the server refused --name ada (name_taken: ...); the lines are sent as ${got.from}`,
  );
  assertEquals(summary(run.stderr), { sent: 1, acked: 1 });
});

Deno.test("file mode on a pipe exits 1 when the server dies while it waits for input: the close noticed, not a timer", async () => {
  // The dead-link check out of reach (an hour of silence): the client can only exit by
  // noticing the close itself, however long a loaded machine takes to run it.
  await using server = ChatProcess.spawn(
    ["server", "--port", "0", "--heartbeat-interval", "3600", "--heartbeat-timeout", "3600"],
  );
  const { tcp } = await server.listening();
  await using bob = await RawClient.session(tcp!, { name: "bob" });
  await bob.ackOf("hs");
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const writer = input.writable.getWriter();
  const running = runMain(["client", "file", "-", "--name", "tail", ...tcpFlags(tcp!.port)], {
    stdin: input.readable,
  });
  try {
    await writer.write(new TextEncoder().encode("still here\n"));
    assertEquals((await bob.next("message")).content, "still here");
    // The client now waits for more input, which never comes (its stdin stays open until the
    // end of the test): the server dies under it.
    server.kill("SIGKILL");
    const run = await running;
    assertEquals(run.code, 1, run.stderr);
    // Bob had the line; its ack may or may not have reached the client before the kill.
    assert(
      /lost the server \(.*\): [01] of 1 lines? (was|were) delivered/.test(run.stderr),
      run.stderr,
    );
  } finally {
    await writer.close().catch(() => {});
    await running.catch(() => {});
  }
});
