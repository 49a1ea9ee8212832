/**
 * Memory per idle session, alone and in rounds: the idle scenario of
 * `deno task bench` (the server run as shipped, one session first so the
 * baseline includes what the first connection sets up, then N sessions
 * that do the handshake and sit idle; RSS delta / N), repeated to show the
 * spread between rounds.
 *
 *   deno run --allow-net --allow-read --allow-write --allow-run --allow-env bench/idle_memory.ts \
 *     [--sessions 1000,5000,10000] [--transports tcp,unix,ws] [--rounds 3] [--settle S] [--json FILE]
 *
 * Each round of each load and transport runs a server of its own. The
 * figures are rounded to the byte; the spread is the lowest and the highest
 * round. With `--settle S`, each round also measures after the sessions sat
 * idle S seconds more (V8 gives memory back when the heap goes quiet).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { closeAll, joinMany, type Transport } from "./load.ts";
import { ServerProcess } from "./server_process.ts";

/** One load over one transport, measured in rounds. */
export interface IdleMemoryRow {
  transport: Transport;
  sessions: number;
  /** RSS delta per session of each round, in bytes. */
  rounds: number[];
  /** Their median. */
  median: number;
  /** With `--settle`: per round, after the sessions sat idle that long. */
  settled?: number[];
  /** With `--settle`: their median. */
  settledMedian?: number;
}

/** The figures of one round, in bytes of RSS delta per session. */
export interface IdleRound {
  /** As the last handshake completed (what `deno task bench` reports). */
  now: number;
  /** After the sessions sat idle `settleMs` more (with `settleMs` 0: as `now`). */
  settled: number;
}

/**
 * RSS delta per session of one round: `sessions` idle sessions on a fresh
 * server (run with `v8Flags` in place of the shipped ones, when given), as
 * the last handshake completed and after they sat idle `settleMs` more.
 */
export async function idleRound(
  transport: Transport,
  sessions: number,
  v8Flags?: readonly string[],
  settleMs = 0,
): Promise<IdleRound> {
  // --max-clients of the bench (20,000) leaves no room for more: raise it to the load.
  await using server = await ServerProcess.start(
    "chat",
    "relay",
    transport,
    ["--max-clients", String(Math.max(20_000, sessions + 10))],
    v8Flags,
  );
  const first = await joinMany(server.target, "chat", 1);
  const rss0 = server.rssBytes();
  const peers = await joinMany(server.target, "chat", sessions, 200, 1024);
  const now = (server.rssBytes() - rss0) / sessions;
  // Idle for a while is the scenario itself (the runtime's idle-time collection may run), not a wait for an event.
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const settled = settleMs > 0 ? (server.rssBytes() - rss0) / sessions : now;
  await closeAll(peers);
  await closeAll(first);
  return { now, settled };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

if (import.meta.main) {
  const { values: flags } = parseArgs({
    args: Deno.args,
    options: {
      sessions: { type: "string", default: "1000,5000,10000" },
      transports: { type: "string", default: "tcp,unix" },
      rounds: { type: "string", default: "3" },
      settle: { type: "string", default: "0" },
      json: { type: "string" },
    },
  });
  const loads = flags.sessions.split(",").map(Number);
  const transports = flags.transports.split(",") as Transport[];
  const rounds = Number(flags.rounds);
  const settleMs = Number(flags.settle) * 1000;
  const rows: IdleMemoryRow[] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const summary = (label: string, values: number[]) =>
    `${label} median ${fmt(median(values)).padStart(6)} (${fmt(Math.min(...values))} to ${
      fmt(Math.max(...values))
    }; rounds ${values.map(fmt).join(", ")})`;
  for (const sessions of loads) {
    for (const transport of transports) {
      const results: IdleRound[] = [];
      // Rounds of one load and transport are interleaved with nothing else: same conditions.
      for (let i = 0; i < rounds; i++) {
        results.push(await idleRound(transport, sessions, undefined, settleMs));
      }
      const now = results.map((r) => r.now);
      const settled = results.map((r) => r.settled);
      const row: IdleMemoryRow = { transport, sessions, rounds: now, median: median(now) };
      if (settleMs > 0) Object.assign(row, { settled, settledMedian: median(settled) });
      rows.push(row);
      console.log(
        `idle ${transport.padEnd(4)} ${String(sessions).padStart(6)}  bytes/session ${
          summary("at once", now)
        }${settleMs > 0 ? `  ${summary(`idle ${flags.settle} s`, settled)}` : ""}`,
      );
    }
  }
  if (flags.json) {
    await Deno.writeTextFile(flags.json, JSON.stringify({ rows }, null, 2) + "\n");
  }
}
