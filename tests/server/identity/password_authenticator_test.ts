/**
 * Password logins against the users file: the account as section 2 names
 * it, one answer for every failure, an unknown user costing what a wrong
 * password costs, a password set anew during the check, and whether a
 * session of an identity is still admitted.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { LOGIN_REFUSED } from "../../../src/server/identity/identity.ts";
import { passwordAuthenticator } from "../../../src/server/identity/password_authenticator.ts";
import { hashPassword, type PasswordHash } from "../../../src/server/identity/scrypt_hash.ts";

const PEER = "tcp://192.0.2.1:40000";

/** One hash of "s3cret", made once: scrypt takes about 0.2 s. */
const S3CRET: PasswordHash = await hashPassword("s3cret");

/** Accounts `names`, all with the password "s3cret". */
function accountsOf(...names: string[]): Accounts {
  return names.reduce((a, name) => a.with({ name, password: S3CRET }), Accounts.EMPTY);
}

Deno.test("password: the user names the account as section 2 compares names", async () => {
  const auth = passwordAuthenticator({ users: { accounts: accountsOf("alice", "Émile") } });
  for (
    const [user, account] of [["alice", "alice"], ["ALICE", "alice"], ["e\u0301mile", "Émile"]]
  ) {
    const identity = await auth.authenticate({ auth: { user, password: "s3cret" }, peer: PEER });
    strictEqual(identity.account, account, user);
    strictEqual(identity.verified, true);
    strictEqual(identity.method, "password");
    strictEqual(identity.rooms, undefined);
    ok(identity.revision);
  }
  deepStrictEqual(auth.methods, ["password"]);
});

Deno.test("password: every failure is unauthorized with one message; the reason is for the log", async () => {
  const auth = passwordAuthenticator({ users: { accounts: accountsOf("alice") } });
  const cases: [string, unknown, string][] = [
    ["wrong password", { user: "alice", password: "S3cret" }, "wrong password"],
    ["unknown user", { user: "bob", password: "s3cret" }, "no such account"],
    ["invalid name", { user: "al ice", password: "s3cret" }, "no such account"],
    ["empty password", { user: "alice", password: "" }, "not a password login"],
    ["a token", { jwt: "a.b.c" }, "not a password login"],
    ["no object", "alice:s3cret", "not a password login"],
  ];
  for (const [what, credentials, reason] of cases) {
    await rejects(auth.authenticate({ auth: credentials, peer: PEER }), (error: Error) => {
      deepStrictEqual(
        { code: (error as { code?: string }).code, message: error.message },
        { code: "unauthorized", message: LOGIN_REFUSED },
        what,
      );
      strictEqual((error as { reason?: string }).reason, reason, what);
      return true;
    });
  }
});

/** The median of `n` runs of `fn`, in milliseconds. */
async function medianMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn().catch(() => {});
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

Deno.test("password: an unknown user costs the same time as a wrong password", async () => {
  const auth = passwordAuthenticator({ users: { accounts: accountsOf("alice") } });
  const wrong = () => auth.authenticate({ auth: { user: "alice", password: "x" }, peer: PEER });
  const unknown = () => auth.authenticate({ auth: { user: "nobody", password: "x" }, peer: PEER });
  const invalid = () => auth.authenticate({ auth: { user: "no body", password: "x" }, peer: PEER });
  const wrongMs = await medianMs(3, wrong);
  const unknownMs = await medianMs(3, unknown);
  const invalidMs = await medianMs(3, invalid);
  for (const [what, ms] of [["unknown", unknownMs], ["invalid", invalidMs]] as const) {
    const ratio = ms / wrongMs;
    ok(
      ratio > 0.6 && ratio < 1.6,
      `${what} user ${ms.toFixed(0)} ms, wrong ${wrongMs.toFixed(0)} ms`,
    );
  }
  ok(wrongMs > 50, `a check hashes (${wrongMs.toFixed(0)} ms)`);
});

Deno.test("password: a password set anew during the check refuses the login; admits follows the file", async () => {
  const users = { accounts: accountsOf("alice", "bob") };
  const auth = passwordAuthenticator({ users });
  const identity = await auth.authenticate({
    auth: { user: "bob", password: "s3cret" },
    peer: PEER,
  });
  strictEqual(auth.admits!(identity), true);
  const other = await hashPassword("new");
  const pending = auth.authenticate({ auth: { user: "alice", password: "s3cret" }, peer: PEER });
  // While alice's hash is checked, her password is set anew (same hash, new entry) and bob's too.
  users.accounts = users.accounts.with({ name: "alice", password: { ...S3CRET } })
    .with({ name: "bob", password: other });
  await rejects(pending, { code: "unauthorized", reason: "account changed during the check" });
  strictEqual(auth.admits!(identity), false, "bob's password changed");
  users.accounts = users.accounts.without("bob");
  strictEqual(auth.admits!(identity), false, "bob removed");
});
