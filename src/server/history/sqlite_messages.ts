/**
 * The messages of an SQLite history store: written in the store's
 * transactions, pruned past the limit, read for history and replays.
 *
 * Pruning is in two steps, so that a tick's commit writes its messages
 * alone: a message leaving the last N is put below the floor (queries never
 * read below it) at once, in memory; messages below the floor are deleted
 * a thousand or so at a time, and then the floor is written (with the
 * limit, `meta`), the pruned messages are counted in the pruned marks
 * (written then, with the seq up to which they count: `marks_floor`), and
 * the frame ids among them that their senders' last 1,024 still hold move
 * to `recent_ids`, one row per sender. In between, the file's floor is
 * behind: an opening finds the true one again as the seq that leaves the
 * written limit's count of messages above it, and the marks in memory
 * catch up on the rows between the marks' floor and the floor whenever
 * they are read (a replay, a session forgotten, an opening).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { FrameId } from "../../protocol/messages.ts";
import { historyLimit, type HistoryPage, type HistoryQuery } from "./history_query.ts";
import type { Replay } from "./history_store.ts";
import { directAudience, type PrunedMark, PrunedMarks } from "./pruned_marks.ts";
import type { ReplayFilter } from "./session_record.ts";
import type { StoredMessage } from "./stored_message.ts";

/** How many pruned messages wait below the floor, by default, before they are deleted together. */
export const PURGE_EVERY = 1024;

const COLUMNS = "seq, ts, sender, from_name, verified, content, room_key, room, recipient, to_name";

const SQL = {
  lastLeaving: "SELECT seq FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1 OFFSET ?",
  pruned:
    `SELECT seq, sender, room_key, recipient, frame_id FROM messages WHERE seq >= ? AND seq < ?
    ORDER BY seq`,
  purge: "DELETE FROM messages WHERE seq < ?",
  saveFloor: "INSERT OR REPLACE INTO meta (key, value) VALUES ('floor', ?), ('limit', ?)",
  saveMarksFloor: "INSERT OR REPLACE INTO meta (key, value) VALUES ('marks_floor', ?)",
  saveMark: `INSERT INTO pruned (audience, top, top_sender, other) VALUES (?, ?, ?, ?)
    ON CONFLICT (audience) DO UPDATE SET
      top = excluded.top, top_sender = excluded.top_sender, other = excluded.other`,
  deleteMark: "DELETE FROM pruned WHERE audience = ?",
  keepIds: "INSERT OR REPLACE INTO recent_ids (session, last_seq, ids) VALUES (?, ?, ?)",
  forgetIds: "DELETE FROM recent_ids WHERE session = ? AND last_seq < ?",
  deleteIds: "DELETE FROM recent_ids WHERE session = ?",
  roomHistory: `SELECT ${COLUMNS} FROM messages WHERE room_key = ? AND seq >= ? AND seq <= ?
    ORDER BY seq DESC LIMIT ?`,
  mainHistory: `SELECT ${COLUMNS} FROM messages WHERE seq >= ?2 AND seq <= ?3
      AND room_key IS NULL AND (recipient IS NULL OR recipient = ?1 OR sender = ?1)
    ORDER BY seq DESC LIMIT ?4`,
  replay: `SELECT ${COLUMNS} FROM messages WHERE seq > ?2 AND seq <= ?3 AND (
      recipient = ?1 OR (recipient IS NULL AND sender <> ?1 AND (
        (room_key IS NULL AND seq > ?4) OR room_key IN (SELECT value FROM json_each(?5)))))
    ORDER BY seq`,
} as const;

/** The columns an insert writes, one `?` each. */
const INSERTED = 11;

/** The most rows one insert statement writes. */
const ROWS_PER_INSERT = 64;

/** The insert of `rows` messages in one statement. */
function insertSql(rows: number): string {
  const row = `(${Array(INSERTED).fill("?").join(", ")})`;
  return `INSERT INTO messages (${COLUMNS}, frame_id) VALUES ${Array(rows).fill(row).join(", ")}`;
}

/** A row of `SQL.pruned`. */
type PrunedRow = [
  seq: number,
  sender: string,
  roomKey: string | null,
  recipient: string | null,
  frameId: string | null,
];

/** The prepared statements of {@linkcode SQL}. */
type Statements = { [K in keyof typeof SQL]: StatementSync };

/** A `messages` row as the queries return it: the columns of `COLUMNS`, in order. */
type MessageRow = [
  seq: number,
  ts: number,
  sender: string,
  from: string,
  verified: number,
  content: string | Uint8Array,
  roomKey: string | null,
  room: string | null,
  recipient: string | null,
  to: string | null,
];

function message(row: MessageRow): StoredMessage {
  const [seq, ts, sender, from, verified, content, roomKey, room, recipient, to] = row;
  return {
    seq,
    ts,
    sender,
    from,
    verified: verified !== 0,
    content: typeof content === "string" ? content : JSON.parse(utf8.decode(content)),
    room: room ?? undefined,
    roomKey: roomKey ?? undefined,
    recipient: recipient ?? undefined,
    to: to ?? undefined,
  };
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A message's text as the file keeps it: itself, unless SQLite's text
 * would alter it (a NUL ends it, a lone surrogate becomes U+FFFD); then
 * its JSON (all ASCII), as a BLOB.
 */
function storedContent(content: string): string | Uint8Array {
  return content.isWellFormed() && !content.includes("\0")
    ? content
    : encoder.encode(JSON.stringify(content));
}

/**
 * Makes a statement return rows as arrays, much cheaper to read than
 * objects (Deno 2.9's `node:sqlite` has it; its types lack it).
 */
function returnArrays(statement: StatementSync): StatementSync {
  (statement as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  return statement;
}

/** The messages table, the pruned marks and the floor of one SQLite store. */
export class SqliteMessages {
  /** How many messages are kept. */
  readonly limit: number;
  /** How many pruned messages wait below the floor before they are deleted together. */
  readonly purgeEvery: number;
  readonly #db: DatabaseSync;
  readonly #sql: Statements;
  readonly #changed = new Set<PrunedMark>();
  /** The inserts of `rows` rows at once, made when first needed. */
  readonly #inserts = new Map<number, StatementSync>();
  /** The values of the rows inserted since the last write, in the columns' order. */
  #rows: (string | number | null | Uint8Array)[] = [];
  #marks = new PrunedMarks();
  /** The smallest seq kept: those below are pruned. */
  #floor = 1;
  /** The marks in memory count the pruned messages below this seq (those in the file, below `marks_floor`). */
  #marksFloor = 1;
  /** Rows at or above the floor. */
  #kept = 0;
  /** Rows below the floor, not deleted yet. */
  #stale = 0;
  /** The largest seq in the file. */
  #newest = 0;

  /** The messages of `db` (its tables made by `openDatabase`), keeping `limit`. */
  constructor(db: DatabaseSync, limit: number, purgeEvery: number = PURGE_EVERY) {
    this.#db = db;
    this.limit = limit;
    this.purgeEvery = purgeEvery;
    this.#sql = Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)]),
    ) as Statements;
    for (const name of ["lastLeaving", "pruned", "roomHistory", "mainHistory", "replay"] as const) {
      returnArrays(this.#sql[name]);
    }
  }

  /** The largest seq written (also of messages pruned since), as of the last {@linkcode SqliteMessages.load}. */
  get newest(): number {
    return this.#newest;
  }

  /** Reads the floor, the counts and the marks from the file (at open, and after a failed commit). */
  load(): void {
    const db = this.#db;
    this.#rows = [];
    const meta = new Map<string, number>();
    for (const row of db.prepare("SELECT key, value FROM meta").all()) {
      meta.set(row.key as string, row.value as number);
    }
    this.#floor = meta.get("floor") ?? 1;
    // A file of version 1 (sqlite_schema.ts) has its floor and its marks written with every prune.
    this.#marksFloor = meta.get("marks_floor") ?? this.#floor;
    const counts = db.prepare(
      "SELECT count(*) AS all_rows, count(*) FILTER (WHERE seq >= ?) AS kept, max(seq) AS newest FROM messages",
    ).get(this.#floor)!;
    this.#kept = counts.kept as number;
    this.#stale = (counts.all_rows as number) - this.#kept;
    this.#newest = Math.max((counts.newest as number | null) ?? 0, this.#floor - 1);
    // The floor in the file is the one of the last purge: since then, the commits kept the last
    // `limit` (as written then).
    const written = meta.get("limit");
    if (written !== undefined) this.#raiseFloor(this.#kept - written);
    const marks = new PrunedMarks();
    for (const row of db.prepare("SELECT audience, top, top_sender, other FROM pruned").all()) {
      const { audience, top, top_sender: topSender, other } = row;
      marks.restore(audience as string, top as number, topSender as string, other as number);
    }
    this.#marks = marks;
    this.#changed.clear();
  }

  /**
   * Every frame id the file keeps, oldest first, as `[sender, seq, id]`:
   * those of pruned messages, then those of the messages still there.
   */
  *frameIds(): IterableIterator<[string, number, FrameId]> {
    const db = this.#db;
    for (
      const row of db.prepare("SELECT session, ids FROM recent_ids ORDER BY last_seq").iterate()
    ) {
      for (const [seq, id] of JSON.parse(row.ids as string) as [number, FrameId][]) {
        yield [row.session as string, seq, id];
      }
    }
    const kept =
      "SELECT sender, seq, frame_id FROM messages WHERE frame_id IS NOT NULL ORDER BY seq";
    for (const row of db.prepare(kept).iterate()) {
      yield [row.sender as string, row.seq as number, JSON.parse(row.frame_id as string)];
    }
  }

  /**
   * Writes a message with its sender's frame id (as JSON, or null), within
   * the transaction: with the other messages of the transaction, a few
   * dozen rows a statement, before anything else reads or prunes them.
   */
  insert(m: StoredMessage, idText: string | null): void {
    this.#rows.push(
      m.seq,
      m.ts,
      m.sender,
      m.from,
      m.verified ? 1 : 0,
      storedContent(m.content),
      m.roomKey ?? null,
      m.room ?? null,
      m.recipient ?? null,
      m.to ?? null,
      idText,
    );
    this.#kept++;
  }

  /** Writes the rows of {@linkcode SqliteMessages.insert} that wait. */
  #write(): void {
    const values = this.#rows;
    if (values.length === 0) return;
    this.#rows = [];
    const step = ROWS_PER_INSERT * INSERTED;
    for (let start = 0; start < values.length; start += step) {
      const chunk = values.slice(start, start + step);
      const rows = chunk.length / INSERTED;
      let statement = this.#inserts.get(rows);
      if (!statement) this.#inserts.set(rows, statement = this.#db.prepare(insertSql(rows)));
      statement.run(...chunk);
    }
  }

  /**
   * Prunes past the limit, within the transaction (having written the
   * messages inserted): raises the floor; every
   * {@linkcode SqliteMessages.purgeEvery} pruned messages, purges them.
   */
  prune(windowStart: (sender: string) => number | undefined): void {
    this.#write();
    this.#raiseFloor(this.#kept - this.limit);
    if (this.#stale >= this.purgeEvery) this.purge(windowStart);
  }

  /** Puts the oldest `excess` messages above the floor below it (none when `excess` is not positive). */
  #raiseFloor(excess: number): void {
    if (excess <= 0) return;
    const [last] = this.#sql.lastLeaving.get(this.#floor, excess - 1) as unknown as [number];
    this.#floor = last + 1;
    this.#kept -= excess;
    this.#stale += excess;
  }

  /**
   * Deletes the messages below the floor, within the transaction: counts
   * them in the marks, writes the marks, and moves their frame ids that
   * `windowStart(sender)` (the seq of the sender's oldest remembered id,
   * `undefined`: none) says are still remembered.
   */
  purge(windowStart: (sender: string) => number | undefined): void {
    this.#write();
    const moved = new Map<string, { pairs: string[]; last: number }>();
    for (const [seq, sender, , , frameId] of this.#catchUp(1)) {
      if (frameId === null || !(seq >= (windowStart(sender) ?? Infinity))) continue;
      const pair = `[${seq},${frameId}]`;
      const ids = moved.get(sender);
      if (ids) {
        ids.pairs.push(pair);
        ids.last = seq;
      } else moved.set(sender, { pairs: [pair], last: seq });
    }
    this.#saveMarks();
    this.#sql.purge.run(this.#floor);
    this.#stale = 0;
    for (const [sender, { pairs, last }] of moved) {
      this.#sql.keepIds.run(sender, last, `[${pairs.join(",")}]`);
      this.#sql.forgetIds.run(sender, windowStart(sender)!);
    }
  }

  /**
   * Drops the mark of direct messages to a session that ended for good,
   * having counted every message pruned so far; {@linkcode SqliteMessages.forget}
   * writes it within the transaction.
   */
  forgetMark(sessionId: string): void {
    this.#catchUp();
    const mark = this.#marks.forget(sessionId);
    if (mark) this.#changed.delete(mark);
  }

  /**
   * Forgets, within the transaction, the ids of a session that ended and
   * the mark of direct messages to it (dropped by {@linkcode SqliteMessages.forgetMark});
   * writes the marks as they are, so that a later opening does not count
   * its messages pruned before again.
   */
  forget(sessionId: string): void {
    this.#sql.deleteIds.run(sessionId);
    this.#saveMarks();
    this.#sql.deleteMark.run(directAudience(sessionId));
  }

  /**
   * Counts in the marks the pruned messages they do not count yet (from
   * `from`, their floor when lower: 1 reads every row below the floor, to
   * purge them); returns the rows read.
   */
  #catchUp(from: number = this.#marksFloor): PrunedRow[] {
    const floor = this.#floor;
    if (from >= floor) return [];
    const rows = this.#sql.pruned.all(from, floor) as unknown as PrunedRow[];
    const marks = this.#marks;
    for (const [seq, sender, roomKey, recipient] of rows) {
      if (seq < this.#marksFloor) continue;
      this.#changed.add(marks.prune(seq, sender, roomKey ?? undefined, recipient ?? undefined));
    }
    this.#marksFloor = floor;
    return rows;
  }

  /**
   * Writes, within the transaction, the floor and the limit, and the marks
   * changed since they were last written with their floor.
   */
  #saveMarks(): void {
    this.#sql.saveFloor.run(this.#floor, this.limit);
    for (const mark of this.#changed) {
      this.#sql.saveMark.run(mark.audience, mark.top, mark.topSender, mark.other);
    }
    this.#changed.clear();
    this.#sql.saveMarksFloor.run(this.#marksFloor);
  }

  /** A page of history among the messages up to `bound`. */
  history(query: HistoryQuery, bound: number): HistoryPage {
    const limit = historyLimit(query.limit);
    const { roomKey, before } = query;
    const upper = before === undefined ? bound : Math.min(bound, Math.ceil(before) - 1);
    const rows =
      (roomKey !== undefined
        ? this.#sql.roomHistory.all(roomKey, this.#floor, upper, limit + 1)
        : this.#sql.mainHistory.all(
          query.session,
          this.#floor,
          upper,
          limit + 1,
        )) as unknown as MessageRow[];
    const more = rows.length > limit;
    if (more) rows.pop();
    return { messages: rows.reverse().map(message), more };
  }

  /** What a session with `filter` missed after `after`, among the messages up to `bound`. */
  replay(filter: ReplayFilter, after: number, bound: number): Replay {
    const joined = new Map<string, number>();
    for (const room of filter.rooms) joined.set(room.key, room.joined);
    const rows = this.#sql.replay.all(
      filter.id,
      Math.max(Math.floor(after), this.#floor - 1),
      bound,
      filter.since,
      JSON.stringify([...joined.keys()]),
    ) as unknown as MessageRow[];
    const messages: StoredMessage[] = [];
    for (const row of rows) {
      const [seq, , , , , , roomKey, , recipient] = row;
      if (recipient === null && roomKey !== null && !(seq > joined.get(roomKey)!)) continue;
      messages.push(message(row));
    }
    this.#catchUp();
    return { messages, complete: this.#marks.complete(filter, after), newest: bound };
  }
}
