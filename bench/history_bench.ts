/**
 * What keeping history costs on the relay path: appends per second of the
 * memory store (synchronous) and of the SQLite store with per-tick
 * batching (1 to 100,000 appends a tick, each tick one commit), with the
 * CPU time of each, plus a history page and a resume's replay from a full
 * store (`--history` 10,000).
 *
 *   deno run --allow-read --allow-write bench/history_bench.ts [--count N] [--json FILE]
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import type { HistoryStore } from "../src/server/history/history_store.ts";
import { MemoryHistoryStore } from "../src/server/history/memory_store.ts";
import { SqliteHistoryStore } from "../src/server/history/sqlite_store.ts";
import type { MessageDraft } from "../src/server/history/stored_message.ts";

/** One measured figure. */
export interface HistoryBenchRow {
  /** Which store. */
  store: "memory" | "sqlite";
  /** What was measured. */
  scenario: string;
  /** Operations per second. */
  perSecond: number;
  /** Wall-clock microseconds per operation. */
  microseconds: number;
  /** CPU microseconds of this process per operation (less sensitive to a busy machine). */
  cpuMicroseconds: number;
  /** SQLite commits during the scenario (0 for memory). */
  commits: number;
}

/** The wall and CPU time of a measure, in milliseconds. */
interface Took {
  ms: number;
  cpuMs: number;
}

const { values: flags } = parseArgs({
  args: Deno.args,
  options: { count: { type: "string", default: "100000" }, json: { type: "string" } },
});
const COUNT = Number(flags.count);
const LIMIT = 10_000;

/** A chat's mix: 60% to rooms, 30% to everyone, 10% direct, from 50 senders, each with an id. */
const drafts: MessageDraft[] = Array.from({ length: 1_000 }, (_, i) => {
  const sender = `${String(i % 50).padStart(8, "0")}-7d2c-4b8e-9f41-0c5d3a6e2b19`;
  const base = { ts: 1_760_000_000_000 + i, sender, from: `user${i % 50}`, verified: i % 3 === 0 };
  const content = `message number ${i}: ${"lorem ipsum ".repeat(4)}`;
  if (i % 10 < 6) return { ...base, content, room: `Room${i % 20}`, roomKey: `room${i % 20}` };
  if (i % 10 < 9) return { ...base, content };
  return { ...base, content, recipient: sender.replace("7d2c", "aaaa"), to: `user${i % 7}` };
});

const rows: HistoryBenchRow[] = [];

/** Times `fn`. */
async function time(fn: () => Promise<void>): Promise<Took> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000 };
}

/** Prints and keeps one figure. */
function row(
  store: HistoryBenchRow["store"],
  scenario: string,
  ops: number,
  { ms, cpuMs }: Took,
  commits = 0,
): void {
  const figure: HistoryBenchRow = {
    store,
    scenario,
    perSecond: Math.round(ops / (ms / 1000)),
    microseconds: Number((ms * 1000 / ops).toFixed(2)),
    cpuMicroseconds: Number((cpuMs * 1000 / ops).toFixed(2)),
    commits,
  };
  rows.push(figure);
  const perSecond = figure.perSecond.toLocaleString("en").padStart(11);
  const wall = figure.microseconds.toFixed(2).padStart(8);
  const cpu = figure.cpuMicroseconds.toFixed(2).padStart(8);
  const batches = commits ? `  ${commits.toLocaleString("en")} commits` : "";
  console.log(
    `${store.padEnd(6)} ${scenario.padEnd(30)} ${perSecond}/s ${wall} µs ${cpu} µs CPU${batches}`,
  );
}

/** Times `count` appends, `perTick` of them a tick (with ids, or not); a file store commits each tick once. */
function appends(store: HistoryStore, count: number, perTick: number, ids = true): Promise<Took> {
  return time(async () => {
    for (let done = 0; done < count;) {
      let last: number | Promise<number> = 0;
      for (const end = Math.min(count, done + perTick); done < end; done++) {
        last = store.append(drafts[done % drafts.length], ids ? done : undefined);
      }
      await last;
    }
  });
}

/** Times a history page (100, no room) and a replay of the last 1,000 messages on a full store. */
async function queries(name: HistoryBenchRow["store"], store: HistoryStore): Promise<void> {
  const rounds = Math.max(10, Math.min(1_000, COUNT / 100));
  const page = await time(async () => {
    for (let i = 0; i < rounds; i++) await store.history({ session: drafts[0].sender });
  });
  row(name, "history page (100 newest)", rounds, page);
  const filter = {
    id: drafts[1].sender,
    since: 0,
    rooms: Array.from({ length: 5 }, (_, i) => ({ key: `room${i}`, name: `Room${i}`, joined: 0 })),
  };
  const replay = await time(async () => {
    for (let i = 0; i < rounds; i++) await store.replay(filter, store.newest - 1_000);
  });
  row(name, "replay of 1,000 missed", rounds, replay);
}

const count = COUNT.toLocaleString("en");
const memory = new MemoryHistoryStore({ limit: LIMIT });
await appends(memory, Math.min(COUNT, 20_000), COUNT); // warm-up
row("memory", `append ${count}, no ids`, COUNT, await appends(memory, COUNT, COUNT, false));
row("memory", `append ${count}, with ids`, COUNT, await appends(memory, COUNT, COUNT));
await queries("memory", memory);

const dir = await Deno.makeTempDir({ prefix: "chat-history-bench-" });
try {
  for (const perTick of [1, 10, 100, 1_000, COUNT]) {
    const total = perTick === 1 ? Math.min(COUNT, 10_000) : COUNT;
    await using store = SqliteHistoryStore.open(`${dir}/${perTick}.db`, { limit: LIMIT });
    const took = await appends(store, total, perTick);
    const label = perTick === COUNT ? `all ${count} in one tick` : `${perTick} a tick`;
    row("sqlite", `append, ${label}`, total, took, store.commits);
    if (perTick === 100) await queries("sqlite", store);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}

if (flags.json) {
  await Deno.writeTextFile(flags.json, JSON.stringify({ count: COUNT, rows }, null, 2));
}
