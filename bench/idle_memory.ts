/**
 * Memory per idle session, alone and in rounds: the idle scenario of
 * `deno task bench` (the server run as shipped; one session, then
 * {@linkcode WARM_UP} more that stay open, so the one-time costs of a
 * fresh server are in the baseline; then N sessions that do the handshake
 * and sit idle: RSS delta / N, and "cold", counted from the first
 * session), repeated to show the spread between rounds.
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
import { closeAll, joinMany, type Kind, type Peer, type Transport } from "./load.ts";
import { ServerProcess } from "./server_process.ts";

/** One load over one transport, measured in rounds. */
export interface IdleMemoryRow {
  transport: Transport;
  sessions: number;
  /** RSS delta per session of each round, in bytes. */
  rounds: number[];
  /** Their median. */
  median: number;
  /** Counted from the first session, per round. */
  cold: number[];
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
  /** As `now`, counted from the first session (the warm-up's sessions among them). */
  cold: number;
}

/**
 * How many sessions a server holds before the idle measure starts: the
 * first thousand handshakes of a fresh server page in code of the runtime
 * (its optimizing compilers among it) and grow V8's young generation to its
 * size, about 16 MB once (measured: the first 1,000 sessions cost about
 * 22 KB each, every later one about 6 KB, at 5,000 as at 10,000 more).
 * They stay open, so no session reuses memory another one left.
 */
export const WARM_UP = 1000;

/** The sessions of an idle measure, and the server's RSS before them. */
export interface IdleBaseline {
  /** The sessions opened so far (one first, then {@linkcode WARM_UP}). */
  readonly peers: Peer[];
  /** RSS with the first session open, in bytes. */
  readonly first: number;
  /** RSS with the warm-up sessions open too, in bytes. */
  readonly warm: number;
}

/** Opens one session, then {@linkcode WARM_UP} more, noting the RSS after each step. */
export async function warmUp(server: ServerProcess, kind: Kind): Promise<IdleBaseline> {
  const peers = await joinMany(server.target, kind, 1);
  const first = server.rssBytes();
  peers.push(...await joinMany(server.target, kind, WARM_UP, 200, 1024));
  return { peers, first, warm: server.rssBytes() };
}

/**
 * RSS per session once `sessions` more are open after `base`: since the
 * warm-up (what each one more costs), and since the first session (the
 * warm-up's sessions counted in, with what a fresh server sets up once).
 */
export function rssPerSession(
  server: ServerProcess,
  base: IdleBaseline,
  sessions: number,
): { warm: number; cold: number } {
  const rss = server.rssBytes();
  return { warm: (rss - base.warm) / sessions, cold: (rss - base.first) / (sessions + WARM_UP) };
}

/**
 * RSS delta per session of one round: `sessions` idle sessions on a server
 * warmed up ({@linkcode warmUp}; run with `v8Flags` in place of the shipped
 * ones, when given), as the last handshake completed and after they sat
 * idle `settleMs` more.
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
    ["--max-clients", String(Math.max(20_000, sessions + WARM_UP + 10))],
    v8Flags,
  );
  const base = await warmUp(server, "chat");
  const peers = await joinMany(server.target, "chat", sessions, 200, 1024);
  const { warm: now, cold } = rssPerSession(server, base, sessions);
  // Idle for a while is the scenario itself (the runtime's idle-time collection may run), not a wait for an event.
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const settled = settleMs > 0 ? rssPerSession(server, base, sessions).warm : now;
  await closeAll(peers);
  await closeAll(base.peers);
  return { now, settled, cold };
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
      const cold = results.map((r) => r.cold);
      const row: IdleMemoryRow = { transport, sessions, rounds: now, median: median(now), cold };
      if (settleMs > 0) Object.assign(row, { settled, settledMedian: median(settled) });
      rows.push(row);
      console.log(
        `idle ${transport.padEnd(4)} ${String(sessions).padStart(6)}  bytes/session ${
          summary("at once", now)
        }  ${summary("cold", cold)}${
          settleMs > 0 ? `  ${summary(`idle ${flags.settle} s`, settled)}` : ""
        }`,
      );
    }
  }
  if (flags.json) {
    await Deno.writeTextFile(flags.json, JSON.stringify({ rows }, null, 2) + "\n");
  }
}
