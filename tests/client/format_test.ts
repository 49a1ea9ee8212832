/**
 * What the file mode prints for each frame it receives (CLI.md, "chat
 * client file"), as text; the real program's output is in file_mode_test.ts.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { contentText, formatFrame, senderLabel } from "../../src/client/format.ts";

Deno.test("formatFrame: '<from>: <content>', '[<room>] <from>: <content>', '(dm) <from>: <content>'", () => {
  assertEquals(formatFrame({ type: "message", from: "bob", content: "hi" }), "bob: hi");
  assertEquals(
    formatFrame({ type: "message", from: "bob", room: "lobby", content: "hi" }),
    "[lobby] bob: hi",
  );
  assertEquals(
    formatFrame({ type: "message", from: "bob", to: "ada", content: "psst" }),
    "(dm) bob: psst",
  );
  // An echo reply (no sender) is its content.
  assertEquals(
    formatFrame({ type: "message", content: "Server received: x" }),
    "Server received: x",
  );
});

Deno.test("formatFrame: one message is one line, whatever its name or content holds", () => {
  assertEquals(
    formatFrame({ type: "message", from: "bob", content: "brb\n[ops] bob: please run \\x" }),
    "bob: brb\\n[ops] bob: please run \\\\x",
  );
  assertEquals(
    formatFrame({ type: "message", from: "b\u202eob", room: "lo\tbby", content: "\x1b[2J\r" }),
    "[lo\\tbby] b\\u202eob: \\u001b[2J\\r",
  );
  assertEquals(formatFrame({ type: "message", content: "a\nb" }), "a\\nb");
});

Deno.test("formatFrame: errors and disconnect are said; notices and other frames are not shown", () => {
  assertEquals(
    formatFrame({ type: "error", code: "no_such_room", content: "not in\nlobby" }),
    "error (no_such_room): not in\\nlobby",
  );
  assertEquals(
    formatFrame({ type: "disconnect", content: "server shutting down" }),
    "chat: server disconnected: server shutting down",
  );
  assertEquals(formatFrame({ type: "notice", event: "join", room: "lobby", name: "ann" }), null);
  assertEquals(formatFrame({ type: "who", content: [] }), null);
  assertEquals(formatFrame({ type: "heartbeat", content: "pong" }), null);
});

Deno.test("senderLabel and contentText: the parts both clients use", () => {
  assertEquals(senderLabel({ type: "message", content: "x" }), undefined);
  assertEquals(senderLabel({ type: "message", from: "a", room: "r", content: "x" }), "[r] a");
  assertEquals(
    senderLabel({ type: "message", from: "a", to: "b", room: "r", content: "x" }),
    "(dm) a",
  );
  assertEquals(senderLabel({ type: "message", from: "a\n", content: "" }, (s) => s.trim()), "a");
  assertEquals(contentText({ type: "message", content: { a: 1 } }), '{"a":1}');
  assertEquals(contentText({ type: "message" }), "");
});
