/**
 * A session that floods the server with frames that produce no output, and
 * the heartbeat round trips of a control session measured meanwhile: the
 * fairness check of tests and of `bench/attacks` (one implementation).
 *
 * @module
 */

import type { ConnectOptions } from "../../src/transport/types.ts";
import { RawClient } from "./raw_client.ts";

/** How many frames one write of a flooder carries. */
const FRAMES_PER_WRITE = 2048;

/** Options of {@linkcode Flooder.start}. */
export interface FloodOptions {
  /** Fields added to the `session_ack`. */
  ack?: Record<string, unknown>;
  /**
   * Every this many frames, one carries an `id`, so that its `ack` tells how
   * far the server has handled the flood ({@linkcode Flooder.answered}); a
   * power of two that divides 2048. Default: none has an id.
   */
  answerEvery?: number;
}

/**
 * A session alone in a room of its own that sends `message` frames to that
 * room as fast as the socket takes them: each frame is handled (decoded,
 * checked, relayed to nobody) and answered by nothing, but for the frames
 * with an id of {@linkcode FloodOptions.answerEvery}.
 */
export class Flooder {
  /** The session's socket. */
  readonly client: RawClient;
  /** Frames written so far. */
  sent = 0;
  /** The `ack`s received so far (see {@linkcode FloodOptions.answerEvery}). */
  answered = 0;
  /** The bytes of one frame of the flood, on average. */
  frameBytes = 0;
  #stopped = false;
  #running: Promise<void> | undefined;

  private constructor(client: RawClient) {
    this.client = client;
  }

  /** Connects, completes the handshake, joins its room, and floods it. */
  static async start(to: ConnectOptions, options: FloodOptions = {}): Promise<Flooder> {
    const client = await RawClient.connect(to, { tolerateWriteErrors: true });
    await client.handshake(options.ack ?? {});
    await client.ackOf("hs");
    const room = `flood-${client.sessionId.slice(0, 8)}`;
    await client.say({ type: "join", content: room, id: "join" });
    await client.ackOf("join");
    const flooder = new Flooder(client);
    client.onFrame = (frame) => {
      if (frame.type === "ack") flooder.answered++;
    };
    const line = (id?: string) =>
      JSON.stringify({ type: "message", content: "x", room, id, session_id: client.sessionId }) +
      "\n";
    const every = options.answerEvery ?? FRAMES_PER_WRITE;
    const run = line().repeat(every - 1) + (options.answerEvery ? line("f") : line());
    const chunk = new TextEncoder().encode(run.repeat(FRAMES_PER_WRITE / every));
    flooder.frameBytes = chunk.length / FRAMES_PER_WRITE;
    flooder.#running = flooder.#run(chunk);
    return flooder;
  }

  async #run(chunk: Uint8Array): Promise<void> {
    while (!this.#stopped && !this.client.ended) {
      if (!await this.client.write(chunk)) return;
      this.sent += FRAMES_PER_WRITE;
    }
  }

  /** Stops writing (after the write in flight) and closes the session. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.client.close();
    await this.#running;
  }
}

/** Heartbeat round trips of one session, in milliseconds. */
export interface RoundTrips {
  /** Every round trip, in the order measured. */
  samples: number[];
  /** The median. */
  p50: number;
  /** The 99th percentile. */
  p99: number;
  /** The longest. */
  max: number;
}

/** The `p`th percentile of samples (0 when there are none). */
export function percentileOf(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Measures `client`'s heartbeat round trips for `ms`: a ping every
 * `everyMs` (or as soon as the previous pong came back, when later), each
 * answered by its pong before the next.
 */
export async function heartbeatRoundTrips(
  client: RawClient,
  ms: number,
  everyMs = 10,
): Promise<RoundTrips> {
  const samples: number[] = [];
  const deadline = performance.now() + ms;
  for (let i = 0; performance.now() < deadline; i++) {
    const took = await roundTrip(client, `rt-${i}`, ms + PONG_MS);
    samples.push(took);
    if (took < everyMs) await new Promise((resolve) => setTimeout(resolve, everyMs - took));
  }
  return roundTrips(samples);
}

/** How long a pong may take to come back, when the server is fair or not. */
const PONG_MS = 60_000;

/** A heartbeat with `id` and its pong; returns how long it took, in milliseconds. */
async function roundTrip(client: RawClient, id: string, ms: number): Promise<number> {
  const start = performance.now();
  await client.say({ type: "heartbeat", content: "ping", id });
  await client.next((f) => f.type === "heartbeat" && f.id === id, ms, `pong ${id}`);
  return performance.now() - start;
}

function roundTrips(samples: number[]): RoundTrips {
  return {
    samples,
    p50: percentileOf(samples, 50),
    p99: percentileOf(samples, 99),
    max: samples.length ? Math.max(...samples) : 0,
  };
}

/** How a control session's round trips and a flood shared the server. */
export interface Interleaving {
  /** For each round trip, how many of the flood's acks came in while it was under way. */
  perTrip: number[];
  /** The flood's acks that came in during the round trips, all together. */
  total: number;
  /** The round trips' times (wall-clock figures: for information, noisy under load). */
  times: RoundTrips;
}

/**
 * Back-to-back heartbeat round trips of `control` while `flooder` (started
 * with `answerEvery`) floods, for `ms` and at least `trips` of them, with
 * how far the flood went on during each. A fair server answers a ping
 * between two of the flooder's reads, so that each round trip sees a small
 * share of the flood; one that serves the flooder first answers only once
 * the flood pauses: the whole flood within one round trip.
 */
export async function interleaving(
  control: RawClient,
  flooder: Flooder,
  ms: number,
  trips: number,
): Promise<Interleaving> {
  const perTrip: number[] = [];
  const samples: number[] = [];
  const first = flooder.answered;
  const deadline = performance.now() + ms;
  for (let i = 0; i < trips || performance.now() < deadline; i++) {
    const before = flooder.answered;
    samples.push(await roundTrip(control, `il-${i}`, ms + PONG_MS));
    perTrip.push(flooder.answered - before);
  }
  return { perTrip, total: flooder.answered - first, times: roundTrips(samples) };
}
