/**
 * History and resumable sessions in an SQLite file (`--store FILE`), so
 * they survive a restart (PROTOCOL.md sections 7 and 9).
 *
 * Every change made in one tick is written in one transaction; each call
 * resolves once that transaction is committed (WAL, `synchronous=NORMAL`:
 * a commit outlives a SIGKILL), and calls resolve in the order they were
 * made. Seqs are given at the call, in that order, and continue after the
 * largest kept across restarts. Sessions, their recent ids and the pruned
 * marks are also held in memory (read there, written through); messages
 * are read from the file.
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

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "../../async/clock.ts";
import type { FrameId } from "../../protocol/messages.ts";
import { historyLimit, type HistoryPage, type HistoryQuery } from "./history_query.ts";
import {
  DEFAULT_HISTORY_SIZE,
  type HistoryStore,
  type Replay,
  type ResumeRequest,
  type Resumption,
} from "./history_store.ts";
import { directAudience, type PrunedMark, PrunedMarks } from "./pruned_marks.ts";
import {
  decodeSession,
  encodeSession,
  type ReplayFilter,
  type SessionRecord,
} from "./session_record.ts";
import { SessionTable } from "./session_table.ts";
import { openDatabase } from "./sqlite_schema.ts";
import { type MessageDraft, type StoredMessage, storedMessage } from "./stored_message.ts";
import { TickBatch } from "./tick_batch.ts";

/** Options of {@linkcode SqliteHistoryStore.open}. */
export interface SqliteStoreOptions {
  /** How many messages to keep (default {@linkcode DEFAULT_HISTORY_SIZE}); fewer than the file holds prunes it at open. */
  limit?: number;
  /** The clock that dates the sessions found at open as away since then (default: the system's). */
  clock?: Clock;
}

/** A `messages` row. */
interface MessageRow {
  seq: number;
  ts: number;
  sender: string;
  from_name: string;
  verified: number;
  content: string;
  room_key: string | null;
  room: string | null;
  recipient: string | null;
  to_name: string | null;
}

const COLUMNS = "seq, ts, sender, from_name, verified, content, room_key, room, recipient, to_name";

const SQL = {
  insert: `INSERT INTO messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  prune: `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages ORDER BY seq LIMIT ?)
    RETURNING seq, sender, room_key, recipient`,
  roomHistory: `SELECT ${COLUMNS} FROM messages WHERE room_key = ? AND seq <= ?
    ORDER BY seq DESC LIMIT ?`,
  mainHistory: `SELECT ${COLUMNS} FROM messages
    WHERE seq <= ?2 AND room_key IS NULL AND (recipient IS NULL OR recipient = ?1 OR sender = ?1)
    ORDER BY seq DESC LIMIT ?3`,
  replay: `SELECT ${COLUMNS} FROM messages WHERE seq > ?2 AND seq <= ?3 AND (
      recipient = ?1 OR (recipient IS NULL AND sender <> ?1 AND (
        (room_key IS NULL AND seq > ?4)
        OR seq > (SELECT j.value ->> 1 FROM json_each(?5) AS j WHERE j.value ->> 0 = room_key))))
    ORDER BY seq`,
  saveMark: `INSERT INTO pruned (audience, top, top_sender, other) VALUES (?, ?, ?, ?)
    ON CONFLICT (audience) DO UPDATE SET
      top = excluded.top, top_sender = excluded.top_sender, other = excluded.other`,
  deleteMark: "DELETE FROM pruned WHERE audience = ?",
  saveSession: `INSERT INTO sessions (id, data) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
  deleteSession: "DELETE FROM sessions WHERE id = ?",
  insertId: "INSERT OR REPLACE INTO recent_ids (session, seq, id) VALUES (?, ?, ?)",
  forgetIds: "DELETE FROM recent_ids WHERE session = ? AND seq < ?",
  deleteIds: "DELETE FROM recent_ids WHERE session = ?",
} as const;

/** The prepared statements of {@linkcode SQL}. */
type Statements = { [K in keyof typeof SQL]: StatementSync };

function message(row: MessageRow): StoredMessage {
  return {
    seq: row.seq,
    ts: row.ts,
    sender: row.sender,
    from: row.from_name,
    verified: row.verified !== 0,
    content: row.content,
    room: row.room ?? undefined,
    roomKey: row.room_key ?? undefined,
    recipient: row.recipient ?? undefined,
    to: row.to_name ?? undefined,
  };
}

/** History and resumable sessions in an SQLite file. */
export class SqliteHistoryStore implements HistoryStore, AsyncDisposable {
  /** The most messages kept. */
  readonly limit: number;
  /** The file. */
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #sql: Statements;
  readonly #batch: TickBatch;
  #sessions = new SessionTable();
  #marks = new PrunedMarks();
  /** Marks changed in the transaction being written. */
  readonly #changed = new Set<PrunedMark>();
  /** The last seq given. */
  #newest = 0;
  /** Rows in `messages`, as the transaction being written leaves it. */
  #count = 0;
  #closed = false;

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
    const limit = options.limit ?? DEFAULT_HISTORY_SIZE;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`history keeps at least 1 message, not ${limit}`);
    }
    this.limit = limit;
    this.path = path;
    this.#db = openDatabase(path);
    this.#sql = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, this.#db.prepare(sql)]),
    ) as Statements;
    this.#batch = new TickBatch((writes) => this.#transaction(writes), () => this.#load());
    try {
      this.#load();
      const now = (options.clock ?? systemClock).now();
      this.#db.exec("DELETE FROM recent_ids WHERE session NOT IN (SELECT id FROM sessions)");
      this.#transaction(() => {
        for (const session of this.#sessions.all()) {
          this.#sql.saveSession.run(session.id, encodeSession({ ...session, awaySince: now }));
        }
      });
      this.#load();
    } catch (error) {
      this.#db.close();
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
    let idText: string | undefined;
    let forgetBelow = 0;
    if (id !== undefined) {
      idText = JSON.stringify(id);
      if (this.#sessions.remember(draft.sender, id, seq) !== undefined) {
        forgetBelow = this.#sessions.recentIds(draft.sender)!.oldestSeq;
      }
    }
    return this.#batch.add(() => this.#insert(stored, idText, forgetBelow), () => seq);
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
    return this.#batch.after(() => this.#history(query, bound));
  }

  /** What a session with `filter` missed after `after`, up to this call. */
  replay(filter: ReplayFilter, after: number): Replay | Promise<Replay> {
    this.#check();
    const bound = this.#newest;
    return this.#batch.after(() => this.#replay(filter, after, bound));
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
    return this.#batch.add(() => this.#sql.saveSession.run(session.id, data), () => undefined);
  }

  /** Forgets a session, its recent ids and the mark of direct messages to it; resolves once committed. */
  removeSession(id: string): Promise<void> {
    this.#check();
    this.#sessions.remove(id);
    this.#marks.forget(id);
    return this.#batch.add(() => {
      this.#sql.deleteSession.run(id);
      this.#sql.deleteIds.run(id);
      this.#sql.deleteMark.run(directAudience(id));
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
      () => this.#sql.saveSession.run(session.id, data),
      () => ({ session, ...this.#replay(session, request.after, bound) }),
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

  /** Writes a message and its sender's frame id, forgetting that sender's ids below `forgetBelow`. */
  #insert(m: StoredMessage, idText: string | undefined, forgetBelow: number): void {
    this.#sql.insert.run(
      m.seq,
      m.ts,
      m.sender,
      m.from,
      m.verified ? 1 : 0,
      m.content,
      m.roomKey ?? null,
      m.room ?? null,
      m.recipient ?? null,
      m.to ?? null,
    );
    this.#count++;
    if (idText === undefined) return;
    this.#sql.insertId.run(m.sender, m.seq, idText);
    if (forgetBelow > 0) this.#sql.forgetIds.run(m.sender, forgetBelow);
  }

  /** Runs `writes`, prunes past the limit and saves the marks that changed, in one transaction. */
  #transaction(writes: () => void): void {
    const db = this.#db;
    db.exec("BEGIN");
    try {
      writes();
      const excess = this.#count - this.limit;
      if (excess > 0) {
        for (const row of this.#sql.prune.all(excess) as unknown as PrunedRow[]) {
          const { seq, sender, room_key: roomKey, recipient } = row;
          this.#changed.add(
            this.#marks.prune(seq, sender, roomKey ?? undefined, recipient ?? undefined),
          );
        }
        this.#count -= excess;
      }
      for (const mark of this.#changed) {
        this.#sql.saveMark.run(mark.audience, mark.top, mark.topSender, mark.other);
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#changed.clear();
    }
  }

  /** Reads the sessions, recent ids, marks and counts from the file (at open, and after a failed commit). */
  #load(): void {
    const db = this.#db;
    const sessions = new SessionTable();
    for (const row of db.prepare("SELECT data FROM sessions").all()) {
      sessions.save(decodeSession(row.data as string));
    }
    const ids = db.prepare("SELECT session, seq, id FROM recent_ids ORDER BY session, seq");
    for (const row of ids.all()) {
      sessions.remember(row.session as string, JSON.parse(row.id as string), row.seq as number);
    }
    const marks = new PrunedMarks();
    let newest = this.#newest;
    for (const row of db.prepare("SELECT audience, top, top_sender, other FROM pruned").all()) {
      marks.restore(
        row.audience as string,
        row.top as number,
        row.top_sender as string,
        row.other as number,
      );
      newest = Math.max(newest, row.top as number);
    }
    const counts = db.prepare("SELECT count(*) AS count, max(seq) AS newest FROM messages").get()!;
    this.#sessions = sessions;
    this.#marks = marks;
    this.#count = counts.count as number;
    this.#newest = Math.max(newest, (counts.newest as number | null) ?? 0);
  }

  #history(query: HistoryQuery, bound: number): HistoryPage {
    const limit = historyLimit(query.limit);
    const { roomKey, before } = query;
    const upper = before === undefined ? bound : Math.min(bound, Math.ceil(before) - 1);
    const rows =
      (roomKey !== undefined
        ? this.#sql.roomHistory.all(roomKey, upper, limit + 1)
        : this.#sql.mainHistory.all(query.session, upper, limit + 1)) as unknown as MessageRow[];
    const more = rows.length > limit;
    const messages = rows.slice(0, limit).map(message).reverse();
    return { messages, more };
  }

  #replay(filter: ReplayFilter, after: number, bound: number): Replay {
    const rooms = JSON.stringify(filter.rooms.map((room) => [room.key, room.joined]));
    const rows = this.#sql.replay.all(
      filter.id,
      Math.floor(after),
      bound,
      filter.since,
      rooms,
    ) as unknown as MessageRow[];
    return {
      messages: rows.map(message),
      complete: this.#marks.complete(filter, after),
      newest: bound,
    };
  }
}

/** A row of `prune`'s `RETURNING`. */
type PrunedRow = Pick<MessageRow, "seq" | "sender" | "room_key" | "recipient">;
