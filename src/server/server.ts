/**
 * The chat server: listeners of every transport feeding one roster of
 * sessions, the sweep of their deadlines, and a clean shutdown
 * (PROTOCOL.md section 7). What the sessions share is in `core.ts`.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { PROTOCOL_DEFAULTS } from "../protocol/defaults.ts";
import { encodeFrame } from "../protocol/encode.ts";
import { listen } from "../transport/listen.ts";
import type { Incoming, Listener, ListenOptions } from "../transport/types.ts";
import { type Backplane, LocalBackplane } from "./backplane.ts";
import { type ServerCore, serverCore } from "./core.ts";
import type { SessionInfo } from "./handler.ts";
import { keptAdmitted } from "./account_info.ts";
import type { AccountChanges } from "./identity/accounts.ts";
import type { ServerMetrics } from "./metrics.ts";
import { openHistoryStore } from "./history/mod.ts";
import { HistoryKeeper } from "./history_keeper.ts";
import type { ServerOptions } from "./options.ts";
import { Session } from "./session.ts";
import { type ServerSettings, serverSettings } from "./settings.ts";

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
  #settings: ServerSettings;
  /** The shared parts, wired once the backplane is known (at start). */
  #core: ServerCore | undefined;
  #listeners: Listener[] = [];
  #tasks = new Set<Promise<void>>();
  #stopSweep: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  #bound = false;

  /** Creates a server; nothing is bound until {@linkcode ChatServer.start}. */
  constructor(options: ServerOptions = {}) {
    this.#options = options;
    this.#settings = serverSettings(options);
  }

  /** The URLs of the bound listeners, such as `tcp://127.0.0.1:9999`. */
  get addresses(): string[] {
    return this.#listeners.map((listener) => listener.url);
  }

  /** How many connections are open, handshake or not. */
  get connectionCount(): number {
    return this.#core?.roster.size ?? 0;
  }

  /**
   * The unsent output of all sessions together, in bytes, as
   * `--max-queue-total` counts it: sessions being cut (their last bytes on
   * their way out) aside.
   */
  get queuedBytes(): number {
    return this.#core?.budget.live ?? 0;
  }

  /** How many connections are in their handshake. */
  get handshakeCount(): number {
    return this.#core?.slots.size ?? 0;
  }

  /** The sessions of this server that completed their handshake. */
  get sessions(): SessionInfo[] {
    return this.#core ? [...this.#core.registry.sessions()] : [];
  }

  /** The server's counters (`undefined` before {@linkcode ChatServer.start}). */
  get metrics(): ServerMetrics | undefined {
    return this.#core?.metrics;
  }

  /**
   * Whether it serves: every listener bound, not stopping, and in a
   * cluster, NATS reachable.
   */
  get ready(): boolean {
    return this.#bound && !this.#stopping && this.#core!.backplane.reachable;
  }

  /** This server's node id in its cluster; `undefined` when it runs alone. */
  get node(): string | undefined {
    return this.#core?.backplane.node;
  }

  /**
   * The accounts changed (the users file was read again: PROTOCOL.md
   * section 11, Revocation): every session whose identity the
   * authenticator no longer admits ends, with `disconnect` `account
   * removed` for an account in `changes.removed`, else `account changed`.
   * The `onChange` of the users file's watch calls it.
   */
  accountsChanged(changes: AccountChanges): void {
    this.#core?.accounts.revise(changes);
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
    const backplane = await this.#backplane();
    const keeper = this.#keeper(backplane);
    const core = this.#core = serverCore(this.#options, this.#settings, backplane, keeper);
    // Sessions kept by --store that the identity options no longer admit are dropped.
    await core.roster.restore((record) => keptAdmitted(record, core.logins));
    await core.backplane.start(core.backplaneHost);
    try {
      for (const options of wanted) this.#listeners.push(await listen(options));
      this.#listeners.push(...this.#options.listeners ?? []);
    } catch (error) {
      await Promise.all(this.#listeners.map((listener) => listener.close()));
      this.#listeners = [];
      await core.backplane.stop();
      await keeper?.close();
      throw error;
    }
    this.#bound = true;
    this.#options.onListening?.(this.addresses);
    for (const listener of this.#listeners) this.#track(this.#acceptLoop(listener, core));
    // One sweep for every session: no timer per session.
    const { clock, sweepMs } = this.#settings;
    this.#stopSweep = clock.every(sweepMs, () => this.#sweep(core));
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

  /**
   * History and resume, where the handler keeps history and `history` is
   * not 0: in a cluster, the cluster's (`backplane`'s); else in memory, or
   * in the `store` file (throws an `Error` naming it when it cannot be
   * opened).
   */
  #keeper(backplane: Backplane): HistoryKeeper | undefined {
    const { history, store: file, clock, resumeWindowMs } = this.#settings;
    const store = history === 0
      ? undefined
      : backplane.historyStore(history) ?? openHistoryStore({ history, store: file, clock });
    return store && new HistoryKeeper(store, resumeWindowMs, clock);
  }

  /** The cluster's backplane when `cluster` is set, else the one of a server alone. */
  async #backplane(): Promise<Backplane> {
    const url = this.#options.cluster;
    if (url === undefined) return new LocalBackplane();
    // Loaded only for a cluster: a server alone never loads the NATS client.
    const { NatsBackplane } = await import("./cluster/nats.ts");
    const { heartbeat, clock } = this.#settings;
    return new NatsBackplane({ url, ttlMs: 1000 * heartbeat.timeout, clock });
  }

  async #shutdown(reason: string): Promise<void> {
    const core = this.#core;
    if (core === undefined) return;
    log.info("shutting down: {sessions} sessions", { sessions: core.roster.size });
    this.#stopSweep?.();
    await Promise.all(this.#listeners.map((listener) => listener.close()));
    const ending: Promise<void>[] = [];
    for (const session of core.roster.values()) {
      session.send({ type: "disconnect", content: reason });
      ending.push(session.end("shutdown"));
    }
    await Promise.all(ending);
    // Wait until every session's read loop has returned.
    await core.roster.allGone();
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    await core.backplane.stop();
    // With --store, the sessions just closed are kept away, resumable after a restart.
    await core.keeper?.close();
    log.info("stopped");
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async #acceptLoop(listener: Listener, core: ServerCore): Promise<void> {
    for (;;) {
      const conn = await listener.accept();
      if (conn === null) return;
      core.metrics.connections[listener.transport]++;
      if (this.#stopping) {
        conn.close();
        continue;
      }
      // Over --max-clients (sessions) or --max-handshakes (in all, or from this address): full.
      const full = !core.roster.admits();
      if (full || !core.slots.take(conn.peer.address)) {
        core.metrics.error("server_full");
        this.#track(refuseFull(conn, full ? "sessions" : "handshakes"));
        continue;
      }
      const session = new Session(core, conn, listener.transport);
      core.roster.add(session);
      session.run();
    }
  }

  /** Cuts every session past its handshake or silence deadline. */
  #sweep(core: ServerCore): void {
    const now = this.#settings.clock.now();
    for (const session of core.roster.values()) session.check(now);
    core.roster.expire(now);
  }
}

/**
 * Answers a connection over a limit (`--max-clients`: `sessions`;
 * `--max-handshakes`: `handshakes`) with `server_full`, then closes it.
 */
async function refuseFull(conn: Incoming, limit: "sessions" | "handshakes"): Promise<void> {
  log.warn("refused {peer}: {code} ({why})", () => ({
    peer: conn.peer.url,
    code: "server_full",
    why: limit === "sessions" ? "--max-clients sessions" : "--max-handshakes reached",
  }));
  const frame = encodeFrame({ type: "error", code: "server_full", content: "server is full" });
  try {
    await conn.write(frame);
  } catch {
    // The peer is already gone.
  } finally {
    conn.close();
  }
}
