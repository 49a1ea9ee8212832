/**
 * The benchmark's results, one row per figure and system: what the table
 * prints, the JSON holds and the chart draws; and the ratios of chat to
 * each other system measured in the same run.
 *
 * @module
 */

import type { Kind } from "./systems.ts";

/** Where a figure was measured: the scenario, transport, metric and load. */
export interface Place {
  /** `echo`, `fan-out` or `idle`. */
  scenario: string;
  /** The transport the clients used. */
  transport: "tcp" | "unix" | "ws";
  /** What is measured, such as `round trips/s` or `bytes/session`. */
  metric: string;
  /** The load parameter: connections, subscribers or sessions. */
  load: number;
}

/** One system's figure in one round. */
export interface Sample extends Place {
  /** The system measured. */
  system: Kind;
  /** The figure (for `bytes/session` lower is better, else higher). */
  value: number;
  /** Latency percentiles in ms, where the scenario has them. */
  p50?: number;
  /** The p99 latency in ms. */
  p99?: number;
  /** Server CPU microseconds (user + system, all threads) per operation. */
  cpuUs: number;
  /** The load generator's CPU microseconds per operation. */
  generatorCpuUs: number;
  /** The load generator's CPU time over the wall time (1 = one core kept busy). */
  generatorBusy: number;
}

/** One system's figure over all rounds: medians, and the spread between rounds. */
export interface Row extends Sample {
  /** How the tables name the system (`node floor`, `deno ws floor`, `redis`...). */
  label: string;
  /** Rounds measured. */
  rounds: number;
  /** The lowest value of a round. */
  min: number;
  /** The highest value of a round. */
  max: number;
  /** The lowest server CPU per operation of a round. */
  cpuMin: number;
  /** The highest server CPU per operation of a round. */
  cpuMax: number;
}

/** Chat against another system at one place, from the medians. */
export interface Ratio extends Place {
  /** The other system's label. */
  against: string;
  /** chat / other: above 1 chat does more (for `bytes/session`, chat costs more). */
  ratio: number;
  /** chat's server CPU per operation / the other's: below 1 chat spends less. */
  cpuRatio: number;
}

/** The cluster's figure next to the single node's, both chat, from the same run. */
export interface ClusterRow {
  /** The scenario run on the cluster. */
  scenario: "fan-out";
  /** The transport the clients used. */
  transport: "tcp";
  /** What is measured. */
  metric: "deliveries/s";
  /** Subscribers, spread over the nodes. */
  load: number;
  /** Chat servers in the cluster. */
  nodes: number;
  /** Deliveries per second with the subscribers spread over `nodes` servers. */
  cluster: number;
  /** The single-node fan-out figure of this run. */
  single: number;
  /** cluster / single. */
  ratio: number;
  /** The cluster's p50 latency in ms. */
  clusterP50?: number;
  /** The cluster's p99 latency in ms. */
  clusterP99?: number;
  /** CPU microseconds per delivery, summed over the chat servers (NATS not counted). */
  clusterCpuUs: number;
  /** Deliveries per second on the same cluster with `--history 0` (core NATS subjects alone). */
  historyOff: number;
  /** cluster (history on) / historyOff. */
  historyRatio: number;
  /** The p50 latency in ms with history off. */
  historyOffP50?: number;
  /** The p99 latency in ms with history off. */
  historyOffP99?: number;
  /** CPU microseconds per delivery with history off, summed over the chat servers. */
  historyOffCpuUs: number;
}

/** The key of a place. */
export function placeKey(p: Place): string {
  return `${p.scenario}|${p.transport}|${p.metric}|${p.load}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return known.length === 0 ? undefined : median(known);
}

/** The rounds' samples as rows: one per place and system, in the order first measured. */
export function aggregate(samples: Sample[], label: (s: Sample) => string): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${placeKey(s)}|${s.system}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((group) => {
    const values = group.map((s) => s.value);
    const cpus = group.map((s) => s.cpuUs);
    return {
      ...group[0],
      label: label(group[0]),
      rounds: group.length,
      value: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      p50: medianOf(group.map((s) => s.p50)),
      p99: medianOf(group.map((s) => s.p99)),
      cpuUs: median(cpus),
      cpuMin: Math.min(...cpus),
      cpuMax: Math.max(...cpus),
      generatorCpuUs: median(group.map((s) => s.generatorCpuUs)),
      generatorBusy: median(group.map((s) => s.generatorBusy)),
    };
  });
}

/** Chat's median against every other system's at each place both were measured. */
export function ratios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const chat of rows.filter((r) => r.system === "chat")) {
    for (const other of rows) {
      if (other.system === "chat" || placeKey(other) !== placeKey(chat)) continue;
      out.push({
        scenario: chat.scenario,
        transport: chat.transport,
        metric: chat.metric,
        load: chat.load,
        against: other.label,
        ratio: chat.value / other.value,
        cpuRatio: chat.cpuUs / other.cpuUs,
      });
    }
  }
  return out;
}
