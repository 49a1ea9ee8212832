/**
 * The benchmark's load generator: real sockets against a server process,
 * bounded in time and count. Chat sessions do the whole handshake; floor
 * sessions just connect.
 *
 * @module
 */

export type Kind = "chat" | "floor";

/** Where the server under test listens. */
export type Target = { transport: "tcp"; port: number } | { transport: "unix"; path: string };

const encoder = new TextEncoder();

/**
 * Opens a connection to the target. A Unix socket whose accept backlog is
 * full refuses at once with EAGAIN (TCP queues instead): try again shortly.
 */
export async function dial(target: Target): Promise<Deno.Conn> {
  if (target.transport === "unix") {
    for (let attempt = 1;; attempt++) {
      try {
        return await Deno.connect({ transport: "unix", path: target.path });
      } catch (error) {
        if (!(error instanceof Deno.errors.WouldBlock) || attempt === 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 20)));
      }
    }
  }
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: target.port });
  conn.setNoDelay(true);
  return conn;
}

/** Writes every byte. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Reads whole lines from a connection. */
export class LineReader {
  #conn: Deno.Conn;
  #buffer: Uint8Array;
  #text = "";
  #decoder = new TextDecoder();

  constructor(conn: Deno.Conn, size = 16 * 1024) {
    this.#conn = conn;
    this.#buffer = new Uint8Array(size);
  }

  /** The next line, or null at the end of the stream. */
  async line(): Promise<string | null> {
    for (;;) {
      const newline = this.#text.indexOf("\n");
      if (newline >= 0) {
        const line = this.#text.slice(0, newline);
        this.#text = this.#text.slice(newline + 1);
        return line;
      }
      const n = await this.#conn.read(this.#buffer);
      if (n === null) return null;
      this.#text += this.#decoder.decode(this.#buffer.subarray(0, n), { stream: true });
    }
  }

  /** The next chunk of text (any number of lines), or null at the end. */
  async chunk(): Promise<string | null> {
    if (this.#text !== "") {
      const text = this.#text;
      this.#text = "";
      return text;
    }
    const n = await this.#conn.read(this.#buffer);
    if (n === null) return null;
    return this.#decoder.decode(this.#buffer.subarray(0, n), { stream: true });
  }
}

/** A connected session of the load generator. */
export interface Peer {
  conn: Deno.Conn;
  reader: LineReader;
  /** The chat session id; empty for a floor connection. */
  sessionId: string;
}

/** Connects and, for chat, completes the handshake (with an id, waiting for its ack). */
export async function join(target: Target, kind: Kind, readSize?: number): Promise<Peer> {
  const conn = await dial(target);
  const reader = new LineReader(conn, readSize);
  if (kind === "floor") return { conn, reader, sessionId: "" };
  const init = JSON.parse((await reader.line())!);
  const sessionId = init.session_id as string;
  await writeAll(
    conn,
    encoder.encode(
      JSON.stringify({ type: "session_ack", content: "ok", session_id: sessionId, id: 0 }) + "\n",
    ),
  );
  const ack = JSON.parse((await reader.line())!);
  if (ack.type !== "ack") throw new Error(`handshake failed: ${JSON.stringify(ack)}`);
  return { conn, reader, sessionId };
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
export function closeAll(peers: Peer[]): void {
  for (const peer of peers) {
    try {
      peer.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** How many sessions `who` lists, asked through a chat peer (that has nothing else in flight). */
export async function whoCount(peer: Peer): Promise<number> {
  const frame = { type: "who", content: "", session_id: peer.sessionId, id: "who" };
  await writeAll(peer.conn, encoder.encode(JSON.stringify(frame) + "\n"));
  for (;;) {
    const line = await peer.reader.line();
    if (line === null) throw new Error("server closed during who");
    const reply = JSON.parse(line);
    if (reply.type === "who") return (reply.content as unknown[]).length;
  }
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

/** Echo round trips: each peer keeps one frame in flight until the deadline. */
export async function echoRoundTrips(
  peers: Peer[],
  durationMs: number,
): Promise<{ count: number; seconds: number; samples: Samples }> {
  const samples = new Samples();
  const started = performance.now();
  const deadline = started + durationMs;
  let count = 0;
  await Promise.all(peers.map(async (peer) => {
    const line = encoder.encode(messageLine(peer, "hello from the benchmark 0123456789"));
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await writeAll(peer.conn, line);
      if ((await peer.reader.line()) === null) throw new Error("server closed during echo");
      samples.add(performance.now() - t0);
      count++;
    }
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

  const readers = subscribers.map(async (peer) => {
    let carry = "";
    let got = 0;
    while (got < messages && !stop) {
      const text = await peer.reader.chunk();
      if (text === null) return;
      const now = performance.now();
      const scan = carry + text;
      const cut = scan.lastIndexOf("\n");
      const whole = scan.slice(0, cut + 1);
      carry = scan.slice(cut + 1);
      for (const match of whole.matchAll(MARK)) {
        const seq = Number(match[1]);
        samples.add(now - Number(match[2]));
        got++;
        deliveries++;
        if (++received[seq] === subscribers.length) {
          completed++;
          wake?.();
        }
      }
    }
  });

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
    await writeAll(publisher.conn, encoder.encode(batch.join("")));
  }
  while (completed < sent && performance.now() < deadline) await progress();
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  closeAll(subscribers);
  await Promise.allSettled(readers);
  return { deliveries, seconds, samples, complete: completed === messages };
}
