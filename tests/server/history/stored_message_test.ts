import { deepStrictEqual } from "node:assert/strict";
import { messageFrame, storedMessage } from "../../../src/server/history/stored_message.ts";

const draft = { ts: 1_000, sender: "s1", from: "ann", verified: false, content: "hi" };

Deno.test("messageFrame() writes a message to everyone as it was relayed", () => {
  deepStrictEqual(messageFrame(storedMessage(3, draft), false), {
    type: "message",
    content: "hi",
    from: "ann",
    ts: 1_000,
    seq: 3,
  });
});

Deno.test("messageFrame() writes a direct message with `to` as the sender gave it, and replay", () => {
  const direct = storedMessage(4, { ...draft, verified: true, recipient: "s2", to: "Bob" });
  deepStrictEqual(messageFrame(direct, true), {
    type: "message",
    content: "hi",
    from: "ann",
    ts: 1_000,
    seq: 4,
    to: "Bob",
    verified: true,
    replay: true,
  });
});

Deno.test("storedMessage() gives every field, absent ones as undefined", () => {
  deepStrictEqual(Object.keys(storedMessage(1, draft)), [
    "seq",
    "ts",
    "sender",
    "from",
    "verified",
    "content",
    "room",
    "roomKey",
    "recipient",
    "to",
  ]);
});
