/**
 * One session per account (PROTOCOL.md section 11): a login of an account
 * ends the session that holds it, on this node or (through the backplane)
 * on another node of the cluster, with `disconnect` `logged in elsewhere`
 * (an away one is dropped, its resume token dead), and the new session
 * takes the account's name; and the sessions (away ones too) of an account
 * that was removed, or whose credentials changed, end with `account
 * removed` or `account changed`.
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
import { AwaySession } from "./away_session.ts";
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
  /**
   * Resolves once its handshake's answer is written, when it completed its
   * login and waits for its record to be kept (at once otherwise): its
   * `session_ack` gets its one answer before any `disconnect`.
   */
  readonly answering?: Promise<void>;
}

/** The reason of the log and the hooks for each ending of an account's session. */
const CLOSE_REASONS: Record<LoginEnding, CloseReason> = {
  [LOGGED_IN_ELSEWHERE]: "logged_in_elsewhere",
  [ACCOUNT_REMOVED]: "account_removed",
  [ACCOUNT_CHANGED]: "account_changed",
};

/** How many times a login tries to take its account's name from another node. */
const CLAIM_ATTEMPTS = 3;

/** What {@linkcode AccountSessions} needs of its server. */
export interface AccountSessionsParts<S extends AccountHolder> {
  /** The holder of a name (registered, away, or in its handshake). */
  readonly registry: Pick<Registry<S | AwaySession>, "byName">;
  /** Every connection of this node, by id; and the sessions away. */
  readonly connections: {
    values(): Iterable<S>;
    get(id: string): S | undefined;
    awaySessions(): Iterable<AwaySession>;
    drop(away: AwaySession, reason: CloseReason): void;
  };
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
   * Ends `holder` for good with `disconnect` `why` (once); resolves once it
   * is closed. An away one is dropped: nobody to tell, its token dead.
   */
  async #endFor(holder: S | AwaySession, why: LoginEnding): Promise<void> {
    if (holder instanceof AwaySession) {
      this.#parts.connections.drop(holder, CLOSE_REASONS[why]);
      return;
    }
    await holder.answering;
    if (!holder.gone) holder.send({ type: "disconnect", content: why });
    await holder.end(CLOSE_REASONS[why]);
  }

  /**
   * Gives `holder`, whose login proved `identity`, its account: the
   * session holding the account (here or on another node) ends with
   * `logged in elsewhere` (an away one is dropped), `holder` takes the
   * account's name, then `open` completes its handshake (resolving once it
   * is answered). One login of an account at a time on a node.
   * Rejects (`unauthorized`, or the name's error) when the account changed
   * meanwhile or its name could not be taken.
   */
  take(holder: S, identity: Identity, open: () => void | Promise<void>): Promise<void> {
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

  async #take(
    holder: S,
    identity: Identity,
    open: () => void | Promise<void>,
  ): Promise<void> {
    if (holder.gone) return;
    const { registry, logins } = this.#parts;
    // Live or away (PROTOCOL.md section 9): the account's session holds its name.
    const old = registry.byName(identity.account);
    if (old !== undefined && old !== holder) await this.#endFor(old, LOGGED_IN_ELSEWHERE);
    await this.#claim(holder, identity.account);
    if (!logins.admits(identity)) throw new LoginRefused("the account changed during the login");
    await open();
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
   * (`logged in elsewhere`; an away one is dropped); resolves once it is
   * closed (its name free).
   */
  async displace(id: string): Promise<void> {
    const { connections } = this.#parts;
    const holder = connections.get(id) ??
      [...connections.awaySessions()].find((away) => away.id === id);
    if (holder !== undefined) await this.#endFor(holder, LOGGED_IN_ELSEWHERE);
  }

  /**
   * The accounts changed (the users file was read again): every session
   * whose identity is no longer admitted ends, with `account removed` for
   * the accounts in `changes.removed`, else `account changed`.
   */
  revise(changes: AccountChanges): void {
    const removed = new Set(changes.removed.map(nameKey));
    const { connections, logins } = this.#parts;
    const holders = [...connections.values(), ...connections.awaySessions()];
    for (const holder of holders) {
      const identity = holder.identity;
      if (identity === undefined || holder.gone || logins.admits(identity)) continue;
      const why = removed.has(nameKey(identity.account)) ? ACCOUNT_REMOVED : ACCOUNT_CHANGED;
      void this.#endFor(holder, why);
    }
  }

  /**
   * A session lost its name to another node (the cluster healed after an
   * outage, and the account logged in there meanwhile): an account's
   * session ends (`logged in elsewhere`) and `true` is returned; a guest's
   * name is none of this: `false`.
   */
  lostName(holder: S | AwaySession): boolean {
    if (holder.identity === undefined) return false;
    void this.#endFor(holder, LOGGED_IN_ELSEWHERE);
    return true;
  }
}
