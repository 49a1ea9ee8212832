/**
 * The identity options of `chat server` (CLI.md; PROTOCOL.md section 11):
 * `--users FILE` (watched: a change ends the sessions of accounts removed
 * or changed), `--jwt-key FILE` with `--jwt-audience AUD`, and
 * `--allow-guests`, made into the server's authenticator. Without
 * `--users` and `--jwt-key` the server knows no identities, and
 * `--allow-guests` (or `--jwt-audience`) alone is a usage error: it would
 * mean nothing.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AccountChanges } from "../server/identity/accounts.ts";
import { standardAuthenticator } from "../server/identity/compose.ts";
import type { Authenticator } from "../server/identity/identity.ts";
import type { WatchedUsers } from "../server/identity/users_watch.ts";
import { openUsersFile, readJwtKeyFile } from "./identity_files.ts";
import { UsageError } from "./usage.ts";

/** The identity flags of `chat server`, as parsed. */
export interface IdentityFlags {
  /** `--users FILE`. */
  users?: string;
  /** `--jwt-key FILE`. */
  jwtKey?: string;
  /** `--jwt-audience AUD`. */
  jwtAudience?: string;
  /** `--allow-guests`. */
  allowGuests: boolean;
}

/** The server's identity, once its files are read: what `ServerOptions` takes, and the watch to close. */
export interface ServerIdentity extends AsyncDisposable {
  /** The authenticator of the files; `undefined` without `--users` and `--jwt-key`. */
  readonly authenticator?: Authenticator;
  /** `--allow-guests`. */
  readonly allowGuests: boolean;
  /** Stops watching the users file. */
  close(): Promise<void>;
}

/**
 * Checks that the identity flags go together: `--allow-guests` and
 * `--jwt-audience` need what they qualify (a usage error pointing at `help`).
 */
export function checkIdentityFlags(flags: IdentityFlags, help: string): void {
  if (flags.jwtAudience !== undefined && flags.jwtKey === undefined) {
    throw new UsageError(
      "--jwt-audience is the audience of --jwt-key's tokens: add --jwt-key",
      help,
    );
  }
  if (flags.allowGuests && flags.users === undefined && flags.jwtKey === undefined) {
    throw new UsageError(
      "--allow-guests lets guests in beside accounts: add --users or --jwt-key",
      help,
    );
  }
}

/**
 * Reads the files of `flags`: the key of `--jwt-key` first (a bad key file
 * is a usage error, exit 2), then the users file of `--users` (missing or
 * unreadable: a runtime error naming it, exit 1), watched from now on; each
 * change is logged and handed to `onChange` (the server ends the sessions
 * of the accounts removed or changed).
 */
export async function openServerIdentity(
  flags: IdentityFlags,
  onChange: (changes: AccountChanges) => void,
  help = "chat server --help",
): Promise<ServerIdentity> {
  const key = flags.jwtKey === undefined ? undefined : await readJwtKeyFile(flags.jwtKey, help);
  const log = getLogger(["chat", "identity"]);
  let users: WatchedUsers | undefined;
  if (flags.users !== undefined) {
    users = await openUsersFile(flags.users, {
      onChange(changes, accounts) {
        log.info(
          "users file read again: {accounts} accounts; {added} added, {removed} removed, " +
            "{changed} changed",
          {
            accounts: accounts.size,
            added: changes.added.length,
            removed: changes.removed.length,
            changed: changes.changed.length,
          },
        );
        onChange(changes);
      },
    });
    log.info("accounts from {path}: {accounts}", {
      path: users.path,
      accounts: users.accounts.size,
    });
  }
  const authenticator = standardAuthenticator({
    users,
    jwt: key && { key, audience: flags.jwtAudience },
  });
  const close = async () => await users?.close();
  return { authenticator, allowGuests: flags.allowGuests, close, [Symbol.asyncDispose]: close };
}
