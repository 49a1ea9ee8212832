/**
 * One session per account (PROTOCOL.md section 11): a login of an account
 * ends the session that holds it, on this node or (through the backplane)
 * on another node of the cluster, with `disconnect` `logged in elsewhere`,
 * and the new session takes the account's name; and the sessions of an
 * account that was removed, or whose credentials changed, end with
 * `account removed` or `account changed`.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import {
  ACCOUNT_CHANGED,
  ACCOUNT_REMOVED,
  LOGGED_IN_ELSEWHERE,
  type LoginEnding,
} from "../protocol/login.ts";
import type { Frame } from "../protocol/messages.ts";
import { nameKey } from "../protocol/names.ts";
import type { Backplane } from "./backplane.ts";
import type { AccountChanges } from "./identity/accounts.ts";
import { type Identity, LoginRefused } from "./identity/identity.ts";
import type { Logins } from "./logins.ts";
import type { Names } from "./names.ts";
import type { CloseReason } from "./options.ts";
import type { Entry, Registry } from "./registry.ts";

/** A session as its account's bookkeeping sees it. */
export interface AccountHolder extends Entry {
  /** Whether it is closing or closed. */
  readonly gone: boolean;
  /** The identity its login proved; `undefined` for a guest, or before its login. */
  readonly identity: Identity | undefined;
  /** Queues a frame for it. */
  send(frame: Frame): boolean;
  /** Ends it after its output is flushed; resolves once it is closed. */
  end(reason: CloseReason): Promise<void>;
}

/** The reason of the log and the hooks for each ending of an account's session. */
const CLOSE_REASONS: Record<LoginEnding, CloseReason> = {
  [LOGGED_IN_ELSEWHERE]: "logged_in_elsewhere",
  [ACCOUNT_REMOVED]: "account_removed",
  [ACCOUNT_CHANGED]: "account_changed",
};

/** How many times a login tries to take its account's name from another node. */
const CLAIM_ATTEMPTS = 3;

/** Ends `holder` for good with `disconnect` `why` (once); resolves once it is closed. */
function endFor(holder: AccountHolder, why: LoginEnding): Promise<void> {
  if (!holder.gone) holder.send({ type: "disconnect", content: why });
  return holder.end(CLOSE_REASONS[why]);
}

/** What {@linkcode AccountSessions} needs of its server. */
export interface AccountSessionsParts<S extends AccountHolder> {
  /** The holder of a name (registered, or in its handshake). */
  readonly registry: Pick<Registry<S>, "byName">;
  /** Every connection of this node, by id. */
  readonly connections: { values(): Iterable<S>; get(id: string): S | undefined };
  /** Names, claimed across the cluster. */
  readonly names: Pick<Names<S>, "rename">;
  /** The other nodes: a name held there is taken back from there. */
  readonly backplane: Pick<Backplane, "displace">;
  /** Whether an identity is still admitted. */
  readonly logins: Pick<Logins, "admits">;
}

/** The sessions of accounts on one node. */
export class AccountSessions<S extends AccountHolder> {
  readonly #parts: AccountSessionsParts<S>;
  /** The login under way for each account (by name key): the next one waits for it. */
  readonly #turns = new Map<string, Promise<void>>();

  /** The account sessions of a server made of `parts`. */
  constructor(parts: AccountSessionsParts<S>) {
    this.#parts = parts;
  }

  /**
   * Gives `holder`, whose login proved `identity`, its account: the
   * session holding the account (here or on another node) ends with
   * `logged in elsewhere`, `holder` takes the account's name, then `open`
   * completes its handshake. One login of an account at a time on a node.
   * Rejects (`unauthorized`, or the name's error) when the account changed
   * meanwhile or its name could not be taken.
   */
  take(holder: S, identity: Identity, open: () => void): Promise<void> {
    const key = nameKey(identity.account);
    const turn = (this.#turns.get(key) ?? Promise.resolve())
      .then(() => this.#take(holder, identity, open));
    const settled = turn.catch(() => {});
    this.#turns.set(key, settled);
    settled.then(() => {
      if (this.#turns.get(key) === settled) this.#turns.delete(key);
    });
    return turn;
  }

  async #take(holder: S, identity: Identity, open: () => void): Promise<void> {
    if (holder.gone) return;
    const { registry, logins } = this.#parts;
    // Resume seam: once away sessions exist (PROTOCOL.md section 9), the account's away
    // session is dropped here too, its resume token dead.
    const old = registry.byName(identity.account);
    if (old !== undefined && old !== holder) await endFor(old, LOGGED_IN_ELSEWHERE);
    await this.#claim(holder, identity.account);
    if (!logins.admits(identity)) throw new LoginRefused("the account changed during the login");
    open();
  }

  /** Gives `holder` the name `account`, taking it from the node that holds it, if one does. */
  async #claim(holder: S, account: string): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#parts.names.rename(holder, account);
      } catch (error) {
        const taken = error instanceof ChatError && error.code === "name_taken";
        if (!taken || attempt >= CLAIM_ATTEMPTS) throw error;
      }
      // Another node holds it: its session ends (logged in elsewhere), which frees the name.
      await this.#parts.backplane.displace(account);
    }
  }

  /**
   * Another node's login of an account ends this node's session `id`
   * (`logged in elsewhere`); resolves once it is closed (its name free).
   */
  async displace(id: string): Promise<void> {
    const holder = this.#parts.connections.get(id);
    if (holder !== undefined) await endFor(holder, LOGGED_IN_ELSEWHERE);
  }

  /**
   * The accounts changed (the users file was read again): every session
   * whose identity is no longer admitted ends, with `account removed` for
   * the accounts in `changes.removed`, else `account changed`.
   */
  revise(changes: AccountChanges): void {
    const removed = new Set(changes.removed.map(nameKey));
    for (const holder of this.#parts.connections.values()) {
      const identity = holder.identity;
      if (identity === undefined || holder.gone || this.#parts.logins.admits(identity)) continue;
      const why = removed.has(nameKey(identity.account)) ? ACCOUNT_REMOVED : ACCOUNT_CHANGED;
      void endFor(holder, why);
    }
    // Resume seam: away sessions of those accounts are dropped too, once they exist.
  }

  /**
   * A session lost its name to another node (the cluster healed after an
   * outage, and the account logged in there meanwhile): an account's
   * session ends (`logged in elsewhere`) and `true` is returned; a guest's
   * name is none of this: `false`.
   */
  lostName(holder: S): boolean {
    if (holder.identity === undefined) return false;
    void endFor(holder, LOGGED_IN_ELSEWHERE);
    return true;
  }
}
