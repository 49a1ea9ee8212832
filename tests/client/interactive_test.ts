/**
 * `chat client interactive`: the real program (`deno run main.ts`) against a
 * real server started in the test, driven through a real pseudo-terminal
 * (keys typed, the screen replayed) or with piped standard input.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { SessionInfo } from "../../src/server/handler.ts";
import type { CloseReason } from "../../src/server/options.ts";
import { ChatServer } from "../../src/server/server.ts";
import { CTRL_C, CTRL_D, CTRL_U, END, LEFT, UP } from "../helpers/keys.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { type FakePeer, type FakeServer, fakeServer } from "../helpers/fake_server.ts";
import { RawClient, WAIT_MS } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { tcpFlags, tempDir } from "../helpers/spawn.ts";
import { ChatTerminal } from "../helpers/terminal.ts";
import { Wakeup } from "../helpers/wakeup.ts";

/** The sessions a server saw end, and why; waits on them with a deadline. */
class Closes {
  readonly seen: { name: string; reason: CloseReason }[] = [];
  readonly #wakeup = new Wakeup();

  readonly onSessionClose = (session: SessionInfo, reason: CloseReason): void => {
    this.seen.push({ name: session.name, reason });
    this.#wakeup.wake();
  };

  /** Resolves with the reason the session called `name` ended. */
  of(name: string, ms = WAIT_MS): Promise<CloseReason> {
    return this.#wakeup.until(
      () => this.seen.find((c) => c.name === name)?.reason,
      ms,
      () => `${name} did not end within ${ms} ms`,
    );
  }
}

/** A raw session that completed its handshake (and joined `rooms`). */
async function peer(
  to: Parameters<typeof RawClient.session>[0],
  name: string,
  ...rooms: string[]
): Promise<RawClient> {
  const client = await RawClient.session(to, { name });
  await client.ackOf("hs");
  for (const room of rooms) {
    await client.say({ type: "join", content: room, id: `join ${room}` });
    await client.ackOf(`join ${room}`);
  }
  return client;
}

function tcpArgs(port: number, ...more: string[]): string[] {
  return [...tcpFlags(port), ...more];
}

Deno.test("interactive: a typed line reaches another session; exit leaves cleanly", async () => {
  const closes = new Closes();
  await using s = await startServer({ onSessionClose: closes.onSessionClose });
  await using bob = await peer(s.tcp, "bob");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "alice"), {
    then: "stty -a",
  });
  await chat.waitForLastLine(">");
  assert(chat.screen.lines.some((l) => l.startsWith("connected to tcp://127.0.0.1:")));

  await chat.write("hello bob\r");
  const got = await bob.next("message");
  assertEquals([got.from, got.content], ["alice", "hello bob"]);
  // The sent line stays on screen above a fresh prompt.
  await chat.waitFor(
    () => chat.screen.lines.includes("> hello bob") && chat.screen.lastLine === ">",
    "the line sent, then a fresh prompt",
  );

  await chat.write("exit\r");
  await chat.waitForText("exit status 0");
  assertEquals(await closes.of("alice"), "disconnect");
  // The terminal is back in its normal mode (line input and echo) for the shell.
  await chat.waitForText(" icanon");
  const modes = chat.stdout.slice(chat.stdout.indexOf("exit status 0"));
  assert(/\sicanon\s/.test(modes) && /\secho\s/.test(modes), modes);
  assertEquals((await chat.exited()).code, 0);
});

Deno.test("interactive: a message arrives above a half-typed line, which stays intact", async () => {
  const closes = new Closes();
  await using s = await startServer({ onSessionClose: closes.onSessionClose });
  await using bob = await peer(s.tcp, "bob");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "alice"));
  await chat.waitForLastLine(">");

  await chat.write("half-typed");
  await chat.waitForLastLine("> half-typed");
  await chat.write(LEFT.repeat(3));
  await chat.waitFor(() => chat.screen.cursor.col === 9, "the cursor after 'half-ty'");

  await bob.say({ type: "message", content: "hi alice" });
  await chat.waitForText("bob: hi alice");
  await chat.waitForLastLine("> half-typed");
  const lines = chat.screen.lines.filter((line) => line !== "");
  assertEquals(lines.at(-1), "> half-typed");
  assert(/^\d\d:\d\d bob: hi alice$/.test(lines.at(-2)!), lines.at(-2));
  // The cursor is back where it was: typing goes on in the middle of the line.
  await chat.waitFor(() => chat.screen.cursor.col === 9, "the cursor back after 'half-ty'");
  assertEquals(chat.screen.cursorLine, "> half-typed");

  await chat.write("X");
  await chat.waitForLastLine("> half-tyXped");
  await chat.write(`${END} done\r`);
  const got = await bob.next("message");
  assertEquals([got.from, got.content], ["alice", "half-tyXped done"]);

  // Ctrl+C leaves cleanly, even with a line half typed.
  await chat.write(`unsent${CTRL_C}`);
  assertEquals((await chat.exited()).code, 0);
  assertEquals(await closes.of("alice"), "disconnect");
});

Deno.test("interactive: /nick, /join, /room, /msg, /who and errors", async () => {
  const closes = new Closes();
  await using s = await startServer({ onSessionClose: closes.onSessionClose });
  await using bob = await peer(s.tcp, "bob", "lobby");
  await using carol = await peer(s.unix, "carol");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port));
  await chat.waitForLastLine(">");

  await chat.write("/nick ada\r");
  await chat.waitForText("you are now ada");
  await chat.write("/join lobby\r");
  await chat.waitForText("joined #lobby");

  await chat.write("/room lobby hello room\r");
  const room = await bob.next("message");
  assertEquals([room.from, room.room, room.content], ["ada", "lobby", "hello room"]);

  await chat.write("/msg carol psst\r");
  const direct = await carol.next("message");
  assertEquals([direct.from, direct.content], ["ada", "psst"]);
  // Carol got no room message and bob no direct one: the next each sees is this broadcast.
  await chat.write("to all\r");
  assertEquals((await carol.next("message")).content, "to all");
  assertEquals((await bob.next("message")).content, "to all");

  await chat.write("/msg nobody hi\r");
  await chat.waitForText("error (no_such_recipient): ");
  assert(!chat.stdout.includes('"type"'), "errors are not shown as JSON");
  await chat.write("/room kitchen hi\r");
  await chat.waitForText("error (no_such_room): ");

  await chat.write("/who lobby\r");
  await chat.waitFor(
    () =>
      chat.screen.lines.some((l) => l.startsWith("ada (tcp in #lobby) ")) &&
      chat.screen.lines.some((l) => l.startsWith("bob (tcp in #lobby) ")),
    "ada and bob in the who list",
  );
  assert(!chat.screen.lines.some((l) => l.startsWith("carol")));

  await chat.write("/frob\r");
  await chat.waitForText("unknown command /frob; /help lists the commands");
  await chat.write("/help\r");
  await chat.waitForText("/msg NAME TEXT");

  // Up recalls the lines sent, newest first.
  await chat.write(UP);
  await chat.waitForLastLine("> /help");
  await chat.write(UP);
  await chat.waitForLastLine("> /frob");
  await chat.write(CTRL_U);
  await chat.waitForLastLine(">");

  // Ctrl+D on an empty line leaves cleanly.
  await chat.write(CTRL_D);
  assertEquals((await chat.exited()).code, 0);
  assertEquals(await closes.of("ada"), "disconnect");
});

Deno.test("interactive: /join #lobby means lobby; a second /join says you are there; /who marks you, short ids", async () => {
  await using s = await startServer();
  await using bob = await peer(s.tcp, "bob", "lobby");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "ada"));
  await chat.waitForLastLine(">");

  await chat.write("/join #lobby\r");
  await chat.waitForText("joined #lobby");
  await chat.write("/join #Lobby\r");
  await chat.waitForText("you are already in #Lobby");
  await chat.write("/room #lobby hello\r");
  const got = await bob.next("message");
  assertEquals([got.room, got.content], ["lobby", "hello"]);

  await chat.write("/who #lobby\r");
  await chat.waitFor(
    () =>
      chat.screen.lines.some((l) => /^ada \(tcp in #lobby\) [0-9a-f]{8} \(you\)$/.test(l)) &&
      chat.screen.lines.some((l) => /^bob \(tcp in #lobby\) [0-9a-f]{8}$/.test(l)),
    "ada marked as you and bob, each with a short id",
  );
  await bob.say({ type: "who", id: "w" });
  const who = (await bob.next("who")).content as { name: string; rooms: string[] }[];
  assertEquals(who.find((e) => e.name === "ada")?.rooms, ["lobby"]);
  await chat.write("/quit\r");
  assertEquals((await chat.exited()).code, 0);
});

/** The connection a scripted server accepted, for the test to speak on. */
interface Scripted {
  peer: FakePeer;
  sessionId: string;
}

/**
 * A scripted server of the 1.1 additions: `max_frame` in session_init, each
 * message handed to `onMessage` and acked, each `who` answered in two frames (the first
 * with `"more":true`) and no ack, `join` refused with `too_many_rooms` and `nick` with
 * `not_permitted`; the test speaks on the connection it returns.
 */
function newerServer(maxFrame: number, onMessage: (content: string) => void = () => {}): {
  server: FakeServer;
  connected: Promise<Scripted>;
} {
  const connected = Promise.withResolvers<Scripted>();
  const server = fakeServer(async (peer) => {
    const sessionId = await peer.handshake({ name: "ada" }, undefined, { max_frame: maxFrame });
    if (sessionId === null) return;
    connected.resolve({ peer, sessionId });
    const entry = (id: string, name: string) => ({
      session_id: id,
      name,
      transport: "tcp",
      rooms: [],
    });
    for (let frame = await peer.next(); frame !== null; frame = await peer.next()) {
      const reply = { id: frame.id, session_id: sessionId };
      if (frame.type === "disconnect") return;
      if (frame.type === "message") {
        onMessage(frame.content as string);
        await peer.send({ type: "ack", content: "delivered", recipients: 1, ...reply });
      } else if (frame.type === "who") {
        await peer.send({ type: "who", content: [entry(sessionId, "ada")], more: true, ...reply });
        await peer.send({ type: "who", content: [entry("b0b0b0b0-rest", "bob")], ...reply });
      } else if (frame.type === "join") {
        await peer.send({
          type: "error",
          code: "too_many_rooms",
          content: "in 100 rooms already",
          ...reply,
        });
      } else if (frame.type === "nick") {
        await peer.send({
          type: "error",
          code: "not_permitted",
          content: "guests keep their name",
          ...reply,
        });
      }
    }
  });
  return { server, connected: connected.promise };
}

const CLOCK = String.raw`\d\d:\d\d`;

Deno.test("interactive: notices, direct messages, further lines indented, controls escaped, split who, too_many_rooms, not_permitted (1.1 server)", async () => {
  const received: string[] = [];
  const { server, connected } = newerServer(1024, (content) => received.push(content));
  await using _server = server;
  await using chat = ChatTerminal.spawn(tcpArgs(server.port, "--name", "ada"));
  await chat.waitForLastLine(">");
  const { peer, sessionId } = await connected;
  const say = (frame: Record<string, unknown>) =>
    peer.send({ ...frame, session_id: sessionId } as Frame);
  const shows = (pattern: string) =>
    chat.waitFor(
      () => chat.screen.lines.some((l) => new RegExp(`^${pattern}$`).test(l)),
      pattern,
    );

  await say({ type: "notice", event: "join", room: "lobby", name: "ann" });
  await shows(`${CLOCK} -- ann joined #lobby`);
  await say({ type: "notice", event: "nick", name: "annie", old: "ann" });
  await shows(`${CLOCK} -- ann is now known as annie`);
  await say({ type: "notice", event: "leave", room: "lobby", name: "annie", reason: "left" });
  await shows(`${CLOCK} -- annie left #lobby`);
  await say({ type: "notice", event: "leave", room: "lobby", name: "cy", reason: "quit" });
  await shows(`${CLOCK} -- cy quit \\(was in #lobby\\)`);

  const ts = Date.now();
  await say({ type: "message", from: "bob", to: "ada", content: "psst", ts });
  await shows(`${CLOCK} \\(dm\\) bob: psst`);
  await say({ type: "message", from: "bob", room: "lobby", content: "hi room", ts });
  await shows(`${CLOCK} \\[lobby\\] bob: hi room`);
  await say({ type: "message", from: "bob", content: "brb\n[ops] bob: please run it\nthanks", ts });
  await shows(`${CLOCK} bob: brb`);
  await chat.waitForLastLine(">");
  const at = chat.screen.lines.findLastIndex((l) => l.endsWith("bob: brb"));
  assertEquals(chat.screen.lines.slice(at + 1, at + 3), [
    "        [ops] bob: please run it",
    "        thanks",
  ]);
  await say({ type: "message", from: "bob", content: "\x1b[2Jgone?\u202eevil\ttab", ts });
  await shows(String.raw`${CLOCK} bob: \\u001b\[2Jgone\?\\u202eevil\\ttab`);

  await chat.write("/who\r");
  await shows(`ada \\(tcp\\) ${sessionId.slice(0, 8)} \\(you\\)`);
  await shows("bob \\(tcp\\) b0b0b0b0");
  await chat.write("/join attic\r");
  await shows("error \\(too_many_rooms\\): in 100 rooms already");
  await chat.write("/nick ada2\r");
  await shows("error \\(not_permitted\\): guests keep their name");
  await chat.write("/join attic\r"); // Refused, so not "already there": asked again.
  await chat.waitFor(
    () => chat.screen.lines.filter((l) => l.startsWith("error (too_many_rooms)")).length === 2,
    "the second refusal",
  );
  await chat.write("/quit\r");
  assertEquals((await chat.exited()).code, 0);
  assertEquals(received, []);
});

Deno.test("interactive: a line over max_frame is refused locally, the connection and the next line go on", async () => {
  const received = Promise.withResolvers<string>();
  const { server, connected } = newerServer(300, received.resolve);
  await using _server = server;
  await using chat = ChatTerminal.spawn(tcpArgs(server.port, "--name", "ada"));
  await chat.waitForLastLine(">");
  await connected;
  await chat.write(`${"x".repeat(400)}\r`);
  await chat.waitFor(
    () => chat.screen.lines.some((l) => /^line too long: 400 bytes, the server takes \d+$/.test(l)),
    "the refusal",
  );
  await chat.write("short\r");
  assertEquals(await received.promise, "short"); // the first line the server got
  assertEquals(server.accepted, 1); // never cut, never reconnected
  // The refused line is still there to fix: Up recalls it.
  await chat.write(`${UP}${UP}`);
  await chat.waitFor(() => chat.screen.lastLine.startsWith("> xxxx"), "the long line recalled");
  await chat.write(CTRL_C);
  assertEquals((await chat.exited()).code, 0);
});

Deno.test("interactive: Tab completes commands, connected sessions' names and room names", async () => {
  await using s = await startServer();
  await using bob = await peer(s.tcp, "bob", "lobby");
  await using _carol = await peer(s.unix, "carol");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "ada"));
  await chat.waitForLastLine(">");

  await chat.write("/jo\t");
  await chat.waitForLastLine("> /join");
  await chat.write("#lo\t");
  await chat.waitForLastLine("> /join #lobby");
  await chat.write("\r");
  await chat.waitForText("joined #lobby");

  await chat.write("/msg b\t");
  await chat.waitForLastLine("> /msg bob");
  await chat.write("psst\r");
  const direct = await bob.next("message");
  assertEquals([direct.to, direct.content], ["bob", "psst"]);

  // Ambiguous: the candidates are listed above the line, which stays as it was.
  await chat.write("/msg \t");
  await chat.waitFor(() => chat.screen.lines.includes("bob  carol"), "the names listed");
  await chat.waitForLastLine("> /msg");
  await chat.write(CTRL_U);
  // Someone who arrived just now completes too.
  await using _dave = await peer(s.tcp, "dave");
  await chat.write("hi d\t");
  await chat.waitForLastLine("> hi dave");
  await chat.write(CTRL_C);
  assertEquals((await chat.exited()).code, 0);
});

Deno.test("interactive with piped input: lines in order, commands, exit 0 at the end", async () => {
  const closes = new Closes();
  await using s = await startServer({ onSessionClose: closes.onSessionClose });
  await using bob = await peer(s.unix, "bob");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "piper"), { pty: false });
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);
  await chat.write(
    [...lines, "", "/join lobby", "/room lobby in the room", "/who lobby", "/msg bob psst", ""]
      .join("\n"),
  );
  await chat.closeInput();
  for (const line of lines) assertEquals((await bob.next("message")).content, line);
  assertEquals((await bob.next("message")).content, "psst"); // bob is not in the lobby
  assertEquals((await chat.exited()).code, 0);
  assertEquals(await closes.of("piper"), "disconnect");
  assert(chat.stdout.startsWith("piper (tcp in #lobby) "), chat.stdout);
  assert(!chat.stdout.includes(">"), "no prompt");
});

Deno.test("interactive with piped input: `exit` ends it, and later lines are not sent", async () => {
  const closes = new Closes();
  await using s = await startServer({ onSessionClose: closes.onSessionClose });
  await using bob = await peer(s.tcp, "bob");
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "piper"), { pty: false });
  await chat.write("first\nexit\nnot sent\n");
  assertEquals((await bob.next("message")).content, "first");
  assertEquals((await chat.exited()).code, 0);
  assertEquals(await closes.of("piper"), "disconnect");
  await bob.say({ type: "who", id: "w" });
  await bob.next("who"); // Anything piper had sent would have come before this.
  assertEquals(bob.backlog.filter((f) => f.type === "message"), []);
});

Deno.test("interactive HOST PORT and SOCKET_PATH: the original framework's positional forms", async () => {
  await using s = await startServer();
  for (
    const [where, transport] of [[["127.0.0.1", String(s.tcp.port)], "tcp"], [
      [s.unix.path],
      "unix",
    ]]
  ) {
    await using chat = ChatTerminal.spawn([...where, "--name", `by-${transport}`], { pty: false });
    await chat.write("/who\n");
    await chat.waitForText(`by-${transport} (${transport}) `);
    await chat.closeInput();
    assertEquals((await chat.exited()).code, 0);
  }
});

Deno.test("interactive --no-reconnect exits 1 with one line when the server stops", async () => {
  await using s = await startServer();
  await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--name", "solo", "--no-reconnect"), {
    pty: false,
  });
  await chat.write("/who\n");
  await chat.waitForText("solo (tcp) ");
  await s.server.stop();
  assertEquals((await chat.exited()).code, 1);
  assertEquals(chat.stderr.trimEnd().split("\n"), [
    `chat: lost the server at tcp://127.0.0.1:${s.tcp.port}: server shutting down`,
  ]);
});

Deno.test("interactive reconnects to a restarted server and restores its name and rooms", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-reconnect-" });
  await using _cleanup = {
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
  const path = `${dir}/chat.sock`;
  const first = new ChatServer({ listen: [{ transport: "unix", path }] });
  await using _first = { [Symbol.asyncDispose]: () => first.stop() };
  await first.start();

  await using chat = ChatTerminal.spawn(["--unix", path, "--name", "alice"]);
  await chat.waitForLastLine(">");
  await chat.write("/join lobby\r");
  await chat.waitForText("joined #lobby");
  await chat.write("/join kitchen\r");
  await chat.waitForText("joined #kitchen");
  await chat.write("half");
  await chat.waitForLastLine("> half");

  await first.stop();
  await chat.waitForText("connection lost: server shutting down; reconnecting in 0.5 s (try 1)");
  // Nobody listens yet: the next try waits twice as long, and says so.
  await chat.waitForText("retrying in 1 s (try 2): ");
  await chat.waitForLastLine("> half");

  const closes = new Closes();
  const second = new ChatServer({
    listen: [{ transport: "unix", path }],
    onSessionClose: closes.onSessionClose,
  });
  await using _second = { [Symbol.asyncDispose]: () => second.stop() };
  await second.start();
  await chat.waitForText(`reconnected to unix://${path} as alice, rejoined #lobby #kitchen`);
  await chat.waitForLastLine("> half");

  await using bob = await peer({ transport: "unix", path }, "bob");
  await bob.say({ type: "who", id: "w" });
  const who = (await bob.next("who")).content as { name: string; rooms: string[] }[];
  const alice = who.find((entry) => entry.name === "alice");
  assertEquals(alice?.rooms.toSorted(), ["kitchen", "lobby"]);

  await bob.say({ type: "join", content: "lobby", id: "j" });
  await bob.ackOf("j");
  await bob.say({ type: "message", room: "lobby", content: "welcome back" });
  await chat.waitForText("[lobby] bob: welcome back");
  await chat.waitForLastLine("> half");
  await chat.write(" and whole\r");
  assertEquals((await bob.next("message")).content, "half and whole");

  await chat.write("/quit\r");
  assertEquals((await chat.exited()).code, 0);
  assertEquals(await closes.of("alice"), "disconnect");
});

Deno.test("interactive: while the server is away one status line updates in place; quitting warns of unsent lines", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  const server = new ChatServer({ listen: [{ transport: "unix", path }] });
  await using _server = { [Symbol.asyncDispose]: () => server.stop() };
  await server.start();
  await using chat = ChatTerminal.spawn(["--unix", path, "--name", "alice"]);
  await chat.waitForLastLine(">");
  await server.stop();
  await chat.waitForText("(try 3)"); // two failed tries after the loss
  const statuses = () => chat.screen.lines.filter((l) => /\(try \d+\)/.test(l));
  assertEquals(statuses().length, 1, chat.screen.lines.join("\n"));
  assert(statuses()[0].startsWith("retrying in 2 s (try 3): cannot connect"), statuses()[0]);
  // A status line longer than the terminal is cut to fit: it must stay one line to be rewritten.
  assert(statuses()[0].length < 80 && statuses()[0].endsWith("…"), statuses()[0]);

  await chat.write("one\r");
  await chat.write("two\r");
  await chat.waitFor(
    () => statuses()[0]?.startsWith("2 typed lines waiting; retrying in "),
    "the count of typed lines in the status",
  );
  await chat.waitForLastLine(">");
  assertEquals(statuses().length, 1, chat.screen.lines.join("\n"));
  // The typed lines stay on screen above the status line.
  const at = chat.screen.lines.findIndex((l) => /\(try \d+\)/.test(l));
  assertEquals(chat.screen.lines.slice(at - 2, at), ["> one", "> two"]);

  await chat.write(CTRL_C);
  assertEquals((await chat.exited()).code, 0);
  assert(
    chat.screen.lines.includes("2 typed lines were not sent: the server was away"),
    chat.screen.lines.join("\n"),
  );
});

Deno.test("interactive exits 1 with one line when the first connection fails", async (t) => {
  await t.step("unreachable", async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-nobody-" });
    try {
      await using chat = ChatTerminal.spawn(["--unix", `${dir}/none.sock`], { pty: false });
      assertEquals((await chat.exited()).code, 1);
      assertEquals(chat.stderr.trimEnd().split("\n"), [
        `chat: cannot connect to unix://${dir}/none.sock: no such file or directory`,
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  await t.step("refused (unauthorized), behind a terminal", async () => {
    await using s = await startServer({ token: "sesame" });
    await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port, "--token", "wrong"));
    assertEquals((await chat.exited()).code, 1);
    const lines = chat.screen.lines.filter((l) => l !== "");
    assertEquals(lines.length, 1, chat.stdout);
    assert(lines[0].includes("unauthorized"), lines[0]);
  });
  await t.step("refused (server_full)", async () => {
    await using s = await startServer({ maxClients: 1 });
    await using _bob = await peer(s.tcp, "bob");
    await using chat = ChatTerminal.spawn(tcpArgs(s.tcp.port), { pty: false });
    assertEquals((await chat.exited()).code, 1);
    const lines = chat.stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, chat.stderr);
    assert(lines[0].includes("server_full"), lines[0]);
  });
});

Deno.test("interactive: Ctrl+C while the handshake is pending leaves at once, status 0", async () => {
  // A server that accepts and then says nothing: the client waits for session_init.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await using chat = ChatTerminal.spawn(tcpArgs(listener.addr.port));
  using _conn = await listener.accept();
  // The terminal is still in its normal mode: Ctrl+C is a SIGINT.
  await chat.write(CTRL_C);
  assertEquals((await chat.exited(5000)).code, 0);
});

Deno.test("interactive resumes its session on a server restarted with its store: what it missed shown as such, a line without ack sent again once, /history", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  const store = `${dir.path}/h.db`;
  const first = new ChatServer({ listen: [{ transport: "unix", path }], store });
  await first.start();
  await using chat = ChatTerminal.spawn(["--unix", path, "--name", "ann"]);
  await chat.waitForLastLine(">");
  await chat.write("/join lobby\r");
  await chat.waitForText("joined #lobby");
  // The join shows the room's history: the server has answered everything asked.
  await chat.waitForText("no messages of #lobby in history");
  await first.stop();
  await chat.waitForText("connection lost: ");
  // A line typed while the server is away waits, and goes once it is back.
  await chat.write("typed while away\r");
  const second = new ChatServer({ listen: [{ transport: "unix", path }], store });
  await using _second = { [Symbol.asyncDispose]: () => second.stop() };
  await second.start();
  await using bob = await peer({ transport: "unix", path }, "bob", "lobby");
  await bob.say({ type: "message", room: "lobby", content: "said meanwhile", id: 1 });
  await bob.ackOf(1);
  // Replayed (history) or live, depending on when the client came back: shown once either way.
  await chat.waitForText("[lobby] bob: said meanwhile");
  await chat.waitForText("session resumed: ");
  assertEquals((await bob.next("message")).content, "typed while away");
  await chat.write("/history lobby 5\r");
  await chat.waitForText("the last message of #lobby:");
  await chat.write("/history\r");
  await chat.waitForText("the last message:");
  await chat.waitForText("(history) ann: typed while away");
  await bob.say({ type: "message", room: "lobby", content: "and again", id: 2 });
  await bob.ackOf(2);
  await chat.write("/history lobby\r");
  await chat.waitForText("the last 2 messages of #lobby:");
  await chat.write("/quit\r");
  assertEquals((await chat.exited()).code, 0);
});
