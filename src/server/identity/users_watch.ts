/**
 * The users file as the server holds it: read at start, then read again
 * whenever it changes, with no restart (PROTOCOL.md section 11,
 * Revocation). Changes are seen by the file system's events on its folder
 * (`Deno.watchFs`) and, as a fallback, by comparing its `stat` every
 * second. A file that cannot be read or parsed changes nothing and is
 * reported; each change is reported as the accounts added, removed and
 * changed, so the server can end the sessions of the ones gone or changed.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { basename, dirname, resolve } from "node:path";
import { type Clock, systemClock } from "../../async/clock.ts";
import { firstLine } from "../../errors/first_line.ts";
import type { AccountChanges, Accounts } from "./accounts.ts";
import { readUsersFile } from "./users_file.ts";

const log = getLogger(["chat", "identity"]);

/** How often the fallback compares the file's `stat`, in milliseconds. */
export const USERS_POLL_MS = 1000;

/** Options of {@linkcode WatchedUsers.open}. */
export interface UsersWatchOptions {
  /** Called after each reading that changed the accounts, with the changes and the new accounts. */
  onChange?: (changes: AccountChanges, accounts: Accounts) => void;
  /**
   * Called when the file changed but could not be read or parsed (the
   * accounts stay as they were); default: a `warn` log line.
   */
  onError?: (message: string) => void;
  /** The clock of the `stat` fallback (default: the wall clock). */
  clock?: Clock;
  /** Milliseconds between two `stat` comparisons (default {@linkcode USERS_POLL_MS}). */
  pollMs?: number;
  /** Whether to listen to file system events too (default `true`); the `stat` fallback runs anyway. */
  events?: boolean;
}

/** What tells one version of the file from another: its inode, size and times. */
function signature(info: Deno.FileInfo): string {
  return [info.ino, info.size, info.mtime?.getTime(), info.ctime?.getTime()].join(":");
}

/**
 * The accounts of a users file, kept up to date.
 *
 * @example
 * ```ts ignore
 * await using users = await WatchedUsers.open("users.json", {
 *   onChange: ({ removed, changed }) => endSessionsOf(removed, changed),
 * });
 * users.accounts.get("alice");
 * ```
 */
export class WatchedUsers implements AsyncDisposable {
  /** The file's path. */
  readonly path: string;
  readonly #options: UsersWatchOptions;
  #accounts: Accounts;
  #signature: string | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #stopPolling: () => void = () => {};
  #watcher: Deno.FsWatcher | undefined;
  #watching: Promise<void> = Promise.resolve();

  private constructor(path: string, accounts: Accounts, options: UsersWatchOptions) {
    this.path = resolve(path);
    this.#accounts = accounts;
    this.#options = options;
  }

  /**
   * Reads the users file at `path` and starts watching it. Rejects when it
   * cannot be read (the runtime's error, such as `Deno.errors.NotFound`) or
   * parsed (`UsersFormatError`).
   */
  static async open(path: string, options: UsersWatchOptions = {}): Promise<WatchedUsers> {
    const signed = await Deno.stat(path).then(signature, () => undefined);
    const users = new WatchedUsers(path, await readUsersFile(path), options);
    users.#signature = signed;
    users.#start();
    return users;
  }

  /** The accounts as last read. */
  get accounts(): Accounts {
    return this.#accounts;
  }

  #start(): void {
    const clock = this.#options.clock ?? systemClock;
    this.#stopPolling = clock.every(this.#options.pollMs ?? USERS_POLL_MS, () => {
      this.check();
    });
    if (this.#options.events === false) return;
    try {
      this.#watcher = Deno.watchFs(dirname(this.path), { recursive: false });
    } catch (error) {
      log.warn("cannot watch {path} ({error}); checking it every second", {
        path: this.path,
        error: firstLine(error),
      });
      return;
    }
    const watcher = this.#watcher;
    this.#watching = (async () => {
      for await (const event of watcher) {
        if (event.paths.some((path) => basename(path) === basename(this.path))) this.check();
      }
    })().catch(() => {});
  }

  /**
   * Reads the file again if it changed since the last reading; resolves
   * once that is done. Calls made meanwhile are folded into one more reading.
   */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readIfChanged();
      } while (this.#again && !this.#closed);
    })().finally(() => this.#reading = undefined);
    return this.#reading;
  }

  async #readIfChanged(): Promise<void> {
    const signed = await Deno.stat(this.path).then(signature, () => "missing");
    if (signed === this.#signature) return;
    this.#signature = signed;
    let accounts: Accounts;
    try {
      accounts = await readUsersFile(this.path);
    } catch (error) {
      const message = `users file ${this.path} not read again, accounts unchanged: ${
        firstLine(error)
      }`;
      if (this.#options.onError) this.#options.onError(message);
      else log.warn("{message}", { message });
      return;
    }
    if (this.#closed) return;
    const changes = accounts.changesSince(this.#accounts);
    this.#accounts = accounts;
    if (changes.added.length + changes.removed.length + changes.changed.length > 0) {
      this.#options.onChange?.(changes, accounts);
    }
  }

  /** Stops watching; resolves once nothing of it runs any more. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPolling();
    this.#watcher?.close();
    await this.#watching;
    await this.#reading;
  }

  /** {@linkcode WatchedUsers.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
