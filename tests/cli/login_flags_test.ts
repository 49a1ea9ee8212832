/**
 * The login of `chat client` from its flags and environment (CLI.md,
 * "Client options"): which source wins, and what is a usage error.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { readLogin } from "../../src/cli/login_flags.ts";
import { RuntimeError, UsageError } from "../../src/cli/usage.ts";
import { tempDir } from "../helpers/spawn.ts";

const HELP = "chat client file --help";

function env(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

Deno.test("readLogin: --user's password from CHAT_PASSWORD, else --password-file, else typed (interactive)", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/pw`;
  await Deno.writeTextFile(file, "from the file\n");
  assertEquals(
    readLogin(
      { user: "ada", "password-file": file },
      env({ CHAT_PASSWORD: "from env" }),
      HELP,
      false,
    ),
    { login: { user: "ada", password: "from env" } },
  );
  assertEquals(readLogin({ user: "ada", "password-file": file }, env({}), HELP, false), {
    login: { user: "ada", password: "from the file" },
  });
  assertEquals(readLogin({ user: "ada" }, env({}), HELP, true), { askFor: "ada" });
  throws(
    () => readLogin({ user: "ada" }, env({}), HELP, false),
    (error: UsageError) =>
      error instanceof UsageError && error.help === HELP &&
      /--user ada needs its password: set CHAT_PASSWORD or give --password-file/.test(
        error.message,
      ),
  );
});

Deno.test("readLogin: a token from --jwt-file, else CHAT_JWT; --user wins over CHAT_JWT; none: no login", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/jwt`;
  await Deno.writeTextFile(file, "h.p.s\n");
  assertEquals(readLogin({ "jwt-file": file }, env({ CHAT_JWT: "e.n.v" }), HELP, false), {
    login: { jwt: "h.p.s" },
  });
  assertEquals(readLogin({}, env({ CHAT_JWT: "e.n.v" }), HELP, false), { login: { jwt: "e.n.v" } });
  assertEquals(
    readLogin({ user: "ada" }, env({ CHAT_JWT: "e.n.v", CHAT_PASSWORD: "pw" }), HELP, false),
    { login: { user: "ada", password: "pw" } },
  );
  assertEquals(readLogin({}, env({ CHAT_PASSWORD: "pw", CHAT_JWT: "" }), HELP, false), {});
});

Deno.test("readLogin: usage errors: both kinds, a password file alone, empty secrets", async () => {
  await using dir = await tempDir();
  const empty = `${dir.path}/empty`;
  await Deno.writeTextFile(empty, "\n");
  const refused = (flags: Record<string, string>, vars: Record<string, string>, pattern: RegExp) =>
    throws(
      () => readLogin(flags, env(vars), HELP, true),
      (error: UsageError) =>
        error instanceof UsageError && error.help === HELP && pattern.test(error.message),
    );
  refused({ user: "ada", "jwt-file": empty }, {}, /give --user or --jwt-file, not both/);
  refused({ "password-file": empty }, {}, /--password-file is the password of --user/);
  refused({ user: "ada" }, { CHAT_PASSWORD: "" }, /empty password in CHAT_PASSWORD/);
  refused({ user: "ada", "password-file": empty }, {}, /--password-file: .* is empty/);
  refused({ "jwt-file": empty }, {}, /--jwt-file: .* is empty/);
  refused({ user: "" }, {}, /--user needs a value/);
});

Deno.test("readLogin: a --jwt-file or --password-file that cannot be read is a runtime error naming it", async () => {
  await using dir = await tempDir();
  for (
    const flags of [{ "jwt-file": `${dir.path}/missing` }, {
      user: "ada",
      "password-file": dir.path,
    }]
  ) {
    throws(
      () => readLogin(flags, env({}), HELP, true),
      (error: Error) =>
        error instanceof RuntimeError &&
        /^--(jwt|password)-file: cannot read .*: (no such file|is a directory)$/.test(
          error.message,
        ),
    );
  }
});
