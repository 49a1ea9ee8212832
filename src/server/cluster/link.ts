/**
 * A node's link to NATS: the connection and its reconnection with backoff,
 * whether the link is up and the node in sync with the buckets (or serving
 * its own sessions alone), the generation that every disconnect and
 * reconnect bumps, and the requests and loops that a stop waits for.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Clock } from "../../async/clock.ts";
import { settleWithin } from "../../async/deadline.ts";

const log = getLogger(["chat", "cluster"]);

/** How long a JetStream request (a claim, a put) may take. */
export const REQUEST_MS = 2000;
/** The longest wait between two reconnection attempts, or two attempts to restore presence. */
export const BACKOFF_MAX_MS = 2000;

/** Thrown inside a restore that a newer disconnect or reconnect made pointless. */
export class Superseded extends Error {}

/** What the owner of a {@linkcode NatsLink} hears of NATS going and coming back. */
export interface LinkEvents {
  /** NATS went away: the link already counts itself down and out of sync. */
  lost(): void;
  /** NATS is back: a restore of `generation` may begin. */
  regained(generation: number): void;
}

/** A connection to NATS that reconnects for ever, with the state of the node's sync over it. */
export class NatsLink {
  /** The NATS server, `nats://HOST:PORT`. */
  readonly url: string;
  /** The clock of the node's presence: when it came in sync, how long NATS has been away. */
  readonly clock: Clock;
  #nc: NatsConnection | undefined;
  #kvm: Kvm | undefined;
  #events: LinkEvents | undefined;
  /** The link to NATS is up. */
  #connected = false;
  /** The buckets are bound, the view is loaded and this node's presence is written. */
  #synced = false;
  /** When `#synced` last became true. */
  #syncedAt = 0;
  /** Bumped at every disconnect and reconnect: a restore of an older one stops. */
  #generation = 0;
  #lostAt = 0;
  #stopping = false;
  /** Requests in flight, with the generation that sent them. */
  #pending = new Map<Promise<unknown>, number>();
  #tasks = new Set<Promise<void>>();
  /** What wakes each sleeper when the link starts stopping. */
  #sleepers = new Set<() => void>();

  /** A link to the NATS at `url`, not yet connected, on `clock`. */
  constructor(url: string, clock: Clock) {
    this.url = url;
    this.clock = clock;
  }

  /** The connection (once {@linkcode NatsLink.connect} resolved). */
  get nc(): NatsConnection {
    return this.#nc!;
  }

  /** The KV manager over the connection (once {@linkcode NatsLink.connect} resolved). */
  get kvm(): Kvm {
    return this.#kvm!;
  }

  /** Whether the link to NATS is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Whether the buckets are bound, the view is loaded and this node's presence is written. */
  get synced(): boolean {
    return this.#synced;
  }

  /** When the node last came in sync (by {@linkcode NatsLink.clock}). */
  get syncedAt(): number {
    return this.#syncedAt;
  }

  /** The current generation: bumped at every disconnect, reconnect and stop. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether a connection was made (a stop has one to close). */
  get opened(): boolean {
    return this.#nc !== undefined;
  }

  /** Whether the owner is stopping. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Connects as `name`, pinging within `ttl` ms, and reports outages to `events`. */
  async connect(name: string, ttl: number, events: LinkEvents): Promise<NatsConnection> {
    this.#events = events;
    try {
      this.#nc = await connect({
        servers: this.url,
        name,
        noEcho: true,
        timeout: 5000,
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => this.#backoff(),
        pingInterval: Math.max(1000, Math.min(ttl, 10_000)),
        maxPingOut: 2,
      });
    } catch (error) {
      throw new Error(`cannot reach NATS at ${this.url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#connected = true;
    this.#kvm = new Kvm(jetstream(this.#nc, { timeout: REQUEST_MS }));
    this.task(this.#watchStatus(this.#nc));
    return this.#nc;
  }

  /** The node is in sync with the buckets from now on. */
  sync(): void {
    this.#synced = true;
    this.#syncedAt = this.clock.now();
  }

  /** The node is out of sync (a restore failed). */
  unsync(): void {
    this.#synced = false;
  }

  /** Throws {@linkcode Superseded} when `generation` is no longer the current one. */
  assertCurrent(generation: number): void {
    if (generation !== this.#generation) throw new Superseded();
  }

  /** Marks the link stopping and wakes its sleepers; `false` when it already was stopping. */
  halt(): boolean {
    if (this.#stopping) return false;
    this.#stopping = true;
    for (const wake of this.#sleepers) wake();
    return true;
  }

  /** Leaves sync and waits (at most a request's time) for the requests of the live generation. */
  async drain(): Promise<void> {
    this.#synced = false;
    // Requests sent before the last outage will never be answered: wait for the others only.
    const live = this.#generation++;
    const current = [...this.#pending].filter(([, generation]) => generation === live);
    await settleWithin(Promise.allSettled(current.map(([request]) => request)), REQUEST_MS);
  }

  /** Closes the connection and waits for the loops to end. */
  async close(): Promise<void> {
    await this.#nc?.close().catch(() => {});
    await Promise.all(this.#tasks);
  }

  /** Waits `ms`, or less when the link stops. */
  async sleep(ms: number): Promise<void> {
    const woken = Promise.withResolvers<void>();
    this.#sleepers.add(woken.resolve);
    try {
      await settleWithin(woken.promise, ms);
    } finally {
      this.#sleepers.delete(woken.resolve);
    }
  }

  /** Keeps a fire-and-forget request until it settles, so that a stop can wait for it. */
  track(promise: Promise<unknown>): void {
    const tracked = promise.then(() => {}, (error) => {
      if (!this.#stopping) log.debug("cluster: a NATS request failed: {error}", { error });
    });
    this.#pending.set(tracked, this.#generation);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Keeps a loop (status, watch, restore) until it returns, so that a stop can wait for it. */
  task(promise: Promise<void>): void {
    const tracked = promise.catch((error) => {
      log.error("cluster: {error}", { error });
    });
    this.#tasks.add(tracked);
    tracked.finally(() => this.#tasks.delete(tracked));
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.#stopping) continue;
      if (status.type === "disconnect") this.#lost();
      else if (status.type === "reconnect") this.#regained();
    }
  }

  #lost(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#synced = false;
    this.#generation++;
    this.#events!.lost();
    log.warn(
      "cluster: lost NATS at {url}: serving this node's sessions alone until it is back",
      { url: this.url },
    );
  }

  #regained(): void {
    this.#lostAt = 0;
    if (this.#connected) return;
    this.#connected = true;
    const generation = ++this.#generation;
    log.info("cluster: NATS is back at {url}: restoring presence", { url: this.url });
    this.#events!.regained(generation);
  }

  /** The wait before the next reconnection attempt: longer the longer NATS has been away. */
  #backoff(): number {
    const now = this.clock.now();
    if (this.#lostAt === 0) this.#lostAt = now;
    const away = now - this.#lostAt;
    return Math.min(BACKOFF_MAX_MS, 100 + away / 4) + Math.random() * 100;
  }
}
