/**
 * Two sets of V8 flags for the chat server, side by side in one run, in
 * alternating rounds: echo round trips (50 sessions, TCP), fan-out
 * deliveries (1 to 100, TCP) with the server's CPU per operation, and
 * memory per idle session (5,000, TCP). What a change of the shipped
 * `--v8-flags` must show: less memory, no less throughput.
 *
 *   deno run --allow-net --allow-read --allow-write --allow-run --allow-env bench/v8_flags_ab.ts \
 *     [--a --max-semi-space-size=4] [--b --max-semi-space-size=2] [--rounds 3] [--idle 5000]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { idleRound } from "./idle_memory.ts";
import { closeAll, echoRoundTrips, fanOut, joinMany, type Peer } from "./load.ts";
import { echoLine, messageLine } from "./systems.ts";
import { ServerProcess } from "./server_process.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    a: { type: "string", default: "--max-semi-space-size=4" },
    b: { type: "string", default: "--max-semi-space-size=2" },
    rounds: { type: "string", default: "3" },
    idle: { type: "string", default: "5000" },
  },
});

/** One set's figures of one round. */
interface Figures {
  echo: number;
  echoCpuUs: number;
  fan: number;
  fanCpuUs: number;
  idle: number;
}

async function round(v8: string[]): Promise<Figures> {
  let echo: number, echoCpuUs: number, fan: number, fanCpuUs: number;
  {
    await using server = await ServerProcess.start("chat", "echo", "tcp", [], v8);
    const peers = await joinMany(server.target, "chat", 50);
    const lineOf = (peer: Peer) => echoLine(peer, "chat");
    await echoRoundTrips(peers, 300, lineOf);
    const cpu0 = server.cpuSeconds();
    const r = await echoRoundTrips(peers, 3000, lineOf);
    echoCpuUs = ((server.cpuSeconds() - cpu0) * 1e6) / r.count;
    echo = r.count / r.seconds;
    await closeAll(peers);
  }
  {
    await using server = await ServerProcess.start("chat", "relay", "tcp", [], v8);
    const subscribers = await joinMany(server.target, "chat", 100, 200, 64 * 1024);
    const [publisher] = await joinMany(server.target, "chat", 1);
    const cpu0 = server.cpuSeconds();
    const line = (content: string) => messageLine(publisher, content);
    const r = await fanOut(publisher, line, subscribers, 10_000, 64, 60_000);
    fanCpuUs = ((server.cpuSeconds() - cpu0) * 1e6) / r.deliveries;
    fan = r.deliveries / r.seconds;
    await closeAll([publisher]);
  }
  const idle = (await idleRound("tcp", Number(flags.idle), v8)).now;
  return { echo, echoCpuUs, fan, fanCpuUs, idle };
}

const sets = { a: [`--v8-flags=${flags.a}`], b: [`--v8-flags=${flags.b}`] };
const results: Record<"a" | "b", Figures[]> = { a: [], b: [] };
for (let i = 0; i < Number(flags.rounds); i++) {
  for (const key of ["a", "b"] as const) {
    const figures = await round(sets[key]);
    results[key].push(figures);
    console.log(
      `round ${i + 1} ${key} (${sets[key][0]}): echo ${Math.round(figures.echo)}/s ` +
        `(${figures.echoCpuUs.toFixed(1)} µs cpu), fan-out ${Math.round(figures.fan)}/s ` +
        `(${figures.fanCpuUs.toFixed(2)} µs cpu), idle ${Math.round(figures.idle)} B/session`,
    );
  }
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
for (const metric of ["echo", "echoCpuUs", "fan", "fanCpuUs", "idle"] as const) {
  const a = mean(results.a.map((f) => f[metric]));
  const b = mean(results.b.map((f) => f[metric]));
  console.log(
    `${metric.padEnd(10)} a ${a.toFixed(2).padStart(12)}  b ${b.toFixed(2).padStart(12)}  b/a ${
      (b / a).toFixed(3)
    }`,
  );
}
