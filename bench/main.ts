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
 * Then history: the same loads with history off, in memory and in a
 * `--store` file, on three servers at once that take turns in slices (so
 * that a busy machine weighs on each alike), each round's ratios and their
 * median and spread (`--only history` runs them alone); and the cluster
 * scenario: the same fan-out with its subscribers spread over three
 * `chat server --cluster` processes on one nats-server, with history on
 * (the default: every message through the JetStream stream) and off
 * (`--history 0`: core NATS subjects), next to the single-node figure of
 * the same run (when the fan-out ran too).
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
  Samples,
  SETUP_MS,
  type Transport,
} from "./load.ts";
import { rssPerSession, warmUp } from "./idle_memory.ts";
import { cpuSecondsOf, labelOf, missing, ServerProcess, TRANSPORTS_OF } from "./server_process.ts";
import { echoLine, messageLine, publishLine, subscribe } from "./systems.ts";
import {
  aggregate,
  type ClusterRow,
  type Place,
  placeKey,
  ratios,
  type Row,
  type Sample,
} from "./rows.ts";
import { renderSweepSvg } from "./svg.ts";
import { renderMarkdown } from "./markdown.ts";

/** What one measure of one system gives: a {@linkcode Sample} without its place and system. */
type Measure = Omit<Sample, keyof Place | "system">;

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
if (!Number.isSafeInteger(rounds) || rounds < 1) {
  throw new Error(`--rounds takes a whole number from 1, not ${JSON.stringify(flags.rounds)}`);
}
/** The scenarios run (all by default). */
const SCENARIOS = ["echo", "fan-out", "idle", "history", "cluster"];
const only = new Set((flags.only ?? SCENARIOS.join(",")).split(",").map((s) => s.trim()));
for (const name of only) {
  if (!SCENARIOS.includes(name)) {
    throw new Error(`--only takes some of ${SCENARIOS.join(",")}, not ${JSON.stringify(name)}`);
  }
}
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

/** A load that takes turns with the same load on other servers: `run` measures one slice. */
interface Turn {
  server: ServerProcess;
  run: (ms: number, messages: number) => Promise<{
    count: number;
    seconds: number;
    samples: Samples;
    complete: boolean;
  }>;
  close: () => Promise<void>;
}

/**
 * Acked messages: `conns` chat sessions, each alone in its own room, each
 * with one message (with an id) in flight; the `ack` is the reply. Every
 * message is kept in history (unless `--history 0`).
 */
async function ackedTurn(extra: string[], conns: number): Promise<Turn> {
  const server = await ServerProcess.start("chat", "relay", "tcp", extra);
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
  return {
    server,
    run: async (ms) => ({ ...await echoRoundTrips(peers, ms, lineOf), complete: true }),
    close: async () => {
      await closeAll(peers);
      await server[Symbol.asyncDispose]();
    },
  };
}

/** Fan-out to `subs` subscribers, as {@linkcode fan} measures it, in turns. */
async function fanTurn(extra: string[], subs: number): Promise<Turn> {
  const server = await ServerProcess.start("chat", "relay", "tcp", extra);
  const subscribers = await joinMany(server.target, "chat", subs, 200, 64 * 1024);
  const [publisher] = await joinMany(server.target, "chat", 1);
  const limit = quick ? 20_000 : 60_000;
  return {
    server,
    run: async (_ms, messages) => {
      const r = await fanOut(
        publisher,
        (content) => messageLine(publisher, content),
        subscribers,
        messages,
        64,
        limit,
        true,
      );
      return { count: r.deliveries, seconds: r.seconds, samples: r.samples, complete: r.complete };
    },
    close: async () => {
      await closeAll([publisher, ...subscribers]);
      await server[Symbol.asyncDispose]();
    },
  };
}

/**
 * Runs the same load on one server per mode at once, in turns of `slices`
 * slices each (the order rotating), so that a busy machine weighs on every
 * mode alike; one {@linkcode Measure} per mode.
 */
async function inTurns(
  starts: (() => Promise<Turn>)[],
  slices: number,
  ms: number,
  messages: number,
): Promise<Measure[]> {
  const turns: Turn[] = [];
  try {
    for (const start of starts) turns.push(await start());
    // One slice each first, unmeasured: the servers' steady state is what is compared.
    for (const turn of turns) await turn.run(ms / slices, Math.ceil(messages / slices));
    const totals = turns.map(() => ({ count: 0, seconds: 0, cpu: 0, samples: new Samples() }));
    for (let slice = 0; slice < slices; slice++) {
      for (let k = 0; k < turns.length; k++) {
        const i = (k + slice) % turns.length;
        const cpu0 = turns[i].server.cpuSeconds();
        const r = await turns[i].run(ms / slices, Math.ceil(messages / slices));
        if (!r.complete) console.error(`  (a history fan-out slice hit its time limit)`);
        totals[i].cpu += turns[i].server.cpuSeconds() - cpu0;
        totals[i].count += r.count;
        totals[i].seconds += r.seconds;
        totals[i].samples.addAll(r.samples);
      }
    }
    return totals.map((t) => ({
      value: t.count / t.seconds,
      ...t.samples.summary(),
      cpuUs: (t.cpu * 1e6) / Math.max(1, t.count),
      generatorCpuUs: NaN,
      generatorBusy: NaN,
    }));
  } finally {
    for (const turn of turns) await turn.close();
  }
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
  return await measuredFan(
    server,
    kind,
    publisher,
    subscribers,
    messages,
    `${kind} fan-out to ${subs} over ${transport}`,
  );
}

/**
 * Measures a fan-out from `publisher` to `subscribers` (64 in flight) on
 * `server` (or the servers of a cluster), after up to twice as many unmeasured;
 * then closes them all. `what` names it if it runs out of time.
 */
async function measuredFan(
  server: ServerProcess | ServerProcess[],
  kind: Kind,
  publisher: Peer,
  subscribers: Peer[],
  messages: number,
  what: string,
): Promise<Measure> {
  const line = (content: string) => publishLine(publisher, kind, content);
  // A warm-up, unmeasured, as for echo: a server's steady state is what the figures are about. A
  // JIT-compiled server is still getting faster after a million deliveries (chat to 100: 0.33 µs
  // of CPU a delivery after 10,000 messages, 0.27 after 20,000): twice the measured load first, in
  // eighths, each delivered whole, for 5 s at most (a slow system gets less).
  const warmUntil = performance.now() + (quick ? 1_000 : 5_000);
  const eighth = Math.ceil(messages / 8);
  for (let done = 0; done < 2 * messages && performance.now() < warmUntil; done += eighth) {
    await fanOut(publisher, line, subscribers, eighth, 64, SETUP_MS, true);
  }
  const { result, ...cpu } = await measured(
    server,
    (r) => r.deliveries,
    () =>
      fanOut(
        publisher,
        line,
        subscribers,
        messages,
        64,
        quick ? 20_000 : 60_000,
        true,
      ),
  );
  // Closed once measured: a chat session's end is news to every other one (a presence notice each).
  await closeAll([publisher, ...subscribers]);
  if (!result.complete) console.error(`  (${what} hit its time limit)`);
  return { value: result.deliveries / result.seconds, ...result.samples.summary(), ...cpu };
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

async function clusterFan(
  subs: number,
  messages: number,
  nodes = 3,
  extra: string[] = [],
): Promise<Measure> {
  await using nats = await NatsServer.start();
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      servers.push(
        await ServerProcess.start("chat", "relay", "tcp", ["--cluster", nats.url, ...extra]),
      );
    }
    const subscribers: Peer[] = [];
    for (let i = 0; i < nodes; i++) {
      const share = Math.floor(subs / nodes) + (i < subs % nodes ? 1 : 0);
      subscribers.push(...await joinMany(servers[i].target, "chat", share, 200, 64 * 1024));
    }
    const [publisher] = await joinMany(servers[0].target, "chat", 1);
    await relaysSpread(publisher, subscribers);
    return await measuredFan(
      servers,
      "chat",
      publisher,
      subscribers,
      messages,
      `cluster fan-out to ${subs} over ${nodes} nodes`,
    );
  } finally {
    for (const server of servers) await server[Symbol.asyncDispose]();
  }
}

async function idle(
  kind: Kind,
  transport: Transport,
  sessions: number,
): Promise<Measure & { perSession: number; coldPerSession: number }> {
  await using server = await ServerProcess.start(
    kind,
    kind === "chat" ? "relay" : "echo",
    transport,
  );
  const base = await warmUp(server, kind);
  const started = performance.now();
  const { result: peers, ...cpu } = await measured(
    server,
    (p) => p.length,
    () => joinMany(server.target, kind, sessions, 200, 1024),
  );
  const seconds = (performance.now() - started) / 1000;
  const { warm, cold } = rssPerSession(server, base, sessions);
  await closeAll(peers);
  await closeAll(base.peers);
  return { value: sessions / seconds, perSession: warm, coldPerSession: cold, ...cpu };
}

/** A history row: a load with history on (in memory or in a file) against the same with it off. */
interface HistoryRow {
  /** Which round (from 1) of `--rounds`. */
  round: number;
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
// 18,000 at most: with the warm-up's 1,000 (idle_memory.ts), within the hard limit of 20,000 open
// files a process here (server and generator).
const idleSessions = full ? [1000, 5000, 10000, 18000] : quick ? [500] : [5000];

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
        record({ ...place, metric: "bytes/session cold" }, kind, { ...m, value: m.coldPerSession });
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

// History: the same loads with history off, in memory (the default) and in a file, the three
// servers running at once and taking turns in slices.
const HISTORY_MODES: [string, string[]][] = [
  ["off", ["--history", "0"]],
  ["memory", []],
  ["store", ["--store", "@DIR@/history.db"]],
];
const historyRows: HistoryRow[] = [];
for (let round = 1; round <= (only.has("history") ? rounds : 0); round++) {
  const measures: Record<string, { acked: Measure; fan: Measure }> = {};
  const messages = quick ? 1000 : 10_000;
  const slices = quick ? 2 : 10;
  const acks = await inTurns(
    HISTORY_MODES.map(([, extra]) => () => ackedTurn(extra, 50)),
    slices,
    echoMs,
    0,
  );
  const fans = await inTurns(
    HISTORY_MODES.map(([, extra]) => () => fanTurn(extra, 100)),
    slices,
    0,
    messages,
  );
  for (const [k, [mode]] of HISTORY_MODES.entries()) {
    measures[mode] = { acked: acks[k], fan: fans[k] };
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
        round,
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
        } µs (off ${num(r.offCpuUs, 1)})  | p50 ${num(r.p50, 2)} p99 ${num(r.p99, 2)} ms${
          rounds > 1 ? `  (round ${round})` : ""
        }`,
      );
    }
  }
}
if (rounds > 1 && only.has("history")) {
  for (const [mode] of HISTORY_MODES.slice(1)) {
    for (const scenario of ["acked", "fan-out"]) {
      const ratios = historyRows
        .filter((r) => r.history === mode && r.scenario === scenario)
        .map((r) => r.ratio)
        .sort((a, b) => a - b);
      const median = ratios.length % 2
        ? ratios[(ratios.length - 1) / 2]
        : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
      console.log(
        `history   ${scenario.padEnd(8)} tcp ${
          mode.padEnd(7)
        } ratio over ${rounds} rounds: median ${median.toFixed(2)}, min ${
          ratios[0].toFixed(2)
        }, max ${ratios[ratios.length - 1].toFixed(2)}`,
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
  } else {
    const nodes = 3;
    const messages = quick ? 1000 : Math.max(2000, 1_000_000 / subs);
    const off = await clusterFan(subs, messages, nodes, ["--history", "0"]);
    const measure = await clusterFan(subs, messages, nodes);
    // Without the single-node fan-out in this run (--only cluster), that ratio is not known.
    const singleValue = single?.value ?? NaN;
    const r: ClusterRow = {
      scenario: "fan-out",
      transport: "tcp",
      metric: "deliveries/s",
      load: subs,
      nodes,
      cluster: measure.value,
      single: singleValue,
      ratio: measure.value / singleValue,
      clusterP50: measure.p50,
      clusterP99: measure.p99,
      clusterCpuUs: measure.cpuUs,
      historyOff: off.value,
      historyRatio: measure.value / off.value,
      historyOffP50: off.p50,
      historyOffP99: off.p99,
      historyOffCpuUs: off.cpuUs,
    };
    clusterRows.push(r);
    console.log(
      [
        `fan-out   tcp  ${String(subs).padStart(5)}  deliveries/s   ${nodes} nodes ${
          num(r.cluster).padStart(9)
        }  1 node ${num(r.single).padStart(9)}  ratio ${num(r.ratio, 2)}`,
        `| cpu/op chat ${num(r.clusterCpuUs, 1)} µs (${nodes} servers, NATS apart)`,
        `| p50 ${num(r.clusterP50, 2)} p99 ${num(r.clusterP99, 2)} ms (cluster)`,
        `| history off ${num(r.historyOff).padStart(9)}  on / off ${r.historyRatio.toFixed(2)}`,
        `| cpu/op ${num(r.historyOffCpuUs, 1)} µs, p50 ${num(r.historyOffP50, 2)} p99 ${
          num(r.historyOffP99, 2)
        } ms (off)`,
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
