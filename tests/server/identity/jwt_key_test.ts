/**
 * The `--jwt-key` file: an HMAC secret of at least 32 bytes (less one
 * trailing line feed), or a PEM public key (RSA of 2048 bits or more,
 * P-256, Ed25519), each with the one algorithm it calls for; anything else
 * refused with a message that says why.
 *
 * @module
 */

import { rejects, strictEqual } from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { parseJwtKey } from "../../../src/server/identity/jwt_key.ts";
import { ecKey, ed25519Key, pem, rsaKey } from "../../helpers/jwt_keys.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("jwt key: each kind of key and the algorithm it calls for", async () => {
  const rsa = await rsaKey();
  const rsaPkcs1 = createPublicKey(new TextDecoder().decode(rsa.file))
    .export({ type: "pkcs1", format: "pem" }) as string;
  const cases: [string, Uint8Array, string, RegExp][] = [
    ["a 32-byte secret and a line feed", encode(`${"k".repeat(32)}\n`), "HS256", /32 bytes/],
    ["a 32-byte secret without", encode("k".repeat(32)), "HS256", /32 bytes/],
    ["a binary secret", new Uint8Array(40).fill(0xff), "HS256", /40 bytes/],
    ["an RSA SPKI key", rsa.file, "RS256", /RSA public key of 2048 bits/],
    ["an RSA PKCS#1 key", encode(rsaPkcs1), "RS256", /RSA/],
    ["a P-256 key", (await ecKey()).file, "ES256", /P-256/],
    ["an Ed25519 key", (await ed25519Key()).file, "EdDSA", /Ed25519/],
    [
      "a PEM after blank lines",
      encode(`\n\n${new TextDecoder().decode(rsa.file)}`),
      "RS256",
      /RSA/,
    ],
  ];
  for (const [what, file, alg, description] of cases) {
    const key = await parseJwtKey(file);
    strictEqual(key.alg, alg, what);
    strictEqual(description.test(key.description), true, `${what}: ${key.description}`);
    strictEqual(key.key.extractable, false, what);
    strictEqual(key.key.usages.join(), "verify", what);
  }
});

Deno.test("jwt key: keys that break the rules are refused, saying why", async () => {
  const rsa = await rsaKey();
  const x25519 = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const x25519Pem = pem(
    "PUBLIC KEY",
    await crypto.subtle.exportKey("spki", (x25519 as CryptoKeyPair).publicKey),
  );
  const rsaPem = new TextDecoder().decode(rsa.file);
  const cases: [string, Uint8Array, RegExp][] = [
    ["an empty file", new Uint8Array(), /at least 32 bytes, this one has 0/],
    ["31 bytes and a line feed", encode(`${"k".repeat(31)}\n`), /this one has 31/],
    ["31 bytes and CRLF: only the LF goes", encode(`${"k".repeat(30)}\r\n`), /this one has 31/],
    ["an RSA key of 1024 bits", (await rsaKey(1024)).file, /at least 2048 bits, this one has 1024/],
    ["a P-384 key", (await ecKey("P-384")).file, /P-256, this one is on secp384r1/],
    ["an X25519 key", encode(x25519Pem), /x25519 key is not one of/],
    ["a private key", encode(rsa.privatePem), /private key/],
    ["a private key after the public one", encode(rsaPem + rsa.privatePem), /private key/],
    ["two public keys", encode(rsaPem + rsaPem), /one PEM PUBLIC KEY block/],
    ["a certificate", encode(pem("CERTIFICATE", new Uint8Array(64))), /holds CERTIFICATE/],
    ["a PEM of garbage", encode(pem("PUBLIC KEY", new Uint8Array(64))), /cannot be read/],
  ];
  for (const [what, file, message] of cases) {
    await rejects(parseJwtKey(file), (error: Error) => {
      strictEqual(error.name, "JwtKeyError", what);
      strictEqual(message.test(error.message), true, `${what}: ${error.message}`);
      return true;
    });
  }
});
