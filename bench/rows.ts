/**
 * The benchmark's results, one row per figure: what the table prints, the
 * JSON holds and the chart draws.
 *
 * @module
 */

/** One measured figure, for chat and for the floor. */
export interface Row {
  /** `echo`, `fan-out` or `idle`. */
  scenario: string;
  /** The transport the clients used. */
  transport: "tcp" | "unix" | "ws";
  /** What is measured, such as `round trips/s`. */
  metric: string;
  /** Chat's value and the floor's; `ratio` is chat / floor (for memory, floor / chat). */
  chat: number;
  /** The floor's value. */
  floor: number;
  /** Chat against the floor: above 1, chat does better. */
  ratio: number;
  /** Latency percentiles in ms, where the scenario has them. */
  chatP50?: number;
  /** Chat's p99 latency in ms. */
  chatP99?: number;
  /** The floor's p50 latency in ms. */
  floorP50?: number;
  /** The floor's p99 latency in ms. */
  floorP99?: number;
  /** Server CPU microseconds per operation. */
  chatCpuUs: number;
  /** The floor server's CPU microseconds per operation. */
  floorCpuUs: number;
  /** The load parameter: connections, subscribers or sessions. */
  load: number;
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
