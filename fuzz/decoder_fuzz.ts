/**
 * Fuzz targets of the pure protocol code: the frame decoder against its
 * whole-input model under any chunking, streams of valid frames with
 * mutated garbage lines between them, and the message validator against
 * the contract of PROTOCOL.md.
 *
 * @module
 */

import fc from "fast-check";
import { deepStrictEqual, fail, ok, strictEqual } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../src/protocol/defaults.ts";
import { FrameDecoder } from "../src/protocol/frame_decoder.ts";
import { parseFrame } from "../src/protocol/messages.ts";
import {
  concatBytes,
  cutsArb,
  encoder,
  frameArb,
  garbageArb,
  type Input,
  inputArb,
  lineEndArb,
  mutate,
  mutationArb,
  randomBytesArb,
  renderFrame,
  renderInput,
  split,
  wellFormedFrameArb,
} from "./generators.ts";
import { assertProperty, type RunOptions, type Target } from "./harness.ts";
import {
  assertPlainTree,
  expectedParse,
  isParseError,
  jsonEqual,
  modelDecode,
  prototypeSnapshot,
} from "./oracles.ts";

/** The session id that rendered frames carry in the pure targets. */
const SESSION_ID = "6f1c1c1e-6b7a-4c1e-9a6b-5b8f0d3e2a10";

/** The built-in prototypes as they were when the fuzzer loaded. */
const PRISTINE = prototypeSnapshot();

/** Throws when a built-in prototype gained, lost or changed a property (run after each case). */
export function assertPrototypesUntouched(): void {
  strictEqual(prototypeSnapshot(), PRISTINE, "a built-in prototype was changed");
  assertNotPolluted();
}

/** The cheap check, after each parse: the keys the generators try to plant are absent. */
function assertNotPolluted(): void {
  const probe = {} as Record<string, unknown>;
  strictEqual(probe.polluted, undefined, "Object.prototype polluted");
  strictEqual(typeof probe.toString, "function", "Object.prototype.toString replaced");
}

/** Frame size limits: tiny, small, and the default. */
const maxFrameArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1, 2, 7, 64, 256, 4096, PROTOCOL_DEFAULTS.maxFrame),
  fc.integer({ min: 1, max: 2048 }),
);

/** How to cut a stream into reads: at random points, byte by byte, or whole. */
const chunkingArb: fc.Arbitrary<number[] | "bytewise"> = fc.oneof(
  { weight: 8, arbitrary: cutsArb },
  { weight: 1, arbitrary: fc.constant("bytewise" as const) },
);

function chunks(bytes: Uint8Array, chunking: number[] | "bytewise"): Uint8Array[] {
  if (chunking !== "bytewise") return split(bytes, chunking);
  if (bytes.length > 4096) return split(bytes, [17, 4000, bytes.length >> 1]);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.slice(i, i + 1));
  return out;
}

/** What a decoder gave for a stream pushed in chunks. */
interface Decoded {
  frames: Uint8Array[];
  tooLarge: boolean;
  buffered: number;
}

/**
 * Pushes each chunk (a fresh copy, so the decoder cannot rely on a chunk
 * surviving the call) and copies every frame before the next push; checks
 * after every push that no more than `maxFrame` bytes are buffered and
 * that nothing but a frame list came out.
 */
export function decodeChunks(decoder: FrameDecoder, parts: Iterable<Uint8Array>): Decoded {
  const frames: Uint8Array[] = [];
  for (const part of parts) {
    const chunk = part.slice();
    const out = decoder.push(chunk);
    ok(Array.isArray(out), "push returns an array");
    for (const frame of out) frames.push(frame.slice());
    chunk.fill(0x41); // a decoder that kept a view of the chunk would now hold garbage
    ok(
      decoder.buffered <= decoder.limit,
      `buffered ${decoder.buffered} > the limit ${decoder.limit}`,
    );
  }
  return { frames, tooLarge: decoder.tooLarge, buffered: decoder.buffered };
}

const show = (bytes: Uint8Array): string => JSON.stringify(new TextDecoder().decode(bytes));

function assertSameFrames(actual: Uint8Array[], expected: Uint8Array[], what: string): void {
  deepStrictEqual(actual.map(show), expected.map(show), what);
  actual.forEach((frame, i) => deepStrictEqual(frame, expected[i], `${what}: frame ${i} bytes`));
}

/**
 * Checks `parseFrame` on one input against {@linkcode expectedParse}: the
 * same value or the same error code and id, no other exception, no
 * foreign prototype anywhere in the result, no built-in prototype touched.
 */
export function checkParse(input: Uint8Array | string): void {
  const expected = expectedParse(input);
  let result: unknown;
  try {
    result = parseFrame(input);
  } catch (error) {
    if (!isParseError(error)) {
      fail(`parseFrame threw something else than invalid_json/invalid_message: ${error}`);
    }
    if (expected.ok) fail(`parseFrame refused a valid frame: ${error.code}: ${error.message}`);
    strictEqual(error.code, expected.code, "error code");
    strictEqual(error.frameId, expected.frameId, "error frameId");
    strictEqual(error.closes, false, "a parse error leaves the connection open");
    assertNotPolluted();
    return;
  }
  if (!expected.ok) {
    fail(`parseFrame accepted a frame that deserves ${expected.code}`);
  }
  strictEqual(Object.getPrototypeOf(result), Object.prototype, "the frame's prototype");
  assertPlainTree(result);
  ok(jsonEqual(result, expected.value), "parseFrame returned the JSON value unchanged");
  strictEqual(typeof (result as Record<string, unknown>).type, "string");
  assertNotPolluted();
}

// ---------------------------------------------------------------- decoder-bytes

const streamArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  randomBytesArb,
  fc
    .array(fc.tuple(inputArb, fc.constantFrom("", "\n", "\r\n", " ", "{", "}")), {
      maxLength: 5,
    })
    .map((items) =>
      concatBytes(
        items.flatMap(([input, sep]) => [renderInput(input, SESSION_ID), encoder.encode(sep)]),
      )
    ),
);

/** Any bytes, any limit, any chunking: the decoder agrees with the model, and its frames with the validator. */
export const decoderBytesTarget: Target = {
  name: "decoder-bytes",
  weight: 0.25,
  unit: "streams",
  run(options: RunOptions): Promise<void> {
    assertProperty(
      fc.record({
        bytes: streamArb,
        maxFrame: maxFrameArb,
        // A first frame's own limit, as before a server's handshake: sometimes smaller.
        firstShare: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
        chunking: chunkingArb,
      }),
      ({ bytes, maxFrame, firstShare, chunking }) => {
        const firstMax = Math.max(1, Math.floor(maxFrame * firstShare));
        const decoder = new FrameDecoder(maxFrame, firstMax);
        const decoded = decodeChunks(decoder, chunks(bytes, chunking));
        const model = modelDecode(bytes, maxFrame, firstMax);
        assertSameFrames(decoded.frames, model.frames, "frames against the model");
        strictEqual(decoded.tooLarge, model.tooLarge, "tooLarge against the model");
        strictEqual(decoded.buffered, model.pending, "buffered against the model");
        for (const frame of decoded.frames) checkParse(frame);
        assertPrototypesUntouched();
      },
      options,
    );
    return Promise.resolve();
  },
};

// ---------------------------------------------------------------- decoder-stream

/** A line of a stream: a valid frame, or garbage (mutated frames, random bytes, broken text). */
type Line =
  | { kind: "valid"; bytes: Uint8Array; wellFormed: boolean; end: string }
  | { kind: "garbage"; bytes: Uint8Array; end: string };

/** A line of JSON: a well-formed client frame, or any JSON object of the property tests. */
const validLineArb: fc.Arbitrary<{ bytes: Uint8Array; wellFormed: boolean }> = fc.oneof(
  wellFormedFrameArb.map((spec) => ({ bytes: renderFrame(spec, SESSION_ID), wellFormed: true })),
  frameArb.map((value) => ({ bytes: encoder.encode(JSON.stringify(value)), wellFormed: false })),
);

const garbageLineArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(validLineArb, mutationArb).map(([v, m]) => mutate(v.bytes, m)) },
  { weight: 2, arbitrary: inputArb.map((input: Input) => renderInput(input, SESSION_ID)) },
  { weight: 1, arbitrary: randomBytesArb },
  { weight: 1, arbitrary: garbageArb.map((text) => encoder.encode(text)) },
);

const linesArb: fc.Arbitrary<Line[]> = fc.array(
  fc.oneof(
    fc.tuple(validLineArb, lineEndArb).map(([v, end]) => ({ kind: "valid" as const, ...v, end })),
    fc.record({ kind: fc.constant("garbage" as const), bytes: garbageLineArb, end: lineEndArb }),
  ),
  { maxLength: 10 },
);

/**
 * Valid frames, one a line, with mutated garbage lines between them, in
 * any chunking: every valid frame comes out exactly once, in order, and
 * parses to its value; each garbage line gives what it gives alone, so
 * nothing is invented or swallowed across a line feed.
 */
export const decoderStreamTarget: Target = {
  name: "decoder-stream",
  weight: 0.15,
  unit: "streams",
  run(options: RunOptions): Promise<void> {
    assertProperty(
      fc.record({
        lines: linesArb,
        maxFrame: fc.oneof(
          fc.constant(PROTOCOL_DEFAULTS.maxFrame),
          fc.integer({ min: 64, max: 4096 }),
        ),
        chunking: chunkingArb,
      }),
      ({ lines, maxFrame, chunking }) => {
        const kept = lines.filter((l) => l.kind === "garbage" || l.bytes.length <= maxFrame);
        const stream = concatBytes(kept.flatMap((l) => [l.bytes, encoder.encode(l.end)]));
        const expected: Uint8Array[] = [];
        const validAt = new Map<number, Extract<Line, { kind: "valid" }>>();
        let tooLarge = false;
        for (const line of kept) {
          const own = concatBytes([line.bytes, encoder.encode(line.end)]);
          if (line.kind === "valid") {
            validAt.set(expected.length, line);
            expected.push(line.bytes);
            continue;
          }
          // A garbage line alone, in a fresh decoder, and in the model.
          const alone = decodeChunks(new FrameDecoder(maxFrame), [own]);
          const model = modelDecode(own, maxFrame);
          assertSameFrames(alone.frames, model.frames, "a garbage line alone");
          strictEqual(alone.tooLarge, model.tooLarge);
          strictEqual(alone.buffered, 0, "a line feed leaves nothing buffered");
          expected.push(...model.frames);
          if (model.tooLarge) {
            tooLarge = true;
            break;
          }
        }
        const decoded = decodeChunks(new FrameDecoder(maxFrame), chunks(stream, chunking));
        assertSameFrames(decoded.frames, expected, "the stream is the sum of its lines");
        strictEqual(decoded.tooLarge, tooLarge, "tooLarge");
        if (!tooLarge) strictEqual(decoded.buffered, 0, "buffered at the end");
        decoded.frames.forEach((frame, i) => {
          checkParse(frame);
          const valid = validAt.get(i);
          if (valid === undefined) return;
          // A valid line is JSON, whatever the validator thinks of its fields.
          const value = JSON.parse(new TextDecoder().decode(valid.bytes));
          // A well-formed one is a valid frame too.
          if (valid.wellFormed) ok(jsonEqual(parseFrame(frame), value), "a valid frame's value");
        });
        assertPrototypesUntouched();
      },
      options,
    );
    return Promise.resolve();
  },
};

// ---------------------------------------------------------------- validator

/** Replaces the code unit at `at` with a raw lone surrogate (the string path only). */
function withRawSurrogate(text: string, at: number): string {
  const i = at % (text.length + 1);
  const surrogate = at % 2 === 0 ? "\uD800" : "\uDC00";
  return text.slice(0, i) + surrogate + text.slice(i + 1);
}

/**
 * `parseFrame` on hostile, mutated and random frames, as bytes and as
 * strings (with raw lone surrogates): the PROTOCOL.md outcome, only
 * `invalid_json` or `invalid_message` thrown, no prototype polluted.
 */
export const validatorTarget: Target = {
  name: "validator",
  weight: 0.5,
  unit: "frames",
  run(options: RunOptions): Promise<void> {
    assertProperty(
      fc.record({
        input: inputArb,
        asString: fc.constantFrom("no", "no", "no", "text", "surrogate"),
        at: fc.nat(),
      }),
      ({ input, asString, at }) => {
        const bytes = renderInput(input, SESSION_ID);
        checkParse(bytes);
        if (asString !== "no") {
          const text = new TextDecoder().decode(bytes);
          checkParse(asString === "text" ? text : withRawSurrogate(text, at));
        }
        assertPrototypesUntouched();
      },
      options,
    );
    return Promise.resolve();
  },
};

/** The pure targets, in the order a run goes through them. */
export const pureTargets: readonly Target[] = [
  decoderBytesTarget,
  decoderStreamTarget,
  validatorTarget,
];
