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

/**
 * A session alone in a room of its own that sends `message` frames to that
 * room, without an id, as fast as the socket takes them: each frame is
 * handled (decoded, checked, relayed to nobody) and answered by nothing.
 */
export class Flooder {
  /** The session's socket. */
  readonly client: RawClient;
  /** Frames written so far. */
  sent = 0;
  #stopped = false;
  #running: Promise<void> | undefined;

  private constructor(client: RawClient) {
    this.client = client;
  }

  /** Connects, completes the handshake (with `ack` added to it), joins its room. */
  static async start(to: ConnectOptions, ack: Record<string, unknown> = {}): Promise<Flooder> {
    const client = await RawClient.connect(to, { tolerateWriteErrors: true });
    await client.handshake(ack);
    await client.ackOf("hs");
    const room = `flood-${client.sessionId.slice(0, 8)}`;
    await client.say({ type: "join", content: room, id: "join" });
    await client.ackOf("join");
    const flooder = new Flooder(client);
    const line = JSON.stringify({
      type: "message",
      content: "x",
      room,
      session_id: client.sessionId,
    }) + "\n";
    const chunk = new TextEncoder().encode(line.repeat(FRAMES_PER_WRITE));
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
    const start = performance.now();
    const id = `rt-${i}`;
    await client.say({ type: "heartbeat", content: "ping", id });
    await client.next((f) => f.type === "heartbeat" && f.id === id, ms + 60_000, `pong ${id}`);
    const took = performance.now() - start;
    samples.push(took);
    if (took < everyMs) await new Promise((resolve) => setTimeout(resolve, everyMs - took));
  }
  return {
    samples,
    p50: percentileOf(samples, 50),
    p99: percentileOf(samples, 99),
    max: samples.length ? Math.max(...samples) : 0,
  };
}
