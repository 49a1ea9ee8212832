/**
 * `chat user add|passwd|remove|list --users FILE` (CLI.md), run as the real
 * program under the shipped permissions: the password from CHAT_PASSWORD or
 * the first line of standard input, the file's mode and format, names
 * compared as section 2 compares them, and each exit status.
 *
 * @module
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { readUsersFile, USERS_FILE_MODE } from "../../src/server/identity/users_file.ts";
import { verifyPassword } from "../../src/server/identity/scrypt_hash.ts";
import { linesOf, runMain, type RunOptions } from "../helpers/run_main.ts";
import { tempDir } from "../helpers/spawn.ts";

/** Runs `chat user ARGS... --users path`. */
function user(path: string, args: string[], options: RunOptions = {}) {
  return runMain(["user", ...args, "--users", path], options);
}

/** Whether `password` is the one of account `name` in `path`. */
async function passwordIs(path: string, name: string, password: string): Promise<boolean> {
  const account = (await readUsersFile(path)).get(name);
  ok(account, `no account ${name}`);
  return await verifyPassword(password, account.password);
}

Deno.test("chat user add: the password from CHAT_PASSWORD or stdin's first line; mode 600; never in clear", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const fromEnv = await user(path, ["add", "alice"], { env: { CHAT_PASSWORD: "env pässword" } });
  strictEqual(fromEnv.code, 0, fromEnv.stderr);
  strictEqual(fromEnv.stdout, "");
  strictEqual((await Deno.stat(path)).mode! & 0o777, USERS_FILE_MODE);
  strictEqual(await passwordIs(path, "alice", "env pässword"), true);

  const fromStdin = await user(path, ["add", "bob"], { stdin: "first line\r\nsecond line\n" });
  strictEqual(fromStdin.code, 0, fromStdin.stderr);
  strictEqual(await passwordIs(path, "bob", "first line"), true, "the first line, without CRLF");
  // CHAT_PASSWORD wins over standard input.
  const both = await user(path, ["add", "carol"], { env: { CHAT_PASSWORD: "env" }, stdin: "in\n" });
  strictEqual(both.code, 0, both.stderr);
  strictEqual(await passwordIs(path, "carol", "env"), true);
  const noLineEnd = await user(path, ["add", "dave"], { stdin: "no line end" });
  strictEqual(noLineEnd.code, 0, noLineEnd.stderr);
  strictEqual(await passwordIs(path, "dave", "no line end"), true);

  const text = await Deno.readTextFile(path);
  for (const secret of ["env pässword", "first line", "no line end"]) ok(!text.includes(secret));
  deepStrictEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["users.json"]);
  strictEqual((await Deno.stat(path)).mode! & 0o777, USERS_FILE_MODE);
});

Deno.test("chat user add: an empty password is a usage error, and the file is left alone", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const cases: [string, RunOptions, RegExp][] = [
    ["CHAT_PASSWORD set but empty", { env: { CHAT_PASSWORD: "" }, stdin: "pw\n" }, /CHAT_PASSWORD/],
    ["no standard input", {}, /empty password on standard input/],
    ["an empty first line", { stdin: "\nsecond\n" }, /empty password/],
    ["a line of CR alone", { stdin: "\r\n" }, /empty password/],
  ];
  for (const [what, options, message] of cases) {
    const run = await user(path, ["add", "alice"], options);
    strictEqual(run.code, 2, `${what}: ${run.stderr}`);
    match(run.stderr, message, what);
    match(run.stderr, /see 'chat user --help'/, what);
  }
  deepStrictEqual([...Deno.readDirSync(dir.path)], [], "no file made");
});

Deno.test("chat user: names compare as section 2 compares them; add, passwd and remove exit 1 when they must", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const env = { CHAT_PASSWORD: "one" };
  strictEqual((await user(path, ["add", "Ｇｒａｃｅ"], { env })).code, 0, "stored as NFKC");
  deepStrictEqual(linesOf((await user(path, ["list"])).stdout), ["Grace"]);
  const before = await Deno.readTextFile(path);
  for (const name of ["grace", "GRACE", "ｇｒａｃｅ"]) {
    const again = await user(path, ["add", name], { env: { CHAT_PASSWORD: "two" } });
    strictEqual(again.code, 1, `add ${name}: ${again.stderr}`);
    match(again.stderr, /account 'Grace' already exists/);
  }
  strictEqual(await Deno.readTextFile(path), before, "unchanged");

  const passwd = await user(path, ["passwd", "GRACE"], { env: { CHAT_PASSWORD: "three" } });
  strictEqual(passwd.code, 0, passwd.stderr);
  strictEqual(await passwordIs(path, "grace", "three"), true);
  strictEqual(await passwordIs(path, "grace", "one"), false);
  deepStrictEqual(linesOf((await user(path, ["list"])).stdout), ["Grace"], "the name as created");

  for (const action of ["passwd", "remove"]) {
    const none = await user(path, [action, "nobody"], { env });
    strictEqual(none.code, 1, `${action}: ${none.stderr}`);
    match(none.stderr, /no account 'nobody'/);
  }
  const removed = await user(path, ["remove", "grace"]);
  strictEqual(removed.code, 0, removed.stderr);
  deepStrictEqual((await readUsersFile(path)).names(), []);
  strictEqual((await user(path, ["remove", "grace"])).code, 1, "removed already");
});

Deno.test("chat user list: names one per line, sorted by code point; a missing or broken file exits 1", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const missing = await user(path, ["list"]);
  strictEqual(missing.code, 1);
  match(missing.stderr, /users\.json: no such users file/);
  for (const name of ["zoe", "Zed", "émile", "Ωμέγα", "bob2", "\u{10400}\u{10401}", "\uFFFCx"]) {
    const run = await user(path, ["add", name], { env: { CHAT_PASSWORD: "pw" } });
    strictEqual(run.code, 0, `${name}: ${run.stderr}`);
  }
  const list = await user(path, ["list"]);
  strictEqual(list.code, 0, list.stderr);
  deepStrictEqual(linesOf(list.stdout), [
    "Zed",
    "bob2",
    "zoe",
    "émile",
    "Ωμέγα",
    "\uFFFCx",
    "\u{10400}\u{10401}",
  ]);
  await Deno.writeTextFile(path, '{"version":1,"accounts":[');
  const broken = await user(path, ["list"]);
  strictEqual(broken.code, 1);
  match(broken.stderr, /users\.json is not a users file: not JSON/);
});

Deno.test("chat user: a bad NAME, a missing --users or a wrong action is a usage error (exit 2)", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const env = { CHAT_PASSWORD: "pw" };
  const cases: [string[], RegExp][] = [
    [["user", "add", "a b", "--users", path], /invalid name/],
    [["user", "add", "b\u043eb", "--users", path], /two scripts/],
    [["user", "add", "guest-1", "--users", path], /guest-/],
    [["user", "add", "Guest-Ada", "--users", path], /guest-/],
    [["user", "add", "x".repeat(33), "--users", path], /more than 32/],
    [["user", "add", "alice"], /--users FILE is needed/],
    [["user", "add", "alice", "--users", ""], /--users needs a value/],
    [["user", "add", "--users", path], /takes one NAME/],
    [["user", "add", "a", "b", "--users", path], /takes one NAME/],
    [["user", "list", "alice", "--users", path], /takes no NAME/],
    [["user", "rename", "a", "--users", path], /unknown action 'rename'/],
    [["user", "--users", path], /missing action/],
    [["user", "add", "alice", "--users", path, "--token", "x"], /unknown option '--token'/],
  ];
  for (const [args, message] of cases) {
    const run = await runMain(args, { env });
    strictEqual(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    strictEqual(linesOf(run.stderr).length, 1, run.stderr);
    match(run.stderr, message, args.join(" "));
  }
  deepStrictEqual([...Deno.readDirSync(dir.path)], [], "no file made");
  const help = await runMain(["user", "--help"]);
  strictEqual(help.code, 0);
  match(help.stdout, /chat user add NAME --users FILE/);
});
