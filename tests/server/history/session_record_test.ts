import { deepStrictEqual, notStrictEqual, throws } from "node:assert/strict";
import {
  copySession,
  decodeSession,
  encodeSession,
  type SessionRecord,
} from "../../../src/server/history/session_record.ts";

const full: SessionRecord = {
  id: "6f1c8a52-0d2e-4c4b-9a57-3e1f0b2c9d11",
  name: "Ωμέγα",
  account: { name: "omega", rooms: ["lobby", "dev"], expires: 1_760_000_000_000, stamp: "v2" },
  rooms: [{ key: "lobby", name: "Lobby", joined: 12 }],
  since: 10,
  tokenHash: "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg",
  awaySince: 1_760_000_000_500,
};

Deno.test("decodeSession() reads back what encodeSession() wrote, with or without the optional fields", () => {
  deepStrictEqual(decodeSession(encodeSession(full)), full);
  const { account: _, awaySince: __, ...plain } = full;
  deepStrictEqual(decodeSession(encodeSession(plain)), plain);
  const noClaims = { ...full, account: { name: "omega" } };
  deepStrictEqual(decodeSession(encodeSession(noClaims)), noClaims);
});

Deno.test("decodeSession() throws a TypeError on text that is not a stored session", () => {
  for (
    const text of [
      "[]",
      "null",
      '{"id":"a"}',
      JSON.stringify({ ...full, rooms: [{ key: 1 }] }),
      JSON.stringify({ ...full, since: "0" }),
      JSON.stringify({ ...full, awaySince: "now" }),
      JSON.stringify({ ...full, account: { name: "x", rooms: "lobby" } }),
      JSON.stringify({ ...full, account: { name: "x", expires: "soon" } }),
    ]
  ) {
    throws(() => decodeSession(text), TypeError, text);
  }
});

Deno.test("copySession() shares nothing with the session it copies", () => {
  const copy = copySession(full);
  deepStrictEqual(copy, full);
  notStrictEqual(copy.rooms, full.rooms);
  notStrictEqual(copy.rooms[0], full.rooms[0]);
  notStrictEqual(copy.account?.rooms, full.account?.rooms);
});

Deno.test("copySession() keeps every field that encodeSession() keeps, strings shared", () => {
  const every: SessionRecord = {
    ...full,
    account: { ...full.account!, method: "jwt" },
    previousTokenHash: "pwv1DlMc4agXVh8vXVtmRdToBr7PWMzF6M9rgEWgkKg",
  };
  const copy = copySession(every);
  deepStrictEqual(copy, decodeSession(encodeSession(every)));
  deepStrictEqual(copy, every);
  const { account: _, awaySince: __, previousTokenHash: ___, ...plain } = every;
  deepStrictEqual(copySession({ ...plain, rooms: [] }), { ...plain, rooms: [] });
});
