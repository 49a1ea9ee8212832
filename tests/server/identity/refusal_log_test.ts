/**
 * The log line of a refused login holds the peer address and the name
 * tried (a valid name, or a token's readable `sub`, else `-`) and never the
 * password or the token, whatever refused it: a wrong password, an unknown
 * user, the throttle, a malformed auth, each token check, or an
 * authenticator of one's own that quotes the secret in its error.
 *
 * @module
 */

import { ok, rejects, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { standardAuthenticator } from "../../../src/server/identity/compose.ts";
import { LoginGate } from "../../../src/server/identity/gate.ts";
import type { RefusalLog } from "../../../src/server/identity/identity.ts";
import { parseJwtKey } from "../../../src/server/identity/jwt_key.ts";
import { refusalLog } from "../../../src/server/identity/refusal_log.ts";
import { hashPassword } from "../../../src/server/identity/scrypt_hash.ts";
import { forged, hmacKey, sign } from "../../helpers/jwt_keys.ts";

const PASSWORD = "Tr0ub4dor&3-secret";
const NOW = 1_800_000_000;

/** The refusal of `auth` by `gate` from `peer`: its log fields, and everything the error holds as text. */
async function refusal(
  gate: LoginGate,
  auth: unknown,
  peer: string,
): Promise<[RefusalLog, string]> {
  let text = "";
  let log: RefusalLog | undefined;
  await rejects(gate.admit(auth, peer), (error: Error & { log: RefusalLog; reason: string }) => {
    log = error.log;
    text = [
      error.message,
      error.reason,
      error.stack,
      JSON.stringify(error),
      JSON.stringify(error.log),
    ]
      .join("\n");
    return true;
  });
  return [log!, text];
}

Deno.test("refusal log: peer and name tried, never the password or the token, for every kind of refusal", async () => {
  const clock = new ManualClock(NOW * 1000);
  const hmac = hmacKey();
  const accounts = Accounts.EMPTY.with({ name: "alice", password: await hashPassword(PASSWORD) });
  const gate = new LoginGate({
    authenticator: standardAuthenticator({
      users: { accounts },
      jwt: { key: await parseJwtKey(hmac.file), audience: "chat" },
      clock,
    })!,
    clock,
  });
  const expired = await sign(hmac, { sub: "bob", exp: NOW - 60, aud: "chat" });
  const wrongAudience = await sign(hmac, { sub: "bob", exp: NOW + 60, aud: "wiki" });
  const badSub = await sign(hmac, { sub: "b o b", exp: NOW + 60, aud: "chat" });
  const cases: [string, unknown, string, string][] = [
    ["wrong password", { user: "alice", password: PASSWORD + "!" }, "alice", PASSWORD + "!"],
    ["unknown user", { user: "mallory", password: PASSWORD }, "mallory", PASSWORD],
    ["invalid user name", { user: "mal\u202Eory", password: PASSWORD }, "-", PASSWORD],
    ["expired token", { jwt: expired }, "bob", expired],
    ["token of another audience", { jwt: wrongAudience }, "bob", wrongAudience],
    ["token with a bad sub", { jwt: badSub }, "-", badSub],
    [
      "alg none",
      { jwt: forged({ alg: "none" }, { sub: "bob" }) },
      "bob",
      forged({ alg: "none" }, { sub: "bob" }),
    ],
    ["unreadable token", { jwt: "not.a.token" }, "-", "not.a.token"],
  ];
  for (const [what, auth, user, secret] of cases) {
    const peer = "tcp://192.0.2.50:6000";
    const [log, text] = await refusal(gate, auth, peer);
    strictEqual(log.peer, peer, what);
    strictEqual(log.user, user, what);
    ok(!text.includes(secret), `${what}: the secret is in ${text}`);
    for (const part of secret.split(".").filter((part) => part.length > 8)) {
      ok(!text.includes(part), `${what}: part of the token is in ${text}`);
    }
  }
  // Throttled: 5 refused already for alice from this address.
  const peer = "tcp://192.0.2.51:6000";
  for (let i = 0; i < 5; i++) await refusal(gate, { user: "alice", password: `x${i}` }, peer);
  const [log, text] = await refusal(gate, { user: "alice", password: PASSWORD }, peer);
  strictEqual(log.throttled, true);
  strictEqual(log.user, "alice");
  ok(!text.includes(PASSWORD));
});

Deno.test("refusal log: an authenticator of one's own whose error quotes the secret has its message left out, not garbled", async () => {
  const gate = new LoginGate({
    authenticator: {
      methods: ["password", "jwt"],
      authenticate: ({ auth }) =>
        Promise.reject(new Error(`bad credentials ${JSON.stringify(auth)}`)),
    },
  });
  const logins: [unknown, string][] = [
    [{ user: "eve", password: PASSWORD }, PASSWORD],
    [{ jwt: "aaaa.bbbb.cccc" }, "aaaa.bbbb.cccc"],
  ];
  for (const [auth, secret] of logins) {
    const [log, text] = await refusal(gate, auth, "unix");
    strictEqual(log.peer, "unix");
    strictEqual(
      log.reason,
      "the authenticator failed: Error (its message quotes the login's secret: left out)",
    );
    ok(!text.includes(secret), text);
  }
});

Deno.test("refusal log: a password that is a word or a letter of the reason leaves the reason whole", async () => {
  const accounts = Accounts.EMPTY.with({ name: "alice", password: await hashPassword(PASSWORD) });
  const gate = new LoginGate({ authenticator: standardAuthenticator({ users: { accounts } })! });
  for (
    const [i, [user, password, reason]] of [
      ["alice", "wrong", "wrong password"],
      ["alice", "o", "wrong password"],
      ["nobody", "account", "no such account"],
      ["nobody", "n", "no such account"],
    ].entries()
  ) {
    const [log] = await refusal(gate, { user, password }, `tcp://192.0.2.60:${6000 + i}`);
    strictEqual(log.reason, reason, password);
  }
});

Deno.test("refusal log: the name tried is a valid name or '-', so a log line cannot be forged through it", () => {
  for (const user of ["a\nb", "x\u001b[31m", "", "a".repeat(100)]) {
    strictEqual(refusalLog("unix", { user, password: "p" }, "wrong password").user, "-");
  }
  strictEqual(
    refusalLog("unix", { user: "ｂｏｂ", password: "p" }, "r").user,
    "bob",
    "as normalized",
  );
  strictEqual(refusalLog("unix", undefined, "r").user, "-");
});
