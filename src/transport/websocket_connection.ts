/**
 * A server's WebSocket connection (PROTOCOL.md section 10) over the stream
 * that an HTTP upgrade handed over, written here on the project's own
 * sockets rather than with `Deno.upgradeWebSocket`, for two reasons found
 * in Deno 2.9:
 *
 * - `Deno.upgradeWebSocket` reads a whole message, up to 64 MiB, before the
 *   server sees it, where the protocol refuses a frame over `max_frame`
 *   without buffering more than that limit and one read;
 * - its socket cannot be cut: `close()` queues the close frame behind the
 *   unsent output, so a peer that never reads keeps its connection and its
 *   buffered output for ever (its `bufferedAmount` can be read, but no
 *   close takes effect).
 *
 * Here each frame the session writes is one text message (with its line
 * feed), unsent output is counted by the session's output queue as on any
 * socket (a write resolves once the socket took the bytes), a message over
 * the limit is refused from its header, and `close()` cuts the socket even
 * while a write is stuck.
 *
 * @module
 */

import { settleWithin } from "../async/deadline.ts";
import { BufferPool } from "../io/buffer_pool.ts";
import { concat } from "../io/concat.ts";
import { writeAll } from "../io/write_all.ts";
import { ChatError } from "../protocol/errors.ts";
import type { Connection, Framer, Incoming, PeerAddress } from "./types.ts";
import {
  CLOSE_CODE,
  closePayload,
  encodeWebSocketFrame,
  headerSize,
  OPCODE,
  WebSocketParser,
  writeHeader,
} from "./websocket_codec.ts";

/** How long a close frame may take to be written before the socket is closed anyway. */
const CLOSE_MS = 1000;
const LF = 0x0a;
const EMPTY = new Uint8Array(0);

/**
 * The buffers the frames of a write are put in, reused once written: a
 * session's output queue writes up to 16 KiB at once, and its frames'
 * headers take a few bytes more. A buffer made anew for every write (a
 * fan-out makes one per receiver per tick) costs its allocation, zeroing
 * and garbage.
 */
const outPool = new BufferPool(20 * 1024, 256);

/** One frame per text message over an upgraded stream; see the module's notes. */
export class WebSocketConnection implements Incoming {
  /** Resolves once the socket underneath is closed. */
  readonly done: Promise<void>;
  readonly #socket: Connection;
  readonly #socketPeer: PeerAddress;
  #head: Uint8Array;
  /** Set when the peer closed (or broke the protocol): reads end. */
  #ended = false;
  #closed = false;
  #closeSent = false;
  #closeCode: number = CLOSE_CODE.normal;
  /** The last write queued; each waits for the one before. */
  #tail: Promise<void> = Promise.resolve();
  /** Writes queued and not yet done. */
  #writing = 0;
  /** The start of a frame whose line feed has not been written yet. */
  #carry: Uint8Array = EMPTY;
  #finished: () => void;

  /** Wraps `socket`, whose upgrade request was followed by the bytes `head`. */
  constructor(socket: Incoming, head: Uint8Array = EMPTY) {
    this.#socketPeer = socket.peer;
    this.#socket = socket;
    this.#head = head;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.done = promise;
    this.#finished = resolve;
  }

  /** Where it comes from: the upgraded socket's peer, as `ws://IP:PORT`. */
  get peer(): PeerAddress {
    const { url, address } = this.#socketPeer;
    return { url: url.startsWith("tcp://") ? `ws://${url.slice(6)}` : url, address };
  }

  /** Reads raw WebSocket bytes (its {@linkcode WebSocketConnection.framer} parses them). */
  async read(buffer: Uint8Array): Promise<number | null> {
    if (this.#head.length > 0) {
      const n = Math.min(buffer.length, this.#head.length);
      buffer.set(this.#head.subarray(0, n));
      this.#head = this.#head.subarray(n);
      return n;
    }
    if (this.#ended) return null;
    const n = await this.#socket.read(buffer);
    return this.#ended ? null : n;
  }

  /**
   * Writes `data`, whole frames each ended by a line feed, as one text
   * message per frame; resolves once the socket took them.
   */
  async write(data: Uint8Array): Promise<number> {
    if (this.#closed) throw new Deno.errors.BrokenPipe("the WebSocket is closed");
    const bytes = this.#carry.length > 0 ? concat([this.#carry, data]) : data;
    // One scan for the line feeds; then each frame, with its header, into one buffer.
    const ends: number[] = [];
    let size = 0;
    for (let start = 0, lf; (lf = bytes.indexOf(LF, start)) >= 0; start = lf + 1) {
      ends.push(lf + 1);
      size += headerSize(lf + 1 - start) + lf + 1 - start;
    }
    const whole = ends.at(-1) ?? 0;
    this.#carry = whole === bytes.length ? EMPTY : bytes.slice(whole);
    if (size > 0) {
      const out = outPool.take(size);
      let at = 0;
      let start = 0;
      for (const end of ends) {
        at = writeHeader(out, at, OPCODE.text, end - start);
        out.set(bytes.subarray(start, end), at);
        at += end - start;
        start = end;
      }
      await this.#send(out.subarray(0, size));
      // Written: the buffer is free again (after a failed write it is left to the collector).
      outPool.give(out);
    }
    return data.length;
  }

  /**
   * Closes: the close frame, then the socket once the writes before it are
   * done, or after a second when they are stuck (a peer that does not read).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#closeSent) this.#sendClose(this.#closeCode).catch(() => {});
    settleWithin(this.#tail, CLOSE_MS).then(() => this.#closeSocket());
  }

  /**
   * The framer of this connection's messages: one frame per text message,
   * the first at most `firstFrameMax` bytes, the others `maxFrame`.
   */
  framer(maxFrame: number, firstFrameMax: number = maxFrame): Framer {
    let frames: (Uint8Array | ChatError)[] = [];
    const parser = new WebSocketParser({ maxMessage: firstFrameMax, masked: true }, {
      message(payload, binary) {
        parser.maxMessage = maxFrame;
        frames.push(
          binary
            ? new ChatError("invalid_message", "a binary message is no frame: send text messages")
            : payload,
        );
      },
      control: (opcode, payload) => this.#control(opcode, payload),
    });
    let tooLarge = false;
    return {
      push: (chunk) => {
        parser.push(chunk);
        const failure = parser.failure;
        if (failure && !tooLarge) {
          if (failure.code === CLOSE_CODE.tooBig) {
            tooLarge = true;
            this.#closeCode = failure.code;
          } else {
            this.#peerGone(failure.code, failure.reason);
          }
        }
        const done = frames;
        frames = [];
        return done;
      },
      get tooLarge() {
        return tooLarge;
      },
      get limit() {
        return parser.maxMessage;
      },
    };
  }

  #control(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE.ping) {
      this.#send(encodeWebSocketFrame(OPCODE.pong, payload)).catch(() => {});
    } else if (opcode === OPCODE.close) {
      const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : CLOSE_CODE.normal;
      this.#peerGone(code === 1005 || code === 1006 || code === 1015 ? CLOSE_CODE.normal : code);
    }
  }

  /** The peer closed (or broke the protocol): answer with a close frame, and end the reads. */
  #peerGone(code: number, reason?: string): void {
    this.#ended = true;
    if (!this.#closeSent && !this.#closed) this.#sendClose(code, reason).catch(() => {});
  }

  #sendClose(code: number, reason?: string): Promise<void> {
    this.#closeSent = true;
    return this.#send(encodeWebSocketFrame(OPCODE.close, closePayload(code, reason)));
  }

  /** Writes `bytes` after the writes before it. */
  #send(bytes: Uint8Array): Promise<void> {
    const write = () => writeAll(this.#socket, bytes);
    // With nothing in flight, at once: no wait for a tick.
    const written = (this.#writing === 0 ? write() : this.#tail.then(write)).finally(() =>
      this.#writing--
    );
    this.#writing++;
    this.#tail = written.catch(() => {});
    return written;
  }

  #closeSocket(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
    this.#finished();
  }
}
