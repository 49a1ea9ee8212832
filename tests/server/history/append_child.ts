/**
 * A child process for the SIGKILL test: opens the SQLite store at the path
 * given, saves a session, then appends messages ten to a tick for ever,
 * writing `committed <seq>` on standard output after each batch resolves.
 *
 * @module
 */

import { SqliteHistoryStore } from "../../../src/server/history/sqlite_store.ts";
import { session, toEveryone } from "./store_contract.ts";

const store = SqliteHistoryStore.open(Deno.args[0], { limit: 1_000_000 });
await store.saveSession(session("child"));
const out = new TextEncoder();
for (let id = 0;; id += 10) {
  const seqs = await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.append(toEveryone("child"), id + i)),
  );
  Deno.stdout.writeSync(out.encode(`committed ${seqs.at(-1)}\n`));
}
