/**
 * The benchmark's results, one row per figure: what the table prints, the
 * JSON holds and the chart draws.
 *
 * @module
 */

/** One measured figure, for chat and for the floor. */
export interface Row {
  scenario: string;
  transport: "tcp" | "unix";
  /** What is measured, such as `round trips/s`. */
  metric: string;
  /** Chat's value and the floor's; `ratio` is chat / floor (for memory, floor / chat). */
  chat: number;
  floor: number;
  ratio: number;
  /** Latency percentiles in ms, where the scenario has them. */
  chatP50?: number;
  chatP99?: number;
  floorP50?: number;
  floorP99?: number;
  /** Server CPU microseconds per operation. */
  chatCpuUs: number;
  floorCpuUs: number;
  /** The load parameter: connections, subscribers or sessions. */
  load: number;
}

/** The cluster's figure next to the single node's, both chat, from the same run. */
export interface ClusterRow {
  scenario: "fan-out";
  transport: "tcp";
  metric: "deliveries/s";
  /** Subscribers, spread over the nodes. */
  load: number;
  nodes: number;
  /** Deliveries per second with the subscribers spread over `nodes` servers. */
  cluster: number;
  /** The single-node fan-out figure of this run. */
  single: number;
  /** cluster / single. */
  ratio: number;
  clusterP50?: number;
  clusterP99?: number;
  /** CPU microseconds per delivery, summed over the chat servers (NATS not counted). */
  clusterCpuUs: number;
}
