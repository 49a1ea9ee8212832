/**
 * Password logins against the users file (PROTOCOL.md section 11):
 * `"auth":{"user","password"}`. The `user` names the account as section 2
 * compares names. Hashes are checked in the thread pool, a few at a time,
 * so a storm of logins leaves the event loop free; an unknown user is
 * checked against a hash no password matches, so it costs what a wrong
 * password costs.
 *
 * @module
 */

import { Semaphore } from "../../async/semaphore.ts";
import { isValidName } from "../../protocol/names.ts";
import { accountRevision, type Accounts } from "./accounts.ts";
import { readCredentials } from "./credentials.ts";
import { type Authenticator, type Identity, LoginRefused } from "./identity.ts";
import { unmatchableHash, verifyPassword } from "./scrypt_hash.ts";

/** Where the accounts come from: a `WatchedUsers` (users_watch.ts), or `{ accounts }`. */
export interface AccountSource {
  /** The accounts now. */
  readonly accounts: Accounts;
}

/** How many passwords are hashed at once, by default. */
export const PASSWORD_CONCURRENCY = 2;

/** Options of {@linkcode passwordAuthenticator}. */
export interface PasswordAuthenticatorOptions {
  /** The accounts, read at each login (so a file read again counts at once). */
  users: AccountSource;
  /** Most hashes computed at once (default {@linkcode PASSWORD_CONCURRENCY}). */
  concurrency?: number;
}

/**
 * An authenticator of password logins against `options.users`.
 *
 * @example
 * ```ts
 * import { rejects, strictEqual } from "node:assert/strict";
 * import { Accounts } from "./accounts.ts";
 * import { passwordAuthenticator } from "./password_authenticator.ts";
 * import { hashPassword } from "./scrypt_hash.ts";
 * const accounts = Accounts.EMPTY.with({ name: "alice", password: await hashPassword("s3cret") });
 * const auth = passwordAuthenticator({ users: { accounts } });
 * const peer = "tcp://127.0.0.1:4000";
 * const identity = await auth.authenticate({ auth: { user: "Alice", password: "s3cret" }, peer });
 * strictEqual(identity.account, "alice"); // Alice logs in to alice
 * await rejects(
 *   auth.authenticate({ auth: { user: "alice", password: "guess" }, peer }),
 *   { code: "unauthorized", reason: "wrong password" },
 * );
 * ```
 */
export function passwordAuthenticator(options: PasswordAuthenticatorOptions): Authenticator {
  const { users } = options;
  const turns = new Semaphore(options.concurrency ?? PASSWORD_CONCURRENCY);
  const unknown = unmatchableHash();
  return {
    methods: ["password"],
    async authenticate({ auth }): Promise<Identity> {
      const credentials = readCredentials(auth);
      if (credentials?.method !== "password") throw new LoginRefused("not a password login");
      const account = isValidName(credentials.user)
        ? users.accounts.get(credentials.user)
        : undefined;
      const stored = account?.password ?? unknown;
      const matches = await turns.run(() => verifyPassword(credentials.password, stored));
      if (account === undefined) throw new LoginRefused("no such account");
      if (!matches) throw new LoginRefused("wrong password");
      if (users.accounts.get(account.name) !== account) {
        throw new LoginRefused("account changed during the check");
      }
      return {
        account: account.name,
        verified: true,
        method: "password",
        revision: accountRevision(account),
      };
    },
    admits(identity: Identity): boolean {
      if (identity.method !== "password") return true;
      const account = users.accounts.get(identity.account);
      return account !== undefined && accountRevision(account) === identity.revision;
    },
  };
}
