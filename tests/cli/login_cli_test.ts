/**
 * The clients' logins through the real program (CLI.md, "Client options"):
 * `--user` with `CHAT_PASSWORD`, `--password-file` or a prompt without echo
 * on a terminal, `--jwt-file` and `CHAT_JWT`; `login refused: <reason>` and
 * exit 1 on a refused login and on a disconnect that ends the account's
 * session, never reconnecting; the socket owner check for passwords.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, strictEqual } from "node:assert/strict";
import { describeUser, processUid } from "../../src/transport/unix_owner.ts";
import { who } from "../helpers/cluster.ts";
import { accountsOf, loggedIn, LOGIN_MS, startIdentityServer } from "../helpers/identity.ts";
import { sign } from "../helpers/jwt_keys.ts";
import { assertUnreadable, linesOf, runMain } from "../helpers/run_main.ts";
import { tcpFlags, tempDir } from "../helpers/spawn.ts";
import { ChatTerminal } from "../helpers/terminal.ts";

const accounts = await accountsOf({ alice: "alice's pw", bob: "bob's pw" });
const BOB = { user: "bob", password: "bob's pw" };

Deno.test("client file: --user with CHAT_PASSWORD or --password-file, --jwt-file or CHAT_JWT: the lines go as the account, verified", async () => {
  await using s = await startIdentityServer(accounts);
  await using dir = await tempDir();
  await using bob = await loggedIn(s.unix, { auth: BOB });
  const passwordFile = `${dir.path}/pw`;
  await Deno.writeTextFile(passwordFile, "alice's pw\n");
  const jwt = await sign(s.hmac, { sub: "carol", exp: Math.floor(Date.now() / 1000) + 600 });
  const jwtFile = `${dir.path}/jwt`;
  await Deno.writeTextFile(jwtFile, `${jwt}\n`);
  const runs: [string[], Record<string, string>, string][] = [
    [["--user", "alice"], { CHAT_PASSWORD: "alice's pw" }, "alice"],
    [["--user", "Alice", "--password-file", passwordFile], {}, "alice"],
    [["--jwt-file", jwtFile], {}, "carol"],
    [[], { CHAT_JWT: jwt }, "carol"],
  ];
  for (const [i, [flags, env, account]] of runs.entries()) {
    const run = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port), ...flags], {
      stdin: `hello ${i}\n`,
      env,
    });
    strictEqual(run.code, 0, run.stderr);
    const got = await bob.next("message", LOGIN_MS);
    assertEquals([got.from, got.verified, got.content], [account, true, `hello ${i}`]);
  }
});

Deno.test("client file: a refused login is 'login refused: <reason>' and exit 1; --user without a password is a usage error", async () => {
  await using s = await startIdentityServer(accounts);
  const wrong = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port), "--user", "alice"], {
    stdin: "never sent\n",
    env: { CHAT_PASSWORD: "guess" },
  });
  strictEqual(wrong.code, 1, wrong.stderr);
  assertEquals(linesOf(wrong.stderr), ["login refused: invalid credentials"]);
  const none = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port)], {
    stdin: "never sent\n",
  });
  strictEqual(none.code, 1, none.stderr);
  assertEquals(linesOf(none.stderr), ["login refused: login required"]);
  const usage = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port), "--user", "alice"]);
  strictEqual(usage.code, 2, usage.stderr);
  assert(/--user alice needs its password/.test(usage.stderr), usage.stderr);
  // A --jwt-file or --password-file that cannot be read: a runtime failure (exit 1) naming it.
  await using dir = await tempDir();
  for (
    const flags of [
      ["--jwt-file", `${dir.path}/nope`],
      ["--user", "alice", "--password-file", `${dir.path}/nope`],
    ]
  ) {
    const run = await runMain(["client", "file", "-", ...tcpFlags(s.tcp.port), ...flags]);
    assertUnreadable(run, new RegExp(`^chat: ${flags.at(-2)}: cannot read .*nope: no such file$`));
  }
  assertEquals(s.server.sessions, []);
});

Deno.test("client interactive: a login elsewhere ends it with 'login refused: logged in elsewhere', exit 1, no reconnecting", async () => {
  await using s = await startIdentityServer(accounts);
  await using chat = ChatTerminal.spawn([...tcpFlags(s.tcp.port), "--user", "bob"], {
    pty: false,
    env: { CHAT_PASSWORD: "bob's pw" },
  });
  await chat.write("/who\n");
  await chat.waitForText("bob ✓ (tcp)");
  await using again = await loggedIn(s.unix, { auth: BOB });
  strictEqual((await chat.exited(LOGIN_MS)).code, 1);
  assert(chat.stderr.includes("login refused: logged in elsewhere"), chat.stderr);
  // Only the new session: the client did not come back.
  assertEquals((await who(again)).map((e) => [e.session_id, e.name]), [[again.sessionId, "bob"]]);
});

Deno.test("client interactive on a terminal: --user asks the password without echo, and the session is the account's", async () => {
  await using s = await startIdentityServer(accounts);
  await using chat = ChatTerminal.spawn([...tcpFlags(s.tcp.port), "--user", "alice"]);
  await chat.waitForText("Password for alice: ");
  await chat.write("alice's pw\r");
  await chat.waitForText(`as alice`);
  await chat.write("/who\r");
  await chat.waitForText("alice ✓ (tcp)");
  assert(!chat.stdout.includes("alice's pw"), "the password was echoed");
  await chat.write("/quit\r");
  strictEqual((await chat.exited()).code, 0);
});

/** Another user's id: the conventional `nobody`. */
const NOBODY = 65534;

Deno.test({
  name: "a client with a password or a login token refuses a Unix socket owned by another user",
  ignore: Deno.build.os === "windows" || processUid() !== 0,
  async fn() {
    await using s = await startIdentityServer(accounts);
    await Deno.chown(s.unix.path, NOBODY, NOBODY);
    const owner = describeUser(NOBODY);
    for (
      const [flags, env, withheld] of [
        [["--user", "alice"], { CHAT_PASSWORD: "alice's pw" }, "the password is"],
        [[], { CHAT_JWT: "a.b.c" }, "the login token is"],
        [
          ["--token", "t", "--user", "alice"],
          { CHAT_PASSWORD: "x" },
          "the token and the password are",
        ],
      ] as const
    ) {
      const run = await runMain(["client", "file", "-", s.unix.path, ...flags], {
        stdin: "secret line\n",
        env,
      });
      strictEqual(run.code, 1, run.stderr);
      assert(run.stderr.includes(`owned by ${owner}`), run.stderr);
      assert(run.stderr.includes(`so ${withheld} not sent to it`), run.stderr);
    }
    assertEquals(s.server.sessions, []);
  },
});
