/**
 * The soak test's protocol peer: a real socket, frames decoded as they
 * arrive, waits with deadlines, and the rude moves a fault needs (half
 * close, stop reading, close mid-stream).
 *
 * @module
 */

import { FrameDecoder } from "../src/protocol/frame_decoder.ts";

/** Where the server under test listens. */
export type Target =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/** A decoded frame. */
export type Frame = Record<string, unknown> & { type?: string };

/** A wait that ran out, or a connection that ended while waiting. */
export class SoakError extends Error {
  override name = "SoakError";
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a frame as one line. */
export function line(frame: Frame): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}

/** One connection to the server. */
export class SoakConn {
  readonly conn: Deno.Conn;
  readonly transport: "tcp" | "unix";
  /** `Date.now()` taken before `connect` was called: a lower bound of the server's accept. */
  readonly dialedAt: number;
  /** The session id from `session_init`, once seen. */
  sessionId = "";
  /** When set, every frame goes here instead of the backlog. */
  onFrame: ((frame: Frame) => void) | undefined;
  /** Whether the stream ended (end of stream, reset or closed by us). */
  ended = false;
  /** `Date.now()` when the end was seen. */
  endedAt = 0;
  /** How it ended: `eof` (the server closed), `reset`, or `local` (closed by us). */
  endKind: "eof" | "reset" | "local" | undefined;
  /** Bytes read so far. */
  bytesRead = 0;
  #frames: Frame[] = [];
  #waiters: (() => void)[] = [];
  #reading: Promise<void> | undefined;
  #gate: PromiseWithResolvers<void> | undefined;
  #closed = false;
  #readSize: number;

  private constructor(conn: Deno.Conn, transport: "tcp" | "unix", dialedAt: number, size: number) {
    this.conn = conn;
    this.transport = transport;
    this.dialedAt = dialedAt;
    this.#readSize = size;
  }

  /** Connects; the reader starts at once unless `read` is false. */
  static async open(
    target: Target,
    options: { read?: boolean; readSize?: number } = {},
  ): Promise<SoakConn> {
    const dialedAt = Date.now();
    const conn = target.transport === "unix"
      ? await Deno.connect({ transport: "unix", path: target.path })
      : await Deno.connect({ hostname: target.hostname, port: target.port });
    if (target.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    const client = new SoakConn(conn, target.transport, dialedAt, options.readSize ?? 16 * 1024);
    if (options.read ?? true) client.startReading();
    return client;
  }

  /** Frames received and not yet taken. */
  get backlog(): readonly Frame[] {
    return this.#frames;
  }

  /** Starts the background reader (once). */
  startReading(): void {
    this.#reading ??= this.#read();
  }

  async #read(): Promise<void> {
    const frames = new FrameDecoder(16 * 1024 * 1024);
    const buffer = new Uint8Array(this.#readSize);
    let kind: "eof" | "reset" | "local" = "eof";
    try {
      for (;;) {
        if (this.#gate) await this.#gate.promise;
        if (this.#closed) {
          kind = "local";
          break;
        }
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.bytesRead += n;
        for (const bytes of frames.push(buffer.subarray(0, n))) {
          const frame = JSON.parse(decoder.decode(bytes)) as Frame;
          if (frame.type === "session_init" && this.sessionId === "") {
            this.sessionId = frame.session_id as string;
          }
          if (this.onFrame) this.onFrame(frame);
          else this.#frames.push(frame);
        }
        this.wake();
      }
    } catch {
      kind = this.#closed ? "local" : "reset";
    }
    this.ended = true;
    this.endedAt = Date.now();
    this.endKind = kind;
    this.wake();
  }

  /** Wakes every wait in progress, so that it checks its condition again. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next frame or end, or after `ms`. */
  async changed(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
      timer = setTimeout(resolve, Math.max(0, ms));
    });
    clearTimeout(timer);
  }

  /** Waits until `ready()` gives a value, re-checking on each frame and at the end. */
  async until<T>(ready: () => T | undefined, what: string, ms: number): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new SoakError(`${what}: nothing within ${ms} ms (${this.#describe()})`);
      await this.changed(left);
    }
  }

  #describe(): string {
    const frames = this.#frames.slice(-3).map((f) => JSON.stringify(f).slice(0, 160));
    return `${this.transport} ${this.sessionId || "no session"}, ended: ${
      this.endKind ?? "no"
    }, last frames: ${frames.join(" ") || "none"}`;
  }

  /** Takes the first frame that `match` accepts; fails at the deadline or the end. */
  next(match: (frame: Frame) => boolean, what: string, ms: number): Promise<Frame> {
    return this.until(
      () => {
        const i = this.#frames.findIndex(match);
        if (i >= 0) return this.#frames.splice(i, 1)[0];
        if (this.ended) throw new SoakError(`${what}: the connection ended (${this.#describe()})`);
        return undefined;
      },
      what,
      ms,
    );
  }

  /** The next frame of `type`. */
  nextOf(type: string, ms: number): Promise<Frame> {
    return this.next((f) => f.type === type, type, ms);
  }

  /** The `ack` (or `error`) of the frame with id `id`; an `error` fails unless `code` names it. */
  async reply(id: string | number, ms: number, code?: string): Promise<Frame> {
    const frame = await this.next(
      (f) => (f.type === "ack" || f.type === "error") && f.id === id,
      `the reply to ${id}`,
      ms,
    );
    if (code === undefined && frame.type === "error") {
      throw new SoakError(`frame ${id} refused: ${frame.code}: ${frame.content}`);
    }
    if (code !== undefined && frame.code !== code) {
      throw new SoakError(`frame ${id}: expected ${code}, got ${JSON.stringify(frame)}`);
    }
    return frame;
  }

  /** The next `error` frame, which must carry `code`. */
  async error(code: string, ms: number): Promise<Frame> {
    const frame = await this.nextOf("error", ms);
    if (frame.code !== code) {
      throw new SoakError(`expected error ${code}, got ${JSON.stringify(frame)}`);
    }
    return frame;
  }

  /** Resolves once the stream has ended; fails at the deadline. */
  async waitEnd(what: string, ms: number): Promise<void> {
    await this.until(() => this.ended || undefined, what, ms);
  }

  /** Writes every byte; false when the connection refused it (the peer is gone). */
  async write(data: Uint8Array | string): Promise<boolean> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a frame as one line. */
  send(frame: Frame): Promise<boolean> {
    return this.write(line(frame));
  }

  /** Sends a frame of this session (its `session_id` filled in). */
  say(frame: Frame): Promise<boolean> {
    return this.send({ ...frame, session_id: this.sessionId });
  }

  /**
   * Reads `session_init`, answers `session_ack` (id `hs`, and `name` when
   * given) and waits for its `ack`. Returns `Date.now()` taken before the
   * `session_ack` was written: a lower bound of the server's last sign of life.
   */
  async handshake(ms: number, name?: string): Promise<number> {
    await this.nextOf("session_init", ms);
    const ack: Frame = {
      type: "session_ack",
      content: "Session acknowledged",
      session_id: this.sessionId,
      id: "hs",
    };
    if (name !== undefined) ack.name = name;
    const sentAt = Date.now();
    if (!await this.send(ack)) throw new SoakError("could not write session_ack");
    const reply = await this.reply("hs", ms);
    if (name !== undefined && reply.name !== name) {
      throw new SoakError(`asked for name ${name}, got ${JSON.stringify(reply)}`);
    }
    return sentAt;
  }

  /** Stops reading (after the read in flight) until {@linkcode SoakConn.resume}. */
  pause(): void {
    this.#gate ??= Promise.withResolvers();
  }

  /** Reads again. */
  resume(): void {
    const gate = this.#gate;
    this.#gate = undefined;
    gate?.resolve();
  }

  /** Shuts down the writing half; reading goes on. */
  async closeWrite(): Promise<boolean> {
    try {
      await this.conn.closeWrite();
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the socket (abruptly: whatever is unread stays unread) and waits for the reader. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch {
        // Already closed.
      }
    }
    this.resume();
    await this.#reading;
    if (!this.ended) {
      this.ended = true;
      this.endedAt = Date.now();
      this.endKind = "local";
    }
  }
}

/** Connection attempts that failed and were tried again (reported in the summary). */
export const dialRetries: { count: number; reasons: Record<string, number> } = {
  count: 0,
  reasons: {},
};

/**
 * Connects, trying up to 3 times with a short backoff when the system
 * briefly refuses (a full accept backlog on a Unix socket answers EAGAIN).
 * Every retry is counted in {@linkcode dialRetries}.
 */
export async function dial(
  target: Target,
  options: { read?: boolean; readSize?: number } = {},
): Promise<SoakConn> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) {
      dialRetries.count++;
      const reason = lastError instanceof Error ? lastError.name : String(lastError);
      dialRetries.reasons[reason] = (dialRetries.reasons[reason] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
    try {
      return await SoakConn.open(target, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw new SoakError(`cannot connect over ${target.transport}: ${lastError}`);
}
