/**
 * The client base class: the I/O shell around {@linkcode ClientCore}. It
 * connects over TCP or Unix, feeds what it reads to the core, writes what
 * the core asks through an {@linkcode OutputQueue}, and runs the timers: the
 * handshake timeout, the heartbeat and the dead-link check.
 *
 * @module
 */

import type { Clock } from "../async/clock.ts";
import { settleWithin } from "../async/deadline.ts";
import { Liveness } from "../async/liveness.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import type { ChatError } from "../protocol/errors.ts";
import type { Login } from "../protocol/login.ts";
import type { Frame, HeartbeatSettings, WhoEntry } from "../protocol/messages.ts";
import { connect, connectUrl } from "../transport/connect.ts";
import { OutputQueue } from "../transport/output_queue.ts";
import type { ConnectOptions } from "../transport/types.ts";
import { type CloseInfo, ConnectionClosedError } from "./close_info.ts";
import {
  ClientCore,
  ClientState,
  confirmedName,
  type ResumeOutcome,
  type ResumePoint,
} from "./client_core.ts";
import { stillTrusted, trustedSocket } from "./socket_trust.ts";

export { type CloseInfo, ConnectionClosedError } from "./close_info.ts";
export type { ResumeOutcome, ResumePoint } from "./client_core.ts";

/** Settings of a {@linkcode ChatClient}. */
export interface ClientOptions {
  /** Where the server is. */
  to: ConnectOptions;
  /** Display name to ask for in `session_ack`. */
  name?: string;
  /** Token for a server that requires one. */
  token?: string;
  /**
   * An account to log in to (PROTOCOL.md section 11): `{ user, password }`
   * or `{ jwt }` (a login token). The server then names the session after
   * the account, and refuses a wrong login with `unauthorized`.
   */
  login?: Login;
  /**
   * Users (ids) trusted with the token, password or login token over a Unix
   * socket besides this process's user and root: a socket file owned by
   * anyone else is refused before anything is sent.
   */
  unixOwners?: readonly number[];
  /** Seconds to wait for the handshake (default 10). */
  handshakeTimeout?: number;
  /** Largest frame accepted from the server, in bytes (default 16 MiB). */
  maxFrame?: number;
  /** The clock of the heartbeat and of the dead-link check (default: the wall clock). */
  clock?: Clock;
  /**
   * Resume this session (PROTOCOL.md section 9): the
   * {@linkcode ChatClient.resumePoint} of the connection that was lost. The
   * messages missed arrive first (`replay: true`); {@linkcode ChatClient.resumed}
   * tells how it went.
   */
  resume?: ResumePoint;
}

/** Options of {@linkcode ChatClient.history}. */
export interface HistoryOptions {
  /** Only messages with a smaller seq (default: up to the newest). */
  before?: number;
  /** The newest that many (the server's default 100, at most 1,000). */
  limit?: number;
}

/** A page of history: the messages (oldest first, each with `replay: true`) and whether older ones are kept. */
export interface HistoryAnswer {
  /** The messages, oldest first. */
  messages: Frame[];
  /** Whether older messages are kept. */
  more: boolean;
}

/** Options of a message: a direct recipient or a room. */
export interface MessageOptions {
  /** A display name or session id. */
  to?: string;
  /** A room the client is in. */
  room?: string;
}

/** Version 0: how long to leave the peer to read `session_ack` alone (it sends no reply). */
const V0_ACK_SETTLE_MS = 50;
/** How long {@linkcode ChatClient.disconnect} waits for the server to close: a server's grace. */
const GOODBYE_WAIT_MS = 1000 * PROTOCOL_DEFAULTS.shutdownGrace;
/** The size of one socket read. */
const READ_BYTES = 64 * 1024;
const NOT_CONNECTED: CloseInfo = { reason: "not connected", byServer: false };

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
  /** Resolves once the connection has ended. */
  readonly closed: Promise<CloseInfo>;

  readonly #core: ClientCore;
  #conn?: Deno.Conn;
  #queue?: OutputQueue;
  #liveness?: Liveness;
  #handshake?: PromiseWithResolvers<void>;
  #reading?: Promise<void>;
  #resolveClosed!: (info: CloseInfo) => void;
  #inbox: Frame[] = [];
  #wake?: () => void;

  /** Creates a client; {@linkcode ChatClient.connect} connects it. */
  constructor(options: ClientOptions) {
    this.options = options;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#core = new ClientCore(options, {
      write: (frame) => this.#queue?.pushText(JSON.stringify(frame)),
      frame: (frame) => this.onFrame(frame),
      ready: () => this.#handshake?.resolve(),
      failed: (error) => this.#handshake?.reject(error),
      closed: (info) => this.#closed(info),
    });
  }

  /** The session id the server gave. */
  get sessionId(): string {
    return this.#core.sessionId;
  }

  /** The display name the server confirmed (with a login: the account's). */
  get name(): string {
    return this.#core.name;
  }

  /**
   * The kinds of login the server takes (`password`, `jwt`), as its
   * `session_init` said; `undefined` when it knows no identities.
   */
  get loginMethods(): readonly string[] | undefined {
    return this.#core.loginMethods;
  }

  /** The server's protocol version (0 for the original Python peers). */
  get protocol(): number {
    return this.#core.protocol;
  }

  /** Heartbeat settings the server announced. */
  get heartbeat(): HeartbeatSettings {
    return this.#core.heartbeat;
  }

  /** The server's frame limit in bytes, when it announced one (`max_frame`). */
  get frameLimit(): number | undefined {
    return this.#core.frameLimit;
  }

  /** The rooms joined through this client. */
  get rooms(): Set<string> {
    return this.#core.rooms;
  }

  /** The error the server gave to the requested name, if it refused it. */
  get nameError(): ChatError | undefined {
    return this.#core.nameError;
  }

  /**
   * Where to resume this session after the connection is lost: give it as
   * `resume` to the next client. `undefined` where the server keeps no
   * history.
   */
  get resumePoint(): ResumePoint | undefined {
    return this.#core.resumePoint;
  }

  /** How the `resume` asked for went (after {@linkcode ChatClient.connect}). */
  get resumed(): ResumeOutcome | undefined {
    return this.#core.resumed;
  }

  /** Where the client connects, as a URL. */
  get url(): string {
    return connectUrl(this.options.to);
  }

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.#conn !== undefined && this.#core.closeInfo === undefined;
  }

  /** Requests sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#core.inFlight;
  }

  /**
   * Connects and completes the handshake. Rejects with a `TransportError`
   * when the server cannot be reached, an `UntrustedSocketError` when a
   * token, password or login token would go to a Unix socket of an
   * untrusted user, a
   * {@linkcode ChatError} when the server refuses the session, or a
   * {@linkcode ConnectionClosedError}.
   */
  async connect(): Promise<this> {
    const conn = await this.#open();
    this.#conn = conn;
    this.#queue = new OutputQueue(conn, PROTOCOL_DEFAULTS.clientMaxQueue, {
      onOverflow: () => this.#end({ reason: "too much unsent output", byServer: false }),
      onWriteError: () => this.#end({ reason: "the server went away", byServer: true }),
    });
    const handshake = this.#handshake = Promise.withResolvers<void>();
    this.#reading = this.#read(conn);
    try {
      await this.#handshakeWithin(handshake.promise);
      if (this.protocol < 1) await this.#settleVersion0();
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this.connected) this.#startLiveness();
    return this;
  }

  /** Sends a frame as it is, with this session's id. */
  send(frame: Frame): void {
    this.#checkConnected();
    this.#core.send(frame);
  }

  /**
   * Sends a frame with a fresh `id`; resolves with its `ack` (or, for `who`,
   * its answer) and rejects with a {@linkcode ChatError} on its `error`, or
   * a `TooLongError` (nothing sent) for a frame over the server's `max_frame`.
   * Against a version 0 peer it resolves with the peer's next reply.
   */
  request(frame: Frame): Promise<Frame> {
    try {
      this.#checkConnected();
    } catch (error) {
      return Promise.reject(error);
    }
    const { promise, resolve, reject } = Promise.withResolvers<Frame>();
    this.#core.request(frame, { resolve, reject });
    return promise;
  }

  /** Sends a chat message; resolves with its `ack` (`recipients` counts who got it). */
  message(content: string, options: MessageOptions = {}): Promise<Frame> {
    return this.request({ type: "message", content, ...options });
  }

  /** Changes the display name; resolves with the name the server confirmed. */
  async nick(name: string): Promise<string> {
    return confirmedName(await this.request({ type: "nick", content: name }), name);
  }

  /** Joins a room. */
  async join(room: string): Promise<void> {
    await this.request({ type: "join", content: room });
  }

  /** Leaves a room. */
  async leave(room: string): Promise<void> {
    await this.request({ type: "leave", content: room });
  }

  /** Lists the server's sessions (of a room, when given). */
  async who(room?: string): Promise<WhoEntry[]> {
    const frame: Frame = { type: "who" };
    if (room !== undefined) frame.room = room;
    const reply = await this.request(frame);
    return Array.isArray(reply.content) ? reply.content as WhoEntry[] : [];
  }

  /**
   * Asks for a page of history (PROTOCOL.md section 9): a room's messages
   * (a room the client is in), or without `room` the messages to everyone
   * and the session's direct ones. Rejects with `unknown_type` where the
   * server keeps no history.
   */
  async history(room?: string, options: HistoryOptions = {}): Promise<HistoryAnswer> {
    const frame: Frame = { type: "history" };
    if (room !== undefined) frame.room = room;
    if (options.before !== undefined) frame.before = options.before;
    if (options.limit !== undefined) frame.limit = options.limit;
    const reply = await this.request(frame);
    const content = reply.content as { more?: unknown } | undefined;
    return { messages: (reply.messages ?? []) as Frame[], more: content?.more === true };
  }

  /**
   * Says goodbye: sends `disconnect` and waits (at most `timeoutMs`) for the
   * server to close, then closes. A version 0 peer knows no `disconnect`
   * (it would never close): the connection is closed at once.
   */
  async disconnect(reason = "bye", timeoutMs: number = GOODBYE_WAIT_MS): Promise<void> {
    if (this.connected && this.#core.disconnect(reason)) {
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
      if (this.#core.closeInfo) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }

  /**
   * Opens the connection. A Unix socket is checked before and after, when
   * the client has a secret to send (a token, a password, a login token):
   * its file must belong to a trusted user.
   */
  async #open(): Promise<Deno.Conn> {
    const { to, unixOwners = [] } = this.options;
    const secrets = heldSecrets(this.options);
    if (to.transport !== "unix" || secrets === undefined) return await connect(to);
    const before = await trustedSocket(to.path, unixOwners, secrets);
    const conn = await connect(to);
    try {
      await stillTrusted(to.path, unixOwners, before, secrets);
    } catch (error) {
      conn.close();
      throw error;
    }
    return conn;
  }

  /** Throws a {@linkcode ConnectionClosedError} unless the connection is open. */
  #checkConnected(): void {
    if (!this.connected) throw new ConnectionClosedError(this.#core.closeInfo ?? NOT_CONNECTED);
  }

  /** Waits for the core's handshake, ending the connection when it takes too long. */
  async #handshakeWithin(handshake: Promise<void>): Promise<void> {
    const seconds = this.options.handshakeTimeout ?? PROTOCOL_DEFAULTS.handshakeTimeout;
    await settleWithin(handshake, seconds * 1000);
    if (this.#core.handshaking) {
      // Not a frame from a plain TCP server: a TLS server waits for the client to speak first.
      const to = this.options.to;
      const silent = this.#core.state === ClientState.AwaitingInit && to.transport === "tcp" &&
          !to.tls
        ? "; the server sent nothing (does it expect TLS?)"
        : "";
      this.#end({ reason: `no handshake within ${seconds} s${silent}`, byServer: false });
    }
    await handshake;
  }

  /**
   * A version 0 peer handles one frame per read and drops the rest, and it
   * does not answer `session_ack`: let it read the ack alone before the
   * first request can follow it.
   */
  async #settleVersion0(): Promise<void> {
    await this.#queue!.drained();
    await settleWithin(this.closed, V0_ACK_SETTLE_MS);
    this.#checkConnected();
  }

  /** Heartbeats every interval the server announced; the end after `timeout × retries` of silence. */
  #startLiveness(): void {
    const liveness = this.#liveness = new Liveness({
      heartbeat: this.heartbeat,
      clock: this.options.clock,
      onBeat: () => this.#core.beat(),
      onDead: () =>
        this.#end({
          reason: `the server was silent for ${liveness.silenceMs / 1000} s`,
          byServer: false,
        }),
    });
    liveness.start();
  }

  async #read(conn: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(READ_BYTES);
    let info: CloseInfo = { reason: "the server closed the connection", byServer: true };
    try {
      while (this.#core.state !== ClientState.Closed) {
        const n = await conn.read(buffer);
        if (n === null) break;
        if (this.#core.receive(buffer.subarray(0, n)) > 0) this.#liveness?.seen();
      }
    } catch (error) {
      // A TLS peer that closed without close_notify has closed all the same.
      if (!(error instanceof Deno.errors.UnexpectedEof)) {
        info = { reason: "the connection was reset", byServer: true };
      }
    }
    this.#end(info);
  }

  #end(info: CloseInfo): void {
    this.#core.close(info);
  }

  /** The core saw the end: release the transport and the timers, and tell the waiters. */
  #closed(info: CloseInfo): void {
    this.#liveness?.stop();
    this.#queue?.close();
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    this.#wake?.();
    this.#resolveClosed(info);
  }
}

/** What secrets `options` would send, as a message names them; `undefined` when none. */
function heldSecrets({ token, login }: ClientOptions): string | undefined {
  const held = [
    token === undefined ? undefined : "the token",
    login === undefined ? undefined : "jwt" in login ? "the login token" : "the password",
  ].filter((secret) => secret !== undefined);
  return held.length === 0 ? undefined : held.join(" and ");
}
