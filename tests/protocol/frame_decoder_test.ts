import "../helpers/property.ts";
import fc from "fast-check";
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import {
  byteLength,
  bytewise,
  cutsArb,
  frameArb,
  frameOfSize,
  itemText,
  mixedArb,
  padUnitArb,
  separatorArb,
  split,
} from "../../fuzz/generators.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Feeds `chunks` one push at a time and decodes every frame at once (a frame
 * is only valid until the next push). Asserts after every push that the
 * decoder holds no more than `maxFrame` bytes.
 */
function feed(decoder: FrameDecoder, chunks: Iterable<Uint8Array>): string[] {
  const texts: string[] = [];
  for (const chunk of chunks) {
    for (const frame of decoder.push(chunk)) texts.push(utf8.decode(frame));
    ok(
      decoder.buffered <= decoder.maxFrame,
      `buffered ${decoder.buffered} > maxFrame ${decoder.maxFrame}`,
    );
  }
  return texts;
}

// ---------------------------------------------------------------- properties

Deno.test("FrameDecoder property: any frames, separators and chunking decode to the frames sent", () => {
  fc.assert(
    fc.property(
      separatorArb,
      fc.array(fc.tuple(frameArb, separatorArb), { maxLength: 8 }),
      cutsArb,
      (lead, items, cuts) => {
        const sent = items.map(([frame]) => JSON.stringify(frame));
        const stream = lead + items.map(([, sep], i) => sent[i] + sep).join("");
        const decoder = new FrameDecoder();
        const texts = feed(decoder, split(encoder.encode(stream), cuts));
        strictEqual(texts.length, items.length);
        deepStrictEqual(texts, sent);
        // JSON has no -0: compare with what the sent text means, not the generated value.
        deepStrictEqual(
          texts.map((t) => JSON.parse(t)),
          sent.map((t) => JSON.parse(t)),
        );
        strictEqual(decoder.tooLarge, false);
        strictEqual(decoder.buffered, 0);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("FrameDecoder property: byte-by-byte feeding gives the same as one chunk", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 16, max: 512 }),
      mixedArb,
      fc.constantFrom("", "{", '{"a":"x', "trailing"),
      (maxFrame, items, tail) => {
        const bytes = encoder.encode(items.map((it) => itemText(it) + it.sep).join("") + tail);
        const whole = new FrameDecoder(maxFrame);
        const wholeTexts = feed(whole, [bytes]);
        const single = new FrameDecoder(maxFrame);
        const singleTexts = feed(single, bytewise(bytes));
        deepStrictEqual(singleTexts, wholeTexts);
        strictEqual(single.tooLarge, whole.tooLarge);
        strictEqual(single.buffered, whole.buffered);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("FrameDecoder property: an oversized frame is refused without buffering past maxFrame", () => {
  /** A frame of `maxFrame + extra` bytes, of one of four kinds. */
  const oversized = (maxFrame: number, extra: number, unit: string, kind: string): string => {
    const size = maxFrame + extra;
    switch (kind) {
      case "object":
        return frameOfSize(size, unit) + "\n";
      case "endless object": // never closed, never ended by a line feed
        return frameOfSize(size + 2, unit).slice(0, -2);
      case "garbage line":
        return "x".repeat(size) + "\n";
      default: // a top-level array, closed with no line feed
        return "[" + frameOfSize(size - 2, unit) + "]";
    }
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 32, max: 512 }),
      fc.array(fc.tuple(frameArb, separatorArb), { maxLength: 5 }),
      fc.integer({ min: 1, max: 1024 }),
      padUnitArb,
      fc.constantFrom("object", "endless object", "garbage line", "array"),
      fc.array(frameArb, { maxLength: 3 }),
      cutsArb,
      (maxFrame, before, extra, unit, kind, after, cuts) => {
        // Frames before the oversized one must themselves fit.
        const good = before.filter(([f]) => byteLength(JSON.stringify(f)) <= maxFrame);
        const stream = good.map(([f, sep]) => JSON.stringify(f) + sep).join("") +
          oversized(maxFrame, extra, unit, kind) +
          after.map((f) => JSON.stringify(f) + "\n").join("");
        const decoder = new FrameDecoder(maxFrame);
        const texts = feed(decoder, split(encoder.encode(stream), cuts));
        strictEqual(decoder.tooLarge, true);
        deepStrictEqual(texts, good.map(([f]) => JSON.stringify(f)));
        strictEqual(decoder.buffered, 0);
        // Once refused, the decoder returns nothing more.
        deepStrictEqual(decoder.push(encoder.encode('{"type":"heartbeat"}\n')), []);
        strictEqual(decoder.buffered, 0);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("FrameDecoder property: a frame of exactly maxFrame bytes is accepted, one more is not", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 32, max: 2048 }),
      padUnitArb,
      fc.array(frameArb, { maxLength: 3 }),
      separatorArb,
      fc.array(frameArb, { maxLength: 3 }),
      cutsArb,
      (maxFrame, unit, before, sep, after, cuts) => {
        const fits = (f: Record<string, unknown>) => byteLength(JSON.stringify(f)) <= maxFrame;
        const sent = [
          ...before.filter(fits).map((f) => JSON.stringify(f)),
          frameOfSize(maxFrame, unit),
          ...after.filter(fits).map((f) => JSON.stringify(f)),
        ];
        const decoder = new FrameDecoder(maxFrame);
        const texts = feed(decoder, split(encoder.encode(sent.join(sep)), cuts));
        strictEqual(decoder.tooLarge, false);
        deepStrictEqual(texts, sent);

        const over = new FrameDecoder(maxFrame);
        feed(over, split(encoder.encode(frameOfSize(maxFrame + 1, unit) + sep), cuts));
        strictEqual(over.tooLarge, true);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("FrameDecoder property: garbage lines fail JSON.parse and swallow no following frame", () => {
  fc.assert(
    fc.property(separatorArb, mixedArb, cutsArb, (lead, items, cuts) => {
      const stream = lead + items.map((it) => itemText(it) + it.sep).join("");
      const decoder = new FrameDecoder();
      const texts = feed(decoder, split(encoder.encode(stream), cuts));
      deepStrictEqual(texts, items.map(itemText));
      items.forEach((item, i) => {
        if (item.kind === "frame") deepStrictEqual(JSON.parse(texts[i]), item.value);
        else throws(() => JSON.parse(texts[i]), SyntaxError);
      });
      strictEqual(decoder.tooLarge, false);
      strictEqual(decoder.buffered, 0);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- examples

const decodeAll = (decoder: FrameDecoder, ...chunks: string[]): string[] =>
  feed(decoder, chunks.map((c) => encoder.encode(c)));

Deno.test("FrameDecoder.push() splits back-to-back objects", () => {
  const decoder = new FrameDecoder(1024);
  deepStrictEqual(decodeAll(decoder, '{"type":"a"}{"type":"b"}[1,{"c":[]}]{"type":"d"}'), [
    '{"type":"a"}',
    '{"type":"b"}',
    '[1,{"c":[]}]',
    '{"type":"d"}',
  ]);
  strictEqual(decoder.buffered, 0);
});

Deno.test("FrameDecoder.push() accepts \\n and \\r\\n endings and skips blank lines and whitespace", () => {
  const decoder = new FrameDecoder(1024);
  deepStrictEqual(
    decodeAll(decoder, '\r\n \t\n{"a":1}\r\n\r\n\n  {"b":2}\n\t{"c":3}  \r\n'),
    ['{"a":1}', '{"b":2}', '{"c":3}'],
  );
  strictEqual(decoder.buffered, 0);
});

Deno.test("FrameDecoder.push() keeps an unfinished frame until a later push completes it", () => {
  const decoder = new FrameDecoder(1024);
  deepStrictEqual(decodeAll(decoder, '{"type":"a"}{"ty'), ['{"type":"a"}']);
  strictEqual(decoder.buffered, 4);
  deepStrictEqual(decodeAll(decoder, 'pe":'), []);
  strictEqual(decoder.buffered, 8);
  deepStrictEqual(decodeAll(decoder, '"b"}\n'), ['{"type":"b"}']);
  strictEqual(decoder.buffered, 0);
});

Deno.test("FrameDecoder.push() ignores braces, brackets and escaped quotes inside strings", () => {
  const decoder = new FrameDecoder(1024);
  const frames = ['{"a":"}{]["}', '{"b":"\\"}\\\\"}', '{"c":["\\\\\\"{"]}'];
  deepStrictEqual(decodeAll(decoder, frames.join("")), frames);
  deepStrictEqual(JSON.parse(frames[1]), { b: '"}\\' });
});

Deno.test("FrameDecoder.push() reassembles a frame cut inside a multi-byte character", () => {
  const text = JSON.stringify({ type: "message", content: "😀中é\u0301" });
  const bytes = encoder.encode(text + "\n");
  for (let cut = 0; cut <= bytes.length; cut++) {
    for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
      const decoder = new FrameDecoder(1024);
      const chunks = [bytes.slice(0, cut), bytes.slice(cut, cut2), bytes.slice(cut2)];
      deepStrictEqual(feed(decoder, chunks), [text], `cuts at ${cut} and ${cut2}`);
    }
  }
});

Deno.test("FrameDecoder.push() ends each garbage line at its line feed", () => {
  const decoder = new FrameDecoder(1024);
  deepStrictEqual(
    decodeAll(decoder, 'hello\r\n{"a":"open\n{"a":[1\n"str\\"\n{"type":"ok"}\n'),
    ["hello", '{"a":"open', '{"a":[1', '"str\\"', '{"type":"ok"}'],
  );
});

Deno.test("FrameDecoder.push() ends an unterminated string at a line feed that follows a backslash", () => {
  // Regression: a backslash used to escape the line feed, swallowing the next frame.
  const decoder = new FrameDecoder(1024);
  deepStrictEqual(decodeAll(decoder, '{"content":"abc\\', '\n{"type":"message"}\n'), [
    '{"content":"abc\\',
    '{"type":"message"}',
  ]);
  strictEqual(decoder.buffered, 0);
});

Deno.test("FrameDecoder.push() refuses a frame over maxFrame but returns the frames before it", () => {
  const decoder = new FrameDecoder(16);
  const texts = decodeAll(decoder, '{"a":1}\n{"content":"', "0123456789", '"}\n{"b":2}\n');
  deepStrictEqual(texts, ['{"a":1}']);
  strictEqual(decoder.tooLarge, true);
  strictEqual(decoder.buffered, 0);
  deepStrictEqual(decoder.push(encoder.encode('{"c":3}\n')), []);
});

Deno.test("FrameDecoder.push() refuses an oversized frame inside a single chunk", () => {
  const decoder = new FrameDecoder(8);
  deepStrictEqual(decodeAll(decoder, '{"a":1}{"bb":22}{"c":3}'), ['{"a":1}']);
  strictEqual(decoder.tooLarge, true);
});

Deno.test("FrameDecoder.push() refuses an unfinished frame once it outgrows maxFrame", () => {
  const decoder = new FrameDecoder(8);
  deepStrictEqual(decodeAll(decoder, '{"a":"12'), []);
  strictEqual(decoder.tooLarge, false);
  strictEqual(decoder.buffered, 8);
  deepStrictEqual(decodeAll(decoder, "3"), []);
  strictEqual(decoder.tooLarge, true);
  strictEqual(decoder.buffered, 0);
});

Deno.test("FrameDecoder.push() accepts a frame of exactly maxFrame bytes across pushes", () => {
  const exact = new FrameDecoder(10);
  deepStrictEqual(decodeAll(exact, '{"a":"1', '2"}', "\r\n"), ['{"a":"12"}']);
  strictEqual(exact.tooLarge, false);
  strictEqual(exact.buffered, 0);
  const short = new FrameDecoder(9);
  deepStrictEqual(decodeAll(short, '{"a":"1', '2"}', "\r\n"), []);
  strictEqual(short.tooLarge, true);
});

Deno.test("FrameDecoder constructor defaults to 1 MiB and rejects a bad maxFrame", () => {
  strictEqual(PROTOCOL_DEFAULTS.maxFrame, 1024 * 1024);
  strictEqual(new FrameDecoder().maxFrame, PROTOCOL_DEFAULTS.maxFrame);
  strictEqual(new FrameDecoder(1).maxFrame, 1);
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    throws(() => new FrameDecoder(bad), RangeError, `maxFrame ${bad}`);
  }
});

Deno.test("FrameDecoder: the first frame has its own limit (a session_ack before the handshake), the next ones maxFrame", () => {
  const first = '{"type":"session_ack"}';
  const big = `{"a":"${"x".repeat(40)}"}`;
  // Whatever the chunking, the second frame may be larger than the first's limit.
  for (const chunks of [[first + big], [first, big], [first.slice(0, 5), first.slice(5) + big]]) {
    const decoder = new FrameDecoder(64, first.length);
    strictEqual(decoder.limit, first.length);
    deepStrictEqual(decodeAll(decoder, ...chunks), [first, big]);
    strictEqual(decoder.tooLarge, false);
    strictEqual(decoder.limit, 64);
  }
  // A first frame one byte over its limit is refused, holding no more than the limit.
  const over = new FrameDecoder(64, first.length - 1);
  deepStrictEqual(decodeAll(over, first.slice(0, -2)), []);
  ok(over.buffered <= first.length - 1);
  deepStrictEqual(decodeAll(over, first.slice(-2) + big), []);
  strictEqual(over.tooLarge, true);
  strictEqual(over.buffered, 0);
  throws(() => new FrameDecoder(64, 0), RangeError);
});
