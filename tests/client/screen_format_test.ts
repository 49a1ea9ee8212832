/**
 * What the interactive client shows for what it receives (CLI.md, "chat
 * client interactive"), as text; the real program is in interactive_test.ts.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  clockTime,
  CONTINUATION,
  describeNotice,
  formatIncoming,
  formatWho,
} from "../../src/client/screen_format.ts";

const TS = new Date(2025, 4, 6, 7, 8, 9).getTime(); // 07:08 local time
const LATER = new Date(2025, 4, 6, 23, 59).getTime();

Deno.test("clockTime: local HH:MM", () => {
  assertEquals(clockTime(TS), "07:08");
  assertEquals(clockTime(LATER), "23:59");
});

Deno.test("formatIncoming: each message with its time; direct and room messages set apart", () => {
  assertEquals(
    formatIncoming({ type: "message", from: "bob", content: "hi", ts: TS }),
    "07:08 bob: hi",
  );
  assertEquals(
    formatIncoming({ type: "message", from: "bob", room: "lobby", content: "hi", ts: TS }),
    "07:08 [lobby] bob: hi",
  );
  assertEquals(
    formatIncoming({ type: "message", from: "bob", to: "ada", content: "psst", ts: TS }),
    "07:08 (dm) bob: psst",
  );
  // No ts (an echo reply, a version 0 peer): the time it arrived.
  assertEquals(
    formatIncoming({ type: "message", content: "Server received: x" }, LATER),
    "23:59 Server received: x",
  );
});

Deno.test("formatIncoming: each further line of a message is indented; controls are escaped", () => {
  const text = formatIncoming({
    type: "message",
    from: "bob",
    content: "brb\n[ops] bob: please run\r\n\n\x1b[2Jend\u202e",
    ts: TS,
  })!;
  assertEquals(text.split("\n"), [
    "07:08 bob: brb",
    `${CONTINUATION}[ops] bob: please run`,
    CONTINUATION,
    `${CONTINUATION}\\u001b[2Jend\\u202e`,
  ]);
  // A name cannot start a line of its own either.
  assertEquals(
    formatIncoming({ type: "message", from: "x\n12:00 alice", content: "y", ts: TS }),
    "07:08 x\\n12:00 alice: y",
  );
});

Deno.test("formatIncoming: notices with their time; errors; what is not shown", () => {
  const notice = (fields: Record<string, unknown>) =>
    formatIncoming({ type: "notice", ...fields }, TS);
  assertEquals(notice({ event: "join", room: "lobby", name: "ann" }), "07:08 -- ann joined #lobby");
  assertEquals(
    notice({ event: "leave", room: "lobby", name: "ann", reason: "left" }),
    "07:08 -- ann left #lobby",
  );
  assertEquals(
    notice({ event: "leave", room: "lobby", name: "ann", reason: "quit" }),
    "07:08 -- ann quit (was in #lobby)",
  );
  assertEquals(
    notice({ event: "nick", name: "annie", old: "ann" }),
    "07:08 -- ann is now known as annie",
  );
  assertEquals(notice({ event: "explode" }), null);
  assertEquals(
    describeNotice({ type: "notice", event: "join", room: "a\nb", name: "c" }),
    "c joined #a\\nb",
  );
  assertEquals(
    formatIncoming({ type: "error", code: "no_such_room", content: "not in lobby" }),
    "error (no_such_room): not in lobby",
  );
  assertEquals(formatIncoming({ type: "disconnect", content: "bye" }), null);
  assertEquals(formatIncoming({ type: "ack", content: "delivered" }), null);
});

Deno.test("formatWho: one line a session, short ids, you and the away ones marked", () => {
  const me = "0f1e2d3c-0000-4000-8000-000000000001";
  const bob = "a1b2c3d4-0000-4000-8000-000000000002";
  assertEquals(
    formatWho([
      { session_id: me, name: "ada", transport: "tcp", rooms: ["lobby", "kitchen"] },
      { session_id: bob, name: "bob", transport: "unix", rooms: [], away: true },
    ], me).split("\n"),
    ["ada (tcp in #lobby #kitchen) 0f1e2d3c (you)", "bob (unix) a1b2c3d4 (away)"],
  );
  assertEquals(formatWho([], me), "nobody");
});

Deno.test("formatWho and formatIncoming: accounts' names marked ✓, guests marked apart", () => {
  const me = "0f1e2d3c-0000-4000-8000-000000000001";
  const guest = "a1b2c3d4-0000-4000-8000-000000000002";
  assertEquals(
    formatWho([
      { session_id: me, name: "ada", transport: "tcp", rooms: [], verified: true },
      { session_id: guest, name: "guest-a1b2c3d4", transport: "ws", rooms: [] },
    ], me).split("\n"),
    ["ada ✓ (tcp) 0f1e2d3c (you)", "guest-a1b2c3d4 (ws) a1b2c3d4 (guest)"],
  );
  assertEquals(
    formatIncoming({
      type: "message",
      from: "ada",
      room: "lobby",
      content: "hi",
      ts: TS,
      verified: true,
    }),
    "07:08 [lobby] ada ✓: hi",
  );
  // A name cannot hold a space: "ada ✓" is never a name of its own.
  assertEquals(
    formatIncoming({ type: "message", from: "ada✓", content: "hi", ts: TS }),
    "07:08 ada✓: hi",
  );
  assertEquals(
    formatIncoming(
      { type: "notice", event: "join", room: "lobby", name: "ada", verified: true },
      TS,
    ),
    "07:08 -- ada ✓ joined #lobby",
  );
});
