/**
 * This node's side of the presence bucket: its heartbeat and sessions
 * written there, the watch that feeds its {@linkcode Presence} view of the
 * others, and the sweep that drops silent nodes (the living node with the
 * smallest id purges their keys).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { Bucket, KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import type { Clock } from "../../async/clock.ts";
import { within } from "../../async/deadline.ts";
import type { Member, Members } from "../member.ts";
import { type NatsLink, REQUEST_MS, Superseded } from "./link.ts";
import { DEAD_AFTER, type NodeRecord, type Presence, type SessionRecord } from "./presence.ts";
import { newNodeId, nodeKey, parsePresenceKey, sessionKey } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** How often the smallest node purges the markers of deleted sessions. */
const PURGE_EVERY_MS = 5 * 60_000;

/** The presence bucket as one node writes and watches it. */
export class PresenceBucket {
  /** The other nodes and their sessions, as the watch shows them. */
  readonly view: Presence;
  #link: NatsLink;
  #node: string;
  #ttl: number;
  #registry: Members;
  #clock: Clock;
  #kv: KV | undefined;
  #watch: QueuedIterator<KvWatchEntry> | undefined;
  /** Nodes this one counted dead: if one beats again, the view is loaded afresh. */
  #dropped = new Set<string>();
  #reloading = false;
  #timers: (() => void)[] = [];
  /** Told, on the node that tidies up, of the sessions (id and name) of each node found dead, or stopped. */
  onDead:
    | ((node: string, sessions: readonly { id: string; name: string }[]) => void)
    | undefined;

  /**
   * The presence of `node` (TTL `ttl` ms, sessions in `registry`) over
   * `link`, into `view`, on the clock of the link.
   */
  constructor(
    link: NatsLink,
    node: string,
    ttl: number,
    view: Presence,
    registry: Members,
  ) {
    this.#link = link;
    this.#node = node;
    this.#ttl = ttl;
    this.view = view;
    this.#registry = registry;
    this.#clock = link.clock;
  }

  /** Starts the heartbeat, the sweep of silent nodes and the purge of deletion markers. */
  schedule(): void {
    const every = (ms: number, fn: () => void) => this.#timers.push(this.#clock.every(ms, fn));
    every(Math.max(20, this.#ttl / 4), () => this.#heartbeat());
    every(Math.max(20, this.#ttl / 10), () => this.#sweep());
    every(PURGE_EVERY_MS, () => this.#purgeMarkers());
  }

  /** Stops what {@linkcode PresenceBucket.schedule} started. */
  unschedule(): void {
    for (const stop of this.#timers.splice(0)) stop();
  }

  /** Watches the bucket `kv` afresh; resolves once the view holds all it had. */
  async load(kv: KV, generation: number): Promise<void> {
    this.#kv = kv;
    await this.#loadView(kv, generation);
  }

  /** Writes every session of this node (after the node came in sync). */
  putSessions(): void {
    for (const session of this.#registry.sessions()) this.putSession(session);
  }

  /** Writes the name, transport and rooms of a session that completed its handshake. */
  putSession(session: Member): void {
    if (!this.#link.synced || session.gone) return;
    const record: SessionRecord = {
      name: session.name,
      transport: session.transport,
      rooms: [...session.rooms],
      ...session.verified && { verified: true },
      ...session.away && { away: true },
    };
    this.#link.track(
      this.#kv!.put(sessionKey(this.#node, session.id), JSON.stringify(record)),
    );
  }

  /** Deletes an ended session. */
  deleteSession(session: Member): void {
    if (this.#link.synced) {
      this.#link.track(this.#kv!.delete(sessionKey(this.#node, session.id)));
    }
  }

  /** Deletes this node's heartbeat (it is leaving): peers drop it at once rather than after its TTL. */
  leave(): void {
    if (this.#link.synced && this.#kv) this.#link.track(this.#kv.delete(nodeKey(this.#node)));
  }

  /** Stops the watch and empties the view (NATS went away). */
  clear(): void {
    this.stopWatch();
    this.view.clear();
  }

  /** Stops the watch. */
  stopWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    try {
      watch?.stop();
    } catch {
      // Already stopped.
    }
  }

  /** Whether another node still counts as alive for what it holds (a name, say). */
  async alive(node: string): Promise<boolean> {
    if (this.view.alive(node)) return true;
    // This view counted it dead (silent for DEAD_AFTER of its TTL).
    if (this.#dropped.has(node)) return false;
    // A view younger than a TTL cannot tell a dead node from one still coming back (after
    // NATS restarted, say): the holder keeps its name until then.
    if (this.#clock.now() - this.#link.syncedAt < this.#ttl) return true;
    // Not in this view: dead, or so new that its heartbeat has not come through. Ask.
    const beat = await this.#kv!.get(nodeKey(node));
    if (!beat || beat.operation !== "PUT") return false;
    const ttl = beat.json<NodeRecord>().ttl ?? this.#ttl;
    // NATS stamped the heartbeat with its wall clock: its age is the wall clock's too.
    return Date.now() - beat.created.getTime() <= ttl * DEAD_AFTER;
  }

  #heartbeat(): void {
    if (!this.#link.synced) return;
    const record: NodeRecord = { ttl: this.#ttl };
    this.#link.track(this.#kv!.put(nodeKey(this.#node), JSON.stringify(record)));
  }

  /** Drops the nodes that fell silent; the smallest living node purges their keys. */
  #sweep(): void {
    if (!this.#link.synced) return;
    for (const node of this.view.expired()) {
      const sessions = this.view.drop(node);
      this.#dropped.add(node);
      log.info("cluster: node {node} is silent: its {count} sessions are gone", {
        node,
        count: sessions.length,
      });
      this.#tidy(node, sessions);
    }
  }

  /**
   * A node left (silent, or stopped): the living node with the smallest id
   * is told of its sessions ({@linkcode PresenceBucket.onDead}) and purges
   * its keys.
   */
  #tidy(node: string, sessions: readonly { id: string; name: string }[]): void {
    if (!this.#cleaner()) return;
    this.onDead?.(node, sessions.map(({ id, name }) => ({ id, name })));
    const kv = this.#kv!;
    this.#link.track(kv.purge(nodeKey(node)));
    for (const session of sessions) this.#link.track(kv.purge(sessionKey(node, session.id)));
  }

  /** Whether this node has the smallest id of those alive: the one that tidies up. */
  #cleaner(): boolean {
    for (const node of this.view.nodes()) if (node < this.#node) return false;
    return true;
  }

  #purgeMarkers(): void {
    if (this.#link.synced && this.#cleaner()) {
      // Kvm.create makes a Bucket, which has purgeDeletes (the KV interface does not say so).
      this.#link.track((this.#kv as Bucket).purgeDeletes(PURGE_EVERY_MS));
    }
  }

  #onEntry(entry: KvWatchEntry, mark: string, loaded: () => void): void {
    const key = parsePresenceKey(entry.key);
    if (!key) return;
    const put = entry.operation === "PUT";
    if (key.node === this.#node) {
      if (key.kind === "node") {
        if (put && entry.json<NodeRecord>().mark === mark) loaded();
        else if (!put) this.#heartbeat();
        return;
      }
      // This node's own sessions: a leftover of one that ended goes, one purged comes back.
      const session = this.#registry.get(key.session);
      if (put && !session && this.#link.synced) this.#link.track(this.#kv!.delete(entry.key));
      else if (!put && session) this.putSession(session);
      return;
    }
    if (key.kind === "node") {
      if (put && this.#dropped.has(key.node) && !this.view.alive(key.node)) {
        this.#dropped.delete(key.node);
        this.#link.task(this.#reloadView());
      } else if (put) {
        this.view.heard(key.node, entry.json<NodeRecord>());
      } else {
        // Stopped cleanly: the sessions it left away (with history) are tidied up as a dead node's.
        const sessions = this.view.drop(key.node);
        if (sessions.length > 0) this.#tidy(key.node, sessions);
      }
    } else if (put) {
      this.view.upsert(key.node, key.session, entry.json<SessionRecord>());
    } else {
      this.view.remove(key.node, key.session);
    }
  }

  async #consume(
    watch: QueuedIterator<KvWatchEntry>,
    mark: string,
    loaded: () => void,
  ): Promise<void> {
    try {
      for await (const entry of watch) {
        if (watch !== this.#watch) break;
        try {
          this.#onEntry(entry, mark, loaded);
        } catch (error) {
          log.debug("cluster: ignored presence entry {key}: {error}", { key: entry.key, error });
        }
      }
    } catch (error) {
      log.debug("cluster: presence watch ended: {error}", { error });
    }
  }

  async #loadView(kv: KV, generation: number): Promise<void> {
    this.stopWatch();
    this.view.clear();
    this.#dropped.clear();
    const mark = newNodeId();
    const loaded = Promise.withResolvers<void>();
    const watch = await kv.watch();
    if (generation !== this.#link.generation) {
      watch.stop();
      throw new Superseded();
    }
    this.#watch = watch;
    this.#link.task(this.#consume(watch, mark, loaded.resolve));
    // The watch shows this write after everything that was in the bucket: then the view is whole.
    const record: NodeRecord = { ttl: this.#ttl, mark };
    await kv.put(nodeKey(this.#node), JSON.stringify(record));
    await within(loaded.promise, REQUEST_MS, "this node's heartbeat back through the watch");
  }

  /**
   * Loads the view again: a node this one had counted dead beats again (it
   * was slow, or this one was), and its sessions, written before, are not in
   * the view.
   */
  async #reloadView(): Promise<void> {
    if (this.#reloading || !this.#link.synced) return;
    this.#reloading = true;
    const generation = this.#link.generation;
    try {
      await this.#loadView(this.#kv!, generation);
      log.info("cluster: presence view reloaded: {nodes} other nodes, {sessions} sessions", {
        nodes: [...this.view.nodes()].length,
        sessions: this.view.size,
      });
    } catch (error) {
      if (!(error instanceof Superseded)) {
        log.warn("cluster: presence view not reloaded: {error}", { error });
      }
    } finally {
      this.#reloading = false;
    }
  }
}
