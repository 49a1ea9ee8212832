/**
 * Who is who, end to end through the real program (PROTOCOL.md section 11,
 * CLI.md): `chat server --users --jwt-key --jwt-audience --allow-guests`,
 * the attacks on login tokens and passwords and what the server answers
 * them, the timing of an unknown user against a wrong password, no secret
 * in the logs at `debug` (text and JSON), and the users file read again
 * while the server runs.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { loginFrom } from "../helpers/bound_login.ts";
import { eventually } from "../helpers/cluster.ts";
import { login, LOGIN_MS } from "../helpers/identity.ts";
import {
  AUDIENCE,
  identityFiles,
  PASSWORDS,
  startIdentityProcess,
} from "../helpers/identity_process.ts";
import { forged, hmacSigned, sign } from "../helpers/jwt_keys.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

const ALICE = { user: "alice", password: PASSWORDS.alice };

/** A token's `exp`, `seconds` from now. */
function inSeconds(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds;
}

/** The fields of an answer a test compares. */
function summary(answer: Frame): unknown[] {
  return [answer.type, answer.code ?? answer.name, answer.content];
}

Deno.test("chat server: --users missing at start is exit 1 naming it; a bad --jwt-key exit 2; --allow-guests or --jwt-audience alone exit 2", async () => {
  await using dir = await tempDir();
  const missing = `${dir.path}/no-users.json`;
  const noUsers = await ChatProcess.run(["server", "--port", "0", "--users", missing]);
  strictEqual(noUsers.code, 1, noUsers.stderr);
  assert(noUsers.stderr.includes(`--users: cannot read ${missing}: no such file`), noUsers.stderr);

  const short = `${dir.path}/short.key`;
  await Deno.writeTextFile(short, "too short a secret\n");
  const badKey = await ChatProcess.run(["server", "--port", "0", "--jwt-key", short]);
  strictEqual(badKey.code, 2, badKey.stderr);
  assert(badKey.stderr.includes(`--jwt-key: ${short}:`), badKey.stderr);

  for (
    const [flags, says] of [
      [
        ["--allow-guests"],
        "--allow-guests lets guests in beside accounts: add --users or --jwt-key",
      ],
      [["--jwt-audience", "x"], "--jwt-audience is the audience of --jwt-key's tokens"],
    ]
  ) {
    const run = await ChatProcess.run(["server", "--port", "0", ...flags as string[]]);
    strictEqual(run.code, 2, run.stderr);
    assert(run.stderr.includes(says as string), run.stderr);
  }
});

Deno.test("the attacks on login tokens, through the server: alg none, HMAC keyed with the public key, expired, another audience: each unauthorized, one answer for all", async () => {
  await using files = await identityFiles();
  await using server = await startIdentityProcess(files);
  const claims = { sub: "carol", aud: AUDIENCE, exp: inSeconds(600) };
  const pem = new TextDecoder().decode(files.rsa.file);
  const attacks: [string, string][] = [
    ["alg none", forged({ alg: "none", typ: "JWT" }, claims)],
    ["alg none, signed", forged({ alg: "none" }, claims, new Uint8Array([1, 2, 3]))],
    [
      "HS256 keyed with the public key's PEM",
      await hmacSigned({ ...files.rsa, signing: files.rsa.file }, { alg: "HS256" }, claims),
    ],
    [
      "HS256 keyed with the PEM without its line feed",
      await hmacSigned(
        { ...files.rsa, signing: new TextEncoder().encode(pem.trimEnd()) },
        { alg: "HS256" },
        claims,
      ),
    ],
    ["expired 2 minutes ago", await sign(files.rsa, { ...claims, exp: inSeconds(-120) })],
    ["another audience", await sign(files.rsa, { ...claims, aud: "another-app" })],
    ["no audience", await sign(files.rsa, { sub: "carol", exp: inSeconds(600) })],
  ];
  for (const [attack, jwt] of attacks) {
    const { client, answer } = await login(server.tcp, { auth: { jwt } });
    await client.closed();
    await client.close();
    console.log(`attack: ${attack}: the server answered ${JSON.stringify(answer)}`);
    assertEquals(summary(answer), ["error", "unauthorized", "invalid credentials"], attack);
  }
  // The same claims, rightly signed: carol is in.
  const { client, answer } = await login(server.unix, {
    auth: { jwt: await sign(files.rsa, claims) },
  });
  await client.close();
  assertEquals(summary(answer), ["ack", "carol", "Session acknowledged"]);
});

Deno.test("5 wrong passwords from one address, then the right one from it: refused unchecked; from another address it is let in", async () => {
  await using files = await identityFiles();
  await using server = await startIdentityProcess(files);
  const from = "127.0.0.2";
  for (let i = 1; i <= 5; i++) {
    const { answer, ms } = await loginFrom(from, server.tcp.port, {
      auth: { user: "alice", password: `guess ${i}` },
    });
    console.log(`wrong password ${i}: ${JSON.stringify(answer)} in ${ms.toFixed(0)} ms`);
    assertEquals(summary(answer), ["error", "unauthorized", "invalid credentials"]);
  }
  const sixth = await loginFrom(from, server.tcp.port, { auth: ALICE });
  console.log(
    `the right password, 6th from ${from}: ${JSON.stringify(sixth.answer)} in ` +
      `${sixth.ms.toFixed(0)} ms (no hash computed)`,
  );
  assertEquals(summary(sixth.answer), ["error", "unauthorized", "invalid credentials"]);
  // Another account from that address still gets its check; alice from another address too.
  const bob = await loginFrom(from, server.tcp.port, {
    auth: { user: "bob", password: PASSWORDS.bob },
  });
  assertEquals(summary(bob.answer), ["ack", "bob", "Session acknowledged"]);
  const elsewhere = await loginFrom("127.0.0.3", server.tcp.port, { auth: ALICE });
  console.log(`the right password from 127.0.0.3: ${JSON.stringify(elsewhere.answer)}`);
  assertEquals(summary(elsewhere.answer), ["ack", "alice", "Session acknowledged"]);
  // Refusals are logged at warn with the peer and the user tried (at most one a second).
  await server.process.waitForLine(/refused "tcp:\/\/127\.0\.0\.2:\d+".* a login as "alice"/);
});

Deno.test("a refused login's log line gives its reason whole, also when the password is a word of it", async () => {
  await using files = await identityFiles();
  await using server = await startIdentityProcess(files);
  const { answer } = await loginFrom("127.0.0.4", server.tcp.port, {
    auth: { user: "alice", password: "wrong" },
  });
  assertEquals(summary(answer), ["error", "unauthorized", "invalid credentials"]);
  const line = (await server.process.waitForLine(/a login as "alice"/)).input!;
  assert(line.includes("wrong password") && !line.includes("redacted"), line);
});

/** The median of `values`. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

Deno.test("an unknown user costs the time of a wrong password", async () => {
  await using files = await identityFiles();
  await using server = await startIdentityProcess(files);
  const wrong: number[] = [];
  const unknown: number[] = [];
  // Alternating, one at a time, each from its own address (no throttle in the way).
  for (let i = 0; i < 6; i++) {
    const address = `127.0.1.${i + 1}`;
    const a = await loginFrom(address, server.tcp.port, {
      auth: { user: i % 2 ? "alice" : "bob", password: "not it" },
    });
    const b = await loginFrom(address, server.tcp.port, {
      auth: { user: `nobody${i}`, password: "not it" },
    });
    for (const { answer } of [a, b]) assertEquals(answer.code, "unauthorized");
    wrong.push(a.ms);
    unknown.push(b.ms);
  }
  const ratio = median(unknown) / median(wrong);
  console.log(
    `timing: wrong password median ${median(wrong).toFixed(0)} ms ` +
      `[${wrong.map((ms) => ms.toFixed(0)).join(", ")}], unknown user median ` +
      `${median(unknown).toFixed(0)} ms [${unknown.map((ms) => ms.toFixed(0)).join(", ")}], ` +
      `ratio ${ratio.toFixed(2)}`,
  );
  assert(median(wrong) > 50, "a wrong password costs a hash");
  assert(ratio > 0.6 && ratio < 1.6, `unknown / wrong = ${ratio.toFixed(2)}`);
});

for (const format of ["text", "json"]) {
  Deno.test(`no password or token in the logs at debug (${format}); each refusal at warn with the peer and the user`, async () => {
    await using files = await identityFiles();
    const token = "shared-token-secret-4711";
    await using server = await startIdentityProcess(
      files,
      ["--log-level", "debug", "--log-format", format, "--allow-guests"],
      { env: { CHAT_TOKEN: token } },
    );
    const good = await sign(files.rsa, { sub: "carol", aud: AUDIENCE, exp: inSeconds(600) });
    const none = forged({ alg: "none" }, { sub: "dave", aud: AUDIENCE, exp: inSeconds(600) });
    const secrets = [
      token,
      PASSWORDS.alice,
      "guess-secret-1",
      "guess-secret-2",
      good,
      good.split(".")[2],
      none,
    ];
    const logins: Partial<Frame>[] = [
      { token, auth: ALICE },
      { token, auth: { user: "bob", password: "guess-secret-1" } },
      { token, auth: { user: "nobody", password: "guess-secret-2" } },
      { token, auth: { jwt: good } },
      { token, auth: { jwt: none } },
      { token: "wrong", auth: ALICE },
      { token },
    ];
    for (const ack of logins) {
      const { client, answer } = await login(server.tcp, ack);
      if (answer.type === "ack") {
        await client.say({ type: "message", content: "hello", id: 1 });
        await client.ackOf(1);
        await client.say({ type: "disconnect" });
      }
      await client.closed(LOGIN_MS);
      await client.close();
    }
    server.process.kill("SIGTERM");
    const { code, stderr, lines } = await server.process.finished();
    strictEqual(code, 0, stderr);
    for (const secret of secrets) {
      assert(!stderr.includes(secret), `${JSON.stringify(secret)} is in the log:\n${stderr}`);
    }
    const refused = lines.filter((line) => line.includes("a login as"));
    if (format === "json") {
      const records = refused.map((line) => JSON.parse(line));
      const users = records.map((r) => [r.level, r.properties.user, r.properties.code]);
      assertEquals(users[0], ["WARN", "bob", "unauthorized"]);
      assert(records.every((r) => String(r.properties.peer).startsWith("tcp://127.0.0.1:")));
    } else {
      assert(refused.length > 0 && /WRN|warn/i.test(refused[0]), stderr);
      assert(refused[0].includes("bob") && refused[0].includes("tcp://127.0.0.1:"), refused[0]);
    }
    assert(/"DEBUG"|\[DBG\]/.test(stderr), "debug lines were written");
  });
}

Deno.test("the users file read again while the server runs: removed and changed accounts' sessions end, a new account logs in", async () => {
  await using files = await identityFiles();
  await using server = await startIdentityProcess(files);
  const alice = (await login(server.tcp, { auth: ALICE })).client;
  await using _alice = alice;
  const bob = (await login(server.unix, { auth: { user: "bob", password: PASSWORDS.bob } })).client;
  await using _bob = bob;
  const user = (args: string[], env: Record<string, string> = {}) =>
    ChatProcess.run(["user", ...args, "--users", files.users], { env });
  strictEqual((await user(["remove", "alice"])).code, 0);
  strictEqual((await alice.next("disconnect", LOGIN_MS)).content, "account removed");
  strictEqual((await user(["passwd", "bob"], { CHAT_PASSWORD: "bob's new pw" })).code, 0);
  strictEqual((await bob.next("disconnect", LOGIN_MS)).content, "account changed");
  strictEqual((await user(["add", "erin"], { CHAT_PASSWORD: "erin's pw" })).code, 0);
  const erin = await eventually("erin to log in", async () => {
    const { client, answer } = await login(server.tcp, {
      auth: { user: "erin", password: "erin's pw" },
    });
    await client.close();
    return answer.type === "ack" ? answer : undefined;
  });
  strictEqual(erin.name, "erin");
  // A file that cannot be parsed changes nothing.
  await Deno.writeTextFile(files.users, "{ not a users file");
  await server.process.waitForLine(/not read again, accounts unchanged/, LOGIN_MS);
  const still = await login(server.tcp, { auth: { user: "erin", password: "erin's pw" } });
  await still.client.close();
  strictEqual(still.answer.type, "ack");
});
