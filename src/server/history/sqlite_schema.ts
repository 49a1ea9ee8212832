/**
 * The SQLite file of `--store FILE`: opened in WAL mode with
 * `synchronous=NORMAL` (a commit survives the process being killed) and an
 * exclusive lock (a second server on the same file fails to start instead
 * of giving the same seqs twice), and its tables.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** The version of the tables below, kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  ts REAL NOT NULL,
  sender TEXT NOT NULL,
  from_name TEXT NOT NULL,
  verified INTEGER NOT NULL,
  content TEXT NOT NULL,
  room_key TEXT,
  room TEXT,
  recipient TEXT,
  to_name TEXT
) STRICT;
CREATE INDEX messages_room ON messages (room_key, seq) WHERE room_key IS NOT NULL;
CREATE INDEX messages_recipient ON messages (recipient, seq) WHERE recipient IS NOT NULL;
CREATE TABLE pruned (
  audience TEXT PRIMARY KEY,
  top INTEGER NOT NULL,
  top_sender TEXT NOT NULL,
  other INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE recent_ids (
  session TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (session, seq)
) STRICT, WITHOUT ROWID;
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * Opens (creating it when missing) the store's file, locked for this
 * process alone; throws an `Error` naming the file when it cannot, when
 * another process holds it, or when its tables are of another version.
 */
export function openDatabase(path: string): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("BEGIN IMMEDIATE"); // takes the exclusive lock now
    const { user_version: version } = db.prepare("PRAGMA user_version").get() as {
      user_version: number;
    };
    if (version === 0) db.exec(SCHEMA);
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
