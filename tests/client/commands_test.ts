import "../helpers/property.ts";
/**
 * The interactive client's commands: typed lines understood, hints for the
 * misused and unknown ones, and the `/help` text (no terminal, no server).
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import {
  type Command,
  COMMAND_NAMES,
  commandHint,
  FIRST_ARGUMENT,
  INTERACTIVE_COMMANDS,
  parseCommand,
  roomArgument,
} from "../../src/client/commands.ts";

/** Each line and what it is understood as. */
function understands(cases: [string, Command][]): void {
  for (const [line, command] of cases) assertEquals(parseCommand(line), command, line);
}

Deno.test("parseCommand understands the commands of CLI.md", () => {
  understands([
    ["  hello  world ", { kind: "message", text: "hello  world" }],
    ["   ", { kind: "empty" }],
    ["exit", { kind: "quit" }],
    ["/quit", { kind: "quit" }],
    ["/nick ada", { kind: "nick", name: "ada" }],
    ["/nick", { kind: "usage", text: "/nick NAME" }],
    ["/nick a b", { kind: "usage", text: "/nick NAME" }],
    ["/who", { kind: "who" }],
    ["/who lobby", { kind: "who", room: "lobby" }],
    ["/join lobby", { kind: "join", room: "lobby" }],
    ["/leave lobby", { kind: "leave", room: "lobby" }],
    ["/msg bob hi  there", { kind: "msg", to: "bob", text: "hi  there" }],
    ["/msg bob", { kind: "usage", text: "/msg NAME TEXT" }],
    ["/room lobby hi", { kind: "room", room: "lobby", text: "hi" }],
    ["/room", { kind: "usage", text: "/room ROOM TEXT" }],
    ["/HELP", { kind: "help" }],
    ["/frob x", { kind: "unknown", name: "frob" }],
    ["//not a command", { kind: "message", text: "/not a command" }],
  ]);
});

Deno.test("parseCommand: blank lines are empty, surrounding whitespace is trimmed", () => {
  understands([
    ["", { kind: "empty" }],
    ["\t \r", { kind: "empty" }],
    ["  /nick   ada  ", { kind: "nick", name: "ada" }],
    ["\t/join\tlobby", { kind: "join", room: "lobby" }],
    ["  exit  ", { kind: "quit" }],
    ["/msg bob   hi ", { kind: "msg", to: "bob", text: "hi" }],
  ]);
});

Deno.test("parseCommand: command names ignore case, arguments keep theirs", () => {
  understands([
    ["/Nick Ada", { kind: "nick", name: "Ada" }],
    ["/JOIN Lobby", { kind: "join", room: "Lobby" }],
    ["/Who", { kind: "who" }],
    ["/QUIT", { kind: "quit" }],
    ["/Exit", { kind: "quit" }],
    ["/MSG Bob Hi There", { kind: "msg", to: "Bob", text: "Hi There" }],
    // `exit` without a slash is a command only as typed; anything else is a message.
    ["EXIT", { kind: "message", text: "EXIT" }],
    ["exit now", { kind: "message", text: "exit now" }],
  ]);
});

Deno.test("parseCommand: /msg and /room keep the text as typed, inner spacing and slashes", () => {
  understands([
    ["/msg bob a  b\tc", { kind: "msg", to: "bob", text: "a  b\tc" }],
    ["/room lobby /not a command", { kind: "room", room: "lobby", text: "/not a command" }],
    ["/msg bob  two spaces first", { kind: "msg", to: "bob", text: "two spaces first" }],
    ["/room kitchen x", { kind: "room", room: "kitchen", text: "x" }],
  ]);
});

Deno.test("parseCommand: a room typed with a leading # is the same room, for every room argument", () => {
  understands([
    ["/join #lobby", { kind: "join", room: "lobby" }],
    ["/leave #lobby", { kind: "leave", room: "lobby" }],
    ["/who #lobby", { kind: "who", room: "lobby" }],
    ["/room #lobby hi #all", { kind: "room", room: "lobby", text: "hi #all" }],
    // One # is dropped: a room whose name starts with # is typed with two.
    ["/join ##hash", { kind: "join", room: "#hash" }],
    ["/join #", { kind: "join", room: "#" }],
    ["/msg #bob hi", { kind: "msg", to: "#bob", text: "hi" }],
  ]);
  assertEquals(roomArgument("#lobby"), "lobby");
  assertEquals(roomArgument("lobby"), "lobby");
});

Deno.test("COMMAND_NAMES and FIRST_ARGUMENT: the commands Tab completes, and what follows them", () => {
  assertEquals(COMMAND_NAMES, [
    "/nick",
    "/who",
    "/join",
    "/leave",
    "/msg",
    "/room",
    "/history",
    "/help",
    "/quit",
  ]);
  for (const name of COMMAND_NAMES) assert(INTERACTIVE_COMMANDS.includes(name), name);
  assertEquals(FIRST_ARGUMENT.msg, "name");
  assertEquals(FIRST_ARGUMENT.join, "room");
  assertEquals(FIRST_ARGUMENT.nick, undefined);
  assertEquals(FIRST_ARGUMENT.history, "room");
});

Deno.test("parseCommand: /history [ROOM] [N], digits alone being N, 20 by default", () => {
  understands([
    ["/history", { kind: "history", count: 20 }],
    ["/history 5", { kind: "history", count: 5 }],
    ["/history #lobby", { kind: "history", room: "lobby", count: 20 }],
    ["/history lobby 3", { kind: "history", room: "lobby", count: 3 }],
    ["/history a b", { kind: "usage", text: "/history [ROOM] [N]" }],
    ["/history 0", { kind: "usage", text: "/history [ROOM] [N]" }],
  ]);
});

Deno.test("parseCommand: a known command with the wrong arguments says how to use it", () => {
  understands([
    ["/join", { kind: "usage", text: "/join ROOM" }],
    ["/join a b", { kind: "usage", text: "/join ROOM" }],
    ["/leave", { kind: "usage", text: "/leave ROOM" }],
    ["/leave a b", { kind: "usage", text: "/leave ROOM" }],
    ["/who a b", { kind: "usage", text: "/who [ROOM]" }],
    ["/msg", { kind: "usage", text: "/msg NAME TEXT" }],
    ["/room lobby", { kind: "usage", text: "/room ROOM TEXT" }],
  ]);
});

Deno.test("parseCommand: /help and /quit take no arguments but ignore any", () => {
  understands([
    ["/help me", { kind: "help" }],
    ["/quit now", { kind: "quit" }],
    ["/exit", { kind: "quit" }],
  ]);
});

Deno.test("parseCommand: an unknown command keeps its name as typed", () => {
  understands([
    ["/Frob", { kind: "unknown", name: "Frob" }],
    ["/", { kind: "unknown", name: "" }],
    ["/ nick ada", { kind: "unknown", name: "" }],
    ["/nicks ada", { kind: "unknown", name: "nicks" }],
  ]);
});

Deno.test("parseCommand property: a line not starting with / is a message of its trimmed text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (line) => {
      const text = line.trim();
      fc.pre(text !== "" && text !== "exit" && !text.startsWith("/"));
      assertEquals(parseCommand(line), { kind: "message", text });
    }),
  );
});

Deno.test("parseCommand property: // sends the rest, starting with one /", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (rest) => {
      const line = `//${rest}`.trimEnd();
      assertEquals(parseCommand(line), { kind: "message", text: line.slice(1) });
    }),
  );
});

Deno.test("commandHint: how to use a misused command, or where the list is", () => {
  assertEquals(commandHint({ kind: "usage", text: "/nick NAME" }), "usage: /nick NAME");
  assertEquals(
    commandHint({ kind: "unknown", name: "frob" }),
    "unknown command /frob; /help lists the commands",
  );
  const misused = parseCommand("/room lobby");
  assert(misused.kind === "usage");
  assertEquals(commandHint(misused), "usage: /room ROOM TEXT");
});

Deno.test("the /help text lists every command's usage", () => {
  for (const line of ["/nick", "/who a b", "/join", "/leave", "/msg", "/room"]) {
    const command = parseCommand(line);
    assert(command.kind === "usage", line);
    assert(INTERACTIVE_COMMANDS.includes(command.text), command.text);
  }
  for (const word of ["/help", "/quit", "exit", "//"]) assert(INTERACTIVE_COMMANDS.includes(word));
});
