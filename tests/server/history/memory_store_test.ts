import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { MemoryHistoryStore } from "../../../src/server/history/memory_store.ts";
import { storeContract, toEveryone } from "./store_contract.ts";

storeContract("MemoryHistoryStore", (limit) => Promise.resolve(new MemoryHistoryStore({ limit })));

Deno.test("MemoryHistoryStore.append() answers at once, without a promise", () => {
  const store = new MemoryHistoryStore();
  strictEqual(store.limit, 10_000);
  strictEqual(store.append(toEveryone("a"), 1), 1);
  strictEqual(store.resent("a", 1), 1);
  strictEqual(store.history({ session: "a" }).messages.length, 1);
});

Deno.test("MemoryHistoryStore as a mirror: seqs given elsewhere, and a start or gap past seq 1 makes earlier replays incomplete", () => {
  const store = new MemoryHistoryStore({ limit: 3 });
  // A mirror that starts at seq 41 (the stream had dropped 1 to 40).
  strictEqual(store.append(toEveryone("a"), "x", 41), 41);
  strictEqual(store.append(toEveryone("b"), undefined, 42), 42);
  strictEqual(store.resent("a", "x"), 41);
  const filter = { id: "c", since: 0, rooms: [] };
  deepStrictEqual(store.replay(filter, 40).messages.map((m) => m.seq), [41, 42]);
  strictEqual(store.replay(filter, 40).complete, true, "from 40 on, everything is here");
  strictEqual(store.replay(filter, 39).complete, false, "seq 40 is unknown here");
  deepStrictEqual(store.history({ session: "c" }).messages.map((m) => m.seq), [41, 42]);
  // A gap: what was kept counts as pruned, the seqs skipped are unknown.
  strictEqual(store.append(toEveryone("a"), undefined, 50), 50);
  deepStrictEqual(store.history({ session: "c" }).messages.map((m) => m.seq), [50]);
  strictEqual(store.replay(filter, 42).complete, false);
  strictEqual(store.replay(filter, 49).complete, true);
  throws(() => store.append(toEveryone("a"), undefined, 50), RangeError);
});

Deno.test("MemoryHistoryStore takes a history size far above what memory holds: it grows with what it keeps", () => {
  const store = new MemoryHistoryStore({ limit: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < 3; i++) {
    store.append({ ts: i, sender: "s1", from: "ann", verified: false, content: `m${i}` });
  }
  deepStrictEqual(store.history({ session: "s1" }).messages.map((m) => m.content), [
    "m0",
    "m1",
    "m2",
  ]);
});
