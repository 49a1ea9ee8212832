/**
 * `deno task bench`: the chat server against a naive floor written with the
 * same runtime, in one run, over TCP and Unix sockets and WebSocket (echo
 * and fan-out; the WebSocket floor is `Deno.serve` with
 * `Deno.upgradeWebSocket`).
 *
 *   deno task bench [--quick | --full] [--json FILE] [--svg FILE]
 *
 * Then the cluster scenario: the same fan-out with its subscribers spread
 * over three `chat server --cluster` processes on one nats-server (skipped,
 * saying why, when nats-server is not installed), next to the single-node
 * figure of the same run.
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
  SETUP_MS,
  type Transport,
} from "./load.ts";
import { ServerProcess } from "./server_process.ts";
import type { ClusterRow, Row } from "./rows.ts";
import { renderSweepSvg } from "./svg.ts";

interface Measure {
  value: number;
  p50?: number;
  p99?: number;
  cpuUs: number;
}

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    full: { type: "boolean" },
    json: { type: "string" },
    svg: { type: "string" },
  },
});
const quick = flags.quick ?? false;
const full = flags.full ?? false;
/** Echo and fan-out run over every transport; idle sessions over the sockets. */
const transports: Transport[] = ["tcp", "unix", "ws"];
const socketTransports: Transport[] = ["tcp", "unix"];

async function measured<T>(
  server: ServerProcess | ServerProcess[],
  ops: (r: T) => number,
  run: () => Promise<T>,
) {
  const servers = Array.isArray(server) ? server : [server];
  const cpuSeconds = () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0);
  const cpu0 = cpuSeconds();
  const result = await run();
  const cpu = cpuSeconds() - cpu0;
  return { result, cpuUs: (cpu * 1e6) / Math.max(1, ops(result)) };
}

async function echo(
  kind: Kind,
  transport: Transport,
  conns: number,
  ms: number,
): Promise<Measure> {
  await using server = await ServerProcess.start(kind, "echo", transport);
  const peers = await joinMany(server.target, kind, conns);
  await echoRoundTrips(peers, Math.min(300, ms / 5)); // warm-up
  const { result, cpuUs } = await measured(server, (r) => r.count, () => echoRoundTrips(peers, ms));
  await closeAll(peers);
  return { value: result.count / result.seconds, ...result.samples.summary(), cpuUs };
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
  const { result, cpuUs } = await measured(
    server,
    (r) => r.count,
    () => echoRoundTrips(peers, ms, lineOf),
  );
  await closeAll(peers);
  return { value: result.count / result.seconds, ...result.samples.summary(), cpuUs };
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
  const [publisher] = await joinMany(server.target, kind, 1);
  const { result, cpuUs } = await measured(
    server,
    (r) => r.deliveries,
    () => fanOut(publisher, subscribers, messages, 64, quick ? 20_000 : 60_000),
  );
  await closeAll([publisher]);
  if (!result.complete) {
    console.error(`  (${kind} fan-out to ${subs} over ${transport} hit its time limit)`);
  }
  return { value: result.deliveries / result.seconds, ...result.samples.summary(), cpuUs };
}

/**
 * Waits until a message from `publisher` to everyone has reached every
 * subscriber, on whichever node: every node hears the relays the fan-out
 * will measure (a frame received, not a poll of `who`).
 */
async function relaysSpread(publisher: Peer, subscribers: Peer[]): Promise<void> {
  await publisher.say({ type: "message", content: "spread", id: "spread" });
  await publisher.ackOf("spread", SETUP_MS);
  await Promise.all(subscribers.map((peer) => peer.next("message", SETUP_MS)));
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
    const [publisher] = await joinMany(servers[0].target, "chat", 1);
    await relaysSpread(publisher, subscribers);
    const { result, cpuUs } = await measured(
      servers,
      (r) => r.deliveries,
      () => fanOut(publisher, subscribers, messages, 64, quick ? 20_000 : 60_000),
    );
    await closeAll([publisher]);
    if (!result.complete) {
      console.error(`  (cluster fan-out to ${subs} over ${nodes} nodes hit its time limit)`);
    }
    return { value: result.deliveries / result.seconds, ...result.samples.summary(), cpuUs };
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
  const { result: peers, cpuUs } = await measured(
    server,
    (p) => p.length,
    () => joinMany(server.target, kind, sessions, 200, 1024),
  );
  const seconds = (performance.now() - started) / 1000;
  const perSession = (server.rssBytes() - rss0) / sessions;
  await closeAll(peers);
  await closeAll(first);
  return { value: sessions / seconds, perSession, cpuUs };
}

function row(
  scenario: string,
  transport: Transport,
  metric: string,
  load: number,
  chat: Measure,
  floor: Measure,
  value = (m: Measure) => m.value,
  lowerIsBetter = false,
): Row {
  const c = value(chat);
  const f = value(floor);
  return {
    scenario,
    transport,
    metric,
    load,
    chat: c,
    floor: f,
    ratio: lowerIsBetter ? f / c : c / f,
    chatP50: chat.p50,
    chatP99: chat.p99,
    floorP50: floor.p50,
    floorP99: floor.p99,
    chatCpuUs: chat.cpuUs,
    floorCpuUs: floor.cpuUs,
  };
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

const rows: Row[] = [];
function report(r: Row): void {
  rows.push(r);
  console.log(formatRow(r));
}

const num = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits });

function formatRow(r: Row): string {
  const lat = (p50?: number, p99?: number) =>
    p50 === undefined ? "" : ` p50 ${num(p50, 2)} p99 ${num(p99, 2)} ms`;
  return [
    `${r.scenario.padEnd(9)} ${r.transport.padEnd(4)} ${String(r.load).padStart(5)}`,
    `${r.metric.padEnd(14)} chat ${num(r.chat).padStart(9)}  floor ${
      num(r.floor).padStart(9)
    }  ratio ${r.ratio.toFixed(2)}`,
    `| cpu/op chat ${num(r.chatCpuUs, 1)} µs floor ${num(r.floorCpuUs, 1)} µs`,
    `|${lat(r.chatP50, r.chatP99) || " -"} (chat)${
      lat(r.floorP50, r.floorP99) ? ";" + lat(r.floorP50, r.floorP99) + " (floor)" : ""
    }`,
  ].join("  ");
}

const clusterRows: ClusterRow[] = [];
let clusterSkipped: string | undefined;

const echoMs = quick ? 1000 : 5000;
const fanSubs = full ? [10, 100, 1000] : [100];
const idleSessions = full ? [1000, 5000, 10000] : quick ? [500] : [5000];

console.log(
  `chat benchmark (${quick ? "quick" : full ? "full" : "standard"}), ratios are chat / floor`,
);
for (const transport of transports) {
  const floor = await echo("floor", transport, 50, echoMs);
  const chat = await echo("chat", transport, 50, echoMs);
  report(row("echo", transport, "round trips/s", 50, chat, floor));
}
for (const subs of fanSubs) {
  const messages = quick ? 1000 : Math.max(2000, Math.round(1_000_000 / subs));
  for (const transport of transports) {
    const floor = await fan("floor", transport, subs, messages);
    const chat = await fan("chat", transport, subs, messages);
    report(row("fan-out", transport, "deliveries/s", subs, chat, floor));
  }
}
// History: the same loads with history off, in memory (the default) and in a file.
const HISTORY_MODES: [string, string[]][] = [
  ["off", ["--history", "0"]],
  ["memory", []],
  ["store", ["--store", "@DIR@/history.db"]],
];
const historyRows: HistoryRow[] = [];
{
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
{
  // The cluster scenario: 100 subscribers (the single-node fan-out's load), over three nodes.
  const subs = 100;
  const single = rows.find((r) =>
    r.scenario === "fan-out" && r.transport === "tcp" && r.load === subs
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
      single: single.chat,
      ratio: measure.value / single.chat,
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
for (const sessions of idleSessions) {
  for (const transport of socketTransports) {
    const floor = await idle("floor", transport, sessions);
    const chat = await idle("chat", transport, sessions);
    report(row("idle", transport, "handshakes/s", sessions, chat, floor));
    report(
      row(
        "idle",
        transport,
        "bytes/session",
        sessions,
        chat,
        floor,
        (m) => (m as typeof chat).perSession,
        true,
      ),
    );
  }
}

if (flags.json) {
  await Deno.writeTextFile(
    flags.json,
    JSON.stringify(
      {
        mode: quick ? "quick" : full ? "full" : "standard",
        rows,
        history: historyRows,
        cluster: clusterSkipped === undefined ? clusterRows : { skipped: clusterSkipped },
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`wrote ${flags.json}`);
}
if (flags.svg) {
  await Deno.writeTextFile(flags.svg, renderSweepSvg(rows));
  console.log(`wrote ${flags.svg}`);
}
