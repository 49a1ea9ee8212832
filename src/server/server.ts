/**
 * The chat server: listeners of every transport feeding one registry of
 * sessions, a liveness sweep, and a clean shutdown (PROTOCOL.md section 7).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { createHash, timingSafeEqual } from "node:crypto";
import { encodeFrame, SplicedFrame } from "../protocol/encode.ts";
import type { Frame, HeartbeatSettings } from "../protocol/messages.ts";
import { listen } from "../transport/listen.ts";
import type { Connection, Listener, ListenOptions } from "../transport/types.ts";
import type { MessageHandler, SessionInfo } from "./handler.ts";
import { chatHandler } from "./handlers/chat.ts";
import { type CloseReason, SERVER_DEFAULTS, type ServerOptions } from "./options.ts";
import { Registry } from "./registry.ts";
import { Session, type SessionHost } from "./session.ts";

const log = getLogger(["chat", "server"]);

/**
 * A chat server. Start it, read where it listens, stop it.
 *
 * @example
 * ```ts ignore
 * import { ChatServer } from "./server.ts";
 * const server = new ChatServer({ listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }] });
 * const urls = await server.start(); // ["tcp://127.0.0.1:40123"]
 * await server.stop();
 * ```
 */
export class ChatServer {
  #options: ServerOptions;
  #host: Host;
  #listeners: Listener[] = [];
  #tasks = new Set<Promise<void>>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #stopping: Promise<void> | undefined;

  /** Creates a server; nothing is bound until {@linkcode ChatServer.start}. */
  constructor(options: ServerOptions = {}) {
    this.#options = options;
    this.#host = new Host(options);
  }

  /** The URLs of the bound listeners, such as `tcp://127.0.0.1:9999`. */
  get addresses(): string[] {
    return this.#listeners.map((listener) => listener.url);
  }

  /** How many connections are open, handshake or not. */
  get connectionCount(): number {
    return this.#host.live.size;
  }

  /** The sessions that completed their handshake. */
  get sessions(): SessionInfo[] {
    return [...this.#host.registry.sessions()];
  }

  /**
   * Binds every listener (all or none: on a failure the ones bound are
   * closed and the error is thrown), then accepts. Returns their URLs.
   */
  async start(): Promise<string[]> {
    const wanted: ListenOptions[] = this.#options.listen ??
      [{ transport: "tcp", hostname: "localhost", port: 9999 }];
    try {
      for (const options of wanted) this.#listeners.push(await listen(options));
    } catch (error) {
      await Promise.all(this.#listeners.map((listener) => listener.close()));
      this.#listeners = [];
      throw error;
    }
    this.#options.onListening?.(this.addresses);
    for (const listener of this.#listeners) this.#track(this.#acceptLoop(listener));
    const period = Math.min(this.#host.handshakeMs, this.#host.silenceMs) / 4;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(5, Math.min(1000, period)));
    return this.addresses;
  }

  /**
   * Stops accepting, says `disconnect` to every session, flushes what each
   * was owed (within the grace period), closes them all and removes the
   * Unix socket files. Safe to call more than once.
   */
  stop(reason = "server shutting down"): Promise<void> {
    this.#stopping ??= this.#shutdown(reason);
    return this.#stopping;
  }

  async #shutdown(reason: string): Promise<void> {
    log.info("shutting down: {sessions} sessions", { sessions: this.#host.live.size });
    clearInterval(this.#sweeper);
    await Promise.all(this.#listeners.map((listener) => listener.close()));
    const ending: Promise<void>[] = [];
    for (const session of this.#host.live) {
      session.send({ type: "disconnect", content: reason });
      ending.push(session.end("shutdown"));
    }
    await Promise.all(ending);
    // Wait until every session's read loop has returned.
    await this.#host.allGone();
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    log.info("stopped");
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #acceptLoop(listener: Listener): Promise<void> {
    for (;;) {
      const conn = await listener.accept();
      if (conn === null) return;
      if (this.#stopping) {
        conn.close();
        continue;
      }
      if (this.#host.live.size >= this.#host.maxClients) {
        this.#track(refuseFull(conn));
        continue;
      }
      const session = new Session(this.#host, conn, listener.transport);
      this.#host.live.add(session);
      session.run();
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const session of this.#host.live) if (now > session.deadline) session.expire();
  }
}

/** Answers a connection over the limit with `server_full`, then closes it. */
async function refuseFull(conn: Connection): Promise<void> {
  log.warn("refused a connection: server full");
  const frame = encodeFrame({ type: "error", code: "server_full", content: "server is full" });
  try {
    await conn.write(frame);
  } catch {
    // The peer is already gone.
  } finally {
    conn.close();
  }
}

/** What sessions share: settings, the registry, the handler and the relay. */
class Host implements SessionHost {
  readonly registry: Registry<Session> = new Registry();
  /** Every open connection, handshake or not, until its read loop returns. */
  readonly live: Set<Session> = new Set();
  #allGone: PromiseWithResolvers<void> | undefined;
  readonly handler: MessageHandler;
  readonly maxFrame: number;
  readonly maxQueue: number;
  readonly maxClients: number;
  readonly heartbeat: HeartbeatSettings;
  readonly handshakeMs: number;
  readonly silenceMs: number;
  readonly graceMs: number;
  #token: Uint8Array | undefined;
  #options: ServerOptions;

  constructor(options: ServerOptions) {
    this.#options = options;
    this.handler = options.handler ?? chatHandler;
    this.maxFrame = options.maxFrame ?? SERVER_DEFAULTS.maxFrame;
    this.maxQueue = options.maxQueue ?? SERVER_DEFAULTS.maxQueue;
    this.maxClients = options.maxClients ?? SERVER_DEFAULTS.maxClients;
    this.heartbeat = { ...SERVER_DEFAULTS.heartbeat, ...options.heartbeat };
    this.handshakeMs = 1000 * (options.handshakeTimeout ?? SERVER_DEFAULTS.handshakeTimeout);
    this.silenceMs = 1000 * this.heartbeat.timeout * this.heartbeat.retries;
    this.graceMs = 1000 * (options.shutdownGrace ?? SERVER_DEFAULTS.shutdownGrace);
    this.#token = options.token === undefined ? undefined : digest(options.token);
  }

  checkToken(token: unknown): boolean {
    if (this.#token === undefined) return true;
    if (typeof token !== "string") return false;
    return timingSafeEqual(digest(token), this.#token);
  }

  relay(targets: Iterable<SessionInfo>, frame: Frame): number {
    const spliced = new SplicedFrame(frame);
    let reached = 0;
    for (const target of targets) if ((target as Session).deliver(spliced)) reached++;
    return reached;
  }

  opened(session: Session): void {
    this.#options.onSessionOpen?.(session);
  }

  finished(session: Session): void {
    this.live.delete(session);
    if (this.live.size === 0) this.#allGone?.resolve();
  }

  /** Resolves once every connection's read loop has returned. */
  allGone(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    this.#allGone ??= Promise.withResolvers();
    return this.#allGone.promise;
  }

  closed(session: Session, reason: CloseReason, registered: boolean): void {
    this.registry.remove(session);
    this.registry.release(session.id);
    const props = { session_id: session.id, transport: session.transport, reason };
    if (registered) {
      log.info("session {session_id} closed on {transport}: {reason}", props);
      this.#options.onSessionClose?.(session, reason);
    } else {
      log.debug(
        "connection {session_id} closed on {transport} before its handshake: {reason}",
        props,
      );
    }
  }
}

/** A SHA-256 digest, so that tokens of any length compare in constant time. */
function digest(token: string): Uint8Array {
  return createHash("sha256").update(token, "utf8").digest();
}
