/**
 * `deno task bench`: the chat server beside the real peers, in one run and
 * with one load generator: redis-server (PUBLISH/SUBSCRIBE, PING) and
 * nats-server (PUB/SUB, PING) where installed (skipped, saying why,
 * otherwise), and a naive floor: Node's `net` over TCP and Unix sockets
 * (`node_floor.mjs`), `Deno.serve` over WebSocket. Echo and fan-out run over
 * TCP, Unix sockets and WebSocket; idle sessions over the sockets. It
 * prints each system's figure (the median of the rounds, and their spread)
 * with server CPU per operation, and chat's ratio to each other system.
 *
 *   deno task bench [--quick | --full] [--rounds N] [--only echo,fan-out,idle,history,cluster]
 *                   [--json FILE] [--svg FILE] [--markdown FILE]
 *
 * Then history (the same loads with history off, in memory and in a
 * `--store` file) and the cluster scenario: the same fan-out with its
 * subscribers spread over three `chat server --cluster` processes on one
 * nats-server, next to the single-node figure of the same run.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { NatsServer, natsServerMissing } from "../scripts/nats_server.ts";
import {
  closeAll,
  echoRoundTrips,
  fanOut,
  joinMany,
  type Kind,
  type Peer,
  type Transport,
  whoCount,
} from "./load.ts";
import { cpuSecondsOf, labelOf, missing, ServerProcess, TRANSPORTS_OF } from "./server_process.ts";
import { echoLine, messageLine, publishLine, subscribe } from "./systems.ts";
import { aggregate, type ClusterRow, placeKey, ratios, type Row, type Sample } from "./rows.ts";
import { renderSweepSvg } from "./svg.ts";
import { renderMarkdown } from "./markdown.ts";

interface Measure {
  value: number;
  p50?: number;
  p99?: number;
  cpuUs: number;
  generatorCpuUs: number;
  generatorBusy: number;
}

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    full: { type: "boolean" },
    rounds: { type: "string" },
    only: { type: "string" },
    json: { type: "string" },
    svg: { type: "string" },
    markdown: { type: "string" },
  },
});
const quick = flags.quick ?? false;
const full = flags.full ?? false;
const rounds = Number(flags.rounds ?? (full ? 3 : 1));
/** The scenarios run (all by default). */
const only = new Set(
  (flags.only ?? "echo,fan-out,idle,history,cluster").split(",").map((s) => s.trim()),
);
/** Echo and fan-out run over every transport; idle sessions over the sockets. */
const transports: Transport[] = ["tcp", "unix", "ws"];
const socketTransports: Transport[] = ["tcp", "unix"];
const SETUP_MS = 60_000;

async function measured<T>(
  server: ServerProcess | ServerProcess[],
  ops: (r: T) => number,
  run: () => Promise<T>,
) {
  const servers = Array.isArray(server) ? server : [server];
  const cpuSeconds = () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
  const cpu0 = cpuSeconds();
  const generator0 = cpuSecondsOf(Deno.pid);
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const generator = cpuSecondsOf(Deno.pid) - generator0;
  const cpu = cpuSeconds() - cpu0;
  const perOp = (s: number) => (s * 1e6) / Math.max(1, ops(result));
  return {
    result,
    cpuUs: perOp(cpu),
    generatorCpuUs: perOp(generator),
    generatorBusy: generator / seconds,
  };
}

async function echo(
  kind: Kind,
  transport: Transport,
  conns: number,
  ms: number,
): Promise<Measure> {
  await using server = await ServerProcess.start(kind, "echo", transport);
  const peers = await joinMany(server.target, kind, conns);
  const lineOf = (peer: Peer) => echoLine(peer, kind);
  await echoRoundTrips(peers, Math.min(300, ms / 5), lineOf); // warm-up
  const { result, ...cpu } = await measured(
    server,
    (r) => r.count,
    () => echoRoundTrips(peers, ms, lineOf),
  );
  await closeAll(peers);
  return { value: result.count / result.seconds, ...result.samples.summary(), ...cpu };
}

/**
 * Acked messages: `conns` chat sessions, each alone in its own room, each
 * with one message (with an id) in flight; the `ack` is the reply. Every
 * message is kept in history (unless `--history 0`).
 */
async function acked(extra: string[], conns: number, ms: number): Promise<Measure> {
  await using server = await ServerProcess.start("chat", "relay", "tcp", extra);
  const peers = await joinMany(server.target, "chat", conns);
  for (const [i, peer] of peers.entries()) {
    await peer.say({ type: "join", content: `room${i}`, id: "j" });
    await peer.ackOf("j");
  }
  const lineOf = (peer: Peer) =>
    JSON.stringify({
      type: "message",
      content: "hello from the benchmark 0123456789",
      room: `room${peers.indexOf(peer)}`,
      id: 1,
      session_id: peer.sessionId,
    }) + "\n";
  await echoRoundTrips(peers, Math.min(300, ms / 5), lineOf); // warm-up
  const { result, ...cpu } = await measured(
    server,
    (r) => r.count,
    () => echoRoundTrips(peers, ms, lineOf),
  );
  await closeAll(peers);
  return { value: result.count / result.seconds, ...result.samples.summary(), ...cpu };
}

async function fan(
  kind: Kind,
  transport: Transport,
  subs: number,
  messages: number,
  extra: string[] = [],
): Promise<Measure> {
  await using server = await ServerProcess.start(kind, "relay", transport, extra);
  const subscribers = await joinMany(server.target, kind, subs, 200, 64 * 1024);
  await Promise.all(subscribers.map((peer) => subscribe(peer, kind, SETUP_MS)));
  const [publisher] = await joinMany(server.target, kind, 1);
  const { result, ...cpu } = await measured(
    server,
    (r) => r.deliveries,
    () =>
      fanOut(
        publisher,
        (content) => publishLine(publisher, kind, content),
        subscribers,
        messages,
        64,
        quick ? 20_000 : 60_000,
      ),
  );
  await closeAll([publisher]);
  if (!result.complete) {
    console.error(`  (${kind} fan-out to ${subs} over ${transport} hit its time limit)`);
  }
  return { value: result.deliveries / result.seconds, ...result.samples.summary(), ...cpu };
}

/** Waits until `who` through `probe` lists `count` sessions: presence has spread. */
async function presenceSpread(probe: Peer, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let pause = 5; (await whoCount(probe)) !== count; pause = Math.min(100, pause * 2)) {
    if (Date.now() > deadline) throw new Error(`who never listed ${count} sessions`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

async function clusterFan(subs: number, messages: number, nodes = 3): Promise<Measure> {
  await using nats = await NatsServer.start();
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      servers.push(await ServerProcess.start("chat", "relay", "tcp", ["--cluster", nats.url]));
    }
    const subscribers: Peer[] = [];
    for (let i = 0; i < nodes; i++) {
      const share = Math.floor(subs / nodes) + (i < subs % nodes ? 1 : 0);
      subscribers.push(...await joinMany(servers[i].target, "chat", share, 200, 64 * 1024));
    }
    const [publisher, probe] = await joinMany(servers[0].target, "chat", 2);
    await presenceSpread(probe, subs + 2);
    await closeAll([probe]);
    const { result, ...cpu } = await measured(
      servers,
      (r) => r.deliveries,
      () =>
        fanOut(
          publisher,
          (content) => messageLine(publisher, content),
          subscribers,
          messages,
          64,
          quick ? 20_000 : 60_000,
        ),
    );
    await closeAll([publisher]);
    if (!result.complete) {
      console.error(`  (cluster fan-out to ${subs} over ${nodes} nodes hit its time limit)`);
    }
    return { value: result.deliveries / result.seconds, ...result.samples.summary(), ...cpu };
  } finally {
    for (const server of servers) await server[Symbol.asyncDispose]();
  }
}

async function idle(
  kind: Kind,
  transport: Transport,
  sessions: number,
): Promise<Measure & { perSession: number }> {
  await using server = await ServerProcess.start(
    kind,
    kind === "chat" ? "relay" : "echo",
    transport,
  );
  // One session first, so the baseline includes what the first connection sets up.
  const first = await joinMany(server.target, kind, 1);
  const rss0 = server.rssBytes();
  const started = performance.now();
  const { result: peers, ...cpu } = await measured(
    server,
    (p) => p.length,
    () => joinMany(server.target, kind, sessions, 200, 1024),
  );
  const seconds = (performance.now() - started) / 1000;
  const perSession = (server.rssBytes() - rss0) / sessions;
  await closeAll(peers);
  await closeAll(first);
  return { value: sessions / seconds, perSession, ...cpu };
}

/** A history row: a load with history on (in memory or in a file) against the same with it off. */
interface HistoryRow {
  scenario: string;
  metric: string;
  history: string;
  value: number;
  off: number;
  ratio: number;
  p50?: number;
  p99?: number;
  cpuUs: number;
  offCpuUs: number;
}

const num = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** Significant figures for small per-operation costs. */
const us = (n: number) => n >= 10 ? num(n, 1) : num(n, 2);

const samples: Sample[] = [];
function record(place: Omit<Sample, keyof Measure | "system">, system: Kind, m: Measure): void {
  const sample: Sample = {
    ...place,
    system,
    value: m.value,
    p50: m.p50,
    p99: m.p99,
    cpuUs: m.cpuUs,
    generatorCpuUs: m.generatorCpuUs,
    generatorBusy: m.generatorBusy,
  };
  samples.push(sample);
  console.log(
    `  ${place.scenario} ${place.transport} ${place.load} ${labelOf(system, place.transport)}: ${
      num(m.value)
    } ${place.metric}, server ${us(m.cpuUs)} µs/op, generator ${us(m.generatorCpuUs)} µs/op (${
      Math.round(m.generatorBusy * 100)
    }% of a core)`,
  );
}

/** The final table: each place, each system's median, spread and costs, and chat's ratios. */
function printTable(rows: Row[]): void {
  const places = new Map<string, Row[]>();
  for (const r of rows) places.set(placeKey(r), [...(places.get(placeKey(r)) ?? []), r]);
  for (const group of places.values()) {
    const chat = group.find((r) => r.system === "chat");
    const { scenario, transport, load, metric } = group[0];
    console.log(`${scenario} ${transport} ${load}: ${metric}`);
    for (const r of group) {
      const ratio = chat && r !== chat
        ? `  chat/${r.label} ${(chat.value / r.value).toFixed(2)} (cpu ${
          (chat.cpuUs / r.cpuUs).toFixed(2)
        })`
        : "";
      const lat = r.p50 === undefined ? "" : `  p50 ${num(r.p50, 2)} p99 ${num(r.p99, 2)} ms`;
      console.log(
        `  ${r.label.padEnd(13)} ${num(r.value).padStart(10)} [${num(r.min)}–${
          num(r.max)
        }]  server ${us(r.cpuUs)} µs/op  generator ${us(r.generatorCpuUs)} µs/op ${
          Math.round(r.generatorBusy * 100)
        }%${lat}${ratio}`,
      );
    }
  }
}

const clusterRows: ClusterRow[] = [];
let clusterSkipped: string | undefined;

const echoMs = quick ? 1000 : 5000;
const fanSubs = full ? [10, 100, 1000] : [100];
// 19,000 at most: the hard limit of open files is 20,000 a process here (server and generator).
const idleSessions = full ? [1000, 5000, 10000, 19000] : quick ? [500] : [5000];

console.log(
  `chat benchmark (${quick ? "quick" : full ? "full" : "standard"}, ${rounds} round${
    rounds === 1 ? "" : "s"
  }): chat beside the other systems, one load generator for all`,
);
const available: Kind[] = [];
for (const kind of ["chat", "floor", "redis", "nats"] as const) {
  const why = await missing(kind);
  if (why === undefined) available.push(kind);
  else console.log(`${kind}: skipped: ${why}`);
}
const systemsOn = (transport: Transport) =>
  available.filter((kind) => TRANSPORTS_OF[kind].includes(transport));

for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round} of ${rounds}`);
  for (const transport of only.has("echo") ? transports : []) {
    for (const kind of systemsOn(transport)) {
      const place = { scenario: "echo", transport, metric: "round trips/s", load: 50 };
      record(place, kind, await echo(kind, transport, 50, echoMs));
    }
  }
  for (const subs of only.has("fan-out") ? fanSubs : []) {
    const messages = quick ? 1000 : Math.max(2000, Math.round(1_000_000 / subs));
    for (const transport of transports) {
      for (const kind of systemsOn(transport)) {
        const place = { scenario: "fan-out", transport, metric: "deliveries/s", load: subs };
        record(place, kind, await fan(kind, transport, subs, messages));
      }
    }
  }
  for (const sessions of only.has("idle") ? idleSessions : []) {
    for (const transport of socketTransports) {
      for (const kind of systemsOn(transport)) {
        const m = await idle(kind, transport, sessions);
        const place = { scenario: "idle", transport, load: sessions };
        record({ ...place, metric: "handshakes/s" }, kind, m);
        record({ ...place, metric: "bytes/session" }, kind, { ...m, value: m.perSession });
      }
    }
  }
}
const rows = aggregate(samples, (s) => labelOf(s.system, s.transport));
console.log(
  `medians of ${rounds} round${
    rounds === 1 ? "" : "s"
  } [lowest–highest], server and load generator CPU per operation (and the generator's share of a core), chat / each system`,
);
printTable(rows);

// History: the same loads with history off, in memory (the default) and in a file.
const HISTORY_MODES: [string, string[]][] = [
  ["off", ["--history", "0"]],
  ["memory", []],
  ["store", ["--store", "@DIR@/history.db"]],
];
const historyRows: HistoryRow[] = [];
if (only.has("history")) {
  const measures: Record<string, { acked: Measure; fan: Measure }> = {};
  const messages = quick ? 1000 : 10_000;
  for (const [mode, extra] of HISTORY_MODES) {
    measures[mode] = {
      acked: await acked(extra, 50, echoMs),
      fan: await fan("chat", "tcp", 100, messages, extra),
    };
  }
  for (const [mode] of HISTORY_MODES.slice(1)) {
    for (
      const [scenario, metric, pick] of [
        ["acked", "messages/s", (m: { acked: Measure }) => m.acked],
        ["fan-out", "deliveries/s", (m: { fan: Measure }) => m.fan],
      ] as const
    ) {
      const on = pick(measures[mode]);
      const off = pick(measures.off);
      const r: HistoryRow = {
        scenario,
        metric,
        history: mode,
        value: on.value,
        off: off.value,
        ratio: on.value / off.value,
        p50: on.p50,
        p99: on.p99,
        cpuUs: on.cpuUs,
        offCpuUs: off.cpuUs,
      };
      historyRows.push(r);
      console.log(
        `history   ${scenario.padEnd(8)} tcp ${mode.padEnd(7)} ${metric.padEnd(13)} ${
          num(r.value).padStart(9)
        }  off ${num(r.off).padStart(9)}  ratio ${r.ratio.toFixed(2)}  | cpu/op ${
          num(r.cpuUs, 1)
        } µs (off ${num(r.offCpuUs, 1)})  | p50 ${num(r.p50, 2)} p99 ${num(r.p99, 2)} ms`,
      );
    }
  }
}
if (only.has("cluster")) {
  // The cluster scenario: 100 subscribers (the single-node fan-out's load), over three nodes.
  const subs = 100;
  const single = rows.find((r) =>
    r.scenario === "fan-out" && r.transport === "tcp" && r.load === subs && r.system === "chat"
  );
  clusterSkipped = await natsServerMissing();
  if (clusterSkipped !== undefined) {
    console.log(`fan-out   cluster: skipped: ${clusterSkipped}`);
  } else if (single) {
    const nodes = 3;
    const measure = await clusterFan(subs, quick ? 1000 : Math.max(2000, 1_000_000 / subs), nodes);
    const r: ClusterRow = {
      scenario: "fan-out",
      transport: "tcp",
      metric: "deliveries/s",
      load: subs,
      nodes,
      cluster: measure.value,
      single: single.value,
      ratio: measure.value / single.value,
      clusterP50: measure.p50,
      clusterP99: measure.p99,
      clusterCpuUs: measure.cpuUs,
    };
    clusterRows.push(r);
    console.log(
      [
        `fan-out   tcp  ${String(subs).padStart(5)}  deliveries/s   ${nodes} nodes ${
          num(r.cluster).padStart(9)
        }  1 node ${num(r.single).padStart(9)}  ratio ${r.ratio.toFixed(2)}`,
        `| cpu/op chat ${num(r.clusterCpuUs, 1)} µs (${nodes} servers, NATS apart)`,
        `| p50 ${num(r.clusterP50, 2)} p99 ${num(r.clusterP99, 2)} ms (cluster)`,
      ].join("  "),
    );
  }
}
if (flags.json) {
  await Deno.writeTextFile(
    flags.json,
    JSON.stringify(
      {
        mode: quick ? "quick" : full ? "full" : "standard",
        rounds,
        skipped: Object.fromEntries(
          await Promise.all(
            (["redis", "nats", "floor"] as const).filter((k) => !available.includes(k)).map(
              async (k) => [k, await missing(k)],
            ),
          ),
        ),
        rows,
        ratios: ratios(rows),
        history: historyRows,
        cluster: clusterSkipped === undefined ? clusterRows : { skipped: clusterSkipped },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${flags.json}`);
}
if (flags.markdown) {
  await Deno.writeTextFile(flags.markdown, renderMarkdown(rows));
  console.log(`wrote ${flags.markdown}`);
}
if (flags.svg) {
  await Deno.writeTextFile(flags.svg, renderSweepSvg(rows));
  console.log(`wrote ${flags.svg}`);
}
