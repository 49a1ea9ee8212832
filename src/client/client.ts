/**
 * The client base class: connect over TCP or Unix, complete the handshake,
 * keep the link alive, and send requests that resolve on their `ack`.
 *
 * @module
 */

import { ChatError, closesConnection, type ErrorCode, isErrorCode } from "../protocol/errors.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { FrameDecoder } from "../protocol/frame_decoder.ts";
import type { Frame, HeartbeatSettings, WhoEntry } from "../protocol/messages.ts";
import { connect, connectUrl } from "../transport/connect.ts";
import { settleWithin } from "../async/deadline.ts";
import { OutputQueue } from "../transport/output_queue.ts";
import type { ConnectOptions } from "../transport/types.ts";

/** Settings of a {@linkcode ChatClient}. */
export interface ClientOptions {
  /** Where the server is. */
  to: ConnectOptions;
  /** Display name to ask for in `session_ack`. */
  name?: string;
  /** Token for a server that requires one. */
  token?: string;
  /** Seconds to wait for the handshake (default 10). */
  handshakeTimeout?: number;
  /** Largest frame accepted from the server, in bytes (default 16 MiB). */
  maxFrame?: number;
}

/** How and why a client's connection ended. */
export interface CloseInfo {
  /** A human-readable reason. */
  reason: string;
  /** The protocol error code that ended it, if any. */
  code?: ErrorCode;
  /** True when the server ended it (a `disconnect`, an error or a close). */
  byServer: boolean;
}

/** A request could not complete because the connection ended. */
export class ConnectionClosedError extends Error {
  /** How the connection ended. */
  readonly info: CloseInfo;

  /** Creates the error from the close information. */
  constructor(info: CloseInfo) {
    super(`connection closed: ${info.reason}`);
    this.name = "ConnectionClosedError";
    this.info = info;
  }
}

/** Options of a message: a direct recipient or a room. */
export interface MessageOptions {
  /** A display name or session id. */
  to?: string;
  /** A room the client is in. */
  room?: string;
}

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  /** Error codes that do not fail the request (it waits on for its ack). */
  tolerate?: readonly ErrorCode[];
  /** Version 0 only: the frame to write when its turn comes. */
  frame?: Frame;
}

const NAME_ERRORS: readonly ErrorCode[] = ["name_taken", "invalid_name"];
/** Version 0: how long to leave the peer to read `session_ack` alone (it sends no reply). */
const V0_ACK_SETTLE_MS = 50;

/**
 * A chat client to extend. It connects, completes the handshake, sends a
 * heartbeat every interval the server announced, and treats the link as
 * dead after `timeout × retries` of silence. Incoming frames reach
 * {@linkcode ChatClient.onFrame}, which by default queues them for the async
 * iterator; override it to handle frames as they arrive.
 *
 * Against a version 0 peer (no `protocol` in `session_init`), it keeps one
 * frame in flight and takes the reply as the acknowledgement.
 *
 * @example
 * ```ts ignore
 * import { ChatClient } from "./client.ts";
 * const client = new ChatClient({ to: { transport: "tcp", hostname: "localhost", port: 9999 }, name: "ada" });
 * await client.connect();
 * await client.join("lobby");
 * await client.message("hello", { room: "lobby" });
 * for await (const frame of client) console.log(frame.from, frame.content);
 * ```
 */
export class ChatClient implements AsyncIterable<Frame> {
  /** The settings given. */
  readonly options: ClientOptions;
  /** The session id the server gave. */
  sessionId = "";
  /** The display name the server confirmed. */
  name = "";
  /** The server's protocol version (0 for the original Python peers). */
  protocol = 0;
  /** Heartbeat settings the server announced. */
  heartbeat: HeartbeatSettings = { ...PROTOCOL_DEFAULTS.heartbeat };
  /** The rooms joined through this client. */
  readonly rooms: Set<string> = new Set();
  /** The error the server gave to the requested name, if it refused it. */
  nameError?: ChatError;
  /** Resolves once the connection has ended. */
  readonly closed: Promise<CloseInfo>;

  #conn?: Deno.Conn;
  #queue?: OutputQueue;
  #pending = new Map<string | number, Pending>();
  #v0: Pending[] = [];
  #nextId = 1;
  #lastHeard = 0;
  #timer?: ReturnType<typeof setInterval>;
  #reading?: Promise<void>;
  #closeInfo?: CloseInfo;
  /** Set when the server announced, by an error, that it is closing the connection. */
  #closing?: CloseInfo;
  #resolveClosed!: (info: CloseInfo) => void;
  #inbox: Frame[] = [];
  #wake?: () => void;

  /** Creates a client; {@linkcode ChatClient.connect} connects it. */
  constructor(options: ClientOptions) {
    this.options = options;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  /** Where the client connects, as a URL. */
  get url(): string {
    return connectUrl(this.options.to);
  }

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.#conn !== undefined && this.#closeInfo === undefined;
  }

  /** Requests sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#pending.size + this.#v0.length;
  }

  /**
   * Connects and completes the handshake. Rejects with a `TransportError`
   * when the server cannot be reached, a {@linkcode ChatError} when it
   * refuses the session, or a {@linkcode ConnectionClosedError}.
   */
  async connect(): Promise<this> {
    const conn = await connect(this.options.to);
    this.#conn = conn;
    this.#queue = new OutputQueue(conn, 64 * 1024 * 1024, {
      onOverflow: () => this.#end({ reason: "too much unsent output", byServer: false }),
      onWriteError: () => this.#end({ reason: "the server went away", byServer: true }),
    });
    const init = Promise.withResolvers<Frame>();
    this.#pending.set("\0init", { resolve: init.resolve, reject: init.reject });
    this.#reading = this.#read();
    const seconds = this.options.handshakeTimeout ?? PROTOCOL_DEFAULTS.handshakeTimeout;
    const timer = setTimeout(
      () => {
        // Not a frame from a plain TCP server: a TLS server waits for the client to speak first.
        const to = this.options.to;
        const silent = this.#lastHeard === 0 && to.transport === "tcp" && !to.tls
          ? "; the server sent nothing (does it expect TLS?)"
          : "";
        this.#end({ reason: `no handshake within ${seconds} s${silent}`, byServer: false });
      },
      seconds * 1000,
    );
    try {
      const first = await init.promise;
      this.sessionId = String(first.session_id);
      this.protocol = typeof first.protocol === "number" ? first.protocol : 0;
      if (isHeartbeat(first.heartbeat)) this.heartbeat = first.heartbeat;
      const ack: Frame = { type: "session_ack", content: "Session acknowledged" };
      if (this.options.name !== undefined) ack.name = this.options.name;
      if (this.options.token !== undefined) ack.token = this.options.token;
      if (this.protocol >= 1) {
        const reply = await this.#request(ack, NAME_ERRORS, "hs");
        this.name = typeof reply.name === "string" ? reply.name : this.name;
      } else {
        this.send(ack);
        this.name = this.options.name ?? "";
        // A version 0 peer handles one frame per read and drops the rest, and
        // it does not answer session_ack: let it read the ack alone before
        // the first request can follow it.
        await this.#queue.drained();
        await new Promise((resolve) => setTimeout(resolve, V0_ACK_SETTLE_MS));
        if (this.#closeInfo) throw new ConnectionClosedError(this.#closeInfo);
      }
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.#lastHeard = Date.now();
    this.#timer = setInterval(() => this.#tick(), Math.max(10, this.heartbeat.interval * 1000));
    return this;
  }

  /** Sends a frame as it is, with this session's id. */
  send(frame: Frame): void {
    if (!this.connected) {
      throw new ConnectionClosedError(
        this.#closeInfo ?? { reason: "not connected", byServer: false },
      );
    }
    frame.session_id = this.sessionId;
    this.#queue!.pushText(JSON.stringify(frame));
  }

  /**
   * Sends a frame with a fresh `id`; resolves with its `ack` (or, for `who`,
   * its answer) and rejects with a {@linkcode ChatError} on its `error`.
   * Against a version 0 peer it resolves with the peer's next reply.
   */
  request(frame: Frame): Promise<Frame> {
    return this.#request(frame);
  }

  #request(frame: Frame, tolerate?: readonly ErrorCode[], id?: string | number): Promise<Frame> {
    const { promise, resolve, reject } = Promise.withResolvers<Frame>();
    if (this.#closeInfo) return Promise.reject(new ConnectionClosedError(this.#closeInfo));
    if (this.protocol >= 1) {
      frame.id = id ?? this.#nextId++;
      this.#pending.set(frame.id, { resolve, reject, tolerate });
      this.send(frame);
    } else {
      this.#v0.push({ resolve, reject, frame });
      if (this.#v0.length === 1) this.send(frame);
    }
    return promise;
  }

  /** Sends a chat message; resolves with its `ack` (`recipients` counts who got it). */
  message(content: string, options: MessageOptions = {}): Promise<Frame> {
    return this.request({ type: "message", content, ...options });
  }

  /** Changes the display name; resolves with the name the server confirmed. */
  async nick(name: string): Promise<string> {
    await this.request({ type: "nick", content: name });
    this.name = name;
    return name;
  }

  /** Joins a room. */
  async join(room: string): Promise<void> {
    await this.request({ type: "join", content: room });
    this.rooms.add(room);
  }

  /** Leaves a room. */
  async leave(room: string): Promise<void> {
    await this.request({ type: "leave", content: room });
    this.rooms.delete(room);
  }

  /** Lists the server's sessions (of a room, when given). */
  async who(room?: string): Promise<WhoEntry[]> {
    const frame: Frame = { type: "who" };
    if (room !== undefined) frame.room = room;
    const reply = await this.request(frame);
    return Array.isArray(reply.content) ? reply.content as WhoEntry[] : [];
  }

  /**
   * Says goodbye: sends `disconnect` and waits (at most `timeoutMs`) for the
   * server to close, then closes. A version 0 peer knows no `disconnect`
   * (it would never close): the connection is closed at once.
   */
  async disconnect(reason = "bye", timeoutMs = 2000): Promise<void> {
    if (this.connected && this.protocol >= 1) {
      this.send({ type: "disconnect", content: reason });
      await settleWithin(this.closed, timeoutMs);
    }
    this.#end({ reason: "disconnected", byServer: false });
    await this.#reading;
  }

  /** Closes the connection at once and waits for the reader to stop. */
  async close(): Promise<void> {
    this.#end({ reason: "closed", byServer: false });
    await this.#reading;
  }

  /** For `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Called for every frame that is not the answer to a request (relayed
   * messages, errors, `disconnect`, echo replies). By default it queues the
   * frame for the async iterator. Override it in a subclass to handle
   * frames as they arrive; it is called in order, before any later `ack`
   * resolves its request.
   */
  protected onFrame(frame: Frame): void {
    this.#inbox.push(frame);
    this.#wake?.();
  }

  /** Incoming frames (those {@linkcode ChatClient.onFrame} queued), until the connection ends. */
  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    for (;;) {
      const frame = this.#inbox.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (this.#closeInfo) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }

  async #read(): Promise<void> {
    const decoder = new FrameDecoder(this.options.maxFrame ?? 16 * 1024 * 1024);
    const text = new TextDecoder();
    const buffer = new Uint8Array(64 * 1024);
    let info: CloseInfo = { reason: "the server closed the connection", byServer: true };
    try {
      while (!this.#closeInfo) {
        const n = await this.#conn!.read(buffer);
        if (n === null) break;
        for (const bytes of decoder.push(buffer.subarray(0, n))) {
          let frame: unknown;
          try {
            frame = JSON.parse(text.decode(bytes));
          } catch {
            continue; // Not JSON: a server bug; nothing to answer.
          }
          if (
            typeof frame === "object" && frame !== null && typeof (frame as Frame).type === "string"
          ) {
            this.#dispatch(frame as Frame);
          }
        }
        if (decoder.tooLarge) {
          info = { reason: "the server sent a frame that is too large", byServer: false };
          break;
        }
      }
    } catch (error) {
      // A TLS peer that closed without close_notify has closed all the same.
      if (!(error instanceof Deno.errors.UnexpectedEof)) {
        info = { reason: "the connection was reset", byServer: true };
      }
    }
    this.#end(info);
  }

  #dispatch(frame: Frame): void {
    this.#lastHeard = Date.now();
    const init = this.#pending.get("\0init");
    if (init) {
      this.#pending.delete("\0init");
      if (frame.type === "session_init") return init.resolve(frame);
      if (frame.type === "error") return init.reject(serverError(frame));
      return init.reject(new Error(`expected session_init, got ${frame.type}`));
    }
    if (frame.type === "disconnect") {
      this.onFrame(frame);
      return this.#end({ reason: String(frame.content ?? "disconnect"), byServer: true });
    }
    if (this.protocol < 1) return this.#dispatchV0(frame);
    if (frame.type === "heartbeat") return;
    const pending = frame.id === undefined ? undefined : this.#pending.get(frame.id);
    if (!pending) {
      if (frame.type === "error" && isErrorCode(frame.code) && closesConnection(frame.code)) {
        this.#closing = { reason: String(frame.content), code: frame.code, byServer: true };
        // A refused handshake (unauthorized, bad_session) may come without the ack's id.
        const handshake = this.#pending.get("hs");
        if (handshake) {
          this.#pending.delete("hs");
          return handshake.reject(serverError(frame));
        }
      }
      if (frame.type !== "ack") this.onFrame(frame);
      return;
    }
    if (frame.type === "error") {
      const error = serverError(frame);
      if (pending.tolerate?.includes(error.code)) {
        if (NAME_ERRORS.includes(error.code)) this.nameError = error;
        return;
      }
      this.#pending.delete(frame.id!);
      if (error.closes) this.#closing = { reason: error.message, code: error.code, byServer: true };
      return pending.reject(error);
    }
    if (frame.type === "ack" || frame.type === "who") {
      this.#pending.delete(frame.id!);
      return pending.resolve(frame);
    }
    this.onFrame(frame);
  }

  /** Version 0: every reply answers the oldest frame in flight; then the next is sent. */
  #dispatchV0(frame: Frame): void {
    if (frame.type !== "heartbeat") this.onFrame(frame);
    const pending = this.#v0.shift();
    if (!pending) return;
    if (frame.type === "error") pending.reject(serverError(frame));
    else pending.resolve(frame);
    const next = this.#v0[0];
    if (next && this.connected) this.send(next.frame!);
  }

  #tick(): void {
    const silence = this.heartbeat.timeout * this.heartbeat.retries * 1000;
    if (Date.now() - this.#lastHeard > silence) {
      this.#end({ reason: `the server was silent for ${silence / 1000} s`, byServer: false });
      return;
    }
    if (this.protocol >= 1 && this.connected) this.send({ type: "heartbeat", content: "ping" });
  }

  #end(info: CloseInfo): void {
    if (this.#closeInfo) return;
    const final = this.#closing && info.byServer ? this.#closing : info;
    this.#closeInfo = final;
    clearInterval(this.#timer);
    this.#queue?.close();
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    const error = new ConnectionClosedError(final);
    for (const pending of this.#pending.values()) pending.reject(error);
    for (const pending of this.#v0) pending.reject(error);
    this.#pending.clear();
    this.#v0 = [];
    this.#wake?.();
    this.#resolveClosed(final);
  }
}

function serverError(frame: Frame): ChatError {
  const code = isErrorCode(frame.code) ? frame.code : "invalid_message";
  return new ChatError(code, String(frame.content ?? code), { frameId: frame.id });
}

function isHeartbeat(value: unknown): value is HeartbeatSettings {
  const h = value as HeartbeatSettings | undefined;
  return typeof h?.interval === "number" && typeof h.timeout === "number" &&
    typeof h.retries === "number" &&
    h.interval > 0 && h.timeout > 0 && h.retries > 0;
}
