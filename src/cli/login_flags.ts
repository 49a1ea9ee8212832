/**
 * The login of `chat client` (CLI.md, "Client options"): `--user NAME` with
 * its password from `CHAT_PASSWORD`, else `--password-file`, else (the
 * interactive client on a terminal) typed without echo; or a login token
 * from `--jwt-file` or `CHAT_JWT`.
 *
 * @module
 */

import type { Login } from "../protocol/login.ts";
import { nonEmpty, readArgFile, UsageError, withHelp } from "./usage.ts";

/** The flags that give a client's login, for a command's flag table. */
export const LOGIN_FLAGS = {
  user: { type: "string" },
  "password-file": { type: "string" },
  "jwt-file": { type: "string" },
} as const;

/** The raw values of the login flags, as parsed. */
export interface LoginFlags {
  /** `--user`, when given. */
  user?: string | boolean;
  /** `--password-file`, when given. */
  "password-file"?: string | boolean;
  /** `--jwt-file`, when given. */
  "jwt-file"?: string | boolean;
}

/**
 * What the command line says of the login: none, a login ready to send, or
 * (`askFor`) the account whose password is to be typed on the terminal.
 */
export type LoginChoice =
  | { readonly login?: undefined; readonly askFor?: undefined }
  | { readonly login: Login; readonly askFor?: undefined }
  | { readonly login?: undefined; readonly askFor: string };

/** A secret read from a file named by `--flag`, without one trailing line feed; empty is a usage error, unreadable a runtime error. */
function secretFile(flag: string, path: string, help: string): string {
  const secret = withHelp(help, () => readArgFile(flag, path)).replace(/\r?\n$/, "");
  if (secret === "") throw new UsageError(`--${flag}: ${path} is empty`, help);
  return secret;
}

/**
 * The login that `flags` and `env` give (see the module's rules). A flag
 * wins over its variable: `--user` over `CHAT_JWT`, `--jwt-file` over it
 * too. `mayAsk`: the password may be typed (the interactive client); else a
 * `--user` without a password is a usage error. `--user` with `--jwt-file`,
 * `--password-file` without `--user`, an empty `CHAT_PASSWORD` and an empty
 * file are usage errors pointing at `help`.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { readLogin } from "./login_flags.ts";
 * const env = (name: string) => ({ CHAT_PASSWORD: "s3cret" } as Record<string, string>)[name];
 * deepStrictEqual(readLogin({ user: "ada" }, env, "help", false), {
 *   login: { user: "ada", password: "s3cret" },
 * });
 * deepStrictEqual(readLogin({ user: "ada" }, () => undefined, "help", true), { askFor: "ada" });
 * deepStrictEqual(readLogin({}, () => undefined, "help", true), {});
 * ```
 */
export function readLogin(
  flags: LoginFlags,
  env: (name: string) => string | undefined,
  help: string,
  mayAsk: boolean,
): LoginChoice {
  const value = (flag: keyof LoginFlags) =>
    flags[flag] === undefined
      ? undefined
      : withHelp(help, () => nonEmpty(flag, flags[flag] as string));
  const user = value("user");
  const passwordFile = value("password-file");
  const jwtFile = value("jwt-file");
  if (user !== undefined && jwtFile !== undefined) {
    throw new UsageError("give --user or --jwt-file, not both", help);
  }
  if (passwordFile !== undefined && user === undefined) {
    throw new UsageError("--password-file is the password of --user: give --user too", help);
  }
  if (user !== undefined) {
    const fromEnv = env("CHAT_PASSWORD");
    if (fromEnv === "") throw new UsageError("empty password in CHAT_PASSWORD", help);
    if (fromEnv !== undefined) return { login: { user, password: fromEnv } };
    if (passwordFile !== undefined) {
      return { login: { user, password: secretFile("password-file", passwordFile, help) } };
    }
    if (mayAsk) return { askFor: user };
    throw new UsageError(
      `--user ${user} needs its password: set CHAT_PASSWORD or give --password-file`,
      help,
    );
  }
  if (jwtFile !== undefined) return { login: { jwt: secretFile("jwt-file", jwtFile, help) } };
  const jwt = env("CHAT_JWT");
  return jwt ? { login: { jwt } } : {};
}
