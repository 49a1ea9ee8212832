/**
 * The SQLite file of `--store FILE`: opened in WAL mode with
 * `synchronous=NORMAL` (a commit survives the process being killed) and an
 * exclusive lock (a second server on the same file fails to start instead
 * of giving the same seqs twice), and its tables.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/**
 * The version of the tables below, kept in `PRAGMA user_version`. Version 2
 * keeps in `meta` the floor, the limit and the marks' floor as of the last
 * purge (sqlite_messages.ts); a file of version 1, which kept the floor and
 * the marks exact at every commit, is taken as it is and marked version 2.
 */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
-- Messages by seq. Those below meta's floor are pruned already (counted in
-- pruned), and deleted a thousand or so at a time. No other index: writes stay
-- at the two ends of one tree, and a query reads at most the kept ones.
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  ts REAL NOT NULL,
  sender TEXT NOT NULL,
  from_name TEXT NOT NULL,
  verified INTEGER NOT NULL,
  content ANY NOT NULL, -- text; a BLOB of its JSON when SQLite's text would alter it
  room_key TEXT,
  room TEXT,
  recipient TEXT,
  to_name TEXT,
  frame_id TEXT -- the sender's frame id, as JSON
) STRICT;
-- Per audience, the largest pruned seqs (see pruned_marks.ts).
CREATE TABLE pruned (
  audience TEXT PRIMARY KEY,
  top INTEGER NOT NULL,
  top_sender TEXT NOT NULL,
  other INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- Resumable sessions, as session_record.ts encodes them.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL
) STRICT, WITHOUT ROWID;
-- Frame ids of a session's pruned messages that are still among its last 1,024
-- (those of kept messages are in messages.frame_id): a JSON array of [seq, id].
CREATE TABLE recent_ids (
  session TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  ids TEXT NOT NULL,
  PRIMARY KEY (session, last_seq)
) STRICT, WITHOUT ROWID;
-- floor (the smallest seq kept, as of the last purge), limit (the history size then),
-- marks_floor (the pruned marks count the messages below it).
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * The permission bits a new store file is created with: it holds every
 * message, direct ones too, so only its owner may read it (as the users
 * file and the Unix socket). SQLite gives its `-wal` and `-shm` files the
 * main file's bits.
 */
export const STORE_FILE_MODE = 0o600;

/**
 * Creates `path` empty with {@linkcode STORE_FILE_MODE} when there is no
 * file there (an existing file keeps its bits), so that SQLite does not
 * create it readable by all under the usual umask.
 */
function createPrivate(path: string): void {
  try {
    Deno.openSync(path, { write: true, createNew: true, mode: STORE_FILE_MODE }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    // The message without its "open '<path>'" tail: the caller names the file.
    throw new Error((error as Error).message.replace(/: open '.*'$/s, ""), { cause: error });
  }
}

/**
 * Opens (creating it, mode 600, when missing) the store's file, locked for
 * this process alone; throws an `Error` naming the file when it cannot,
 * when another process holds it, or when its tables are of another version.
 */
export function openDatabase(path: string): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    createPrivate(path);
    db = new DatabaseSync(path);
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    // A checkpoint every 10,000 pages (up to 40 MB of log), not 1,000: appends rewrite the same
    // last pages commit after commit, and a checkpoint copies each page once (9% less CPU a message).
    db.exec("PRAGMA wal_autocheckpoint = 10000");
    db.exec("BEGIN IMMEDIATE"); // takes the exclusive lock now
    const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    };
    if (version === 0) db.exec(SCHEMA);
    else if (version === 1) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    else if (version !== SCHEMA_VERSION) {
      throw new Error(`its tables are of version ${version}, not ${SCHEMA_VERSION}`);
    }
    db.exec("COMMIT");
    return db;
  } catch (error) {
    if (db?.isOpen) db.close();
    const why = /locked|busy/i.test(String(error))
      ? "another process has it open"
      : (error as Error).message;
    throw new Error(`cannot open the history store ${path}: ${why}`, { cause: error });
  }
}
