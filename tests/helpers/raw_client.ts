/**
 * The one bare protocol peer of the tests, the soak and the benchmark: a
 * real socket (TCP, TLS or Unix), frames decoded as they arrive, waits on
 * frames with a deadline (never a fixed sleep), and the rude moves a fault
 * needs (stop reading, half close, close mid-stream).
 *
 * Frames go to a backlog that the waits take from, or to
 * {@linkcode RawClient.onFrame} as they arrive; on a hot path,
 * {@linkcode RawClient.onData} takes the bytes undecoded instead, with no
 * promise or parse per frame.
 *
 * @module
 */

import { concat } from "../../src/io/concat.ts";
import { writeAll } from "../../src/io/write_all.ts";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";
import { CLOSE_CODE, OPCODE, WebSocketParser } from "../../src/transport/websocket_codec.ts";
import { Wakeup } from "./wakeup.ts";
import { clientLines, dialWebSocket, type WebSocketTarget } from "./websocket_wire.ts";

/** Where a raw peer connects: a socket, or a WebSocket at a `/ws` URL. */
export type PeerTarget = ConnectOptions | WebSocketTarget;

const decoder = new TextDecoder();

/** How long a test waits for an expected event before failing. */
export const WAIT_MS = 5000;

/** A wait that ran out, a connection that ended while waiting, or a frame refused. */
export class PeerError extends Error {
  /** The error's name, as printed. */
  override name = "PeerError";
}

/** How a connection ended: closed by the server (`eof`), reset, or closed by us (`local`). */
export type EndKind = "eof" | "reset" | "local";

/**
 * Connecting again when the system briefly refuses (a Unix socket whose
 * accept backlog is full answers EAGAIN at once, where TCP queues).
 */
export interface Retry {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Milliseconds to wait before retry `n` (1 for the first retry). */
  delayMs(n: number): number;
  /** Whether `error` is worth another attempt (default: any error is). */
  retries?(error: unknown): boolean;
  /** Told of each retry, with the error that caused it. */
  onRetry?(error: unknown): void;
}

/** How {@linkcode RawClient.connect} connects, reads and writes. */
export interface RawClientOptions {
  /** The largest frame decoded, in bytes (default 16 MiB). */
  maxFrame?: number;
  /** The size of the read buffer (default 64 KiB): at most this much is read at once. */
  readSize?: number;
  /** Whether the reader starts at once (default true); else at {@linkcode RawClient.startReading}. */
  read?: boolean;
  /** When a write fails (the peer is gone): resolve false (true), or reject (false, the default). */
  tolerateWriteErrors?: boolean;
  /** Connecting again when the first attempts are refused (default: one attempt). */
  retry?: Retry;
}

/** A raw connection that parses what the server sends into frames. */
export class RawClient implements AsyncDisposable {
  /** The socket. */
  readonly conn: Deno.Conn;
  /** The transport connected over. */
  readonly transport: "tcp" | "unix" | "ws";
  /** WebSocket: the text messages received. */
  messages = 0;
  /** WebSocket: the text messages that did not hold exactly one frame (should stay empty). */
  readonly misframed: string[] = [];
  /** WebSocket: the status code of the server's close frame, once received. */
  closeCode: number | undefined;
  /** WebSocket: the pongs received. */
  pongs = 0;
  /** `Date.now()` taken before the connection was opened: a lower bound of the server's accept. */
  readonly dialedAt: number;
  /** The session id from `session_init`, once seen. */
  sessionId = "";
  /** The `session_init` that {@linkcode RawClient.handshake} answered. */
  init: Frame | undefined;
  /** `Date.now()` taken before `session_ack` was written by {@linkcode RawClient.handshake}. */
  ackSentAt = 0;
  /** When set, every frame goes here instead of the backlog. */
  onFrame: ((frame: Frame) => void) | undefined;
  /**
   * When set, the bytes read go here undecoded (`null` at the end of the
   * stream) instead of being decoded into frames; they are valid only during
   * the call. Set it when no frame is half read.
   */
  onData: ((bytes: Uint8Array | null) => void) | undefined;
  /** `Date.now()` when the end was seen. */
  endedAt = 0;
  /** How it ended, once it has. */
  endKind: EndKind | undefined;
  /** Bytes read so far. */
  bytesRead = 0;
  /** Bytes written so far. */
  bytesWritten = 0;
  readonly #frames: Frame[] = [];
  readonly #wakeup = new Wakeup();
  readonly #maxFrame: number;
  readonly #readSize: number;
  readonly #tolerateWriteErrors: boolean;
  #reading: Promise<void> | undefined;
  /** While set, the reader stops reading (after the read in flight) until it resolves. */
  #gate: PromiseWithResolvers<void> | undefined;
  #closed = false;
  #ended = false;
  /** WebSocket: the bytes read past the upgrade answer. */
  #head: Uint8Array | undefined;

  private constructor(
    conn: Deno.Conn,
    transport: "tcp" | "unix" | "ws",
    dialedAt: number,
    options: RawClientOptions,
    head?: Uint8Array,
  ) {
    this.conn = conn;
    this.transport = transport;
    this.#head = head;
    this.dialedAt = dialedAt;
    this.#maxFrame = options.maxFrame ?? 16 * 1024 * 1024;
    this.#readSize = options.readSize ?? 64 * 1024;
    this.#tolerateWriteErrors = options.tolerateWriteErrors ?? false;
    if (options.read ?? true) this.startReading();
  }

  /**
   * Connects to a server over TCP (TLS with `to.tls`) or Unix, or upgrades
   * to a WebSocket at `to.url` (then each frame is a text message).
   */
  static async connect(to: PeerTarget, options: RawClientOptions = {}): Promise<RawClient> {
    const retry = options.retry;
    for (let attempt = 1;; attempt++) {
      const dialedAt = Date.now();
      try {
        if (to.transport === "ws") {
          const { conn, head } = await dialWebSocket(to);
          return new RawClient(conn, "ws", dialedAt, options, head);
        }
        return new RawClient(await dial(to), to.transport, dialedAt, options);
      } catch (error) {
        if (!retry || attempt >= retry.attempts || !(retry.retries?.(error) ?? true)) throw error;
        retry.onRetry?.(error);
        await new Promise((resolve) => setTimeout(resolve, retry.delayMs(attempt)));
      }
    }
  }

  /** Connects and answers `session_init` (see {@linkcode RawClient.handshake}); returns the client. */
  static async session(to: PeerTarget, ack: Partial<Frame> = {}): Promise<RawClient> {
    const client = await RawClient.connect(to);
    await client.handshake(ack);
    return client;
  }

  /** Whether the connection ended (closed by the server, reset, or closed by us). */
  get ended(): boolean {
    return this.#ended;
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
    const frames = new FrameDecoder(this.#maxFrame);
    const buffer = new Uint8Array(this.#readSize);
    /** Takes stream bytes (a socket's, or a WebSocket message's payload). */
    const take = (bytes: Uint8Array): number => {
      if (this.onData) {
        this.onData(bytes);
        return 1;
      }
      const decoded = frames.push(bytes);
      for (const frame of decoded) this.#received(JSON.parse(decoder.decode(frame)));
      return decoded.length;
    };
    const wire = this.transport === "ws" ? this.#wire(take) : undefined;
    let kind: EndKind = "eof";
    try {
      if (wire && this.#head) wire(this.#head);
      for (;;) {
        if (this.#gate) await this.#gate.promise;
        if (this.#closed) {
          kind = "local";
          break;
        }
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.bytesRead += n;
        if (wire) wire(buffer.subarray(0, n));
        else take(buffer.subarray(0, n));
        this.#wakeup.wake();
      }
    } catch {
      kind = this.#closed ? "local" : "reset";
    }
    this.#end(kind);
  }

  /**
   * A WebSocket client's reader: it parses what is read, checks that each
   * text message holds one frame, and hands the payloads to `take`: each
   * message's own, or with {@linkcode RawClient.onData} those of a whole
   * read at once, as a stream (no call per message on a hot path).
   */
  #wire(take: (bytes: Uint8Array) => number): (chunk: Uint8Array) => void {
    let batch: Uint8Array[] = [];
    const parser = new WebSocketParser({ maxMessage: this.#maxFrame, masked: false }, {
      message: (payload, binary) => {
        this.messages++;
        if (this.onData && !binary && payload.at(-1) === 0x0a) {
          batch.push(payload);
          return;
        }
        const whole = !binary && payload.at(-1) === 0x0a && take(payload) === 1;
        if (!whole) this.misframed.push(binary ? "(binary)" : decoder.decode(payload));
      },
      control: (opcode, payload) => {
        if (opcode === OPCODE.pong) this.pongs++;
        if (opcode !== OPCODE.close) return;
        this.closeCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : CLOSE_CODE.normal;
      },
    });
    return (chunk) => {
      parser.push(chunk);
      if (batch.length === 0) return;
      // The payloads are views of what was just read: joined before the next read.
      take(concat(batch));
      batch = [];
    };
  }

  #received(frame: Frame): void {
    if (frame.type === "session_init" && this.sessionId === "") {
      this.sessionId = frame.session_id as string;
    }
    if (this.onFrame) this.onFrame(frame);
    else this.#frames.push(frame);
  }

  #end(kind: EndKind): void {
    if (this.#ended) return;
    this.#ended = true;
    this.endedAt = Date.now();
    this.endKind = kind;
    this.onData?.(null);
    this.#wakeup.wake();
  }

  /** Has every wait in progress check its condition again (call it when the condition changed). */
  wake(): void {
    this.#wakeup.wake();
  }

  /** Resolves on the next frame, bytes or end (or {@linkcode RawClient.wake}), or after `ms`. */
  changed(ms: number): Promise<void> {
    return this.#wakeup.changed(ms);
  }

  /** Waits until `ready()` gives a value, re-checking whenever something arrives, until the deadline. */
  until<T>(ready: () => T | undefined, what: string, ms = WAIT_MS): Promise<T> {
    return this.#wakeup.until(
      ready,
      ms,
      () => new PeerError(`timed out after ${ms} ms waiting for ${what} (${this.#describe()})`),
    );
  }

  /** The transport, the session, how it ended and the frames waiting, for a failure's message. */
  #describe(): string {
    const waiting = this.#frames.slice(-8).map((f) => JSON.stringify(f).slice(0, 300));
    const skipped = this.#frames.length - waiting.length;
    return `${this.transport} ${this.sessionId || "no session"}, ended: ${
      this.endKind ?? "no"
    }; have ${skipped > 0 ? `${skipped} frames, then ` : ""}[${waiting.join(",")}]`;
  }

  /**
   * Takes the next frame of type `match` (any frame when left out; or the
   * first that `match` accepts), skipping none: earlier frames stay queued.
   * Fails at the deadline, or when the connection ends first.
   */
  next(
    match?: string | ((frame: Frame) => boolean),
    ms = WAIT_MS,
    what = typeof match === "string" ? match : "a frame",
  ): Promise<Frame> {
    const accepts = typeof match === "function"
      ? match
      : (frame: Frame) => match === undefined || frame.type === match;
    return this.until(
      () => {
        const i = this.#frames.findIndex(accepts);
        if (i >= 0) return this.#frames.splice(i, 1)[0];
        if (this.#ended) {
          throw new PeerError(`connection ended while waiting for ${what} (${this.#describe()})`);
        }
        return undefined;
      },
      what,
      ms,
    );
  }

  /** Resolves once the connection has ended. */
  closed(ms = WAIT_MS, what = "the connection to close"): Promise<true> {
    return this.until(() => this.#ended ? true : undefined, what, ms);
  }

  /** Waits for the answer (`ack` or `error`) to the frame with this id, and takes it. */
  answerOf(id: string | number, ms = WAIT_MS): Promise<Frame> {
    return this.next(
      (f) => (f.type === "ack" || f.type === "error") && f.id === id,
      ms,
      `the answer to ${id}`,
    );
  }

  /** Waits for the `ack` of the frame with this id (an `error` instead fails). */
  async ackOf(id: string | number, ms = WAIT_MS): Promise<Frame> {
    const frame = await this.answerOf(id, ms);
    if (frame.type === "error") {
      throw new PeerError(`frame ${id} refused: ${frame.code}: ${frame.content}`);
    }
    return frame;
  }

  /**
   * Writes raw text or bytes, all of them; resolves true. A failed write (the
   * peer is gone) rejects, or resolves false with `tolerateWriteErrors`.
   */
  async write(data: string | Uint8Array): Promise<boolean> {
    return await this.writeRaw(this.transport === "ws" ? clientLines(data) : data);
  }

  /** Writes bytes as they are, also on a WebSocket (a hand-made message); see {@linkcode RawClient.write}. */
  async writeRaw(data: string | Uint8Array): Promise<boolean> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    try {
      await writeAll(this.conn, bytes);
      this.bytesWritten += bytes.length;
      return true;
    } catch (error) {
      if (this.#tolerateWriteErrors) return false;
      throw error;
    }
  }

  /** Sends a frame as one line (see {@linkcode RawClient.write}). */
  send(frame: Frame): Promise<boolean> {
    return this.write(JSON.stringify(frame) + "\n");
  }

  /** Sends a frame of this session (its `session_id` filled in). */
  say(frame: Frame): Promise<boolean> {
    return this.send({ ...frame, session_id: this.sessionId });
  }

  /**
   * Reads `session_init` and answers `session_ack` (with the id `hs`, so the
   * ack confirms it; `ack` adds or overrides fields); returns the
   * `session_init`. {@linkcode RawClient.ackSentAt} is set just before the
   * answer is written.
   */
  async handshake(ack: Partial<Frame> = {}, ms = WAIT_MS): Promise<Frame> {
    const init = this.init = await this.next("session_init", ms);
    this.sessionId = init.session_id as string;
    this.ackSentAt = Date.now();
    const written = await this.send({
      type: "session_ack",
      content: "Session acknowledged",
      session_id: this.sessionId,
      id: "hs",
      ...ack,
    });
    if (!written) throw new PeerError("could not write session_ack: the connection is gone");
    return init;
  }

  /**
   * Stops reading from the socket (after the read in flight, which may take
   * up to the read buffer's size), as a peer that never reads: the socket
   * buffers fill up.
   */
  pause(): void {
    this.#gate ??= Promise.withResolvers();
  }

  /** Reads again after {@linkcode RawClient.pause}. */
  resume(): void {
    const gate = this.#gate;
    this.#gate = undefined;
    gate?.resolve();
  }

  /** Shuts down the writing half; reading goes on. False when that failed. */
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
    this.#end("local");
  }

  /** For `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Opens the socket: Unix, TLS (checked against `localhost` by default) or TCP without delay. */
async function dial(to: ConnectOptions): Promise<Deno.Conn> {
  if (to.transport === "unix") return await Deno.connect({ transport: "unix", path: to.path });
  const port = to.port ?? PROTOCOL_DEFAULTS.port;
  if (to.tls) {
    return await Deno.connectTls({
      hostname: to.hostname ?? "localhost",
      port,
      caCerts: to.tls.caCerts,
    });
  }
  const conn = await Deno.connect({ hostname: to.hostname ?? "127.0.0.1", port });
  conn.setNoDelay(true);
  return conn;
}
