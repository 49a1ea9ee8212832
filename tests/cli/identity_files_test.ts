/**
 * `chat server`'s identity files, as the server command will load them: a
 * `--jwt-key` file that breaks the key rules is a usage error (exit 2)
 * naming it, one that cannot be read a runtime error (exit 1); a `--users`
 * file missing or not a users file at start is a runtime error (exit 1)
 * naming it.
 *
 * @module
 */

import { match, rejects, strictEqual } from "node:assert/strict";
import { openUsersFile, readJwtKeyFile } from "../../src/cli/identity_files.ts";
import { RuntimeError, UsageError } from "../../src/cli/usage.ts";
import { Accounts } from "../../src/server/identity/accounts.ts";
import { writeUsersFile } from "../../src/server/identity/users_file.ts";
import { ecKey, hmacKey } from "../helpers/jwt_keys.ts";
import { tempDir } from "../helpers/spawn.ts";

Deno.test("--jwt-key: a good key loads; a key against the rules is a usage error, a file it cannot read a runtime error, naming the file", async () => {
  await using dir = await tempDir();
  const good = `${dir.path}/good.pem`;
  await Deno.writeFile(good, (await ecKey()).file);
  strictEqual((await readJwtKeyFile(good)).alg, "ES256");
  const secret = `${dir.path}/secret`;
  await Deno.writeFile(secret, hmacKey(32).file);
  strictEqual((await readJwtKeyFile(secret)).alg, "HS256");

  const short = `${dir.path}/short`;
  await Deno.writeTextFile(short, "too short\n");
  await rejects(readJwtKeyFile(short), (error: Error) => {
    strictEqual(error instanceof UsageError, true);
    match(error.message, /--jwt-key: .*short: an HMAC secret needs at least 32 bytes/);
    strictEqual((error as UsageError).help, "chat server --help");
    return true;
  });
  // A file that cannot be read is a runtime failure (exit 1), as a missing --users file.
  const unreadable: [string, RegExp][] = [
    [`${dir.path}/missing`, /^--jwt-key: cannot read .*missing: no such file$/],
    [dir.path, /^--jwt-key: cannot read .*: is a directory$/],
  ];
  for (const [path, message] of unreadable) {
    await rejects(readJwtKeyFile(path), (error: Error) => {
      strictEqual(error instanceof RuntimeError, true, path);
      match(error.message, message);
      return true;
    });
  }
});

Deno.test("--users: a missing or broken file at start is a runtime error naming it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  await rejects(openUsersFile(path), (error: Error) => {
    strictEqual(error instanceof RuntimeError, true);
    match(error.message, /--users: cannot read .*users\.json: no such file/);
    return true;
  });
  await Deno.writeTextFile(path, '{"version":2}');
  await rejects(openUsersFile(path), /not a users file: version 2/);
  await writeUsersFile(path, Accounts.EMPTY);
  await using users = await openUsersFile(path);
  strictEqual(users.accounts.size, 0);
});
