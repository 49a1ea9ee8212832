/**
 * The WebSocket codec: frames round trip at every length class and any
 * chunking, fragments are joined, a message over the limit is refused from
 * its header, and each protocol error stops the parser with its close code.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import {
  applyMask,
  CLOSE_CODE,
  closePayload,
  encodeWebSocketFrame,
  headerSize,
  OPCODE,
  WebSocketParser,
  writeHeader,
} from "../../src/transport/websocket_codec.ts";
import { concat } from "../../src/io/concat.ts";
import "../helpers/property.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a parser reported, as text. */
interface Seen {
  events: string[];
  parser: WebSocketParser;
}

function parser(maxMessage = 1024, masked = true): Seen {
  const events: string[] = [];
  const parser = new WebSocketParser({ maxMessage, masked }, {
    message: (payload, binary) =>
      events.push(binary ? `binary ${payload.length}` : `text ${decoder.decode(payload)}`),
    control: (opcode, payload) => events.push(`control ${opcode} ${decoder.decode(payload)}`),
  });
  return { events, parser };
}

/** A frame with the FIN bit and opcode given, masked unless `masked` is false. */
function frame(
  opcode: number,
  payload: string | Uint8Array,
  fin = true,
  masked = true,
): Uint8Array {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  const out = encodeWebSocketFrame(opcode, bytes, masked);
  if (!fin) out[0] &= 0x7f;
  return out;
}

Deno.test("writeHeader() and WebSocketParser agree on 7-bit, 16-bit and 64-bit lengths", () => {
  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    const payload = new Uint8Array(length).fill(0x61);
    const { events, parser: p } = parser(100_000);
    const bytes = frame(OPCODE.text, payload);
    strictEqual(bytes.length, headerSize(length, true) + length);
    p.push(bytes);
    deepStrictEqual(events, [`text ${"a".repeat(length)}`], `length ${length}`);
  }
});

Deno.test("WebSocketParser gives the same messages at any chunking, with fragments joined and pings between them", () => {
  const message = fc.record({
    text: fc.string({ unit: "grapheme", maxLength: 300 }),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    ping: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(message, { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (messages, chunkCuts) => {
        const parts: Uint8Array[] = [];
        const expected: string[] = [];
        for (const { text, cuts, ping } of messages) {
          const bytes = encoder.encode(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) =>
            a - b
          );
          const pieces = [0, ...points, bytes.length].slice(1).map((end, i, ends) =>
            bytes.subarray(i === 0 ? 0 : ends[i - 1], end)
          );
          pieces.forEach((piece, i) => {
            const opcode = i === 0 ? OPCODE.text : OPCODE.continuation;
            parts.push(frame(opcode, piece.slice(), i === pieces.length - 1));
            if (ping && i === 0) {
              parts.push(frame(OPCODE.ping, "p"));
              expected.push(`control ${OPCODE.ping} p`);
            }
          });
          expected.push(`text ${decoder.decode(bytes)}`);
        }
        const stream = concat(parts);
        const { events, parser: p } = parser(4096);
        const points = [...new Set(chunkCuts.map((c) => c % (stream.length + 1)))].sort((a, b) =>
          a - b
        );
        let start = 0;
        for (const end of [...points, stream.length]) {
          p.push(stream.slice(start, end));
          start = end;
        }
        strictEqual(p.failure, undefined);
        // Pings come as they arrive: compare the messages, then the pings' count.
        deepStrictEqual(
          events.filter((e) => e.startsWith("text")),
          expected.filter((e) => e.startsWith("text")),
        );
        strictEqual(events.length, expected.length);
      },
    ),
  );
});

Deno.test("WebSocketParser refuses a message over the limit from its header, before its payload", () => {
  const { events, parser: p } = parser(100);
  const bytes = frame(OPCODE.text, "x".repeat(103));
  p.push(bytes.subarray(0, headerSize(103, true)));
  deepStrictEqual(p.failure?.code, CLOSE_CODE.tooBig);
  p.push(bytes.subarray(headerSize(103, true)));
  deepStrictEqual(events, []);
});

Deno.test("WebSocketParser counts the fragments of a message together against the limit", () => {
  const { events, parser: p } = parser(100);
  p.push(frame(OPCODE.text, "x".repeat(60), false));
  p.push(frame(OPCODE.continuation, "x".repeat(60)));
  strictEqual(p.failure?.code, CLOSE_CODE.tooBig);
  deepStrictEqual(events, []);
});

Deno.test("WebSocketParser does not count a text message's trailing line ending against the limit", () => {
  for (
    const [text, ok] of [["x".repeat(100) + "\n", true], ["x".repeat(100) + "\r\n", true], [
      "x".repeat(101),
      false,
    ], ["x".repeat(100) + " \n", false]] as const
  ) {
    const { events, parser: p } = parser(100);
    p.push(frame(OPCODE.text, text));
    strictEqual(p.failure === undefined, ok, JSON.stringify(text));
    strictEqual(events.length, ok ? 1 : 0);
  }
});

Deno.test("WebSocketParser reports a binary message without keeping its payload, and control frames with theirs", () => {
  const { events, parser: p } = parser();
  p.push(concat([
    frame(OPCODE.binary, new Uint8Array([1, 2, 3])),
    frame(OPCODE.close, closePayload(1000, "bye")),
    frame(OPCODE.pong, ""),
  ]));
  deepStrictEqual(events, [
    "binary 0",
    `control ${OPCODE.close} ${decoder.decode(closePayload(1000, "bye"))}`,
    `control ${OPCODE.pong} `,
  ]);
});

Deno.test("WebSocketParser stops at each protocol error with close code 1002", () => {
  const reserved = frame(OPCODE.text, "a");
  reserved[0] |= 0x40;
  const cases: [string, Uint8Array, boolean][] = [
    ["an unmasked client frame", frame(OPCODE.text, "a", true, false), true],
    ["a masked server frame", frame(OPCODE.text, "a"), false],
    ["reserved bits", reserved, true],
    ["an unknown data opcode", frame(0x3, "a"), true],
    ["an unknown control opcode", frame(0xb, "a"), true],
    ["a fragmented control frame", frame(OPCODE.ping, "a", false), true],
    ["a control frame over 125 bytes", frame(OPCODE.ping, "a".repeat(126)), true],
    ["a continuation with no message", frame(OPCODE.continuation, "a"), true],
    [
      "a new message before the last ended",
      concat([frame(OPCODE.text, "a", false), frame(OPCODE.text, "b")]),
      true,
    ],
  ];
  for (const [what, bytes, masked] of cases) {
    const { events, parser: p } = parser(1024, masked);
    p.push(bytes);
    strictEqual(p.failure?.code, CLOSE_CODE.protocolError, what);
    deepStrictEqual(events, [], what);
    p.push(frame(OPCODE.text, "later", true, masked));
    deepStrictEqual(events, [], `${what}: nothing after the failure`);
  }
});

Deno.test("writeHeader() with a mask and applyMask() make what encodeWebSocketFrame() makes, masked", () => {
  const payload = encoder.encode("hello");
  const mask = new Uint8Array([1, 2, 3, 4]);
  const out = new Uint8Array(headerSize(payload.length, true) + payload.length);
  const at = writeHeader(out, 0, OPCODE.text, payload.length, mask);
  out.set(payload, at);
  applyMask(out.subarray(at), mask);
  const { events, parser: p } = parser();
  p.push(out);
  deepStrictEqual(events, ["text hello"]);
});
