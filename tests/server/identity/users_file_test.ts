/**
 * The users file: its documented format read back as written, every way a
 * file can break it refused whole, and writes that are atomic (mode 600, a
 * reader never sees half a file, no temporary file left) and never hold a
 * password in clear.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { Accounts } from "../../../src/server/identity/accounts.ts";
import { hashPassword, unmatchableHash } from "../../../src/server/identity/scrypt_hash.ts";
import {
  readUsersFile,
  USERS_FILE_MODE,
  writeUsersFile,
} from "../../../src/server/identity/users_file.ts";
import { formatUsers, parseUsers } from "../../../src/server/identity/users_format.ts";
import { tempDir } from "../../helpers/spawn.ts";

/** Accounts with random hashes (no scrypt run), named `names`. */
function accountsOf(...names: string[]): Accounts {
  return names.reduce(
    (accounts, name) => accounts.with({ name, password: unmatchableHash() }),
    Accounts.EMPTY,
  );
}

/** A file of `accounts` entries as JSON text. */
function fileOf(accounts: unknown, version: unknown = 1): string {
  return JSON.stringify({ version, accounts });
}

const ENTRY = JSON.parse(formatUsers(accountsOf("alice"))).accounts[0];

Deno.test("users format: a file reads back as written, sorted by code point, names normalized", () => {
  const accounts = accountsOf("zoe", "\u{1D400}da", "Émile", "bob");
  const text = formatUsers(accounts);
  const back = parseUsers(text);
  deepStrictEqual(back.names(), ["Ada", "bob", "zoe", "Émile"]); // 𝐀 (U+1D400) is NFKC A
  for (const name of back.names()) {
    deepStrictEqual(back.get(name)!.password, accounts.get(name)!.password);
  }
  const data = JSON.parse(text);
  strictEqual(data.version, 1);
  deepStrictEqual(Object.keys(data.accounts[0]).sort(), ["hash", "name", "salt", "scrypt"]);
  deepStrictEqual(data.accounts[0].scrypt, { N: 16384, r: 8, p: 5 });
});

Deno.test("users format: names sort by code point, not by UTF-16 unit", () => {
  // U+FFFC sorts after U+10400 by UTF-16 unit (0xD801...), before it by code point.
  const accounts = accountsOf("\u{10400}\u{10401}", "\uFFFCx");
  deepStrictEqual(accounts.names(), ["\uFFFCx", "\u{10400}\u{10401}"]);
  deepStrictEqual(parseUsers(formatUsers(accounts)).names(), ["\uFFFCx", "\u{10400}\u{10401}"]);
});

Deno.test("users format: a file that breaks the format is refused whole, with no secret in the message", () => {
  const bad: [string, string, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /not a JSON object/],
    ["another version", fileOf([ENTRY], 2), /version 2/],
    ["no version", JSON.stringify({ accounts: [] }), /version undefined/],
    ["accounts not an array", fileOf({}), /accounts is not an array/],
    ["an invalid name", fileOf([{ ...ENTRY, name: "a b" }]), /account 1: not a valid name/],
    ["a guest name", fileOf([{ ...ENTRY, name: "Guest-1" }]), /guest-/],
    ["two equal names", fileOf([ENTRY, { ...ENTRY, name: "ALICE" }]), /there twice/],
    ["weak parameters", fileOf([{ ...ENTRY, scrypt: { N: 1024, r: 8, p: 1 } }]), /weaker/],
    ["p too small", fileOf([{ ...ENTRY, scrypt: { N: 16384, r: 8, p: 1 } }]), /weaker/],
    ["N not a power of 2", fileOf([{ ...ENTRY, scrypt: { N: 20000, r: 8, p: 5 } }]), /power/],
    ["too costly", fileOf([{ ...ENTRY, scrypt: { N: 2 ** 22, r: 8, p: 5 } }]), /costly/],
    ["no parameters", fileOf([{ ...ENTRY, scrypt: undefined }]), /no scrypt/],
    ["a bad salt", fileOf([{ ...ENTRY, salt: "not base64!" }]), /salt is not base64/],
    ["a short hash", fileOf([{ ...ENTRY, hash: "AAAA" }]), /hash is not 16 to 64 bytes/],
  ];
  for (const [what, text, message] of bad) {
    throws(() => parseUsers(text), (error: Error) => {
      ok(error.name === "UsersFormatError", what);
      ok(message.test(error.message), `${what}: ${error.message}`);
      ok(!error.message.includes(ENTRY.hash) && !error.message.includes(ENTRY.salt), what);
      return true;
    });
  }
});

Deno.test("users file: written with mode 600, no password in clear, no temporary file left", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const password = "correct horse battery staple";
  const accounts = Accounts.EMPTY.with({ name: "alice", password: await hashPassword(password) });
  await writeUsersFile(path, accounts);
  strictEqual((await Deno.stat(path)).mode! & 0o777, USERS_FILE_MODE);
  const text = await Deno.readTextFile(path);
  ok(!text.includes(password) && !text.includes(btoa(password)), "no password in clear");
  deepStrictEqual((await readUsersFile(path)).names(), ["alice"]);
  // Replacing a file whose mode was loosened makes it 600 again.
  await Deno.chmod(path, 0o644);
  await writeUsersFile(path, accounts.with({ name: "bob", password: unmatchableHash() }));
  strictEqual((await Deno.stat(path)).mode! & 0o777, USERS_FILE_MODE);
  deepStrictEqual((await readUsersFile(path)).names(), ["alice", "bob"]);
  deepStrictEqual([...Deno.readDirSync(dir.path)].map((entry) => entry.name), ["users.json"]);
});

Deno.test("users file: a failed write leaves the old file and no temporary file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  await writeUsersFile(path, accountsOf("alice"));
  // A folder where the file should be: the rename fails.
  const blocked = `${dir.path}/blocked`;
  await Deno.mkdir(`${blocked}/x`, { recursive: true });
  await rejects(writeUsersFile(blocked, accountsOf("bob")));
  deepStrictEqual((await readUsersFile(path)).names(), ["alice"]);
  deepStrictEqual([...Deno.readDirSync(dir.path)].map((entry) => entry.name).sort(), [
    "blocked",
    "users.json",
  ]);
});

Deno.test("users file: a reader never sees half a file while it is replaced again and again", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  // Big enough that a write in place would take several write calls.
  const names = Array.from({ length: 400 }, (_, i) => `user${i}`);
  await writeUsersFile(path, accountsOf(...names));
  let writing = true;
  let reads = 0;
  const reader = (async () => {
    while (writing) {
      strictEqual((await readUsersFile(path)).size, names.length); // throws on half a file
      reads++;
    }
  })();
  for (let i = 0; i < 15; i++) await writeUsersFile(path, accountsOf(...names));
  writing = false;
  await reader;
  ok(reads > 0, "the reader read while the writer wrote");
});
