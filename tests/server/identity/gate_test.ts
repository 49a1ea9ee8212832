/**
 * The gate of a handshake: what `session_init` announces for each set of
 * identity options, guests let in or refused, a kind of login the server
 * was not started for, and an authenticator of one's own that fails or
 * answers with a name that breaks the rules.
 *
 * @module
 */

import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { standardAuthenticator } from "../../../src/server/identity/compose.ts";
import { LoginGate } from "../../../src/server/identity/gate.ts";
import {
  type Authenticator,
  LOGIN_REFUSED,
  LOGIN_REQUIRED,
} from "../../../src/server/identity/identity.ts";
import { parseJwtKey } from "../../../src/server/identity/jwt_key.ts";
import { unmatchableHash } from "../../../src/server/identity/scrypt_hash.ts";
import { hmacKey, sign } from "../../helpers/jwt_keys.ts";

const PEER = "tcp://192.0.2.10:5000";
const users = { accounts: Accounts.EMPTY.with({ name: "alice", password: unmatchableHash() }) };
const hmac = hmacKey();
const jwt = { key: await parseJwtKey(hmac.file) };

Deno.test("gate: session_init announces the kinds of login of --users and --jwt-key, and guests", () => {
  strictEqual(standardAuthenticator({}), undefined, "neither: no identities, no announcement");
  const cases: [Parameters<typeof standardAuthenticator>[0], boolean, string[]][] = [
    [{ users }, false, ["password"]],
    [{ jwt }, true, ["jwt"]],
    [{ users, jwt }, false, ["password", "jwt"]],
  ];
  for (const [options, allowGuests, login] of cases) {
    const gate = new LoginGate({ authenticator: standardAuthenticator(options)!, allowGuests });
    deepStrictEqual(gate.announcement, { login, guests: allowGuests });
  }
});

Deno.test("gate: no auth is a guest with --allow-guests, else unauthorized 'login required'", async () => {
  const authenticator = standardAuthenticator({ users })!;
  strictEqual(
    await new LoginGate({ authenticator, allowGuests: true }).admit(undefined, PEER),
    undefined,
  );
  await rejects(new LoginGate({ authenticator }).admit(undefined, PEER), {
    code: "unauthorized",
    message: LOGIN_REQUIRED,
    log: { peer: PEER, user: "-", reason: "no login, and guests are not let in", throttled: false },
  });
  // An auth that is there but of no shape is a failed login, guests or not.
  for (
    const auth of [null, "alice", {}, { user: "alice" }, { user: "alice", password: "x", jwt: "y" }]
  ) {
    await rejects(
      new LoginGate({ authenticator, allowGuests: true }).admit(auth, PEER),
      { code: "unauthorized", message: LOGIN_REFUSED },
      JSON.stringify(auth),
    );
  }
});

Deno.test("gate: a kind of login the server was not started for is refused like any other failure", async () => {
  const passwords = new LoginGate({ authenticator: standardAuthenticator({ users })! });
  const token = await sign(hmac, { sub: "bob", exp: Math.floor(Date.now() / 1000) + 60 });
  await rejects(passwords.admit({ jwt: token }, PEER), {
    code: "unauthorized",
    message: LOGIN_REFUSED,
    log: { peer: PEER, user: "bob", reason: "no jwt logins on this server", throttled: false },
  });
  const tokens = new LoginGate({ authenticator: standardAuthenticator({ jwt })! });
  await rejects(tokens.admit({ user: "alice", password: "x" }, PEER), {
    message: LOGIN_REFUSED,
    log: {
      peer: PEER,
      user: "alice",
      reason: "no password logins on this server",
      throttled: false,
    },
  });
  strictEqual((await tokens.admit({ jwt: token }, PEER))?.account, "bob");
});

Deno.test("gate: an authenticator of one's own that throws, or names an account against the rules, refuses the login", async () => {
  const answers: [string, Authenticator["authenticate"], RegExp][] = [
    [
      "a plain error",
      () => Promise.reject(new Error("directory down")),
      /authenticator failed: directory down/,
    ],
    [
      "a guest name",
      () => Promise.resolve({ account: "guest-abc", verified: true, method: "password" }),
      /name rules/,
    ],
    [
      "an invalid name",
      () => Promise.resolve({ account: "a b", verified: true, method: "password" }),
      /name rules/,
    ],
    [
      "rooms of no names",
      () => Promise.resolve({ account: "ok", verified: true, method: "password", rooms: ["a b"] }),
      /rooms/,
    ],
  ];
  for (const [what, authenticate, reason] of answers) {
    const gate = new LoginGate({ authenticator: { methods: ["password"], authenticate } });
    await rejects(
      gate.admit({ user: "ok", password: "pw" }, PEER),
      (error: Error & { log: { reason: string } }) => {
        strictEqual(error.message, LOGIN_REFUSED, what);
        strictEqual(reason.test(error.log.reason), true, `${what}: ${error.log.reason}`);
        return true;
      },
    );
  }
  // A name it gives unnormalized is normalized (NFKC), as section 2 stores names.
  const gate = new LoginGate({
    authenticator: {
      methods: ["password"],
      authenticate: () =>
        Promise.resolve({
          account: "ａｄａ",
          verified: true,
          method: "password",
          rooms: ["ｌobby"],
        }),
    },
  });
  const identity = await gate.admit({ user: "ada", password: "pw" }, PEER);
  deepStrictEqual([identity?.account, identity?.rooms], ["ada", ["lobby"]]);
});
