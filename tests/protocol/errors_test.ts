import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  ChatError,
  closesConnection,
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
} from "../../src/protocol/errors.ts";

/** PROTOCOL.md section 6, transcribed: each code and whether it closes the connection. */
const PROTOCOL_TABLE: ReadonlyArray<[string, boolean]> = [
  ["invalid_json", false],
  ["invalid_message", false],
  ["unknown_type", false],
  ["frame_too_large", true],
  ["handshake_timeout", true],
  ["bad_session", true],
  ["unauthorized", true],
  ["not_permitted", false],
  ["name_taken", false],
  ["invalid_name", false],
  ["no_such_room", false],
  ["no_such_recipient", false],
  ["too_many_rooms", false],
  ["server_full", true],
  ["slow_consumer", true],
  ["heartbeat_timeout", true],
];

Deno.test("ERROR_CODES holds exactly the codes of PROTOCOL section 6", () => {
  deepStrictEqual(
    Object.keys(ERROR_CODES).sort(),
    PROTOCOL_TABLE.map(([code]) => code).sort(),
  );
});

Deno.test("ERROR_CODES gives each code the fate of the PROTOCOL section 6 table", () => {
  for (const [code, closes] of PROTOCOL_TABLE) {
    ok(isErrorCode(code), `${code} is an error code`);
    strictEqual(ERROR_CODES[code].closes, closes, `${code} closes`);
    strictEqual(closesConnection(code), closes, `closesConnection(${code})`);
    strictEqual(new ChatError(code, "x").closes, closes, `ChatError(${code}).closes`);
  }
});

Deno.test("isErrorCode() rejects anything that is not a code", () => {
  for (
    const value of [
      "",
      "INVALID_JSON",
      "toString",
      "__proto__",
      "hasOwnProperty",
      1,
      null,
      undefined,
      {},
    ]
  ) {
    strictEqual(isErrorCode(value), false, `${String(value)}`);
  }
});

Deno.test("ChatError carries its code, message, frame id and cause", () => {
  const cause = new Error("root");
  const err = new ChatError("no_such_room", "not a member of lobby", { frameId: 7, cause });
  ok(err instanceof Error);
  strictEqual(err.name, "ChatError");
  strictEqual(err.code, "no_such_room");
  strictEqual(err.message, "not a member of lobby");
  strictEqual(err.frameId, 7);
  strictEqual(err.cause, cause);
  strictEqual(err.closes, false);
  const bare = new ChatError("slow_consumer" satisfies ErrorCode, "too slow");
  strictEqual(bare.frameId, undefined);
  strictEqual(bare.closes, true);
  strictEqual(new ChatError("invalid_json", "x", { frameId: "q" }).frameId, "q");
});
