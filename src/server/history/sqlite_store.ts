/**
 * History and resumable sessions in an SQLite file (`--store FILE`), so
 * they survive a restart (PROTOCOL.md sections 7 and 9).
 *
 * Every change made in one tick is written in one transaction; each call
 * resolves once that transaction is committed (WAL, `synchronous=NORMAL`:
 * a commit outlives a SIGKILL), and calls resolve in the order they were
 * made. Seqs are given at the call, in that order, and continue after the
 * largest kept across restarts. Sessions and their recent ids are also
 * held in memory (read there, written through), and so are the pruned
 * marks (written when pruned messages are deleted, see sqlite_messages.ts);
 * messages are read from the file.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { SqliteHistoryStore } from "./sqlite_store.ts";
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const draft = { ts: 0, sender: "s1", from: "ann", verified: false, content: "hi" };
 * {
 *   await using store = SqliteHistoryStore.open(path, { limit: 100 });
 *   strictEqual(await store.append(draft), 1); // resolved once committed
 * }
 * await using again = SqliteHistoryStore.open(path, { limit: 100 });
 * strictEqual(await again.append(draft), 2); // seqs go on after a restart
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../../async/clock.ts";
import type { FrameId } from "../../protocol/messages.ts";
import type { HistoryPage, HistoryQuery } from "./history_query.ts";
import {
  historySize,
  type HistoryStore,
  type Replay,
  type ResumeRequest,
  type Resumption,
} from "./history_store.ts";
import {
  decodeSession,
  encodeSession,
  type ReplayFilter,
  type SessionRecord,
} from "./session_record.ts";
import { SessionTable } from "./session_table.ts";
import { PURGE_EVERY, SqliteMessages } from "./sqlite_messages.ts";
import { openDatabase } from "./sqlite_schema.ts";
import { type MessageDraft, storedMessage } from "./stored_message.ts";
import { TickBatch } from "./tick_batch.ts";

/** Options of {@linkcode SqliteHistoryStore.open}. */
export interface SqliteStoreOptions {
  /** How many messages to keep (default 10,000, `DEFAULT_HISTORY_SIZE`); fewer than the file holds prunes it at open. */
  limit?: number;
  /** The clock that dates the sessions found at open as away since then (default: the system's). */
  clock?: Clock;
  /** How many pruned messages wait before they are deleted together (default {@linkcode PURGE_EVERY}). */
  purgeEvery?: number;
}

/** History and resumable sessions in an SQLite file. */
export class SqliteHistoryStore implements HistoryStore, AsyncDisposable {
  /** The most messages kept. */
  readonly limit: number;
  /** The file. */
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #messages: SqliteMessages;
  readonly #batch: TickBatch;
  readonly #saveSession;
  readonly #deleteSession;
  /** `BEGIN`, `COMMIT` and `ROLLBACK`, prepared once (`exec` would compile them each time). */
  readonly #begin;
  readonly #commit;
  readonly #rollback;
  #sessions = new SessionTable();
  /** The last seq given. */
  #newest = 0;
  #closed = false;
  readonly #windowStart = (sender: string): number | undefined =>
    this.#sessions.recentIds(sender)?.oldestSeq;

  /**
   * Opens the store in `path` (creating the file when missing): prunes it to
   * `limit`, and makes every session it kept away from now (resumable for
   * the resume window counted from this start, PROTOCOL.md section 7).
   * Throws an `Error` naming the file when it cannot open it.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteHistoryStore {
    return new SqliteHistoryStore(path, options);
  }

  private constructor(path: string, options: SqliteStoreOptions) {
    const limit = this.limit = historySize(options.limit);
    this.path = path;
    const db = this.#db = openDatabase(path);
    try {
      this.#messages = new SqliteMessages(db, limit, options.purgeEvery ?? PURGE_EVERY);
      this.#saveSession = db.prepare(
        "INSERT INTO sessions (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
      );
      this.#deleteSession = db.prepare("DELETE FROM sessions WHERE id = ?");
      this.#begin = db.prepare("BEGIN");
      this.#commit = db.prepare("COMMIT");
      this.#rollback = db.prepare("ROLLBACK");
      this.#batch = new TickBatch((writes) => this.#transaction(writes), () => this.#load());
      this.#load();
      const now = (options.clock ?? systemClock).now();
      this.#transaction(() => {
        db.exec("DELETE FROM recent_ids WHERE session NOT IN (SELECT id FROM sessions)");
        for (const session of this.#sessions.all()) {
          this.#saveSession.run(session.id, encodeSession({ ...session, awaySince: now }));
        }
        this.#messages.purge(this.#windowStart);
      });
      this.#load();
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The seq of the newest message (0: none yet). */
  get newest(): number {
    return this.#newest;
  }

  /** How many batches were committed since the store was opened. */
  get commits(): number {
    return this.#batch.commits;
  }

  /** Keeps a message; resolves to its seq once committed. */
  append(draft: MessageDraft, id?: FrameId): Promise<number> {
    this.#check();
    const stored = storedMessage(++this.#newest, draft);
    const seq = stored.seq;
    let idText: string | null = null;
    if (id !== undefined) {
      idText = JSON.stringify(id);
      this.#sessions.remember(draft.sender, id, seq);
    }
    return this.#batch.add(() => this.#messages.insert(stored, idText), () => seq);
  }

  /** The seq of `session`'s recent message with `id`, once committed. */
  resent(session: string, id: FrameId): number | undefined | Promise<number | undefined> {
    this.#check();
    const seq = this.#sessions.seqOf(session, id);
    return seq === undefined ? undefined : this.#batch.after(() => seq);
  }

  /** A page of history, of the messages appended up to this call. */
  history(query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    this.#check();
    const bound = this.#newest;
    return this.#batch.after(() => this.#messages.history(query, bound));
  }

  /** What a session with `filter` missed after `after`, up to this call. */
  replay(filter: ReplayFilter, after: number): Replay | Promise<Replay> {
    this.#check();
    const bound = this.#newest;
    return this.#batch.after(() => this.#messages.replay(filter, after, bound));
  }

  /** Every resumable session. */
  sessions(): readonly SessionRecord[] | Promise<readonly SessionRecord[]> {
    this.#check();
    const sessions = this.#sessions.all();
    return this.#batch.after(() => sessions);
  }

  /** Keeps the session; resolves once committed. */
  saveSession(session: SessionRecord): Promise<void> {
    this.#check();
    const data = encodeSession(this.#sessions.save(session));
    return this.#batch.add(() => this.#saveSession.run(session.id, data), () => undefined);
  }

  /** Forgets a session, its recent ids and the mark of direct messages to it; resolves once committed. */
  removeSession(id: string): Promise<void> {
    this.#check();
    this.#sessions.remove(id);
    this.#messages.forgetMark(id);
    return this.#batch.add(() => {
      this.#deleteSession.run(id);
      this.#messages.forget(id);
    }, () => undefined);
  }

  /** Takes a session over by its token; resolves once its new token is committed, with what it missed. */
  resume(request: ResumeRequest): Promise<Resumption> | undefined {
    this.#check();
    const session = this.#sessions.takeOver(
      request.tokenHash,
      request.nextTokenHash,
      request.admit,
    );
    if (!session) return undefined;
    const data = encodeSession(session);
    const bound = this.#newest;
    return this.#batch.add(
      () => this.#saveSession.run(session.id, data),
      () => ({ session, ...this.#messages.replay(session, request.after, bound) }),
    );
  }

  /** Commits what is pending and closes the file. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#batch.flush();
      this.#db.close();
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode SqliteHistoryStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #check(): void {
    if (this.#closed) throw new Error(`the history store ${this.path} is closed`);
  }

  /** Runs `writes` and prunes past the limit, in one transaction. */
  #transaction(writes: () => void): void {
    const db = this.#db;
    this.#begin.run();
    try {
      writes();
      this.#messages.prune(this.#windowStart);
      this.#commit.run();
    } catch (error) {
      if (db.isTransaction) this.#rollback.run();
      throw error;
    }
  }

  /** Reads the sessions, their recent ids and the messages' state from the file (at open, and after a failed commit). */
  #load(): void {
    const sessions = new SessionTable();
    for (const row of this.#db.prepare("SELECT data FROM sessions").all()) {
      sessions.load(decodeSession(row.data as string));
    }
    for (const [sender, seq, id] of this.#messages.frameIds()) {
      if (sessions.get(sender)) sessions.remember(sender, id, seq);
    }
    this.#sessions = sessions;
    this.#messages.load();
    this.#newest = Math.max(this.#newest, this.#messages.newest);
  }
}
