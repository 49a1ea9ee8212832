import "../helpers/property.ts";
import fc from "fast-check";
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { encodeFrame, encodeSessionId, SplicedFrame } from "../../src/protocol/encode.ts";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Frame } from "../../src/protocol/messages.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const LF = 0x0a;

const countLineFeeds = (bytes: Uint8Array): number => bytes.filter((b) => b === LF).length;

const contentArb = fc.string({ unit: "binary", maxLength: 40 });
const frameArb: fc.Arbitrary<Frame> = fc
  .tuple(
    fc.constantFrom("message", "error", "ack", "who"),
    contentArb,
    fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
  )
  .map(([type, content, id]) => (id === undefined ? { type, content } : { type, content, id }));

Deno.test("encodeFrame() writes the frame's JSON and one line feed", () => {
  const frame = { type: "heartbeat", content: "pong", session_id: "abc" };
  const bytes = encodeFrame(frame);
  strictEqual(utf8.decode(bytes), '{"type":"heartbeat","content":"pong","session_id":"abc"}\n');
});

Deno.test("encodeFrame() escapes line feeds in content: the only raw line feed is the last byte", () => {
  const bytes = encodeFrame({ type: "message", content: "line 1\nline 2\r\n😀\u2028" });
  strictEqual(bytes[bytes.length - 1], LF);
  strictEqual(countLineFeeds(bytes), 1);
  deepStrictEqual(JSON.parse(utf8.decode(bytes)), {
    type: "message",
    content: "line 1\nline 2\r\n😀\u2028",
  });
});

Deno.test("encodeFrame() property: ends with \\n, holds no other line feed and decodes back", () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), (frames) => {
      const decoder = new FrameDecoder();
      const decoded: unknown[] = [];
      for (const frame of frames) {
        const bytes = encodeFrame(frame);
        strictEqual(bytes[bytes.length - 1], LF);
        strictEqual(countLineFeeds(bytes), 1);
        for (const f of decoder.push(bytes)) decoded.push(JSON.parse(utf8.decode(f)));
      }
      deepStrictEqual(decoded, frames);
    }),
    { numRuns: 200 },
  );
});

Deno.test("SplicedFrame.forSession() gives the frame plus the receiver's session_id", () => {
  const frame = { type: "message", content: "hi", from: "alice", ts: 1700000000000 };
  const spliced = new SplicedFrame(frame);
  const a = crypto.randomUUID();
  const b = crypto.randomUUID();
  const bytesA = spliced.forSession(encodeSessionId(a));
  const bytesB = spliced.forSession(encodeSessionId(b));
  strictEqual(bytesA[bytesA.length - 1], LF);
  strictEqual(countLineFeeds(bytesA), 1);
  deepStrictEqual(JSON.parse(utf8.decode(bytesA)), { ...frame, session_id: a });
  deepStrictEqual(JSON.parse(utf8.decode(bytesB)), { ...frame, session_id: b });
  // The same bytes encodeFrame would have written for that receiver.
  deepStrictEqual(bytesA, encodeFrame({ ...frame, session_id: a }));
});

Deno.test("SplicedFrame.forSession() works with unicode content and content that mimics JSON", () => {
  const id = crypto.randomUUID();
  for (
    const content of [
      "😀 中文 e\u0301 \u{10FFFF}",
      '","session_id":"forged',
      '"}\n{"type":"message"}',
      "\\",
      "",
    ]
  ) {
    const frame = { type: "message", content, room: "🏠" };
    const bytes = new SplicedFrame(frame).forSession(encodeSessionId(id));
    strictEqual(countLineFeeds(bytes), 1);
    deepStrictEqual(JSON.parse(utf8.decode(bytes)), { ...frame, session_id: id });
  }
});

Deno.test("SplicedFrame handles a frame with no fields", () => {
  const id = crypto.randomUUID();
  const bytes = new SplicedFrame({} as Frame).forSession(encodeSessionId(id));
  deepStrictEqual(JSON.parse(utf8.decode(bytes)), { session_id: id });
});

Deno.test("SplicedFrame property: head + id + tail parses to the frame plus session_id", () => {
  fc.assert(
    fc.property(frameArb, fc.uuid(), (frame, id) => {
      const spliced = new SplicedFrame(frame);
      const bytes = spliced.forSession(encodeSessionId(id));
      strictEqual(bytes.length, spliced.head.length + id.length + spliced.tail.length);
      strictEqual(countLineFeeds(bytes), 1);
      strictEqual(bytes[bytes.length - 1], LF);
      deepStrictEqual(JSON.parse(utf8.decode(bytes)), { ...frame, session_id: id });
      deepStrictEqual(bytes, encodeFrame({ ...frame, session_id: id }));
    }),
    { numRuns: 200 },
  );
});

Deno.test("encodeSessionId() is the UTF-8 bytes of the id", () => {
  const id = crypto.randomUUID();
  const bytes = encodeSessionId(id);
  strictEqual(utf8.decode(bytes), id);
  strictEqual(bytes.length, 36);
});
