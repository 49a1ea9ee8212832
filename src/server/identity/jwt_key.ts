/**
 * The key of `--jwt-key FILE` (PROTOCOL.md section 11) and the one
 * algorithm it calls for: an HMAC secret (the file's bytes less one
 * trailing line feed, at least 32 bytes: `HS256`) or a PEM public key: RSA
 * of at least 2048 bits (`RS256`), P-256 (`ES256`) or Ed25519 (`EdDSA`).
 * Anything else is refused with a {@linkcode JwtKeyError}.
 *
 * @module
 */

import { createPublicKey, type KeyObject } from "node:crypto";

/** The algorithms a login token may be signed with, one per kind of key. */
export type JwtAlgorithm = "HS256" | "RS256" | "ES256" | "EdDSA";

/** A verification key and the only algorithm tokens checked with it may use. */
export interface JwtKey {
  /** The algorithm a token's `alg` must be. */
  readonly alg: JwtAlgorithm;
  /** The key, for verifying only (not extractable). */
  readonly key: CryptoKey;
  /** What it is, for a log line: `an Ed25519 public key (EdDSA)`. */
  readonly description: string;
}

/** A key file that breaks the rules: why. */
export class JwtKeyError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "JwtKeyError";
  }
}

/** The fewest bytes of an HMAC secret. */
export const HMAC_MIN_BYTES = 32;
/** The fewest bits of an RSA key. */
export const RSA_MIN_BITS = 2048;

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/**
 * The key that a `--jwt-key` file's bytes hold. Text that starts with a PEM
 * header is a public key; anything else is an HMAC secret.
 *
 * @example
 * ```ts
 * import { rejects, strictEqual } from "node:assert/strict";
 * import { parseJwtKey } from "./jwt_key.ts";
 * const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef\n");
 * strictEqual((await parseJwtKey(secret)).alg, "HS256"); // 32 bytes once the line feed is off
 * await rejects(parseJwtKey(new TextEncoder().encode("short\n")), { name: "JwtKeyError" });
 * ```
 */
export async function parseJwtKey(data: Uint8Array): Promise<JwtKey> {
  const text = new TextDecoder().decode(data);
  if (text.trimStart().startsWith("-----BEGIN ")) return await publicKey(text);
  const secret = data.at(-1) === 0x0a ? data.subarray(0, -1) : data;
  if (secret.length < HMAC_MIN_BYTES) {
    throw new JwtKeyError(
      `an HMAC secret needs at least ${HMAC_MIN_BYTES} bytes, this one has ${secret.length}`,
    );
  }
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  return { alg: "HS256", key, description: `an HMAC secret of ${secret.length} bytes (HS256)` };
}

/** The public key of a PEM text holding exactly one `PUBLIC KEY` (or `RSA PUBLIC KEY`) block. */
async function publicKey(pem: string): Promise<JwtKey> {
  const labels = [...pem.matchAll(PEM_LABEL)].map((match) => match[1]);
  if (labels.some((label) => label.includes("PRIVATE"))) {
    throw new JwtKeyError("holds a private key: give the public key alone");
  }
  if (labels.length !== 1 || !/^(RSA )?PUBLIC KEY$/.test(labels[0])) {
    throw new JwtKeyError(
      `holds ${labels.join(", ")}: one PEM PUBLIC KEY block is needed (a certificate's: ` +
        `openssl x509 -pubkey -noout)`,
    );
  }
  let object: KeyObject;
  try {
    object = createPublicKey(pem);
  } catch {
    throw new JwtKeyError("holds a PEM public key that cannot be read");
  }
  const der = new Uint8Array(object.export({ type: "spki", format: "der" }));
  const use = async (
    alg: JwtAlgorithm,
    params: RsaHashedImportParams | EcKeyImportParams | Algorithm,
    what: string,
  ) => ({
    alg,
    key: await crypto.subtle.importKey("spki", der, params, false, ["verify"]),
    description: `${what} (${alg})`,
  });
  const type = object.asymmetricKeyType;
  const details = object.asymmetricKeyDetails ?? {};
  if (type === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS) {
      throw new JwtKeyError(`an RSA key needs at least ${RSA_MIN_BITS} bits, this one has ${bits}`);
    }
    return await use(
      "RS256",
      { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
      `an RSA public key of ${bits} bits`,
    );
  }
  if (type === "ec") {
    if (details.namedCurve !== "prime256v1") {
      throw new JwtKeyError(`an EC key must be on P-256, this one is on ${details.namedCurve}`);
    }
    return await use("ES256", { name: "ECDSA", namedCurve: "P-256" }, "a P-256 public key");
  }
  if (type === "ed25519") return await use("EdDSA", { name: "Ed25519" }, "an Ed25519 public key");
  throw new JwtKeyError(
    `a ${type} key is not one of RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA)`,
  );
}
