/**
 * The resumable sessions of a store, in memory: by id, by resume token
 * hash, and the recent message ids of each (PROTOCOL.md section 9). The
 * memory store keeps nothing else of them; the SQLite store keeps this
 * table as the mirror of its file.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { hashResumeToken } from "./resume_token.ts";
 * import { SessionTable } from "./session_table.ts";
 * const table = new SessionTable();
 * const [first, next] = [hashResumeToken("first"), hashResumeToken("next")];
 * table.save({ id: "s1", name: "ann", rooms: [], since: 0, tokenHash: first, awaySince: 5 });
 * strictEqual(table.takeOver(first, next)?.awaySince, undefined); // live again
 * strictEqual(table.takeOver(first, next), undefined); // a token resumes once
 * // Read back after a restart, the token of the last resume works once more.
 * const restarted = new SessionTable();
 * restarted.load(table.get("s1")!);
 * strictEqual(restarted.takeOver(first, hashResumeToken("third"))?.id, "s1");
 * strictEqual(restarted.takeOver(next, hashResumeToken("fourth")), undefined);
 * ```
 *
 * @module
 */

import type { FrameId } from "../../protocol/messages.ts";
import { RecentIds } from "./recent_ids.ts";
import { sameTokenHash } from "./resume_token.ts";
import { copySession, type SessionRecord } from "./session_record.ts";

/** Sessions by id and by token hash, and each one's recent message ids. */
export class SessionTable {
  readonly #byId = new Map<string, SessionRecord>();
  readonly #byToken = new Map<string, string>();
  readonly #ids = new Map<string, RecentIds>();

  /** The session with this id. */
  get(id: string): SessionRecord | undefined {
    return this.#byId.get(id);
  }

  /** Every session. */
  all(): SessionRecord[] {
    return [...this.#byId.values()];
  }

  /** Keeps a copy of `session` (replacing the one with its id); returns the copy. */
  save(session: SessionRecord): SessionRecord {
    const copy = copySession(session);
    this.#unindex(copy.id);
    this.#byId.set(copy.id, copy);
    this.#byToken.set(copy.tokenHash, copy.id);
    return copy;
  }

  /**
   * Keeps a session read back from a store after a restart: its current
   * token resumes it, and so does the one its last resume used (the client
   * may never have read the `resumed` frame that replaced it).
   */
  load(session: SessionRecord): SessionRecord {
    const copy = this.save(session);
    if (copy.previousTokenHash) this.#byToken.set(copy.previousTokenHash, copy.id);
    return copy;
  }

  /** Forgets a session and its recent ids; whether it was kept. */
  remove(id: string): boolean {
    const old = this.#byId.get(id);
    this.#ids.delete(id);
    if (!old) return false;
    this.#unindex(id);
    this.#byId.delete(id);
    return true;
  }

  /** Drops the token lookups of the session with `id`. */
  #unindex(id: string): void {
    const old = this.#byId.get(id);
    if (!old) return;
    for (const hash of [old.tokenHash, old.previousTokenHash]) {
      if (hash !== undefined && this.#byToken.get(hash) === id) this.#byToken.delete(hash);
    }
  }

  /**
   * Takes the session whose token hashes to `tokenHash` over, at once: its
   * token becomes `nextTokenHash` (the old one never works again on this
   * table; it is kept as `previousTokenHash` for a {@linkcode load} after a
   * restart) and it is live. `undefined`, and nothing changes, when no session has that token
   * or `admit` refuses it (as it was: away since when, its account).
   */
  takeOver(
    tokenHash: string,
    nextTokenHash: string,
    admit?: (session: SessionRecord) => boolean,
  ): SessionRecord | undefined {
    const id = this.#byToken.get(tokenHash);
    const session = id === undefined ? undefined : this.#byId.get(id);
    if (!session) return undefined;
    const { previousTokenHash: previous } = session;
    const known = sameTokenHash(session.tokenHash, tokenHash) ||
      (previous !== undefined && sameTokenHash(previous, tokenHash));
    if (!known || (admit && !admit(session))) return undefined;
    const { awaySince: _, ...live } = session;
    return this.save({ ...live, tokenHash: nextTokenHash, previousTokenHash: tokenHash });
  }

  /** Remembers that `session` sent a message with `id` that got `seq`. */
  remember(session: string, id: FrameId, seq: number): void {
    let ids = this.#ids.get(session);
    if (!ids) this.#ids.set(session, ids = new RecentIds());
    ids.add(id, seq);
  }

  /** The seq of `session`'s remembered message with `id`. */
  seqOf(session: string, id: FrameId): number | undefined {
    return this.#ids.get(session)?.seqOf(id);
  }

  /** The recent ids of `session`, when it has some. */
  recentIds(session: string): RecentIds | undefined {
    return this.#ids.get(session);
  }
}
