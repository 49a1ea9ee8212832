/**
 * An authenticator of your own, as the README shows it
 * (`examples/directory_authenticator.ts`): password logins
 * checked against a directory server (LDAP, say; a map stands in for it
 * here), next to login tokens, behind the same gate as the built-in ones.
 * The gate keeps its promises for it: one answer for every failure, the
 * guessing throttle, names normalized, no secret in the log.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import {
  directoryAuthenticator,
  type PeopleDirectory,
} from "../../../examples/directory_authenticator.ts";
import {
  composeAuthenticators,
  jwtAuthenticator,
  LoginGate,
  type LoginRefused,
  parseJwtKey,
} from "../../../src/server/identity/mod.ts";
import { hmacKey, sign } from "../../helpers/jwt_keys.ts";

/** A directory of two people, in memory. */
const directory: PeopleDirectory = {
  bind(user, password) {
    const people: Record<string, [string, string]> = {
      "grace": ["Grace", "cobol"],
      "linus": ["Linus", "penguin"],
    };
    const person = people[user.toLowerCase()];
    return Promise.resolve(person && person[1] === password ? person[0] : undefined);
  },
};

Deno.test("custom authenticator: a directory's password logins next to tokens, behind one gate", async () => {
  const hmac = hmacKey();
  const gate = new LoginGate({
    authenticator: composeAuthenticators([
      directoryAuthenticator(directory),
      jwtAuthenticator({ key: await parseJwtKey(hmac.file) }),
    ]),
    allowGuests: true,
  });
  deepStrictEqual(gate.announcement, { login: ["password", "jwt"], guests: true });
  const peer = "tcp://192.0.2.80:7000";

  const grace = await gate.admit({ user: "GRACE", password: "cobol" }, peer);
  deepStrictEqual(grace, { account: "Grace", verified: true, method: "password" });
  const token = await sign(hmac, { sub: "ada", exp: Math.floor(Date.now() / 1000) + 60 });
  strictEqual((await gate.admit({ jwt: token }, peer))?.account, "ada");
  strictEqual(await gate.admit(undefined, peer), undefined, "a guest");

  await rejects(gate.admit({ user: "linus", password: "tux" }, peer), {
    code: "unauthorized",
    message: "invalid credentials",
    log: { peer, user: "linus", reason: "the directory refused the bind", throttled: false },
  });
  // The throttle holds for it too: 4 more wrong guesses for linus, then even the right one waits.
  for (let i = 0; i < 4; i++) {
    await gate.admit({ user: "linus", password: `tux${i}` }, peer).catch(() => {});
  }
  await rejects(
    gate.admit({ user: "linus", password: "penguin" }, peer),
    (error: LoginRefused) => error.log?.throttled === true,
  );
  strictEqual((await gate.admit({ user: "linus", password: "penguin" }, "unix"))?.account, "Linus");
});
