/**
 * A scripted TCP server for client tests: each connection is handed to a
 * function that plays the server's part with raw frames (a version 0 peer,
 * a server that goes silent, one that drops the connection mid-way).
 *
 * @module
 */

import { writeAll } from "../../src/io/write_all.ts";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Frame, HeartbeatSettings } from "../../src/protocol/messages.ts";

const decoder = new TextDecoder();

/** One accepted connection, as the scripted server sees it. */
export class FakePeer {
  readonly conn: Deno.Conn;
  #decoder = new FrameDecoder(16 * 1024 * 1024);
  #buffer = new Uint8Array(64 * 1024);
  #frames: Frame[] = [];

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Writes a frame followed by a line feed. */
  async send(frame: Frame): Promise<void> {
    await this.write(JSON.stringify(frame) + "\n");
  }

  /** Writes raw text. */
  async write(text: string): Promise<void> {
    await writeAll(this.conn, text);
  }

  /**
   * One socket read, decoded into the frames it completed (a fresh decoder
   * each time: a frame split across reads is lost, as the original server
   * lost it). `null` at end of stream or on a reset.
   */
  async readOnce(): Promise<Frame[] | null> {
    const bytes = await this.#read();
    if (bytes === null) return null;
    return new FrameDecoder(16 * 1024 * 1024).push(bytes)
      .map((frame) => JSON.parse(decoder.decode(frame)) as Frame);
  }

  /** The next frame, reading as much as it takes; `null` at end of stream. */
  async next(): Promise<Frame | null> {
    while (this.#frames.length === 0) {
      const bytes = await this.#read();
      if (bytes === null) return null;
      for (const frame of this.#decoder.push(bytes)) {
        this.#frames.push(JSON.parse(decoder.decode(frame)));
      }
    }
    return this.#frames.shift()!;
  }

  /** One socket read (a view of the shared buffer); `null` at end of stream or on a reset. */
  async #read(): Promise<Uint8Array | null> {
    let n: number | null;
    try {
      n = await this.conn.read(this.#buffer);
    } catch {
      return null;
    }
    return n === null ? null : this.#buffer.subarray(0, n);
  }

  /**
   * Plays the server's part of a version 1 handshake: sends `session_init`
   * (with `heartbeat`, when given, and the fields of `init`), reads the client's `session_ack` and acks
   * it, with `ack`'s fields added. Returns the session id, or `null` when the
   * client sent something else first or closed.
   */
  async handshake(
    ack: Partial<Frame> = {},
    heartbeat?: HeartbeatSettings,
    init: Partial<Frame> = {},
  ): Promise<string | null> {
    const sessionId = crypto.randomUUID();
    await this.send({ ...sessionInit(sessionId, heartbeat), ...init });
    const sessionAck = await this.next();
    if (sessionAck?.type !== "session_ack") return null;
    await this.send({
      type: "ack",
      content: "Session acknowledged",
      ...ack,
      id: sessionAck.id,
      session_id: sessionId,
    });
    return sessionId;
  }

  /** Reads until the client closes, answering nothing. */
  async drain(): Promise<void> {
    while (await this.next() !== null) {
      // Ignored.
    }
  }

  /** Closes the connection (once). */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A running scripted server. */
export interface FakeServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Where a client connects. */
  tcp: { transport: "tcp"; hostname: string; port: number };
  /** How many connections it accepted. */
  readonly accepted: number;
}

/**
 * Listens on 127.0.0.1 port 0 and runs `script` for each connection; the
 * connection is closed when the script returns. `await using` stops it,
 * closes open connections and waits for every script to end.
 */
export function fakeServer(script: (peer: FakePeer) => Promise<void>): FakeServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const peers = new Set<FakePeer>();
  const tasks = new Set<Promise<void>>();
  let accepted = 0;
  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // The listener was closed.
      }
      accepted++;
      const peer = new FakePeer(conn);
      peers.add(peer);
      const task = script(peer).catch(() => {}).finally(() => {
        peer.close();
        peers.delete(peer);
        tasks.delete(task);
      });
      tasks.add(task);
    }
  })();
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    port,
    tcp: { transport: "tcp", hostname: "127.0.0.1", port },
    get accepted() {
      return accepted;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      for (const peer of peers) peer.close();
      await Promise.all([...tasks]);
    },
  };
}

/** A version 1 `session_init`. */
export function sessionInit(
  sessionId: string,
  heartbeat: HeartbeatSettings = { interval: 5, timeout: 10, retries: 3 },
): Frame {
  return {
    type: "session_init",
    content: "Session established",
    session_id: sessionId,
    protocol: 1,
    heartbeat,
  };
}
