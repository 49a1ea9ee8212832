/**
 * Reading and writing the users file. A write never changes the file in
 * place: it writes a new file beside it (mode 600), flushes it to disk and
 * renames it over the old one, so that a reader sees the old file or the
 * new one, never half of either.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { writeAll } from "../../io/write_all.ts";
import type { Accounts } from "./accounts.ts";
import { formatUsers, parseUsers } from "./users_format.ts";

/** The permission bits of a users file: its owner alone reads and writes it. */
export const USERS_FILE_MODE = 0o600;

/**
 * The accounts in the users file at `path`. Rejects with the runtime's
 * error when it cannot be read, and with a `UsersFormatError` when it is
 * not a users file.
 */
export async function readUsersFile(path: string): Promise<Accounts> {
  return parseUsers(await Deno.readTextFile(path));
}

/**
 * Replaces the users file at `path` (or creates it) with one holding
 * `accounts`, atomically: a temporary file in the same folder, created with
 * mode 600, written and flushed, then renamed over `path`; the folder is
 * flushed too, so the rename survives a crash. On failure the temporary
 * file is removed and `path` is left as it was.
 */
export async function writeUsersFile(path: string, accounts: Accounts): Promise<void> {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode: USERS_FILE_MODE });
    try {
      // The umask can only take bits away; chmod makes it exactly 600 all the same.
      await Deno.chmod(temp, USERS_FILE_MODE);
      await writeAll(file, formatUsers(accounts));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  const dir = await Deno.open(folder, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}
