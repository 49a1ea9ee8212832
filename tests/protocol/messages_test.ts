import "../helpers/property.ts";
import fc from "fast-check";
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ChatError, type ErrorCode } from "../../src/protocol/errors.ts";
import { parseFrame, parseServerFrame, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";

const encoder = new TextEncoder();

/** Asserts that parsing `input` throws a ChatError with `code` and the given `frameId`. */
function rejects(input: Uint8Array | string, code: ErrorCode, frameId?: string | number): void {
  throws(
    () => parseFrame(input),
    (err: unknown) => {
      ok(err instanceof ChatError, `expected a ChatError, got ${err}`);
      strictEqual(err.code, code, `code for ${JSON.stringify(String(input))}`);
      strictEqual(err.frameId, frameId, `frameId for ${JSON.stringify(String(input))}`);
      strictEqual(err.closes, false);
      return true;
    },
  );
}

Deno.test("PROTOCOL_VERSION is 1", () => {
  strictEqual(PROTOCOL_VERSION, 1);
});

Deno.test("parseFrame() returns the object of a valid frame, from bytes or a string, unknown fields kept", () => {
  const text =
    '{"type":"message","content":"héllo 😀","id":7,"to":"bob","room":"lobby","extra":{"x":[1]}}';
  const expected = {
    type: "message",
    content: "héllo 😀",
    id: 7,
    to: "bob",
    room: "lobby",
    extra: { x: [1] },
  };
  deepStrictEqual(parseFrame(text), expected);
  deepStrictEqual(parseFrame(encoder.encode(text)), expected);
  deepStrictEqual(
    parseFrame(
      '{"type":"session_ack","content":"Session acknowledged","session_id":"s","name":"a","token":"t"}',
    ),
    {
      type: "session_ack",
      content: "Session acknowledged",
      session_id: "s",
      name: "a",
      token: "t",
    },
  );
});

Deno.test("parseFrame() lets content be left out or be any kind on types that do not require a string", () => {
  deepStrictEqual(parseFrame('{"type":"heartbeat"}'), { type: "heartbeat" });
  deepStrictEqual(parseFrame('{"type":"who","content":5}'), { type: "who", content: 5 });
  deepStrictEqual(parseFrame('{"type":"disconnect","content":null}'), {
    type: "disconnect",
    content: null,
  });
  deepStrictEqual(parseFrame('{"type":"whatever","content":[1]}'), {
    type: "whatever",
    content: [1],
  });
});

Deno.test("parseFrame() rejects text that is not JSON with invalid_json", () => {
  for (
    const text of [
      "",
      "hello",
      "{",
      '{"type":"message"',
      '{"type":"message","content":"x}',
      "{'type':'message'}",
      '{"type":"message",}',
      "{type:1}",
      '{"a":1}{"b":2}',
      "NaN",
    ]
  ) {
    rejects(text, "invalid_json");
    rejects(encoder.encode(text), "invalid_json");
  }
});

Deno.test("parseFrame() rejects invalid UTF-8 bytes with invalid_json", () => {
  const prefix = encoder.encode('{"type":"message","content":"');
  const suffix = encoder.encode('"}');
  const bad = [
    [0xff], // never valid
    [0x80], // lone continuation byte
    [0xc3], // truncated two-byte sequence
    [0xe4, 0xb8], // truncated three-byte sequence
    [0xf0, 0x9f, 0x98], // truncated four-byte sequence
    [0xc0, 0xaf], // overlong "/"
    [0xe0, 0x80, 0xaf], // overlong "/"
    [0xed, 0xa0, 0x80], // a UTF-16 surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  ];
  for (const bytes of bad) {
    const frame = new Uint8Array([...prefix, ...bytes, ...suffix]);
    rejects(frame, "invalid_json");
  }
  // The same frame with a valid sequence in that place parses.
  const good = new Uint8Array([...prefix, 0xf0, 0x9f, 0x98, 0x80, ...suffix]);
  strictEqual(parseFrame(good).content, "😀");
});

Deno.test("parseFrame() rejects JSON that is not an object with invalid_message", () => {
  for (
    const text of ["[]", '[{"type":"message","content":"x"}]', '"message"', "42", "null", "true"]
  ) {
    rejects(text, "invalid_message");
  }
});

Deno.test("parseFrame() rejects a missing or non-string type with invalid_message", () => {
  for (const type of [undefined, 1, null, true, ["message"], { t: "message" }]) {
    rejects(JSON.stringify({ type, content: "x" }), "invalid_message");
  }
  rejects('{"content":"x","id":"q1"}', "invalid_message", "q1");
  rejects('{"type":3,"id":4}', "invalid_message", 4);
});

Deno.test("parseFrame() requires string content on message, nick, join and leave", () => {
  for (const type of ["message", "nick", "join", "leave"]) {
    deepStrictEqual(parseFrame(JSON.stringify({ type, content: "" })), { type, content: "" });
    for (const content of [undefined, 1, null, false, ["a"], { a: "b" }]) {
      rejects(JSON.stringify({ type, content }), "invalid_message");
      rejects(JSON.stringify({ type, content, id: "x-1" }), "invalid_message", "x-1");
    }
  }
});

Deno.test("parseFrame() accepts a string or finite number id and rejects any other kind", () => {
  for (const id of ["", "abc", "😀", 0, -1, 1.5, 2 ** 60]) {
    strictEqual(parseFrame(JSON.stringify({ type: "heartbeat", id })).id, id);
  }
  for (const id of ["null", "true", "false", "[1]", '{"a":1}', "1e999", "-1e999"]) {
    // An invalid id is not echoed.
    rejects(`{"type":"heartbeat","id":${id}}`, "invalid_message", undefined);
    rejects(`{"type":"message","content":"x","id":${id}}`, "invalid_message", undefined);
  }
});

Deno.test("parseFrame() rejects non-string to, room, name, token and session_id, echoing the id", () => {
  for (const field of ["to", "room", "name", "token", "session_id"]) {
    const valid = { type: "message", content: "x", [field]: "value" };
    deepStrictEqual(parseFrame(JSON.stringify(valid)), valid);
    for (const value of [1, null, true, ["a"], { a: "b" }]) {
      const frame = { type: "message", content: "x", [field]: value };
      rejects(JSON.stringify(frame), "invalid_message");
      rejects(JSON.stringify({ ...frame, id: 9 }), "invalid_message", 9);
      rejects(JSON.stringify({ ...frame, type: "session_ack", id: "a" }), "invalid_message", "a");
    }
  }
});

Deno.test("parseFrame() property: any valid frame survives encoding; any id is echoed on its error", () => {
  const idArb = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom("message", "nick", "join", "leave"),
      fc.string({ unit: "binary" }),
      idArb,
      (type, content, id) => {
        const json = JSON.stringify({ type, content, id });
        // JSON turns -0 into 0: compare with what JSON itself gives back.
        deepStrictEqual(parseFrame(encoder.encode(json)), JSON.parse(json));
        const echoed = JSON.parse(json).id;
        rejects(JSON.stringify({ type, content: 1, id }), "invalid_message", echoed);
      },
    ),
    { numRuns: 200 },
  );
});

/** Asserts that `parseServerFrame(input)` throws a ChatError with `code`. */
function rejectsFromServer(input: Uint8Array | string, code: ErrorCode): void {
  throws(
    () => parseServerFrame(input),
    (err: unknown) => {
      ok(err instanceof ChatError, `expected a ChatError, got ${err}`);
      strictEqual(err.code, code, `code for ${JSON.stringify(String(input))}`);
      return true;
    },
  );
}

Deno.test("parseServerFrame() returns any object with a string type, from bytes or a string", () => {
  const frames = [
    {
      type: "who",
      content: [{ session_id: "s", name: "ada", transport: "tcp", rooms: [] }],
      id: 2,
    },
    { type: "ack", content: "delivered", recipients: 2, seq: 9, id: "x" },
    { type: "message", content: 5, room: 7, from: null, id: { odd: true } },
    { type: "error", code: "name_taken", content: "taken", id: "hs", session_id: "s" },
    { type: "future_type" },
  ];
  for (const frame of frames) {
    const text = JSON.stringify(frame);
    deepStrictEqual(parseServerFrame(text), frame);
    deepStrictEqual(parseServerFrame(encoder.encode(text)), frame);
  }
});

Deno.test("parseServerFrame() refuses what is not JSON, not an object, or has no string type", () => {
  for (const text of ["", "hello", "{", '{"type":"ack",}', '{"a":1}{"b":2}']) {
    rejectsFromServer(text, "invalid_json");
    rejectsFromServer(encoder.encode(text), "invalid_json");
  }
  for (const text of ["[]", '"ack"', "42", "null", '{"content":"x"}', '{"type":1}']) {
    rejectsFromServer(text, "invalid_message");
  }
});

Deno.test("parseServerFrame() reads invalid UTF-8 as U+FFFD rather than losing the frame", () => {
  const bytes = new Uint8Array([
    ...encoder.encode('{"type":"message","content":"a'),
    0xff,
    ...encoder.encode('b"}'),
  ]);
  strictEqual(parseServerFrame(bytes).content, "a\uFFFDb");
  rejects(bytes, "invalid_json"); // A server is stricter with its clients.
});
