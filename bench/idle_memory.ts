/**
 * Memory per idle session, alone and in rounds: the idle scenario of
 * `deno task bench` (the server run as shipped, one session first so the
 * baseline includes what the first connection sets up, then N sessions
 * that do the handshake and sit idle; RSS delta / N), repeated to show the
 * spread between rounds.
 *
 *   deno run --allow-net --allow-read --allow-write --allow-run --allow-env bench/idle_memory.ts \
 *     [--sessions 1000,5000,10000] [--transports tcp,unix,ws] [--rounds 3] [--json FILE]
 *
 * Each round of each load and transport runs a server of its own. The
 * figures are rounded to the byte; the spread is the lowest and the highest
 * round.
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
}

/**
 * RSS delta per session of one round: `sessions` idle sessions on a fresh
 * server (run with `v8Flags` in place of the shipped ones, when given).
 */
export async function idleRound(
  transport: Transport,
  sessions: number,
  v8Flags?: readonly string[],
): Promise<number> {
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
  const perSession = (server.rssBytes() - rss0) / sessions;
  await closeAll(peers);
  await closeAll(first);
  return perSession;
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
      json: { type: "string" },
    },
  });
  const loads = flags.sessions.split(",").map(Number);
  const transports = flags.transports.split(",") as Transport[];
  const rounds = Number(flags.rounds);
  const rows: IdleMemoryRow[] = [];
  for (const sessions of loads) {
    for (const transport of transports) {
      const results: number[] = [];
      // Rounds of one load and transport are interleaved with nothing else: same conditions.
      for (let i = 0; i < rounds; i++) results.push(await idleRound(transport, sessions));
      const row = { transport, sessions, rounds: results, median: median(results) };
      rows.push(row);
      const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
      console.log(
        `idle ${transport.padEnd(4)} ${String(sessions).padStart(6)}  bytes/session median ${
          fmt(row.median).padStart(6)
        }  (${fmt(Math.min(...results))} to ${fmt(Math.max(...results))}; rounds ${
          results.map(fmt).join(", ")
        })`,
      );
    }
  }
  if (flags.json) {
    await Deno.writeTextFile(flags.json, JSON.stringify({ rows }, null, 2) + "\n");
  }
}
