/**
 * A `who` answer in frames under 64 KiB (PROTOCOL.md section 4): a list
 * that would make a larger frame is sent as several `who` frames in a row,
 * each under 65,536 bytes of JSON (its line feed aside), every one but the
 * last with `"more":true`, all with the request's `room` and `id`. Pure: no
 * I/O.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { whoPages } from "./who_pages.ts";
 * const entry = { session_id: "s", name: "n", transport: "tcp", rooms: [] };
 * const pages = whoPages(Array(2000).fill(entry), { id: 7 }, 36);
 * strictEqual(pages.length > 1, true);
 * strictEqual(pages.at(-1)!.more, undefined);
 * strictEqual(pages[0].more, true);
 * ```
 *
 * @module
 */

import type { Frame, FrameId, WhoEntry } from "./messages.ts";

/** The most bytes of JSON one `who` frame may take: under 64 KiB. */
export const WHO_FRAME_MAX = 65_535;

/**
 * The most rooms a server may let one session be in (`--max-rooms`): its
 * `who` entry, 400 names of at most 32 code points (131 bytes of JSON each
 * at worst), then still fits one frame.
 */
export const MAX_ROOMS_LIMIT = 400;

/** How many bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    bytes += unit < 0x800 ? 1 : 2;
    // A surrogate pair: 4 bytes for its 2 units.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) i++;
  }
  return bytes;
}

/**
 * The frames of a `who` answer listing `entries`, for a receiver whose
 * session id (added to each frame when sent) is `sessionIdLength` bytes
 * long; `fields` holds the request's `room` and `id`. Each frame's JSON
 * takes at most `max` bytes, unless one entry alone, with the frame around
 * it, takes more (only a request with an `id` of tens of kilobytes, or
 * rooms past the server's limit, could): such an entry gets a frame of its
 * own.
 */
export function whoPages(
  entries: readonly WhoEntry[],
  fields: { room?: string; id?: FrameId },
  sessionIdLength: number,
  max: number = WHO_FRAME_MAX,
): Frame[] {
  const base: Frame = { type: "who", content: [] };
  if (fields.room !== undefined) base.room = fields.room;
  if (fields.id !== undefined) base.id = fields.id;
  const envelope = utf8Length(
    JSON.stringify({ ...base, more: true, session_id: "x".repeat(sessionIdLength) }),
  );
  const pages: Frame[] = [];
  let page: WhoEntry[] = [];
  let size = envelope;
  for (const entry of entries) {
    const bytes = utf8Length(JSON.stringify(entry)) + (page.length > 0 ? 1 : 0);
    if (page.length > 0 && size + bytes > max) {
      pages.push({ ...base, content: page, more: true });
      page = [];
      size = envelope;
      size += bytes - 1;
    } else {
      size += bytes;
    }
    page.push(entry);
  }
  pages.push({ ...base, content: page });
  return pages;
}
