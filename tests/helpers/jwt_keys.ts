/**
 * Throwaway signing keys for login-token tests, made at test time with Web
 * Crypto (no key is ever written into the repository): each with its
 * public key as PEM, as a `--jwt-key` file holds it, and a signer.
 *
 * @module
 */

import { base64url, type JWTPayload, SignJWT } from "jose";

/** A key pair of one kind, its public half as PEM. */
export interface TestKey {
  /** The algorithm its tokens use. */
  alg: string;
  /** The private key (or the HMAC secret's bytes). */
  signing: CryptoKey | Uint8Array;
  /** What a `--jwt-key` file holds: the public key's PEM (the secret itself for HMAC). */
  file: Uint8Array;
}

/** PEM text of DER bytes. */
export function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${
    base64.match(/.{1,64}/g)!.join("\n")
  }\n-----END ${label}-----\n`;
}

/** A fresh key pair for `params`, its public key exported as SPKI PEM. */
async function pair(alg: string, params: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm) {
  const keys = await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
  const spki = await crypto.subtle.exportKey("spki", keys.publicKey);
  return {
    alg,
    signing: keys.privateKey,
    file: new TextEncoder().encode(pem("PUBLIC KEY", spki)),
    privatePem: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

/** An RSA key of `bits` (RS256). */
export function rsaKey(bits = 2048): Promise<TestKey & { privatePem: string }> {
  return pair("RS256", {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: bits,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  });
}

/** An EC key on `curve` (ES256 on P-256). */
export function ecKey(curve = "P-256"): Promise<TestKey & { privatePem: string }> {
  return pair(curve === "P-256" ? "ES256" : "ES384", { name: "ECDSA", namedCurve: curve });
}

/** An Ed25519 key (EdDSA). */
export function ed25519Key(): Promise<TestKey & { privatePem: string }> {
  return pair("EdDSA", { name: "Ed25519" });
}

/** An HMAC secret of `bytes` random bytes (HS256); the file adds a trailing line feed. */
export function hmacKey(bytes = 32): TestKey {
  const secret = crypto.getRandomValues(new Uint8Array(bytes));
  return { alg: "HS256", signing: secret, file: new Uint8Array([...secret, 0x0a]) };
}

/** A token of `payload` signed with `key` (header `alg` from the key unless `header` says otherwise). */
export function sign(
  key: TestKey,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, ...header }).sign(key.signing);
}

/** The first two parts of a compact JWS of `header` and `payload`. */
function signingInput(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}`;
}

/** A compact JWS of `header` and `payload` with `signature` bytes, signed by nothing. */
export function forged(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature: Uint8Array = new Uint8Array(),
): string {
  return `${signingInput(header, payload)}.${base64url.encode(signature)}`;
}

/**
 * A compact JWS of any `header` (even one jose would not write, such as a
 * `crit` it does not know) and `payload`, signed with the HMAC `key`.
 */
export async function hmacSigned(
  key: TestKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = signingInput(header, payload);
  const secret = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key.signing as Uint8Array),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", secret, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(mac))}`;
}
