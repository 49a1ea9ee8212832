import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import {
  MemoryHistoryStore,
  openHistoryStore,
  SqliteHistoryStore,
} from "../../../src/server/history/mod.ts";
import { session } from "./store_contract.ts";
import { TempDir } from "./temp_store.ts";

Deno.test("openHistoryStore() gives no store for --history 0, whatever --store says", () => {
  strictEqual(openHistoryStore({ history: 0, store: "/nonexistent/history.db" }), undefined);
});

Deno.test("openHistoryStore() gives a memory store keeping --history messages without --store", async () => {
  await using store = openHistoryStore({ history: 25 }) as MemoryHistoryStore;
  ok(store instanceof MemoryHistoryStore);
  strictEqual(store.limit, 25);
});

Deno.test("openHistoryStore() gives an SQLite store on --store, its sessions away from the clock's now", async () => {
  await using dir = await TempDir.create();
  {
    await using first = openHistoryStore({ history: 5, store: dir.store }) as SqliteHistoryStore;
    ok(first instanceof SqliteHistoryStore);
    await first.saveSession(session("a"));
  }
  const clock = new ManualClock(1_234);
  await using store = openHistoryStore({
    history: 5,
    store: dir.store,
    clock,
  }) as SqliteHistoryStore;
  strictEqual(store.limit, 5);
  deepStrictEqual(await store.sessions(), [{ ...session("a"), awaySince: 1_234 }]);
});

Deno.test("openHistoryStore() throws an Error naming a --store file it cannot open", () => {
  throws(
    () => openHistoryStore({ history: 5, store: "/nonexistent/dir/history.db" }),
    /cannot open the history store \/nonexistent\/dir\/history\.db/,
  );
});

Deno.test("openHistoryStore() creates a new --store file and its -wal readable by its owner alone; an existing file keeps its bits", async () => {
  await using dir = await TempDir.create();
  {
    await using store = openHistoryStore({ history: 5, store: dir.store }) as SqliteHistoryStore;
    await store.saveSession(session("a"));
    for (const file of [dir.store, `${dir.store}-wal`]) {
      strictEqual((await Deno.stat(file)).mode! & 0o777, 0o600, file);
    }
  }
  const shared = `${dir.path}/shared.db`;
  await Deno.writeFile(shared, new Uint8Array());
  await Deno.chmod(shared, 0o640);
  await using _store = openHistoryStore({ history: 5, store: shared }) as SqliteHistoryStore;
  strictEqual((await Deno.stat(shared)).mode! & 0o777, 0o640);
});
