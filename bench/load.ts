/**
 * The benchmark's load generator: real sockets against a server process,
 * bounded in time and count; the same for every system (what each speaks is
 * in `systems.ts`). Chat sessions do the whole handshake; floor sessions
 * just connect. Over WebSocket, each line is a message of its own.
 *
 * @module
 */

import { RawClient } from "../tests/helpers/raw_client.ts";
import { greet, type Kind, type Peer, readsRaw } from "./systems.ts";

export type { Kind, Peer };

/** Where the server under test listens (`ws`: its HTTP URL, whose `/ws` takes the upgrades). */
export type Target =
  | { transport: "tcp"; port: number }
  | { transport: "unix"; path: string }
  | { transport: "ws"; url: string };

/** The transports a target can use. */
export type Transport = Target["transport"];

const encoder = new TextEncoder();

/** How long the setup (a handshake, a first relay) may take before the run fails. */
export const SETUP_MS = 60_000;

/**
 * Connects to the target, reading `readSize` bytes at most at once. A Unix
 * socket whose accept backlog is full refuses at once with EAGAIN (TCP
 * queues instead): try again shortly.
 */
async function dial(target: Target, raw: boolean, readSize = 16 * 1024): Promise<Peer> {
  const to = target.transport === "tcp"
    ? { transport: "tcp" as const, hostname: "127.0.0.1", port: target.port }
    : target.transport === "ws"
    ? { transport: "ws" as const, url: `${target.url.replace(/^http/, "ws")}/ws` }
    : target;
  const peer = await RawClient.connect(to, {
    readSize,
    // Redis and NATS peers are read raw from their first byte (NATS greets with INFO).
    read: !raw,
    retry: {
      attempts: 200,
      delayMs: (n) => Math.min(n, 20),
      retries: (error) => error instanceof Deno.errors.WouldBlock,
    },
  });
  if (raw) {
    peer.onData = () => {};
    peer.startReading();
  }
  return peer;
}

/** Connects and greets: chat's handshake, NATS's CONNECT, a Redis PING (see `systems.ts`). */
export async function join(target: Target, kind: Kind, readSize?: number): Promise<Peer> {
  const peer = await dial(target, readsRaw(kind), readSize);
  await greet(peer, kind, SETUP_MS);
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

  /** Adds every sample of `other`. */
  addAll(other: Samples): void {
    for (let i = 0; i < other.#length; i++) this.add(other.#data[i]);
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
  lineOf: (peer: Peer) => string,
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

/** Starts a fan-out mark in the content: `~<send time>#` (no system escapes `~`). */
const TILDE = 0x7e;
const HASH = 0x23;
const DOT = 0x2e;

/**
 * The send time in a mark whose time starts at `at`, or -1 when the read
 * ends before the mark does (the sample is skipped; the delivery counts).
 */
function markTime(bytes: Uint8Array, at: number): number {
  let whole = 0;
  let fraction = 0;
  let scale = 0;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === HASH) return whole + (scale > 0 ? fraction / scale : 0);
    if (byte === DOT) scale = 1;
    else if (scale > 0) {
      fraction = fraction * 10 + byte - 48;
      scale *= 10;
    } else whole = whole * 10 + byte - 48;
  }
  return -1;
}

/**
 * Fan-out: the publisher sends `messages` 100-byte messages (`lineOf`
 * makes the bytes that publish one) with at most `window` not yet delivered
 * to every subscriber; each subscriber measures end-to-end latency from the
 * send time in the content. The subscribers are closed at the end unless
 * `keepOpen` (for another run).
 */
export async function fanOut(
  publisher: Peer,
  lineOf: (content: string) => string,
  subscribers: Peer[],
  messages: number,
  window: number,
  timeLimitMs: number,
  keepOpen = false,
): Promise<{ deliveries: number; seconds: number; samples: Samples; complete: boolean }> {
  const samples = new Samples();
  const received = new Uint32Array(messages);
  let completed = 0;
  let deliveries = 0;
  let wake: (() => void) | undefined;
  const started = performance.now();
  const deadline = started + timeLimitMs;
  let stop = false;

  // Each subscriber counts the marks in the raw bytes as they arrive (every system delivers in
  // order, so its n-th mark is message n): no decode, promise or parse per frame, so the one
  // load generator stays cheap next to the servers it drives.
  for (const peer of subscribers) {
    let seq = 0;
    peer.onData = (bytes) => {
      if (bytes === null || stop) return;
      const now = performance.now();
      for (let i = bytes.indexOf(TILDE); i >= 0; i = bytes.indexOf(TILDE, i + 1)) {
        const sentAt = markTime(bytes, i + 1);
        if (sentAt >= 0) samples.add(now - sentAt);
        deliveries++;
        if (++received[seq++] === subscribers.length) {
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
      const mark = `~${t}#`;
      batch.push(lineOf((mark + pad).slice(0, 100)));
    }
    sent += batch.length;
    await publisher.write(batch.join(""));
  }
  while (completed < sent && performance.now() < deadline) await progress();
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  if (!keepOpen) await closeAll(subscribers);
  return { deliveries, seconds, samples, complete: completed === messages };
}
