/**
 * The accounts of a users file as one immutable snapshot, looked up as
 * PROTOCOL.md section 2 compares names, and what changed between two
 * snapshots.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { nameKey } from "../../protocol/names.ts";
import type { PasswordHash } from "./scrypt_hash.ts";

/** One account: its name and its password's hash. */
export interface Account {
  /** The name, NFKC-normalized (section 2), as shown. */
  readonly name: string;
  /** The password's hash, salt and parameters. */
  readonly password: PasswordHash;
}

/** What changed from one snapshot of the accounts to the next, by account name. */
export interface AccountChanges {
  /** Accounts that were not there before. */
  readonly added: readonly string[];
  /** Accounts that are gone. */
  readonly removed: readonly string[];
  /** Accounts whose password was set anew (also removed and added again), or whose name changed case. */
  readonly changed: readonly string[];
}

/** Orders strings by code point (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const diff = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}

/**
 * An opaque mark of an account's credentials: it changes whenever the
 * password is set anew (a new salt), and tells nothing about the password.
 */
export function accountRevision(account: Account): string {
  return createHash("sha256")
    .update(account.name)
    .update(account.password.salt)
    .update(account.password.hash)
    .digest("base64url")
    .slice(0, 16);
}

/**
 * The accounts, keyed as section 2 compares names: `get("ALICE")` finds
 * `alice`. Immutable: `with` and `without` make new snapshots.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert/strict";
 * import { Accounts } from "./accounts.ts";
 * import { unmatchableHash } from "./scrypt_hash.ts";
 * const accounts = Accounts.EMPTY.with({ name: "bob", password: unmatchableHash() })
 *   .with({ name: "Ada", password: unmatchableHash() });
 * strictEqual(accounts.get("ADA")?.name, "Ada");
 * deepStrictEqual(accounts.names(), ["Ada", "bob"]);
 * strictEqual(accounts.without("BOB").has("bob"), false);
 * ```
 */
export class Accounts {
  /** No accounts. */
  static readonly EMPTY: Accounts = new Accounts(new Map());

  readonly #byKey: ReadonlyMap<string, Account>;

  private constructor(byKey: ReadonlyMap<string, Account>) {
    this.#byKey = byKey;
  }

  /** How many accounts there are. */
  get size(): number {
    return this.#byKey.size;
  }

  /** The account whose name compares equal to `name` (section 2), if any. */
  get(name: string): Account | undefined {
    return this.#byKey.get(nameKey(name));
  }

  /** Whether an account's name compares equal to `name`. */
  has(name: string): boolean {
    return this.#byKey.has(nameKey(name));
  }

  /** The account names, sorted by code point. */
  names(): string[] {
    return [...this.#byKey.values()].map((account) => account.name).sort(compareCodePoints);
  }

  /** The accounts, sorted by name (code point order). */
  list(): Account[] {
    return [...this.#byKey.values()].sort((a, b) => compareCodePoints(a.name, b.name));
  }

  /** These accounts with `account` added, or put in place of the one whose name compares equal. */
  with(account: Account): Accounts {
    const byKey = new Map(this.#byKey);
    byKey.set(nameKey(account.name), account);
    return new Accounts(byKey);
  }

  /** These accounts without the one whose name compares equal to `name`. */
  without(name: string): Accounts {
    const byKey = new Map(this.#byKey);
    byKey.delete(nameKey(name));
    return new Accounts(byKey);
  }

  /** What changed from `before` to these accounts (names as they are now, or were when removed). */
  changesSince(before: Accounts): AccountChanges {
    const added: string[] = [];
    const changed: string[] = [];
    for (const [key, account] of this.#byKey) {
      const old = before.#byKey.get(key);
      if (old === undefined) added.push(account.name);
      else if (accountRevision(old) !== accountRevision(account)) changed.push(account.name);
    }
    const removed = [...before.#byKey].filter(([key]) => !this.#byKey.has(key))
      .map(([, account]) => account.name);
    const sorted = (names: string[]) => names.sort(compareCodePoints);
    return { added: sorted(added), removed: sorted(removed), changed: sorted(changed) };
  }
}
