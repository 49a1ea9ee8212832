/**
 * A bare protocol peer for tests: real sockets, frames in and out, waits on
 * frames with a deadline (never a fixed sleep).
 *
 * @module
 */

import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";
import { Wakeup } from "./wakeup.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long a test waits for an expected event before failing. */
export const WAIT_MS = 5000;

/** A raw connection that parses what the server sends into frames. */
export class RawClient {
  readonly conn: Deno.Conn;
  sessionId = "";
  #frames: Frame[] = [];
  readonly #wakeup = new Wakeup();
  #ended = false;
  #reading: Promise<void>;
  /** While set, the reader stops reading (after the read in flight) until it resolves. */
  #gate: { promise: Promise<void>; open: () => void } | undefined;

  private constructor(conn: Deno.Conn, maxFrame: number) {
    this.conn = conn;
    this.#reading = this.#read(new FrameDecoder(maxFrame));
  }

  /** Connects to a server over TCP (TLS with `to.tls`) or Unix. */
  static async connect(to: ConnectOptions, maxFrame = 16 * 1024 * 1024): Promise<RawClient> {
    const conn = to.transport === "unix"
      ? await Deno.connect({ transport: "unix", path: to.path })
      : to.tls
      ? await Deno.connectTls({
        hostname: to.hostname ?? "localhost",
        port: to.port ?? 9999,
        caCerts: to.tls.caCerts,
      })
      : await Deno.connect({ hostname: to.hostname ?? "127.0.0.1", port: to.port ?? 9999 });
    return new RawClient(conn, maxFrame);
  }

  /** Connects and completes the handshake; returns the client. */
  static async session(
    to: ConnectOptions,
    ack: Partial<Frame> = {},
  ): Promise<RawClient> {
    const client = await RawClient.connect(to);
    await client.handshake(ack);
    return client;
  }

  /** Whether the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Frames received and not yet taken. */
  get backlog(): readonly Frame[] {
    return this.#frames;
  }

  async #read(frameDecoder: FrameDecoder): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        if (this.#gate) await this.#gate.promise;
        const n = await this.conn.read(buffer);
        if (n === null) break;
        for (const bytes of frameDecoder.push(buffer.subarray(0, n))) {
          this.#frames.push(JSON.parse(decoder.decode(bytes)));
        }
        this.#wakeup.wake();
      }
    } catch {
      // Reset or closed by us.
    }
    this.#ended = true;
    this.#wakeup.wake();
  }

  /** Waits until `ready()` gives a value, re-checking whenever something arrives, until the deadline. */
  #until<T>(ready: () => T | undefined, what: string, ms: number): Promise<T> {
    return this.#wakeup.until(
      ready,
      ms,
      () => `timed out after ${ms} ms waiting for ${what}; have ${JSON.stringify(this.#frames)}`,
    );
  }

  /** The next frame (of `type`, when given), skipping none: earlier frames of other types stay queued. */
  next(type?: string, ms = WAIT_MS): Promise<Frame> {
    return this.#until(
      () => {
        const i = this.#frames.findIndex((f) => type === undefined || f.type === type);
        if (i >= 0) return this.#frames.splice(i, 1)[0];
        if (this.#ended) throw new Error(`connection ended while waiting for ${type ?? "a frame"}`);
        return undefined;
      },
      type ?? "a frame",
      ms,
    );
  }

  /** Resolves once the server has closed the connection. */
  closed(ms = WAIT_MS): Promise<true> {
    return this.#until(() => this.#ended ? true : undefined, "the connection to close", ms);
  }

  /** Sends a frame as one line. */
  async send(frame: Frame): Promise<void> {
    await this.write(JSON.stringify(frame) + "\n");
  }

  /** Sends a frame of this session (its `session_id` filled in). */
  async say(frame: Frame): Promise<void> {
    await this.send({ ...frame, session_id: this.sessionId });
  }

  /** Writes raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Reads `session_init` and answers `session_ack` (with an id, so the ack confirms it). */
  async handshake(ack: Partial<Frame> = {}): Promise<Frame> {
    const init = await this.next("session_init");
    this.sessionId = init.session_id as string;
    await this.send({
      type: "session_ack",
      content: "Session acknowledged",
      session_id: this.sessionId,
      id: "hs",
      ...ack,
    });
    return init;
  }

  /** Waits for the answer (`ack` or `error`) to the frame with this id, and takes it. */
  answerOf(id: string | number): Promise<Frame> {
    return this.#until(
      () => {
        const i = this.#frames.findIndex((f) =>
          (f.type === "ack" || f.type === "error") && f.id === id
        );
        if (i >= 0) return this.#frames.splice(i, 1)[0];
        if (this.#ended) throw new Error(`connection ended while waiting for the ack of ${id}`);
        return undefined;
      },
      `the ack of ${id}`,
      WAIT_MS,
    );
  }

  /** Waits for the `ack` of the frame with this id (an `error` instead fails). */
  async ackOf(id: string | number): Promise<Frame> {
    const frame = await this.answerOf(id);
    if (frame.type === "error") {
      throw new Error(`frame ${id} failed: ${frame.code}: ${frame.content}`);
    }
    return frame;
  }

  /**
   * Stops reading from the socket (after the read in flight, which may take
   * up to 64 KiB), as a peer that never reads: the socket buffers fill up.
   */
  pause(): void {
    if (this.#gate) return;
    let open!: () => void;
    const promise = new Promise<void>((resolve) => open = resolve);
    this.#gate = { promise, open };
  }

  /** Reads again after {@linkcode RawClient.pause}. */
  resume(): void {
    const gate = this.#gate;
    this.#gate = undefined;
    gate?.open();
  }

  /** Closes the socket and waits for the reader to stop. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
    this.resume();
    await this.#reading;
  }

  /** For `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
