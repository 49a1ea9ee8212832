/**
 * The chat server: listeners of every transport feeding one registry of
 * sessions, a liveness sweep, and a clean shutdown (PROTOCOL.md section 7).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { createHash, timingSafeEqual } from "node:crypto";
import { ChatError } from "../protocol/errors.ts";
import { encodeFrame, SplicedFrame } from "../protocol/encode.ts";
import { type Frame, guestName, type HeartbeatSettings } from "../protocol/messages.ts";
import { listen } from "../transport/listen.ts";
import type { Connection, Listener, ListenOptions } from "../transport/types.ts";
import { type Backplane, type BackplaneHost, LocalBackplane } from "./backplane.ts";
import type { Audience, Directory, MessageHandler, SessionInfo } from "./handler.ts";
import { chatHandler } from "./handlers/chat.ts";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import type { CloseReason, ServerOptions } from "./options.ts";
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

  /** The sessions of this server that completed their handshake. */
  get sessions(): SessionInfo[] {
    return [...this.#host.registry.sessions()];
  }

  /** This server's node id in its cluster; `undefined` when it runs alone. */
  get node(): string | undefined {
    return this.#host.backplane.node;
  }

  /**
   * Joins the cluster when `cluster` is set (rejects when NATS cannot be
   * reached), binds every listener (all or none: on a failure the ones
   * bound are closed and the error is thrown), then accepts. Returns their
   * URLs.
   */
  async start(): Promise<string[]> {
    const wanted: ListenOptions[] = this.#options.listen ??
      [{ transport: "tcp", hostname: PROTOCOL_DEFAULTS.host, port: PROTOCOL_DEFAULTS.port }];
    if (this.#options.cluster !== undefined) {
      // Loaded only for a cluster: a server alone never loads the NATS client.
      const { NatsBackplane } = await import("./cluster/nats.ts");
      this.#host.use(
        new NatsBackplane({
          url: this.#options.cluster,
          ttlMs: 1000 * this.#host.heartbeat.timeout,
        }),
      );
    }
    await this.#host.backplane.start(this.#host);
    try {
      for (const options of wanted) this.#listeners.push(await listen(options));
    } catch (error) {
      await Promise.all(this.#listeners.map((listener) => listener.close()));
      this.#listeners = [];
      await this.#host.backplane.stop();
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
    await this.#host.backplane.stop();
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

/** Whether relay targets are sessions (an iterable) rather than an {@linkcode Audience}. */
function isIterable(targets: Iterable<SessionInfo> | Audience): targets is Iterable<SessionInfo> {
  return Symbol.iterator in targets;
}

/** What sessions share: settings, the registry, the handler, the relay and the backplane. */
class Host implements SessionHost, BackplaneHost {
  readonly registry: Registry<Session> = new Registry();
  /** The other nodes of the cluster (none by default). */
  backplane: Backplane = new LocalBackplane();
  /** What handlers see: this node's sessions (and, in a cluster, every other node's). */
  directory: Directory = this.registry;
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
    this.maxFrame = options.maxFrame ?? PROTOCOL_DEFAULTS.maxFrame;
    this.maxQueue = options.maxQueue ?? PROTOCOL_DEFAULTS.maxQueue;
    this.maxClients = options.maxClients ?? PROTOCOL_DEFAULTS.maxClients;
    this.heartbeat = { ...PROTOCOL_DEFAULTS.heartbeat, ...options.heartbeat };
    this.handshakeMs = 1000 * (options.handshakeTimeout ?? PROTOCOL_DEFAULTS.handshakeTimeout);
    this.silenceMs = 1000 * this.heartbeat.timeout * this.heartbeat.retries;
    this.graceMs = 1000 * (options.shutdownGrace ?? PROTOCOL_DEFAULTS.shutdownGrace);
    this.#token = options.token === undefined ? undefined : digest(options.token);
  }

  checkToken(token: unknown): boolean {
    if (this.#token === undefined) return true;
    if (typeof token !== "string") return false;
    return timingSafeEqual(digest(token), this.#token);
  }

  /** Puts a backplane in place (before {@linkcode ChatServer.start} accepts anyone). */
  use(backplane: Backplane): void {
    this.backplane = backplane;
    this.directory = backplane.directory(this.registry);
  }

  relay(targets: Iterable<SessionInfo> | Audience, frame: Frame, sender: Session): number {
    const spliced = new SplicedFrame(frame);
    let reached = 0;
    if (!isIterable(targets)) {
      const room = (targets as { room?: string }).room;
      const local = room === undefined ? this.registry.sessions() : this.registry.members(room);
      for (const target of local) if (target !== sender && target.deliver(spliced)) reached++;
      return reached + this.backplane.publish(targets, spliced);
    }
    let remote: Map<string, string[]> | undefined;
    for (const target of targets) {
      const node = this.backplane.nodeOf(target);
      if (node === undefined) {
        if ((target as Session).deliver(spliced)) reached++;
        continue;
      }
      remote ??= new Map();
      const ids = remote.get(node);
      if (ids) ids.push(target.id);
      else remote.set(node, [target.id]);
    }
    if (remote) {
      for (const [node, sessions] of remote) {
        reached += this.backplane.publish({ node, sessions }, spliced);
      }
    }
    return reached;
  }

  deliverAll(frame: SplicedFrame): void {
    for (const session of this.registry.sessions()) session.deliver(frame);
  }

  deliverRoom(room: string, frame: SplicedFrame): void {
    for (const session of this.registry.members(room)) session.deliver(frame);
  }

  deliverTo(sessions: readonly string[], frame: SplicedFrame): void {
    for (const id of sessions) this.registry.get(id)?.deliver(frame);
  }

  rename(session: Session, name: string): void | Promise<void> {
    if (name === session.name) return;
    this.registry.checkName(session, name);
    const claiming = this.backplane.claim(session, name);
    if (!claiming) return this.#renamed(session, name);
    return claiming.then(() => {
      if (session.gone) return this.backplane.release(session, name);
      if (!this.registry.isFree(name, session)) {
        // Another session of this node took it while the cluster was asked.
        this.backplane.release(session, name);
        throw new ChatError("name_taken", `name ${name} is taken`);
      }
      this.#renamed(session, name);
    });
  }

  #renamed(session: Session, name: string): void {
    const old = session.name;
    this.registry.rename(session, name);
    if (old !== guestName(session.id)) this.backplane.release(session, old);
    if (session.ready) this.backplane.renamed(session);
  }

  loseName(session: Session): void {
    const guest = guestName(session.id);
    log.warn("session {session_id} lost its name {name} to another node; it is {guest} again", {
      session_id: session.id,
      name: session.name,
      guest,
    });
    this.registry.rename(session, guest);
    this.backplane.renamed(session);
  }

  join(session: Session, room: string): void | Promise<void> {
    if (session.rooms.has(room)) return;
    this.registry.join(session, room);
    return this.backplane.joined(session, room);
  }

  leave(session: Session, room: string): void {
    this.registry.leave(session, room);
    this.backplane.left(session, room);
  }

  opened(session: Session): void {
    this.backplane.opened(session);
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
    if (registered) this.backplane.closed(session);
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
