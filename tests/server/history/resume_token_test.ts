import { ok, strictEqual } from "node:assert/strict";
import {
  hashResumeToken,
  newResumeToken,
  RESUME_TOKEN_BYTES,
  sameTokenHash,
} from "../../../src/server/history/resume_token.ts";

Deno.test("newResumeToken() gives 144 random bits as base64url, never the same twice", () => {
  ok(RESUME_TOKEN_BYTES * 8 >= 128);
  const tokens = new Set(Array.from({ length: 1_000 }, newResumeToken));
  strictEqual(tokens.size, 1_000);
  for (const token of tokens) ok(/^[A-Za-z0-9_-]{24}$/.test(token), token);
});

Deno.test("hashResumeToken() is SHA-256 as base64url, and never the token itself", () => {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  strictEqual(hashResumeToken("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  const token = newResumeToken();
  ok(!hashResumeToken(token).includes(token));
});

Deno.test("sameTokenHash() tells equal hashes from different ones, of any length", () => {
  const hash = hashResumeToken("t");
  ok(sameTokenHash(hash, hashResumeToken("t")));
  ok(!sameTokenHash(hash, hashResumeToken("u")));
  ok(!sameTokenHash(hash, hash.slice(0, -4)));
  ok(!sameTokenHash(hash, ""));
});
