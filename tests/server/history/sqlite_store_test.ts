import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ManualClock } from "../../../src/async/clock.ts";
import { hashResumeToken } from "../../../src/server/history/resume_token.ts";
import { SqliteHistoryStore } from "../../../src/server/history/sqlite_store.ts";
import {
  appendAll,
  session,
  storeContract,
  toEveryone,
  toRoom,
  toSession,
} from "./store_contract.ts";
import { openTempStore, TempDir } from "./temp_store.ts";

storeContract("SqliteHistoryStore", (limit) => openTempStore({ limit }));

Deno.test("SqliteHistoryStore.open() finds the messages again, and seqs go on after the largest", async () => {
  await using dir = await TempDir.create();
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 3 });
    await appendAll(store, [toEveryone("a"), toRoom("a", "Lobby"), toSession("a", "b")]);
    await appendAll(store, [{ ...toEveryone("b", "x"), ts: 1_700_000_000_123.5, verified: true }]);
  }
  await using store = SqliteHistoryStore.open(dir.store, { limit: 3 });
  strictEqual(store.newest, 4);
  const page = await store.history({ session: "b" });
  deepStrictEqual(page.messages.map((m) => [m.seq, m.ts, m.verified, m.to]), [
    [3, 1_000, false, "name-b"],
    [4, 1_700_000_000_123.5, true, undefined],
  ]);
  strictEqual(await store.append(toEveryone("a")), 5);
});

Deno.test("SqliteHistoryStore.open() keeps sessions, token hashes and recent ids; they are away from the start", async () => {
  await using dir = await TempDir.create();
  const rooms = [{ key: "lobby", name: "Lobby", joined: 1 }];
  const ann = { ...session("ann"), rooms, account: { name: "ann", expires: 9, stamp: "v1" } };
  {
    await using store = SqliteHistoryStore.open(dir.store);
    await store.saveSession(ann);
    await store.saveSession({ ...session("bob"), awaySince: 10 });
    await store.append(toRoom("ann", "Lobby"), "m1");
    await store.append(toSession("bob", "ann"), "b1");
  }
  const clock = new ManualClock(50_000);
  await using store = SqliteHistoryStore.open(dir.store, { clock });
  const found = [...await store.sessions()].sort((x, y) => x.id.localeCompare(y.id));
  deepStrictEqual(found, [
    { ...ann, awaySince: 50_000 },
    { ...session("bob"), awaySince: 50_000 },
  ]);
  strictEqual(await store.resent("ann", "m1"), 1);
  strictEqual(await store.resent("bob", "b1"), 2);
  const resumed = await store.resume({
    tokenHash: hashResumeToken("token-ann"),
    nextTokenHash: hashResumeToken("next"),
    after: 0,
  });
  deepStrictEqual(resumed?.messages.map((m) => m.seq), [2]);
});

Deno.test("SqliteHistoryStore.open() knows a session's last 1,024 ids again, also of pruned messages", async () => {
  await using dir = await TempDir.create();
  const options = { limit: 10, purgeEvery: 64 };
  {
    await using store = SqliteHistoryStore.open(dir.store, options);
    await store.saveSession(session("a"));
    await store.saveSession(session("b"));
    for (let i = 1; i <= 1_100; i++) await store.append(toEveryone(i % 2 ? "a" : "b"), `a${i}`);
    await store.append(toEveryone("b"), "b-only");
  }
  await using store = SqliteHistoryStore.open(dir.store, options);
  // a sent the odd ones, 550 in all: every one is among its last 1,024.
  strictEqual(await store.resent("a", "a1"), 1);
  strictEqual(await store.resent("a", "a1099"), 1_099);
  strictEqual(await store.resent("b", "a2"), 2);
  strictEqual(await store.resent("b", "b-only"), 1_101);
  for (let i = 0; i < 1_000; i++) await store.append(toEveryone("a"), `more${i}`);
  await store.close();
  await using again = SqliteHistoryStore.open(dir.store, options);
  strictEqual(await again.resent("a", "a1"), undefined, "past a's last 1,024");
  // Its last 1,024: the 1,000 new ones and the last 24 odd ones, 1,053 to 1,099.
  strictEqual(await again.resent("a", "a1051"), undefined);
  strictEqual(await again.resent("a", "a1053"), 1_053);
  strictEqual(await again.resent("a", "more999"), 2_101);
  strictEqual(await again.resent("b", "a2"), 2);
  await again.close();
  const db = new DatabaseSync(dir.store);
  try {
    const kept = db.prepare(
      "SELECT session, sum(json_array_length(ids)) AS ids FROM recent_ids GROUP BY session",
    ).all().map((row) => [row.session, row.ids]);
    // Ids leave whole rows at a time: at most one row (of one purge) past the last 1,024.
    strictEqual(kept.length, 2);
    ok(Number(kept[0][1]) <= 1_024 + options.purgeEvery, `${kept[0]}`);
    deepStrictEqual(kept[1], ["b", 551]);
  } finally {
    db.close();
  }
});

Deno.test("SqliteHistoryStore.resume() rotates the token; after a restart the one it replaced works once more (its resumed frame may have died with the server)", async () => {
  await using dir = await TempDir.create();
  const first = { tokenHash: hashResumeToken("token-a"), nextTokenHash: hashResumeToken("b") };
  {
    await using store = SqliteHistoryStore.open(dir.store);
    await store.saveSession(session("a"));
    ok(await store.resume({ ...first, after: 0 }));
    strictEqual(await store.resume({ ...first, after: 0 }), undefined, "not on a live store");
  }
  {
    // The client never read the frame with token b: it comes back with token-a.
    await using store = SqliteHistoryStore.open(dir.store);
    const again = { ...first, nextTokenHash: hashResumeToken("c") };
    strictEqual((await store.resume({ ...again, after: 0 }))?.session.id, "a");
    strictEqual(await store.resume({ ...again, after: 0 }), undefined, "once");
    const second = { tokenHash: hashResumeToken("b"), nextTokenHash: "d", after: 0 };
    strictEqual(await store.resume(second), undefined, "b was replaced by c");
  }
  // Restarted again: c, the newest, works.
  await using store = SqliteHistoryStore.open(dir.store);
  const third = { tokenHash: hashResumeToken("c"), nextTokenHash: "f", after: 0 };
  strictEqual((await store.resume(third))?.session.id, "a");
});

Deno.test("SqliteHistoryStore.open() keeps what was pruned: replay() is as exact after a restart", async () => {
  await using dir = await TempDir.create();
  const a = { id: "a", since: 0, rooms: [{ key: "lobby", name: "lobby", joined: 0 }] };
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
    await appendAll(store, [toRoom("a", "lobby"), toSession("b", "c"), toEveryone("b")]);
  }
  await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
  strictEqual((await store.replay(a, 0)).complete, true); // only a's own message is gone
  strictEqual((await store.replay({ ...a, id: "b" }, 0)).complete, false);
  await appendAll(store, [toEveryone("b")]); // prunes the direct message to c
  strictEqual((await store.replay({ ...a, id: "c", rooms: [] }, 0)).complete, false);
  strictEqual((await store.replay({ ...a, id: "c", rooms: [] }, 2)).complete, true);
});

Deno.test("SqliteHistoryStore.removeSession() forgets what was pruned of the direct messages to it, also after a restart", async () => {
  await using dir = await TempDir.create();
  const a = { id: "a", since: 0, rooms: [] };
  {
    // The direct message is pruned, not yet deleted (that waits for 1,024 pruned messages).
    await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
    await store.saveSession(session("a"));
    await appendAll(store, [toSession("b", "a"), toEveryone("a"), toEveryone("a")]);
    await store.removeSession("a");
    await appendAll(store, [toEveryone("a")]); // prunes a's own message
  }
  await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
  strictEqual((await store.replay(a, 0)).complete, true, "nothing to a is counted as pruned");
  strictEqual((await store.replay({ ...a, id: "c" }, 0)).complete, false);
});

Deno.test("SqliteHistoryStore.open() with a smaller limit prunes the file at once", async () => {
  await using dir = await TempDir.create();
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 10 });
    await appendAll(store, Array.from({ length: 10 }, () => toEveryone("a")));
  }
  await using store = SqliteHistoryStore.open(dir.store, { limit: 4 });
  const page = await store.history({ session: "b" });
  deepStrictEqual(page.messages.map((m) => m.seq), [7, 8, 9, 10]);
  strictEqual((await store.replay({ id: "b", since: 0, rooms: [] }, 0)).complete, false);
});

Deno.test("SqliteHistoryStore.open() with a larger limit keeps what was pruned pruned, also before its purge", async () => {
  await using dir = await TempDir.create();
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
    await appendAll(store, Array.from({ length: 5 }, () => toEveryone("a")));
  }
  await using store = SqliteHistoryStore.open(dir.store, { limit: 10 });
  const page = await store.history({ session: "b" });
  deepStrictEqual(page.messages.map((m) => m.seq), [4, 5]);
  strictEqual((await store.replay({ id: "b", since: 0, rooms: [] }, 0)).complete, false);
  strictEqual((await store.replay({ id: "b", since: 0, rooms: [] }, 3)).complete, true);
});

Deno.test("SqliteHistoryStore.open() takes a file of version 1 (floor and marks written at every commit)", async () => {
  await using dir = await TempDir.create();
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
    await appendAll(store, [toSession("b", "c"), toEveryone("a"), toEveryone("a")]);
  }
  // What version 1 left: the exact floor and marks, no limit, no marks' floor.
  const db = new DatabaseSync(dir.store);
  db.exec(`PRAGMA user_version = 1;
    DELETE FROM meta WHERE key IN ('limit', 'marks_floor');
    INSERT OR REPLACE INTO meta (key, value) VALUES ('floor', 2);
    INSERT OR REPLACE INTO pruned (audience, top, top_sender, other) VALUES ('d:c', 1, 'b', 0)`);
  db.close();
  {
    await using store = SqliteHistoryStore.open(dir.store, { limit: 2 });
    const page = await store.history({ session: "b" });
    deepStrictEqual(page.messages.map((m) => m.seq), [2, 3]);
    strictEqual((await store.replay({ id: "c", since: 0, rooms: [] }, 0)).complete, false);
    strictEqual((await store.replay({ id: "b", since: 0, rooms: [] }, 0)).complete, true);
  }
  const reopened = new DatabaseSync(dir.store);
  deepStrictEqual({ ...reopened.prepare("PRAGMA user_version").get() }, { user_version: 2 });
  reopened.close();
});

Deno.test("SqliteHistoryStore.append() commits the calls of one tick in one transaction", async () => {
  await using store = await openTempStore({ limit: 1_000 });
  const before = store.commits;
  const ids = Array.from({ length: 300 }, (_, i) => store.append(toEveryone(`s${i % 7}`), i));
  const saved = store.saveSession(session("s1"));
  const page = store.history({ session: "s1", limit: 1_000 });
  ok(page instanceof Promise, "a query waits for the pending commit");
  await Promise.all([...ids, saved]);
  strictEqual(store.commits, before + 1);
  strictEqual((await page).messages.length, 300);
  strictEqual(store.history({ session: "s1" }) instanceof Promise, false, "nothing pending");
});

Deno.test("SqliteHistoryStore.history() answers with the messages appended up to the call", async () => {
  await using store = await openTempStore({ limit: 100 });
  const first = store.append(toEveryone("a"));
  const page = store.history({ session: "b" });
  const second = store.append(toEveryone("a"));
  await Promise.all([first, second]);
  deepStrictEqual((await page).messages.map((m) => m.seq), [1]);
});

Deno.test("SqliteHistoryStore.append() rejects every call of a batch whose commit fails; the store goes on", async () => {
  await using dir = await TempDir.create();
  SqliteHistoryStore.open(dir.store).close();
  const db = new DatabaseSync(dir.store);
  db.exec(`CREATE TRIGGER boom BEFORE INSERT ON messages WHEN new.content = 'boom'
    BEGIN SELECT RAISE(ABORT, 'boom'); END`);
  db.close();
  await using store = SqliteHistoryStore.open(dir.store);
  await store.saveSession(session("a"));
  const calls = [
    store.append(toEveryone("a"), "ok"),
    store.saveSession({ ...session("b") }),
    store.append(toEveryone("a", "boom"), "boom"),
  ];
  const results = await Promise.allSettled(calls);
  deepStrictEqual(results.map((r) => r.status), ["rejected", "rejected", "rejected"]);
  deepStrictEqual((await store.sessions()).map((s) => s.id), ["a"], "b is not kept");
  strictEqual(await store.resent("a", "ok"), undefined);
  strictEqual(await store.append(toEveryone("a"), "ok"), 3, "seqs are not given twice");
  deepStrictEqual((await store.history({ session: "a" })).messages.map((m) => m.seq), [3]);
});

Deno.test("SqliteHistoryStore.open() refuses a file that another store holds", async () => {
  await using dir = await TempDir.create();
  await using store = SqliteHistoryStore.open(dir.store);
  throws(() => SqliteHistoryStore.open(dir.store), /another process has it open/);
  await store.append(toEveryone("a"));
});

Deno.test("SqliteHistoryStore.open() writes the file in WAL mode", async () => {
  await using dir = await TempDir.create();
  SqliteHistoryStore.open(dir.store).close();
  const db = new DatabaseSync(dir.store);
  try {
    deepStrictEqual({ ...db.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
  } finally {
    db.close();
  }
});

Deno.test("SqliteHistoryStore.append() throws once the store is closed", async () => {
  await using dir = await TempDir.create();
  const store = SqliteHistoryStore.open(dir.store);
  const pending = store.append(toEveryone("a"));
  await store.close();
  strictEqual(await pending, 1, "close() commits what is pending");
  throws(() => store.append(toEveryone("a")), /closed/);
  await rejects(Promise.resolve().then(() => store.history({ session: "a" })), /closed/);
});

Deno.test("SqliteHistoryStore.append() reported as committed is in the file after a SIGKILL", async () => {
  await using dir = await TempDir.create();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=${dir.path}`,
      `--allow-write=${dir.path}`,
      new URL("./append_child.ts", import.meta.url).pathname,
      dir.store,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the child ended before it reported a commit: ${text}`);
      text += value;
    }
  } finally {
    child.kill("SIGKILL");
    await reader.cancel();
    await child.status;
  }
  const reported = Number(/^committed (\d+)$/m.exec(text)![1]);
  ok(reported >= 10);
  await using store = SqliteHistoryStore.open(dir.store, { limit: 1_000_000 });
  ok(store.newest >= reported, `${store.newest} < ${reported}`);
  const page = await store.history({ session: "x", before: reported + 1, limit: 10 });
  deepStrictEqual(
    page.messages.map((m) => m.seq),
    Array.from({ length: 10 }, (_, i) => reported - 9 + i),
  );
  strictEqual(await store.resent("child", reported - 1), reported);
  deepStrictEqual((await store.sessions()).map((s) => s.id), ["child"]);
});
