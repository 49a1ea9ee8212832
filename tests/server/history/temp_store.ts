/**
 * SQLite stores in temporary folders for tests: disposing of one closes it
 * and removes its folder.
 *
 * @module
 */

import {
  SqliteHistoryStore,
  type SqliteStoreOptions,
} from "../../../src/server/history/sqlite_store.ts";

/** A temporary folder, removed with everything in it when disposed of. */
export class TempDir implements AsyncDisposable {
  /** The folder's path. */
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Makes a new temporary folder. */
  static async create(): Promise<TempDir> {
    return new TempDir(await Deno.makeTempDir({ prefix: "chat-history-" }));
  }

  /** A path for a store file in the folder. */
  get store(): string {
    return `${this.path}/history.db`;
  }

  /** Removes the folder. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.path, { recursive: true });
  }
}

/** An SQLite store in a folder of its own, which disposing of the store removes. */
export async function openTempStore(options: SqliteStoreOptions): Promise<SqliteHistoryStore> {
  const dir = await TempDir.create();
  const store = SqliteHistoryStore.open(dir.store, options);
  const close = store.close.bind(store);
  return Object.assign(store, {
    async [Symbol.asyncDispose](): Promise<void> {
      await close();
      await dir[Symbol.asyncDispose]();
    },
  });
}
