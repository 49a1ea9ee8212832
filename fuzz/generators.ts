/**
 * Generators shared by the property tests and the fuzzer: arbitraries of
 * frames, separators, garbage and chunkings (fast-check), hostile frame
 * specifications (deep nesting, huge numbers and strings, invalid UTF-8,
 * lone surrogates, prototype keys, duplicate keys) and a seeded byte
 * mutator.
 *
 * @module
 */

import fc from "fast-check";
import { strictEqual } from "node:assert/strict";
import { concat as concatBytes } from "../src/io/concat.ts";

/** Shared UTF-8 encoder. */
export const encoder: TextEncoder = new TextEncoder();

/** The UTF-8 length of `text`. */
export const byteLength = (text: string): number => encoder.encode(text).length;

/** Whether `text` is valid JSON. */
export function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Splits `bytes` at the given cut positions (taken modulo length + 1); empty chunks included. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.slice(from, p));
    from = p;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

/** Yields `bytes` one byte per chunk. */
export function* bytewise(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.slice(i, i + 1);
}

// ---------------------------------------------------------------- arbitraries

/** Characters that stress a JSON framer: structure, escapes, multi-byte UTF-8. */
export const TRICKY = [
  "{",
  "}",
  "[",
  "]",
  '"',
  "\\",
  '\\"',
  "\\\\",
  '{"',
  '"}',
  "\n",
  "\r\n",
  "\t",
  " ",
  "é",
  "e\u0301",
  "\u0301",
  "中",
  "文字",
  "😀",
  "👩‍👩‍👧",
  "\u{10FFFF}",
  "\u2028",
  "\uFEFF",
  "\u0000",
  "\u007F",
];

/** One tricky character, or any one binary or grapheme character. */
export const trickyUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 1 },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), weight: 1 },
);

/** A short string of tricky characters. */
export const trickyString: fc.Arbitrary<string> = fc.string({ unit: trickyUnit, maxLength: 16 });

/**
 * A random JSON object: a type, string content and any nested extra fields.
 * It is what its own JSON text means (JSON has no -0, which fc.jsonValue
 * can give), so a decoded frame can be compared with it.
 */
export const frameArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.constantFrom("message", "heartbeat", "join", "who", "x"),
    trickyString,
    fc.dictionary(trickyString, fc.jsonValue({ stringUnit: trickyUnit, maxDepth: 3 }), {
      maxKeys: 4,
    }),
  )
  .map(([type, content, extra]) => JSON.parse(JSON.stringify({ ...extra, type, content })));

/** What may stand between frames: nothing, line endings, blank lines, spaces and tabs. */
export const separatorArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "\n",
    "\r\n",
    "\n\n",
    "\r\n\r\n",
    " ",
    "\t",
    " \t\n",
    "\n  \t\n",
    "\r\n \r\n",
  ),
  fc.array(fc.constantFrom(" ", "\t", "\n", "\r\n", ""), { maxLength: 6 }).map((a) => a.join("")),
);

/** A line terminator, possibly followed by blank lines and whitespace. */
export const terminatorArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("\n", "\r\n"), separatorArb)
  .map(([end, more]) => end + more);

/** Cut positions for {@linkcode split}. */
export const cutsArb: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 24 });

/** Whether `s` neither starts nor ends with whitespace. */
export const noEdgeSpace = (s: string): boolean => !/^[ \t\r\n]|[ \t\r\n]$/.test(s);

/** Text that is not JSON, on one line. */
export const textGarbage: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      "hello",
      "not json",
      "nul",
      "tru",
      "}",
      "]",
      "}{",
      ":",
      "'x'",
      "0x1F",
      "1 2",
      "@",
    ),
    fc.string({ unit: trickyUnit, maxLength: 10 }),
  )
  .map(([head, tail]) => head + tail.replaceAll("\n", ""))
  .filter((s) => noEdgeSpace(s) && !parses(s));

/** A string that is never closed before the line ends, possibly ending in a backslash. */
export const unterminatedString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('{"content":"', '{"type":"message","content":"', '[{"a":"', '{"k":["'),
    fc.string({ unit: trickyUnit, maxLength: 10 }).map((s) => s.replace(/["\\\n]/g, "")),
    fc.constantFrom("", "\\", '\\"', "\\\\\\", "{", "}}"),
  )
  .map(([a, b, c]) => a + b + c)
  .filter(noEdgeSpace);

/** An object or array never closed before the line ends. */
export const unterminatedObject: fc.Arbitrary<string> = fc.constantFrom(
  '{"type":"message","content":"hi"',
  '{"a":[1,2',
  '{"a":{"b":',
  "[1,2",
  "{",
  "[[",
  '{"a":"}"',
  '{"x":"]]]",',
  '{"q":"\\"}"',
);

/** A garbage line: not JSON, or a string, object or array never closed. */
export const garbageArb: fc.Arbitrary<string> = fc.oneof(
  textGarbage,
  unterminatedString,
  unterminatedObject,
);

/** One entry of a mixed stream: a valid frame or a garbage line, and what follows it. */
export type Item = { kind: "frame"; value: Record<string, unknown>; sep: string } | {
  kind: "garbage";
  text: string;
  sep: string;
};

/** A stream mixing valid frames (any separator) and garbage lines (each ended by a line feed). */
export const mixedArb: fc.Arbitrary<Item[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("frame" as const), value: frameArb, sep: separatorArb }),
    fc.record({ kind: fc.constant("garbage" as const), text: garbageArb, sep: terminatorArb }),
  ),
  { maxLength: 8 },
);

/** The text of a stream item, without its separator. */
export function itemText(item: Item): string {
  return item.kind === "frame" ? JSON.stringify(item.value) : item.text;
}

/** A `message` frame whose JSON is exactly `size` bytes, padded with `unit` then ASCII. */
export function frameOfSize(size: number, unit: string): string {
  const base = JSON.stringify({ type: "message", content: "" });
  let content = "";
  let remaining = size - byteLength(base);
  if (remaining < 0) throw new RangeError(`size ${size} is below ${byteLength(base)}`);
  const unitBytes = byteLength(JSON.stringify(unit)) - 2;
  while (remaining >= unitBytes) {
    content += unit;
    remaining -= unitBytes;
  }
  content += "a".repeat(remaining);
  const json = JSON.stringify({ type: "message", content });
  strictEqual(byteLength(json), size);
  return json;
}

/** Units to pad a frame with in {@linkcode frameOfSize}. */
export const padUnitArb: fc.Arbitrary<string> = fc.constantFrom(
  "a",
  "é",
  "中",
  "😀",
  "\\",
  '"',
  "\n",
  "}",
);

// ---------------------------------------------------------------- seeded PRNG and mutator

/** `arb` with probability `p`, else null. */
export function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  const weight = Math.round(p * 100);
  return fc.oneof(
    { weight: 100 - weight, arbitrary: fc.constant(null) },
    { weight, arbitrary: arb },
  );
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export class Prng {
  #state: number;

  /** Starts a sequence from `seed` (any integer). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}

/** Byte sequences a mutator inserts or writes over: structure, escapes, broken UTF-8, traps. */
export const INTERESTING: readonly Uint8Array[] = [
  ...'{}[]":,\\\n\r\t 0-e.'.split(""),
  "\r\n",
  "\\ud800",
  "\\udc00",
  "\\u0000",
  '\\"',
  "1e400",
  "-0",
  "123456789012345678901234567890",
  '"__proto__":',
  '{"__proto__":{"polluted":1}}',
  '"constructor":{"prototype":{"polluted":1}}',
  '"type":"message",',
  '"id":1e400,',
  "null",
  "true",
].map((s) => encoder.encode(s)).concat(
  [
    [0xff],
    [0xfe],
    [0x80],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xed, 0xa0, 0x80], // a UTF-8-encoded lone surrogate (U+D800)
    [0xed, 0xbf, 0xbf], // U+DFFF
    [0xe4, 0xb8], // a truncated 3-byte character
    [0xf0, 0x9f, 0x98], // a truncated 4-byte character
    [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    [0xe0, 0x80, 0xaf], // an overlong '/'
    [0xef, 0xbb, 0xbf], // a byte order mark
    [0x00],
  ].map((b) => Uint8Array.from(b)),
);

/** How to mutate some bytes: a PRNG seed and how many mutations to apply. */
export interface Mutation {
  /** Seed of the mutator's PRNG. */
  seed: number;
  /** Mutations applied one after the other. */
  count: number;
}

/** Mutation plans: mostly a few mutations, sometimes many. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  seed: fc.nat(),
  count: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 4, max: 24 }) },
  ),
});

/** Concatenates byte arrays (the project's one `concat`). */
export { concatBytes };

/**
 * Applies `mutation` to `input` (which is not modified): truncation, bit
 * flips, bytes deleted, duplicated, inserted, overwritten or repeated many
 * times, ranges swapped, line breaks inserted.
 */
export function mutate(input: Uint8Array, mutation: Mutation): Uint8Array {
  const rng = new Prng(mutation.seed);
  let bytes = input;
  for (let m = 0; m < mutation.count; m++) {
    const n = bytes.length;
    const at = rng.below(n + 1);
    const span = Math.min(n - at, 1 + rng.below(rng.next() < 0.8 ? 8 : Math.max(1, n >> 2)));
    switch (rng.below(11)) {
      case 0: // truncate: keep a prefix
        bytes = bytes.slice(0, at);
        break;
      case 1: // drop a prefix
        bytes = bytes.slice(at);
        break;
      case 2: { // flip one to three bits
        if (n === 0) break;
        bytes = bytes.slice();
        for (let k = 1 + rng.below(3); k > 0; k--) bytes[rng.below(n)] ^= 1 << rng.below(8);
        break;
      }
      case 3: // delete a range
        bytes = concatBytes([bytes.subarray(0, at), bytes.subarray(at + span)]);
        break;
      case 4: { // duplicate a range somewhere
        const to = rng.below(n + 1);
        const copy = bytes.slice(at, at + span);
        bytes = concatBytes([bytes.subarray(0, to), copy, bytes.subarray(to)]);
        break;
      }
      case 5: // insert an interesting sequence
        bytes = concatBytes([bytes.subarray(0, at), rng.pick(INTERESTING), bytes.subarray(at)]);
        break;
      case 6: { // overwrite a byte
        if (at >= n) break;
        bytes = bytes.slice();
        const with_ = rng.pick(INTERESTING);
        bytes[at] = with_.length > 0 ? with_[0] : rng.below(256);
        break;
      }
      case 7: { // insert random bytes
        const noise = new Uint8Array(1 + rng.below(8)).map(() => rng.below(256));
        bytes = concatBytes([bytes.subarray(0, at), noise, bytes.subarray(at)]);
        break;
      }
      case 8: { // repeat a short range many times (deep nesting from one bracket, say)
        const unit = bytes.slice(at, at + Math.min(span, 6));
        const times = rng.next() < 0.9 ? 1 + rng.below(64) : 1000 + rng.below(10_000);
        const repeated = new Uint8Array(unit.length * times);
        for (let k = 0; k < times; k++) repeated.set(unit, k * unit.length);
        bytes = concatBytes([bytes.subarray(0, at), repeated, bytes.subarray(at)]);
        break;
      }
      case 9: { // swap two ranges
        const b = rng.below(n + 1);
        const [lo, hi] = at < b ? [at, b] : [b, at];
        const len = Math.min(span, hi - lo);
        if (len === 0) break;
        bytes = concatBytes([
          bytes.subarray(0, lo),
          bytes.subarray(hi, Math.min(n, hi + len)),
          bytes.subarray(lo + len, hi),
          bytes.subarray(lo, lo + len),
          bytes.subarray(Math.min(n, hi + len)),
        ]);
        break;
      }
      default: // a line break in the middle
        bytes = concatBytes([
          bytes.subarray(0, at),
          encoder.encode(rng.next() < 0.5 ? "\n" : "\r\n"),
          bytes.subarray(at),
        ]);
    }
  }
  return bytes;
}

// ---------------------------------------------------------------- hostile frame specifications

/** Where a frame's session id goes: the receiver's real id, or one of many wrong ones. */
export type SidVariant = "real" | "other" | "upper" | "short" | "padded" | "number" | "null";

/**
 * A piece of a frame's bytes: UTF-8 text, raw bytes (which may be invalid
 * UTF-8), or the session id, filled in when the frame is rendered.
 */
export type Piece = string | { bytes: number[] } | { sid: SidVariant };

/** A frame as JSON text in pieces, rendered once the session id is known. */
export interface FrameSpec {
  /** The pieces, in order. */
  pieces: Piece[];
  /** Whether the frame is well formed: a valid JSON object with its real session id. */
  wellFormed: boolean;
}

/** A session id that no server hands out. */
export const OTHER_SESSION_ID = "00000000-0000-4000-8000-000000000000";

function sidText(variant: SidVariant, sessionId: string): string {
  switch (variant) {
    case "real":
      return JSON.stringify(sessionId);
    case "other":
      return JSON.stringify(OTHER_SESSION_ID);
    case "upper":
      return JSON.stringify(sessionId.toUpperCase());
    case "short":
      return JSON.stringify(sessionId.slice(0, -1));
    case "padded":
      return JSON.stringify(` ${sessionId}`);
    case "number":
      return "123";
    case "null":
      return "null";
  }
}

/** The bytes of a frame, with `sessionId` as the real session id. */
export function renderFrame(spec: FrameSpec, sessionId: string): Uint8Array {
  return concatBytes(
    spec.pieces.map((piece) =>
      typeof piece === "string"
        ? encoder.encode(piece)
        : "bytes" in piece
        ? Uint8Array.from(piece.bytes)
        : encoder.encode(sidText(piece.sid, sessionId))
    ),
  );
}

/** Raw byte sequences that are not UTF-8, or not the UTF-8 one expects. */
const rawBytesArb: fc.Arbitrary<Piece> = fc.constantFrom(
  ...INTERESTING.filter((b) => b[0] >= 0x80 || b[0] === 0).map((b) => ({ bytes: [...b] })),
);

/** The inside of a JSON string: tricky text, escapes of lone surrogates and controls. */
const validStringChunkArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: trickyString.map((s) => JSON.stringify(s).slice(1, -1)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "\\ud800",
      "\\udc00",
      "\\udbff",
      "\\ud800\\u0041",
      "\\udc00\\ud800",
      "\\udbff\\udfff",
      "\\u0000",
      "\\/",
      "\\b\\f\\n\\r\\t",
      "\\u00e9",
      "\\uFEFF",
      "\\u2028",
      "__proto__",
    ),
  },
);

/** String pieces that break JSON or UTF-8 inside a string. */
const brokenStringChunkArb: fc.Arbitrary<Piece> = fc.oneof(
  rawBytesArb,
  fc.constantFrom("\\x41", "\\u12", "\\u", "\\U0041", "\\'", "\t", "\u0001", "\\"),
);

/** A JSON string, valid when `broken` is false. */
function stringArb(broken: boolean): fc.Arbitrary<Piece[]> {
  const chunk: fc.Arbitrary<Piece> = broken
    ? fc.oneof({ weight: 3, arbitrary: validStringChunkArb }, brokenStringChunkArb)
    : validStringChunkArb;
  return fc.array(chunk, { maxLength: 6 }).map((chunks) => ['"', ...chunks, '"']);
}

/** A string of thousands of characters (up to ~90 KB of JSON). */
const hugeStringArb: fc.Arbitrary<Piece[]> = fc
  .tuple(
    fc.constantFrom("a", "é", "中", "😀", "\\n", "\\u0041", "\\\\", "\\ud800", '\\"'),
    fc.oneof(fc.integer({ min: 1000, max: 9000 }), fc.integer({ min: 9000, max: 20_000 })),
  )
  .map(([unit, times]) => ['"' + unit.repeat(times) + '"']);

/** Numbers JSON allows but a double cannot hold, and the edge cases of doubles. */
const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "1e400",
    "-1e400",
    "-0",
    "0",
    "-0.0",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "1e-400",
    "9007199254740993",
    "1E+2",
    "4.9e-324",
    "1.7976931348623157e308",
    "1.7976931348623159e308",
    "1" + "0".repeat(400),
    "0." + "0".repeat(400) + "1",
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

/** Number-like text that is not JSON. */
const badNumberArb: fc.Arbitrary<string> = fc.constantFrom(
  "01",
  "1.",
  "-",
  ".5",
  "+1",
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "1e",
  "1e+",
  "--1",
);

/** Nesting depths: mostly shallow, sometimes 1,000 or 10,000 levels. */
const depthArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 10_000) },
);

/** A deeply nested array or object, balanced or not. */
function deepArb(broken: boolean): fc.Arbitrary<Piece[]> {
  return fc
    .tuple(
      depthArb,
      fc.constantFrom("array", "object", "mixed", "proto"),
      fc.constantFrom("1", '"x"', "{}", "[]", "null", "1e400"),
      broken ? fc.constantFrom("open", "extra", "swapped") : fc.constant("balanced"),
    )
    .map(([depth, shape, inner, closing]) => {
      const opens: string[] = [];
      const closes: string[] = [];
      for (let i = 0; i < depth; i++) {
        const object = shape === "object" || shape === "proto" || (shape === "mixed" && i % 2);
        const key = shape === "proto" ? "__proto__" : "a";
        opens.push(object ? `{"${key}":` : "[");
        closes.push(object ? "}" : "]");
      }
      let tail = closes.reverse().join("");
      if (closing === "open") tail = tail.slice(0, Math.floor(tail.length / 2));
      else if (closing === "extra") tail += tail.slice(0, 3);
      else if (closing === "swapped") {
        tail = tail.replaceAll("}", "#").replaceAll("]", "}").replaceAll("#", "]");
      }
      return [opens.join("") + inner + tail];
    });
}

/** Values whose keys are meant to pollute prototypes. */
const protoValueArb: fc.Arbitrary<string> = fc.constantFrom(
  '{"__proto__":{"polluted":1}}',
  '{"__proto__":null}',
  '{"__proto__":[]}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"__pro\\u0074o__":{"polluted":1}}',
  '[{"__proto__":{"polluted":1}}]',
  '{"prototype":{"polluted":1},"__proto__":{"toString":1}}',
);

/** Any JSON value text, hostile or not; invalid JSON when `broken`. */
function valueArb(broken: boolean): fc.Arbitrary<Piece[]> {
  const valid: fc.Arbitrary<Piece[]>[] = [
    fc.jsonValue({ stringUnit: trickyUnit, maxDepth: 3 }).map((v) => [JSON.stringify(v)]),
    stringArb(false),
    numberTextArb.map((t) => [t]),
    fc.constantFrom("true", "false", "null").map((t) => [t]),
    protoValueArb.map((t) => [t]),
  ];
  const weighted: fc.WeightedArbitrary<Piece[]>[] = valid.map((arbitrary) => ({
    weight: 4,
    arbitrary,
  }));
  weighted.push({ weight: 1, arbitrary: deepArb(false) });
  weighted.push({ weight: 1, arbitrary: hugeStringArb });
  if (broken) {
    weighted.push({ weight: 4, arbitrary: stringArb(true) });
    weighted.push({ weight: 2, arbitrary: badNumberArb.map((t) => [t]) });
    weighted.push({ weight: 1, arbitrary: deepArb(true) });
  }
  return fc.oneof(...weighted);
}

/** The client types and some that only look like one. */
const TYPES = [
  "message",
  "heartbeat",
  "join",
  "leave",
  "nick",
  "who",
  "disconnect",
  "session_ack",
  "x",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "MESSAGE",
  "",
];

/** Keys a validator reads, prototype traps, and anything else. */
const KEYS = [
  "type",
  "content",
  "id",
  "session_id",
  "to",
  "room",
  "name",
  "token",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "polluted",
  "",
];

const keyArb: fc.Arbitrary<Piece[]> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS).map((k) => [JSON.stringify(k)]) },
  { weight: 1, arbitrary: trickyString.map((k) => [JSON.stringify(k)]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('"__pro\\u0074o__"', '"typ\\u0065"', '"\\u0069d"').map((k) => [k]),
  },
);

const sidArb: fc.Arbitrary<Piece[]> = fc
  .constantFrom<SidVariant>(
    "real",
    "real",
    "real",
    "other",
    "upper",
    "short",
    "padded",
    "number",
    "null",
  )
  .map((sid) => [{ sid }]);

/** Whitespace JSON allows between tokens (no line feed: it would end the frame). */
const wsArb: fc.Arbitrary<string> = fc.constantFrom("", "", "", " ", "\t", "\r", "  \t");

/** A field: its key and value pieces. */
type Field = [Piece[], Piece[]];

/**
 * An object of `fields`, with `ws` around every token; when `broken`,
 * `glitch` drops the first comma (1) or colon (2), or adds a trailing comma (3).
 */
function objectPieces(
  fields: readonly Field[],
  ws: string,
  broken: boolean,
  glitch: number,
): Piece[] {
  const out: Piece[] = ["{", ws];
  fields.forEach(([key, value], i) => {
    if (i > 0) out.push(ws, broken && glitch === 1 && i === 1 ? "" : ",", ws);
    out.push(...key, ws, broken && glitch === 2 && i === 0 ? "" : ":", ws, ...value);
  });
  if (broken && glitch === 3) out.push(",");
  out.push(ws, "}");
  return out;
}

/**
 * Hostile frames: objects with the fields a validator reads (of the right
 * kind or not), wrong session ids, prototype keys, duplicate keys, deep
 * nesting, huge numbers and strings, lone surrogates, and (when not well
 * formed) invalid UTF-8, bad escapes, bad numbers and broken syntax.
 */
export const hostileFrameArb: fc.Arbitrary<FrameSpec> = fc
  .record({
    broken: fc.boolean(),
    type: fc.option(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...TYPES).map((t) => [JSON.stringify(t)]) },
        { weight: 1, arbitrary: valueArb(false) },
      ),
      { freq: 8 },
    ),
    content: fc.option(fc.oneof({ weight: 3, arbitrary: stringArb(false) }, valueArb(false)), {
      freq: 5,
    }),
    sid: fc.option(sidArb, { freq: 4 }),
    id: fc.option(
      fc.oneof(
        stringArb(false),
        numberTextArb.map((t) => [t]),
        fc.constantFrom("null", "{}", "[1]", "true").map((t) => [t]),
      ),
      { freq: 2 },
    ),
    strings: fc.array(
      fc.tuple(fc.constantFrom("to", "room", "name", "token", "session_id"), valueArb(false)),
      { maxLength: 2 },
    ),
    extra: fc.array(fc.tuple(keyArb, valueArb(false)), { maxLength: 3 }),
    brokenValue: valueArb(true),
    ws: wsArb,
    glitch: fc.integer({ min: 0, max: 4 }),
    order: fc.nat(),
    top: fc.constantFrom("object", "object", "object", "object", "object", "array", "scalar"),
  })
  .map((r) => {
    const fields: Field[] = [];
    if (r.type) fields.push([['"type"'], r.type]);
    if (r.content) fields.push([['"content"'], r.content]);
    if (r.sid) fields.push([['"session_id"'], r.sid]);
    if (r.id) fields.push([['"id"'], r.id]);
    for (const [key, value] of r.strings) fields.push([[JSON.stringify(key)], value]);
    for (const field of r.extra) fields.push(field);
    if (r.broken) fields.push([['"content"'], r.brokenValue]);
    // Rotate so that the core fields are not always first; duplicates stay as generated.
    const k = fields.length === 0 ? 0 : r.order % fields.length;
    const rotated = [...fields.slice(k), ...fields.slice(0, k)];
    const object = objectPieces(rotated, r.ws, r.broken, r.glitch);
    const pieces: Piece[] = r.top === "object"
      ? object
      : r.top === "array"
      ? ["[", ...object, "]"]
      : r.type ?? ["1"];
    return { pieces, wellFormed: false };
  });

/** Content for a well-formed client frame: tricky, escaped, lone surrogates, sometimes huge. */
const contentArb: fc.Arbitrary<Piece[]> = fc.oneof(
  { weight: 8, arbitrary: stringArb(false) },
  { weight: 1, arbitrary: hugeStringArb },
);

/** Names and rooms: mostly valid, some not (whitespace, too long, lone surrogates, traps). */
const nameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "lobby",
    "__proto__",
    "constructor",
    "toString",
    "a b",
    "",
    "x".repeat(33),
    "\ud800",
    "é😀",
  ),
  fc.string({ unit: trickyUnit, minLength: 1, maxLength: 8 }),
);

/**
 * Well-formed client frames: valid JSON objects of a chat type with the
 * real session id and string content, and extra fields (prototype keys,
 * duplicate keys, deep nesting, huge numbers) that a server must ignore.
 */
export const wellFormedFrameArb: fc.Arbitrary<FrameSpec> = fc
  .record({
    type: fc.constantFrom(
      "message",
      "message",
      "message",
      "message",
      "message",
      "heartbeat",
      "heartbeat",
      "disconnect",
      "join",
      "leave",
      "nick",
      "who",
      "x",
      "session_ack",
      "__proto__",
      "toString",
    ),
    content: contentArb,
    id: fc.option(
      fc.oneof(stringArb(false), fc.constantFrom("-0", "1e300", "7", "-12").map((t) => [t])),
      {
        freq: 2,
      },
    ),
    room: sometimes(nameArb, 0.15),
    to: sometimes(nameArb, 0.15),
    extra: fc.array(fc.tuple(keyArb.filter((k) => !isCoreKey(k)), valueArb(false)), {
      maxLength: 2,
    }),
    duplicateType: fc.boolean(),
    ws: wsArb,
  })
  .map((r) => {
    const fields: Field[] = [[['"session_id"'], [{ sid: "real" }]]];
    // A duplicate key comes first: the last one wins, so the frame keeps its meaning.
    if (r.duplicateType) fields.unshift([['"type"'], ['"join"']]);
    fields.push([['"type"'], [JSON.stringify(r.type)]]);
    if (r.type !== "heartbeat" && r.type !== "who") fields.push([['"content"'], r.content]);
    if (r.type === "heartbeat") fields.push([['"content"'], ['"ping"']]);
    if (r.id) fields.push([['"id"'], r.id]);
    if (r.room !== null && (r.type === "message" || r.type === "who")) {
      fields.push([['"room"'], [JSON.stringify(r.room)]]);
    }
    if (r.to !== null && r.type === "message") fields.push([['"to"'], [JSON.stringify(r.to)]]);
    for (const field of r.extra) fields.splice(1, 0, field);
    return { pieces: objectPieces(fields, r.ws, false, 0), wellFormed: true };
  });

function isCoreKey(key: Piece[]): boolean {
  const text = typeof key[0] === "string" ? key.join("") : "";
  return ["type", "content", "id", "session_id", "to", "room", "name", "token"].some((k) =>
    text === JSON.stringify(k)
  ) || text.includes("\\u");
}

/** Random bytes: uniform, or biased to JSON structure, or a soup of interesting sequences. */
export const randomBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc
    .array(fc.constantFrom(...encoder.encode('{}[]":,\\\n\r\t ae01-.'), 0xc3, 0xa9, 0xff, 0xed), {
      maxLength: 256,
    })
    .map((a) => Uint8Array.from(a)),
  fc.array(fc.constantFrom(...INTERESTING), { maxLength: 24 }).map(concatBytes),
);

/** A frame spec of any kind: well formed, hostile, or a legacy property-test frame. */
export const anyFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  wellFormedFrameArb,
  hostileFrameArb,
  frameArb.map((value) => ({ pieces: [JSON.stringify(value)], wellFormed: false })),
);

/** One input for a validator: a frame spec, maybe mutated, or random bytes. */
export type Input =
  | { kind: "frame"; spec: FrameSpec; mutation: Mutation | null }
  | { kind: "bytes"; bytes: Uint8Array };

/** Inputs: frames (half of them mutated) and random bytes. */
export const inputArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("frame" as const),
      spec: anyFrameArb,
      mutation: fc.option(mutationArb, { freq: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("bytes" as const), bytes: randomBytesArb }),
  },
);

/** The bytes of an input, for a session that holds `sessionId`. */
export function renderInput(input: Input, sessionId: string): Uint8Array {
  if (input.kind === "bytes") return input.bytes;
  const bytes = renderFrame(input.spec, sessionId);
  return input.mutation ? mutate(bytes, input.mutation) : bytes;
}

/** Line endings between the lines of a stream. */
export const lineEndArb: fc.Arbitrary<string> = fc.constantFrom(
  "\n",
  "\n",
  "\r\n",
  "\n\n",
  " \r\n\t\n",
);
