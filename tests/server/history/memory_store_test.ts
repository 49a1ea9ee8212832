import { strictEqual } from "node:assert/strict";
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
