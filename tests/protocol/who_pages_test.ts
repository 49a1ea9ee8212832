/**
 * `who` answers in frames under 64 KiB (PROTOCOL.md section 4): sizes,
 * `more`, the request's `room` and `id` on each, nothing lost or reordered.
 *
 * @module
 */

import "../helpers/property.ts";
import fc from "fast-check";
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { WhoEntry } from "../../src/protocol/messages.ts";
import { utf8Length, WHO_FRAME_MAX, whoPages } from "../../src/protocol/who_pages.ts";

const SESSION_ID = crypto.randomUUID();

/** The bytes of JSON a page takes once the receiver's session id is added, as the server sends it. */
const sent = (page: object) =>
  new TextEncoder().encode(JSON.stringify({ ...page, session_id: SESSION_ID })).length;

const entryArb: fc.Arbitrary<WhoEntry> = fc.record({
  session_id: fc.uuid(),
  name: fc.string({ unit: "grapheme", minLength: 1, maxLength: 32 }),
  transport: fc.constantFrom("tcp", "unix", "ws"),
  rooms: fc.array(fc.string({ unit: "binary", minLength: 1, maxLength: 32 }), { maxLength: 100 }),
});

Deno.test("utf8Length() counts UTF-8 bytes", () => {
  for (const text of ["", "ascii", "été", "日本語", "🦊x", '"\\', "\u07ff\u0800"]) {
    strictEqual(utf8Length(text), new TextEncoder().encode(text).length, text);
  }
});

Deno.test("whoPages property: every page under the limit, more on all but the last, room and id on each, entries in order", () => {
  fc.assert(
    fc.property(
      fc.array(entryArb, { maxLength: 60 }),
      fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
      fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { nil: undefined }),
      fc.integer({ min: 4000, max: WHO_FRAME_MAX }),
      (entries, room, id, max) => {
        const pages = whoPages(entries, { room, id }, SESSION_ID.length, max);
        ok(pages.length >= 1);
        deepStrictEqual(pages.flatMap((p) => p.content as WhoEntry[]), entries);
        pages.forEach((page, i) => {
          strictEqual(page.type, "who");
          strictEqual(page.room, room);
          strictEqual(page.id, id);
          strictEqual(page.more, i < pages.length - 1 ? true : undefined);
          const one = (page.content as WhoEntry[]).length === 1;
          ok(sent(page) <= max || one, `page ${i}: ${sent(page)} bytes, limit ${max}`);
          if (i < pages.length - 1) ok((page.content as WhoEntry[]).length > 0);
        });
      },
    ),
  );
});

Deno.test("whoPages: a list that fits is one frame; 2,000 sessions take several, each under 65,536 bytes", () => {
  const entry = (i: number): WhoEntry => ({
    session_id: crypto.randomUUID(),
    name: `user${i}`,
    transport: "tcp",
    rooms: ["lobby"],
  });
  const few = whoPages([entry(1), entry(2)], { id: "w" }, 36);
  deepStrictEqual(few.map((p) => [(p.content as WhoEntry[]).length, p.more]), [[2, undefined]]);
  const many = whoPages(
    Array.from({ length: 2000 }, (_, i) => entry(i)),
    { room: "lobby", id: 9 },
    36,
  );
  ok(many.length > 2, `${many.length} pages`);
  for (const page of many) ok(sent(page) < 65_536, `${sent(page)} bytes`);
  // Full pages: the next entry would not have fitted.
  ok(sent(many[0]) > WHO_FRAME_MAX - 200, `${sent(many[0])} bytes in the first page`);
});
