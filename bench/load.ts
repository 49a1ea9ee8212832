/**
 * The benchmark's load generator: real sockets against a server process,
 * bounded in time and count. Chat sessions do the whole handshake; floor
 * sessions just connect. Over WebSocket, each line is a message of its own.
 *
 * @module
 */

import { RawClient } from "../tests/helpers/raw_client.ts";

/** A chat session (with the handshake), or a bare connection to the floor server. */
export type Kind = "chat" | "floor";

/** Where the server under test listens (`ws`: its HTTP URL, whose `/ws` takes the upgrades). */
export type Target =
  | { transport: "tcp"; port: number }
  | { transport: "unix"; path: string }
  | { transport: "ws"; url: string };

/** The transports a target can use. */
export type Transport = Target["transport"];

/** A connected session of the load generator: the project's raw peer. */
export type Peer = RawClient;

const encoder = new TextEncoder();

/** How long the setup (a handshake, a first relay) may take before the run fails. */
export const SETUP_MS = 60_000;

/**
 * Connects to the target, reading `readSize` bytes at most at once. A Unix
 * socket whose accept backlog is full refuses at once with EAGAIN (TCP
 * queues instead): try again shortly.
 */
function dial(target: Target, readSize = 16 * 1024): Promise<Peer> {
  const to = target.transport === "tcp"
    ? { transport: "tcp" as const, hostname: "127.0.0.1", port: target.port }
    : target.transport === "ws"
    ? { transport: "ws" as const, url: `${target.url.replace(/^http/, "ws")}/ws` }
    : target;
  return RawClient.connect(to, {
    readSize,
    retry: {
      attempts: 200,
      delayMs: (n) => Math.min(n, 20),
      retries: (error) => error instanceof Deno.errors.WouldBlock,
    },
  });
}

/** Connects and, for chat, completes the handshake (with an id, waiting for its ack). */
export async function join(target: Target, kind: Kind, readSize?: number): Promise<Peer> {
  const peer = await dial(target, readSize);
  if (kind === "floor") return peer;
  await peer.handshake({ content: "ok", id: 0 }, SETUP_MS);
  await peer.ackOf(0, SETUP_MS);
  return peer;
}

/** Opens `count` peers, at most `concurrency` handshakes at a time. */
export async function joinMany(
  target: Target,
  kind: Kind,
  count: number,
  concurrency = 200,
  readSize?: number,
): Promise<Peer[]> {
  const peers: Peer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      peers.push(await join(target, kind, readSize));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return peers;
}

/** Closes every peer. */
export async function closeAll(peers: Peer[]): Promise<void> {
  await Promise.all(peers.map((peer) => peer.close()));
}

/** A chat `message` frame for this peer, or the same JSON line for the floor. */
export function messageLine(peer: Peer, content: string): string {
  const frame: Record<string, unknown> = { type: "message", content };
  if (peer.sessionId) frame.session_id = peer.sessionId;
  return JSON.stringify(frame) + "\n";
}

/** Percentile of sorted samples. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Latency samples, growing as needed. */
export class Samples {
  #data = new Float64Array(1024);
  #length = 0;

  add(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value;
  }

  get length(): number {
    return this.#length;
  }

  /** p50 and p99, in milliseconds. */
  summary(): { p50: number; p99: number } {
    const sorted = this.#data.slice(0, this.#length).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

/**
 * Echo round trips: each peer keeps one frame in flight until the deadline.
 * The replies are counted as raw line feeds, as they arrive: no promise and
 * no parse per reply.
 */
export async function echoRoundTrips(
  peers: Peer[],
  durationMs: number,
  lineOf: (peer: Peer) => string = (peer) =>
    messageLine(peer, "hello from the benchmark 0123456789"),
): Promise<{ count: number; seconds: number; samples: Samples }> {
  const samples = new Samples();
  const started = performance.now();
  const deadline = started + durationMs;
  let count = 0;
  await Promise.all(peers.map((peer) => {
    const line = encoder.encode(lineOf(peer));
    const done = Promise.withResolvers<void>();
    let sentAt = 0;
    const send = () => {
      sentAt = performance.now();
      peer.write(line).catch(done.reject);
    };
    peer.onData = (bytes) => {
      if (bytes === null) return done.reject(new Error("server closed during echo"));
      for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) {
        const now = performance.now();
        samples.add(now - sentAt);
        count++;
        if (now < deadline) {
          send();
        } else {
          peer.onData = undefined;
          done.resolve();
        }
      }
    };
    send();
    return done.promise;
  }));
  return { count, seconds: (performance.now() - started) / 1000, samples };
}

const MARK = /#(\d+)@(\d+\.?\d*)#/g;

/**
 * Fan-out: the publisher sends `messages` 100-byte messages with at most
 * `window` not yet delivered to every subscriber; each subscriber measures
 * end-to-end latency from the send time in the content.
 */
export async function fanOut(
  publisher: Peer,
  subscribers: Peer[],
  messages: number,
  window: number,
  timeLimitMs: number,
): Promise<{ deliveries: number; seconds: number; samples: Samples; complete: boolean }> {
  const samples = new Samples();
  const received = new Uint32Array(messages);
  let completed = 0;
  let deliveries = 0;
  let wake: (() => void) | undefined;
  const started = performance.now();
  const deadline = started + timeLimitMs;
  let stop = false;

  // Each subscriber scans the raw text as it arrives for the marks: no promise or parse per frame.
  for (const peer of subscribers) {
    const text = new TextDecoder();
    let carry = "";
    peer.onData = (bytes) => {
      if (bytes === null || stop) return;
      const now = performance.now();
      const scan = carry + text.decode(bytes, { stream: true });
      const cut = scan.lastIndexOf("\n");
      const whole = scan.slice(0, cut + 1);
      carry = scan.slice(cut + 1);
      for (const match of whole.matchAll(MARK)) {
        const seq = Number(match[1]);
        samples.add(now - Number(match[2]));
        deliveries++;
        if (++received[seq] === subscribers.length) {
          completed++;
          wake?.();
        }
      }
    };
  }

  /** Waits until a message completes or the deadline passes. */
  const progress = async () => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, Math.max(1, deadline - performance.now()));
    });
    clearTimeout(timer);
    wake = undefined;
  };

  const pad = "x".repeat(100);
  let sent = 0;
  while (sent < messages && performance.now() < deadline) {
    if (sent - completed >= window) {
      await progress();
      continue;
    }
    const batch: string[] = [];
    const t = performance.now().toFixed(3);
    while (
      sent + batch.length < messages && sent - completed + batch.length < window &&
      batch.length < 64
    ) {
      const mark = `#${sent + batch.length}@${t}#`;
      batch.push(messageLine(publisher, (mark + pad).slice(0, 100)));
    }
    sent += batch.length;
    await publisher.write(batch.join(""));
  }
  while (completed < sent && performance.now() < deadline) await progress();
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await closeAll(subscribers);
  return { deliveries, seconds, samples, complete: completed === messages };
}
