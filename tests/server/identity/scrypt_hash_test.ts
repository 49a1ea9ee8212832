/**
 * Password hashes: scrypt with OWASP's minimum or more, a fresh salt each
 * time, the right password alone matching, and hashing off the event loop.
 *
 * @module
 */

import { notDeepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import {
  hashPassword,
  paramsFault,
  SCRYPT_DEFAULTS,
  unmatchableHash,
  verifyPassword,
} from "../../../src/server/identity/scrypt_hash.ts";

Deno.test("scrypt: the defaults are OWASP's minimum, N=2^14 r=8 p=5", () => {
  strictEqual(SCRYPT_DEFAULTS.N, 2 ** 14);
  strictEqual(SCRYPT_DEFAULTS.r, 8);
  strictEqual(SCRYPT_DEFAULTS.p, 5);
  for (
    const row of [{ N: 2 ** 17, r: 8, p: 1 }, { N: 2 ** 16, r: 8, p: 2 }, {
      N: 2 ** 13,
      r: 8,
      p: 10,
    }]
  ) {
    strictEqual(paramsFault(row), undefined, JSON.stringify(row));
  }
  for (
    const weak of [{ N: 2 ** 14, r: 8, p: 4 }, { N: 2 ** 12, r: 8, p: 40 }, {
      N: 2 ** 14,
      r: 4,
      p: 10,
    }]
  ) {
    ok(paramsFault(weak), JSON.stringify(weak));
  }
});

Deno.test("scrypt: the right password matches, a wrong one and an unmatchable hash do not", async () => {
  const stored = await hashPassword("pässwörd 🔑");
  strictEqual(await verifyPassword("pässwörd 🔑", stored), true);
  strictEqual(await verifyPassword("pässwörd", stored), false);
  strictEqual(await verifyPassword("", stored), false);
  strictEqual(await verifyPassword("pässwörd 🔑", unmatchableHash()), false);
  const again = await hashPassword("pässwörd 🔑");
  notDeepStrictEqual(again.salt, stored.salt, "a fresh salt each time");
  notDeepStrictEqual(again.hash, stored.hash);
});

Deno.test("scrypt: weak parameters are refused for a new hash", async () => {
  await rejects(hashPassword("x", { N: 1024, r: 8, p: 1 }), RangeError);
});

Deno.test("scrypt: hashing runs in the thread pool, the event loop keeps ticking meanwhile", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    await Promise.all([hashPassword("a"), hashPassword("b")]);
  } finally {
    clearInterval(timer);
  }
  // Two hashes take about 0.2 s in the pool; a timer of 5 ms fires many times meanwhile.
  ok(ticks >= 5, `the loop ticked ${ticks} times while hashing`);
});
