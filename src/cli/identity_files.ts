/**
 * The files of `chat server`'s identity options (CLI.md): `--jwt-key FILE`,
 * which must be readable (else exit 1) and whose key breaking the rules is
 * a usage error (exit 2), and `--users
 * FILE`, which must exist and parse at start (else exit 1, naming it) and
 * is then watched.
 *
 * @module
 */

import { type JwtKey, JwtKeyError, parseJwtKey } from "../server/identity/jwt_key.ts";
import { UsersFormatError } from "../server/identity/users_format.ts";
import { type UsersWatchOptions, WatchedUsers } from "../server/identity/users_watch.ts";
import { readArgFileBytes, RuntimeError, unreadable, UsageError, withHelp } from "./usage.ts";

/**
 * The key of `--jwt-key FILE`. A file that cannot be read is a
 * {@linkcode RuntimeError}; a key that breaks the rules of PROTOCOL.md
 * section 11 is a {@linkcode UsageError} pointing at `help`.
 */
export async function readJwtKeyFile(path: string, help = "chat server --help"): Promise<JwtKey> {
  const bytes = withHelp(help, () => readArgFileBytes("jwt-key", path));
  try {
    return await parseJwtKey(bytes);
  } catch (error) {
    if (error instanceof JwtKeyError) {
      throw new UsageError(`--jwt-key: ${path}: ${error.message}`, help);
    }
    throw error;
  }
}

/**
 * The accounts of `--users FILE`, watched from now on. A file missing,
 * unreadable or not a users file at start is a {@linkcode RuntimeError}
 * (exit 1) naming it.
 */
export async function openUsersFile(
  path: string,
  options: UsersWatchOptions = {},
): Promise<WatchedUsers> {
  try {
    return await WatchedUsers.open(path, options);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    const reason = error instanceof UsersFormatError
      ? `not a users file: ${error.message}`
      : unreadable(error);
    throw new RuntimeError(`--users: cannot read ${path}: ${reason}`);
  }
}
