/**
 * Token logins, attack by attack: `alg:none`, an HMAC token signed with the
 * RSA public key's PEM bytes (algorithm confusion), expired, not yet valid,
 * another audience, an `aud` where none is expected, a `crit` header, an
 * embedded `jwk` (ignored), a bad `sub`, a bad `rooms` claim, malformed
 * compact JWS, a wrong signature; and the tokens that pass, for each kind
 * of key, on a clock the test moves by hand.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { exportJWK, importSPKI, type JWTPayload } from "jose";
import { ManualClock } from "../../../src/async/clock.ts";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { standardAuthenticator } from "../../../src/server/identity/compose.ts";
import {
  type Authenticator,
  type Identity,
  LOGIN_REFUSED,
  resumable,
} from "../../../src/server/identity/identity.ts";
import { jwtAuthenticator } from "../../../src/server/identity/jwt_authenticator.ts";
import { parseJwtKey } from "../../../src/server/identity/jwt_key.ts";
import { unmatchableHash } from "../../../src/server/identity/scrypt_hash.ts";
import {
  ecKey,
  ed25519Key,
  forged,
  hmacKey,
  hmacSigned,
  rsaKey,
  sign,
  type TestKey,
} from "../../helpers/jwt_keys.ts";

const PEER = "tcp://198.51.100.7:4000";
/** Now, in seconds, for the claims; the clock starts there. */
const NOW = 1_800_000_000;
const clock = new ManualClock(NOW * 1000);

const rsa = await rsaKey();
const hmac = hmacKey();

/** Claims that pass: `ada`, an hour left. */
function claims(extra: JWTPayload = {}): JWTPayload {
  return { sub: "ada", exp: NOW + 3600, ...extra };
}

/** An authenticator for `key`'s file, on the test's clock. */
async function authenticatorFor(key: TestKey, audience?: string): Promise<Authenticator> {
  return jwtAuthenticator({ key: await parseJwtKey(key.file), audience, clock });
}

/** The login of `jwt` with `auth`: the identity, or the refusal's reason. */
async function login(auth: Authenticator, jwt: string): Promise<Identity | string> {
  try {
    return await auth.authenticate({ auth: { jwt }, peer: PEER });
  } catch (error) {
    const { code, message, reason } = error as { code: string; message: string; reason: string };
    strictEqual(code, "unauthorized");
    strictEqual(message, LOGIN_REFUSED, "the client is never told which check failed");
    return reason;
  }
}

/** Fails unless `jwt` is refused by `auth`, with a reason matching `why`. */
async function refused(auth: Authenticator, jwt: string, why: RegExp, what: string) {
  const result = await login(auth, jwt);
  strictEqual(typeof result, "string", `${what}: accepted`);
  strictEqual(why.test(result as string), true, `${what}: ${result}`);
}

/** Fails unless `jwt` is accepted by `auth`; the identity. */
async function accepted(auth: Authenticator, jwt: string, what: string): Promise<Identity> {
  const result = await login(auth, jwt);
  strictEqual(typeof result, "object", `${what}: refused: ${result}`);
  return result as Identity;
}

Deno.test("jwt: a token of each kind of key passes; its sub is the account, its exp bounds a resume", async () => {
  for (const key of [rsa, hmac, await ecKey(), await ed25519Key()]) {
    const identity = await accepted(
      await authenticatorFor(key),
      await sign(key, claims()),
      key.alg,
    );
    deepStrictEqual(identity, {
      account: "ada",
      verified: true,
      method: "jwt",
      validUntil: (NOW + 3600 + 30) * 1000,
    });
    strictEqual(resumable(identity, (NOW + 3630) * 1000), true, "within the leeway");
    strictEqual(resumable(identity, (NOW + 3631) * 1000), false, "past exp and the leeway");
  }
});

Deno.test("jwt attack: alg none is refused", async () => {
  for (const key of [rsa, hmac]) {
    const auth = await authenticatorFor(key);
    await refused(auth, forged({ alg: "none" }, claims()), /alg/, `none, ${key.alg} key`);
    await refused(auth, forged({ alg: "None" }, claims()), /alg/, `None, ${key.alg} key`);
  }
});

Deno.test("jwt attack: an HS256 token signed with the RSA public key's PEM bytes is refused", async () => {
  const auth = await authenticatorFor(rsa);
  // The attacker knows the public key file, and uses its bytes as an HMAC secret.
  for (const secret of [rsa.file, rsa.file.subarray(0, -1)]) {
    const confused = await sign({ alg: "HS256", signing: secret, file: secret }, claims());
    await refused(auth, confused, /ERR_JOSE_ALG_NOT_ALLOWED/, "HS256 with the PEM bytes");
  }
  // Another algorithm of the same family is refused too: the key calls for RS256 alone.
  const noise = crypto.getRandomValues(new Uint8Array(256));
  for (const alg of ["PS256", "RS384", "RS512"]) {
    await refused(auth, forged({ alg }, claims(), noise), /ALG_NOT_ALLOWED/, `${alg}, RSA key`);
  }
  // And an HMAC key takes HS256 alone.
  const hs = await authenticatorFor(hmac);
  await refused(hs, await sign({ ...hmac, alg: "HS512" }, claims()), /ALG_NOT_ALLOWED/, "HS512");
});

Deno.test("jwt attack: expired and not yet valid are refused past 30 s of leeway; exp is required", async () => {
  const auth = await authenticatorFor(hmac);
  await refused(auth, await sign(hmac, claims({ exp: NOW - 31 })), /ERR_JWT_EXPIRED/, "expired");
  await accepted(auth, await sign(hmac, claims({ exp: NOW - 29 })), "expired within the leeway");
  await refused(auth, await sign(hmac, claims({ nbf: NOW + 31 })), /nbf/, "not yet valid");
  await accepted(auth, await sign(hmac, claims({ nbf: NOW + 29 })), "nbf within the leeway");
  await refused(auth, await sign(hmac, { sub: "ada" }), /"exp" claim/, "no exp");
  await refused(
    auth,
    await sign(hmac, claims({ exp: "never" } as unknown as JWTPayload)),
    /exp/,
    "a string exp",
  );
  // The same token, once the clock has moved past its exp.
  const token = await sign(hmac, claims({ exp: NOW + 60 }));
  await accepted(auth, token, "before exp");
  clock.advance(91_000);
  try {
    await refused(auth, token, /ERR_JWT_EXPIRED/, "after exp and the leeway");
  } finally {
    clock.advance(-91_000);
  }
});

Deno.test("jwt attack: another audience is refused; an aud where none is expected is refused", async () => {
  const withAudience = await authenticatorFor(hmac, "chat");
  await accepted(withAudience, await sign(hmac, claims({ aud: "chat" })), "aud chat");
  await accepted(withAudience, await sign(hmac, claims({ aud: ["wiki", "chat"] })), "aud list");
  await refused(withAudience, await sign(hmac, claims({ aud: "wiki" })), /aud/, "aud wiki");
  await refused(withAudience, await sign(hmac, claims({ aud: ["Chat"] })), /aud/, "aud Chat");
  await refused(withAudience, await sign(hmac, claims()), /aud/, "no aud");
  const without = await authenticatorFor(hmac);
  await refused(without, await sign(hmac, claims({ aud: "chat" })), /an aud/, "aud, none expected");
  await refused(without, await sign(hmac, claims({ aud: [] })), /an aud/, "aud [], none expected");
});

Deno.test("jwt attack: a crit header is refused, even one that jose understands", async () => {
  const auth = await authenticatorFor(hmac);
  const header = { alg: "HS256" };
  await accepted(auth, await hmacSigned(hmac, header, claims()), "the same token without crit");
  const crits = [{ crit: ["b64"], b64: true }, { crit: ["exp"], exp: 1 }, { crit: [] }];
  for (const crit of crits) {
    await refused(
      auth,
      await hmacSigned(hmac, { ...header, ...crit }, claims()),
      /crit/,
      JSON.stringify(crit),
    );
  }
});

Deno.test("jwt attack: jwk, jku, x5u and kid in the header are ignored: the key is --jwt-key's", async () => {
  const auth = await authenticatorFor(rsa);
  // The attacker signs with a key of its own and embeds it: refused, its key is not looked at.
  const attacker = await rsaKey();
  const attackerPem = new TextDecoder().decode(attacker.file);
  const attackerJwk = await exportJWK(
    await importSPKI(attackerPem, "RS256", { extractable: true }),
  );
  const pointers = {
    jwk: attackerJwk,
    jku: "https://evil.example/jwks",
    x5u: "https://evil.example/x",
    kid: "evil",
  };
  await refused(
    auth,
    await sign(attacker, claims(), pointers),
    /SIGNATURE_VERIFICATION_FAILED/,
    "embedded jwk",
  );
  // A token signed with the real key that carries them all the same passes: they are ignored.
  await accepted(auth, await sign(rsa, claims(), pointers), "real key, pointers ignored");
});

Deno.test("jwt attack: a sub that is no account name is refused", async () => {
  const auth = await authenticatorFor(hmac);
  const subs: [string, unknown][] = [
    ["no sub", undefined],
    ["a number", 42],
    ["empty", ""],
    ["a space", "a b"],
    ["changed by NFKC", "ａｄａ"],
    ["two scripts", "b\u043eb"],
    ["a guest name", "guest-1234"],
    ["a guest name in capitals", "Guest-1234"],
    ["33 characters", "a".repeat(33)],
  ];
  for (const [what, sub] of subs) {
    await refused(auth, await sign(hmac, { exp: NOW + 60, sub } as JWTPayload), /sub/, what);
  }
  // Subs that compare equal are one account; the name is kept as the token gives it.
  strictEqual(
    (await accepted(auth, await sign(hmac, claims({ sub: "Ada" })), "Ada")).account,
    "Ada",
  );
});

Deno.test("jwt attack: a rooms claim that is not an array of room names is refused", async () => {
  const auth = await authenticatorFor(hmac);
  for (const rooms of ["lobby", 1, {}, null, [1], ["a b"], ["lobby", ""], [["lobby"]]]) {
    await refused(auth, await sign(hmac, claims({ rooms })), /rooms/, JSON.stringify(rooms));
  }
  const none = await accepted(auth, await sign(hmac, claims({ rooms: [] })), "rooms []");
  deepStrictEqual(none.rooms, []);
  const some = await accepted(
    auth,
    await sign(hmac, claims({ rooms: ["Lobby", "ｌobby", "dev"] })),
    "rooms",
  );
  deepStrictEqual(some.rooms, ["Lobby", "dev"], "normalized, one of each name");
});

Deno.test("jwt attack: malformed compact JWS is refused", async () => {
  const auth = await authenticatorFor(hmac);
  const good = await sign(hmac, claims());
  const [header, payload, signature] = good.split(".");
  const malformed = [
    "x",
    "a.b",
    "a.b.c",
    `${header}.${payload}`,
    `${header}.${payload}.${signature}.x`,
    `${header}..${signature}`,
    `!!.${payload}.${signature}`,
    `${btoa("{")}.${payload}.${signature}`,
    `${header}.${btoa("[1]")}.${signature}`,
    " " + good,
  ];
  for (const jwt of malformed) {
    await refused(auth, jwt, /malformed|JWS|JWT|Invalid/i, jwt.slice(0, 20));
  }
  // Not a string at all: not a token login.
  for (const jwt of [42, null, ["a.b.c"], ""]) {
    await rejects(auth.authenticate({ auth: { jwt }, peer: PEER }), {
      reason: "not a token login",
    });
  }
});

Deno.test("jwt attack: a wrong signature is refused", async () => {
  const auth = await authenticatorFor(hmac);
  await refused(auth, await sign(hmacKey(), claims()), /SIGNATURE/, "another secret");
  const [header, , signature] = (await sign(hmac, claims())).split(".");
  const other = (await sign(hmac, claims({ sub: "root" }))).split(".")[1];
  await refused(auth, `${header}.${other}.${signature}`, /SIGNATURE/, "payload swapped");
  for (const key of [rsa, await ecKey(), await ed25519Key()]) {
    const publicAuth = await authenticatorFor(key);
    const foreign = key.alg === "RS256"
      ? await rsaKey()
      : key.alg === "ES256"
      ? await ecKey()
      : await ed25519Key();
    await refused(
      publicAuth,
      await sign(foreign, claims()),
      /SIGNATURE/,
      `${key.alg}, another key`,
    );
  }
});

Deno.test("jwt: with --users too, a sub that names a users-file account is refused", async () => {
  const users = { accounts: Accounts.EMPTY.with({ name: "alice", password: unmatchableHash() }) };
  const auth = standardAuthenticator({
    users,
    jwt: { key: await parseJwtKey(hmac.file) },
    clock,
  })!;
  deepStrictEqual(auth.methods, ["password", "jwt"]);
  for (const sub of ["alice", "ALICE", "Alice"]) {
    await refused(auth, await sign(hmac, claims({ sub })), /users file/, sub);
  }
  const bob = await accepted(auth, await sign(hmac, claims({ sub: "bob" })), "bob");
  strictEqual(auth.admits!(bob), true);
  // bob is added to the users file later: his token session is no longer admitted.
  users.accounts = users.accounts.with({ name: "Bob", password: unmatchableHash() });
  strictEqual(auth.admits!(bob), false);
});
