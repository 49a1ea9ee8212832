import { deepStrictEqual, ok } from "node:assert/strict";
import type { HistoryBenchRow } from "../../../bench/history_bench.ts";
import { runTool } from "../../helpers/tool.ts";
import { TempDir } from "./temp_store.ts";

Deno.test("bench/history_bench.ts measures appends of both stores at every batch size, and queries", async () => {
  await using dir = await TempDir.create();
  const json = `${dir.path}/history.json`;
  const out = await runTool("bench/history_bench.ts", ["--count", "3000", "--json", json]);
  const { rows } = JSON.parse(await Deno.readTextFile(json)) as { rows: HistoryBenchRow[] };
  deepStrictEqual(rows.map((row) => `${row.store} ${row.scenario}`), [
    "memory append 3,000, no ids",
    "memory append 3,000, with ids",
    "memory history page (100 newest)",
    "memory replay of 1,000 missed",
    "sqlite append, 1 a tick",
    "sqlite append, 10 a tick",
    "sqlite append, 100 a tick",
    "sqlite history page (100 newest)",
    "sqlite replay of 1,000 missed",
    "sqlite append, 1000 a tick",
    "sqlite append, all 3,000 in one tick",
  ]);
  for (const row of rows) ok(row.perSecond > 0 && out.includes(row.scenario), JSON.stringify(row));
  deepStrictEqual(rows.filter((row) => row.commits).map((row) => row.commits), [
    3_000,
    300,
    30,
    3,
    1,
  ]);
});
