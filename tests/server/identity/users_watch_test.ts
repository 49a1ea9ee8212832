/**
 * The users file read again when it changes, with no restart: accounts
 * added, removed and changed (a password set anew, also removed and added
 * again) reported through file system events with no timer in between, or
 * through the `stat` fallback alone at its next tick (every second: within
 * the 2 s of PROTOCOL.md section 11 either way); a file that cannot be
 * parsed changes nothing and is reported. The clock of the fallback is moved
 * by hand, so no assertion depends on how fast the machine is.
 *
 * @module
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import { type AccountChanges, Accounts } from "../../../src/server/identity/accounts.ts";
import { unmatchableHash } from "../../../src/server/identity/scrypt_hash.ts";
import { writeUsersFile } from "../../../src/server/identity/users_file.ts";
import { USERS_POLL_MS, WatchedUsers } from "../../../src/server/identity/users_watch.ts";
import { tempDir } from "../../helpers/spawn.ts";
import { Wakeup } from "../../helpers/wakeup.ts";

/** How soon a change must be seen (PROTOCOL.md section 11). */
const WITHIN_MS = 2000;
/** How long a report is waited for: a change not seen by then is not seen (a loaded machine is slow). */
const WAIT_MS = 10_000;

/** `accounts` with `name` given a new random hash (a password set anew). */
function withNew(accounts: Accounts, name: string): Accounts {
  return accounts.with({ name, password: unmatchableHash() });
}

/** What a watched file reported, to wait on. */
class Reports {
  readonly changes: AccountChanges[] = [];
  readonly errors: string[] = [];
  readonly #wakeup = new Wakeup();
  onChange = (changes: AccountChanges): void => {
    this.changes.push(changes);
    this.#wakeup.wake();
  };
  onError = (message: string): void => {
    this.errors.push(message);
    this.#wakeup.wake();
  };
  /** The next change report, within `ms`. */
  nextChange(ms = WAIT_MS): Promise<AccountChanges> {
    return this.#wakeup.until(() => this.changes.shift(), ms, () => `no change within ${ms} ms`);
  }
  /** The next error report, within `ms`. */
  nextError(ms = WAIT_MS): Promise<string> {
    return this.#wakeup.until(() => this.errors.shift(), ms, () => `no error within ${ms} ms`);
  }
}

const NONE = { added: [], removed: [], changed: [] };

/** A users file of `accounts` in a temp folder, watched on a clock the test moves. */
interface Watched extends AsyncDisposable {
  path: string;
  reports: Reports;
  clock: ManualClock;
  users: WatchedUsers;
}

/** Writes `accounts` to a new users file and watches it (with file system `events` or not). */
async function watched(accounts: Accounts, events: boolean): Promise<Watched> {
  const dir = await tempDir();
  const path = `${dir.path}/users.json`;
  await writeUsersFile(path, accounts);
  const reports = new Reports();
  const clock = new ManualClock();
  const users = await WatchedUsers.open(path, { ...reports, clock, events });
  return {
    path,
    reports,
    clock,
    users,
    async [Symbol.asyncDispose]() {
      await users.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

Deno.test("users watch: added, changed and removed accounts seen by file system events, with no timer", async () => {
  let accounts = withNew(Accounts.EMPTY, "alice");
  // The clock never moves: the stat fallback never runs, events alone tell, at once (no timer
  // runs between the event and the report, so they take only what the machine takes).
  await using watch = await watched(accounts, true);
  const { path, reports, users } = watch;
  deepStrictEqual(users.accounts.names(), ["alice"]);

  const steps: [string, (before: Accounts) => Accounts, AccountChanges][] = [
    ["add bob", (a) => withNew(a, "bob"), { ...NONE, added: ["bob"] }],
    ["new password for alice", (a) => withNew(a, "alice"), { ...NONE, changed: ["alice"] }],
    ["remove bob", (a) => a.without("bob"), { ...NONE, removed: ["bob"] }],
  ];
  for (const [what, change, expected] of steps) {
    accounts = change(accounts);
    await writeUsersFile(path, accounts);
    deepStrictEqual(await reports.nextChange(), expected, what);
    deepStrictEqual(users.accounts.names(), accounts.names(), what);
  }
  strictEqual(reports.errors.length, 0);
});

Deno.test("users watch: the stat fallback alone sees a change at its next tick; removed and added again is changed", async () => {
  ok(USERS_POLL_MS < WITHIN_MS, `a tick every ${USERS_POLL_MS} ms: a change seen within 2 s`);
  const accounts = withNew(withNew(Accounts.EMPTY, "alice"), "carol");
  await using watch = await watched(accounts, false);
  const { path, reports, clock, users } = watch;
  // carol removed, then added again with a new password, between two ticks.
  await writeUsersFile(path, accounts.without("carol"));
  await writeUsersFile(
    path,
    withNew(accounts, "carol").with({ name: "dave", password: unmatchableHash() }),
  );
  strictEqual(reports.changes.length, 0, "nothing seen before the tick");
  clock.advance(USERS_POLL_MS);
  deepStrictEqual(await reports.nextChange(), { added: ["dave"], removed: [], changed: ["carol"] });
  deepStrictEqual(users.accounts.names(), ["alice", "carol", "dave"]);
  // A tick with nothing changed reports nothing: the next report is the next change.
  clock.advance(USERS_POLL_MS);
  await writeUsersFile(path, Accounts.EMPTY);
  clock.advance(USERS_POLL_MS);
  deepStrictEqual(await reports.nextChange(), {
    added: [],
    removed: ["alice", "carol", "dave"],
    changed: [],
  });
});

Deno.test("users watch: a file that cannot be parsed, or is gone, changes nothing and is reported", async () => {
  const accounts = withNew(Accounts.EMPTY, "alice");
  await using watch = await watched(accounts, false);
  const { path, reports, clock, users } = watch;
  const broken: [string, () => Promise<void>, RegExp][] = [
    ["half a file", () => Deno.writeTextFile(path, '{"version":1,"accounts":['), /not JSON/],
    ["another version", () => Deno.writeTextFile(path, '{"version":9,"accounts":[]}'), /version 9/],
    ["no file", () => Deno.remove(path), /No such file/],
  ];
  for (const [what, breakIt, message] of broken) {
    await breakIt();
    clock.advance(1000);
    const error = await reports.nextError();
    ok(message.test(error), `${what}: ${error}`);
    ok(error.includes(path), `${what}: names the file`);
    deepStrictEqual(users.accounts.names(), ["alice"], `${what}: accounts unchanged`);
  }
  // Fixed again: read as usual.
  await writeUsersFile(path, withNew(accounts, "bob"));
  clock.advance(1000);
  deepStrictEqual(await reports.nextChange(), { added: ["bob"], removed: [], changed: [] });
  strictEqual(reports.changes.length + reports.errors.length, 0);
});

Deno.test("users watch: a file missing or not parsed at start is refused", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  await rejects(WatchedUsers.open(path), Deno.errors.NotFound);
  await Deno.writeTextFile(path, "[]");
  await rejects(WatchedUsers.open(path), { name: "UsersFormatError" });
});
