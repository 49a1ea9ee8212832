/**
 * The NATS backplane: servers on one NATS (with JetStream) are one chat.
 *
 * - Relays: one NATS message per relay, on the subjects of `subjects.ts`
 *   (`chat.all`, `chat.room.<room>`, `chat.node.<node>`), which NATS hands
 *   once to each node subscribed; the payload is the head of the frame as
 *   the sending node spliced it, which the receiving node splices for each
 *   of its own sessions. A node subscribes to a room's subject only while
 *   one of its sessions is in the room, and to `chat.all` only while it has
 *   a session. The connection is `no_echo`: a node never gets its own
 *   relays back (it delivered them itself).
 * - Presence: the KV bucket `chat-presence` (in memory) holds
 *   `node.<node>`, a heartbeat rewritten every quarter of the TTL (the
 *   server's `--heartbeat-timeout`), and `sess.<node>.<session>` (name,
 *   transport, rooms; written when they change). Every node watches the
 *   bucket and keeps a view of the others. A node silent for 0.9 × its TTL
 *   is dead: its sessions leave the view at once (so within the TTL of its
 *   last heartbeat), and the living node with the smallest id purges its
 *   keys.
 * - Names: the KV bucket `chat-names` (on file, so that it outlives a NATS
 *   restart) maps a name to the node and session holding it. A claim is a
 *   KV `create`, atomic across the cluster. A name whose holder's node is
 *   dead (not in the view, and its heartbeat older than its TTL) is taken
 *   over with a compare-and-set `update`; a view younger than one TTL takes
 *   over nothing, since it cannot yet tell a dead node from one coming back.
 * - Trouble: when NATS goes away the node logs it once, serves its own
 *   sessions alone (its view of the others is dropped, relays stay local,
 *   names are claimed locally), and the client reconnects with backoff.
 *   When NATS is back the node binds the buckets again (creating the
 *   presence bucket: it was in memory), rewrites its heartbeat and
 *   sessions, deletes the names released meanwhile and claims its sessions'
 *   names again: a name another node held first goes back to the guest
 *   name. The client resubscribes room interest itself.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { jetstream, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { type Bucket, type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import {
  connect,
  type NatsConnection,
  type QueuedIterator,
  type Subscription,
} from "@nats-io/transport-node";
import { SplicedFrame } from "../../protocol/encode.ts";
import { ChatError } from "../../protocol/errors.ts";
import { guestName } from "../../protocol/messages.ts";
import type { Backplane, BackplaneHost, RelayTarget } from "../backplane.ts";
import type { Directory } from "../handler.ts";
import type { Registry } from "../registry.ts";
import type { Session } from "../session.ts";
import {
  ClusterDirectory,
  DEAD_AFTER,
  type NodeRecord,
  Presence,
  RemoteSession,
  type SessionRecord,
} from "./presence.ts";
import {
  ALL_SUBJECT,
  directPayload,
  isHead,
  nameKey,
  NAMES_BUCKET,
  newNodeId,
  nodeKey,
  nodeSubject,
  parseDirectPayload,
  parsePresenceKey,
  PRESENCE_BUCKET,
  roomSubject,
  sessionKey,
} from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** How long a JetStream request (a claim, a put) may take. */
const REQUEST_MS = 2000;
/** The longest wait between two reconnection attempts, or two attempts to restore presence. */
const BACKOFF_MAX_MS = 2000;
/** How often the smallest node purges the markers of deleted sessions. */
const PURGE_EVERY_MS = 5 * 60_000;

/** Settings of a {@linkcode NatsBackplane}. */
export interface NatsBackplaneOptions {
  /** The NATS server, `nats://HOST:PORT`. */
  url: string;
  /** Presence TTL in milliseconds: peers count this node dead after that much silence. */
  ttlMs: number;
}

interface Interest {
  sub: Subscription;
  count: number;
  /** Resolves once NATS has the subscription (set while a first join waits for it). */
  confirming: Promise<void> | undefined;
}

interface Claim {
  session: Session;
  /** The revision of the name's KV entry; 0 while the claim is this node's alone. */
  revision: number;
}

interface Holder {
  node: string;
  session: string;
}

/** Thrown inside a restore that a newer disconnect or reconnect made pointless. */
class Superseded extends Error {}

function taken(name: string): ChatError {
  return new ChatError("name_taken", `name ${name} is taken`);
}

function wrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([promise.then(() => {}, () => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects when `promise` has not resolved within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A server's link to the other servers of its cluster over NATS. */
export class NatsBackplane implements Backplane {
  readonly node: string = newNodeId();
  #url: string;
  #ttl: number;
  #host!: BackplaneHost;
  #nc: NatsConnection | undefined;
  #kvm: Kvm | undefined;
  #presence: KV | undefined;
  #names: KV | undefined;
  #watch: QueuedIterator<KvWatchEntry> | undefined;
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
  #view: Presence;
  #interest = new Map<string, Interest>();
  #claims = new Map<string, Claim>();
  /** Names released while NATS was away, with the revision to delete when it is back. */
  #released = new Map<string, number>();
  #roomSubjects = new Map<string, string>();
  /** Nodes this one counted dead: if one beats again, the view is loaded afresh. */
  #dropped = new Set<string>();
  #reloading = false;
  /** Requests in flight, with the generation that sent them. */
  #pending = new Map<Promise<unknown>, number>();
  #tasks = new Set<Promise<void>>();
  #timers: ReturnType<typeof setInterval>[] = [];
  #sleepers = new Set<() => void>();

  /** A backplane for the NATS at `options.url`; {@linkcode NatsBackplane.start} joins. */
  constructor(options: NatsBackplaneOptions) {
    this.#url = options.url;
    this.#ttl = options.ttlMs;
    this.#view = new Presence(options.ttlMs);
  }

  async start(host: BackplaneHost): Promise<void> {
    this.#host = host;
    try {
      this.#nc = await connect({
        servers: this.#url,
        name: `chat ${this.node}`,
        noEcho: true,
        timeout: 5000,
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => this.#backoff(),
        pingInterval: Math.max(1000, Math.min(this.#ttl, 10_000)),
        maxPingOut: 2,
      });
    } catch (error) {
      throw new Error(`cannot reach NATS at ${this.#url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#connected = true;
    this.#kvm = new Kvm(jetstream(this.#nc, { timeout: REQUEST_MS }));
    this.#task(this.#watchStatus(this.#nc));
    this.#nc.subscribe(nodeSubject(this.node), {
      callback: (error, msg) => {
        if (error) return;
        const direct = parseDirectPayload(msg.data);
        if (direct) this.#host.deliverTo(direct.sessions, new SplicedFrame(direct.head));
      },
    });
    try {
      await this.#restore(this.#generation);
    } catch (error) {
      await this.stop();
      throw new Error(
        `NATS at ${this.#url} gave no presence buckets (is JetStream on? nats-server -js): ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    const every = (ms: number, fn: () => void) => this.#timers.push(setInterval(fn, ms));
    every(Math.max(20, this.#ttl / 4), () => this.#heartbeat());
    every(Math.max(20, this.#ttl / 10), () => this.#sweep());
    every(PURGE_EVERY_MS, () => this.#purgeMarkers());
    log.info("cluster: node {node} joined {url}: {nodes} other nodes, {sessions} sessions", {
      node: this.node,
      url: this.#url,
      nodes: [...this.#view.nodes()].length,
      sessions: this.#view.size,
    });
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const wake of [...this.#sleepers]) wake();
    const nc = this.#nc;
    if (!nc) return;
    if (this.#synced && this.#presence) {
      // Peers drop this node at once rather than after its TTL.
      this.#track(this.#presence.delete(nodeKey(this.node)));
    }
    this.#synced = false;
    // Requests sent before the last outage will never be answered: wait for the others only.
    const live = this.#generation++;
    const current = [...this.#pending].filter(([, generation]) => generation === live);
    await settleWithin(Promise.allSettled(current.map(([request]) => request)), REQUEST_MS);
    this.#stopWatch();
    await nc.close().catch(() => {});
    await Promise.all(this.#tasks);
    log.info("cluster: node {node} left", { node: this.node });
  }

  directory(local: Registry<Session>): Directory {
    return new ClusterDirectory(local, this.#view);
  }

  nodeOf(session: unknown): string | undefined {
    return session instanceof RemoteSession ? session.node : undefined;
  }

  publish(target: RelayTarget, frame: SplicedFrame): number {
    if (!this.#connected) return 0;
    const nc = this.#nc!;
    try {
      if ("node" in target) {
        nc.publish(nodeSubject(target.node), directPayload(target.sessions, frame.head));
        return target.sessions.length;
      }
      if ("room" in target) {
        nc.publish(this.#roomSubject(target.room), frame.head);
        return this.#view.roomSize(target.room);
      }
      nc.publish(ALL_SUBJECT, frame.head);
      return this.#view.size;
    } catch (error) {
      log.warn("cluster: a relay did not reach NATS: {error}", { error });
      return 0;
    }
  }

  claim(session: Session, name: string): void | Promise<void> {
    if (name === guestName(session.id)) return;
    if (this.#view.holdsGuestName(name)) throw taken(name);
    return this.#claim(session, name);
  }

  async #claim(session: Session, name: string): Promise<void> {
    const held = this.#claims.get(name);
    if (held && held.session !== session && !held.session.gone) throw taken(name);
    if (!this.#synced) {
      // NATS is away: the name holds on this node, and is claimed again when it is back.
      this.#claims.set(name, { session, revision: 0 });
      return;
    }
    let revision = 0;
    try {
      revision = await this.#claimKey(name, session);
    } catch (error) {
      if (error instanceof ChatError) throw error;
      log.debug("cluster: claim of {name} not confirmed ({error}); held locally", { name, error });
    }
    this.#claims.set(name, { session, revision });
    if (revision === 0 && this.#synced) {
      // NATS failed this claim but is back (or never left): claim it again, as after an outage.
      const generation = this.#generation;
      this.#task(
        this.#reclaim(generation).catch((error) => {
          log.debug("cluster: names not claimed again yet: {error}", { error });
        }),
      );
    }
  }

  release(session: Session, name: string): void {
    const claim = this.#claims.get(name);
    if (!claim || claim.session !== session) return;
    this.#claims.delete(name);
    if (claim.revision === 0) return;
    if (this.#synced) {
      this.#track(this.#names!.delete(nameKey(name), { previousSeq: claim.revision }));
    } else {
      this.#released.set(name, claim.revision);
    }
  }

  opened(session: Session): void {
    this.#want(ALL_SUBJECT, (data) => {
      if (isHead(data)) this.#host.deliverAll(new SplicedFrame(data));
    }, false);
    this.#putSession(session);
  }

  renamed(session: Session): void {
    this.#putSession(session);
  }

  joined(session: Session, room: string): void | Promise<void> {
    const confirming = this.#want(this.#roomSubject(room), (data) => {
      if (isHead(data)) this.#host.deliverRoom(room, new SplicedFrame(data));
    }, true);
    this.#putSession(session);
    return confirming;
  }

  left(session: Session, room: string): void {
    this.#unwant(this.#roomSubject(room));
    this.#putSession(session);
  }

  closed(session: Session): void {
    for (const room of session.rooms) this.#unwant(this.#roomSubject(room));
    this.#unwant(ALL_SUBJECT);
    this.release(session, session.name);
    if (this.#synced) {
      this.#track(this.#presence!.delete(sessionKey(this.node, session.id)));
    }
  }

  // --- interest -----------------------------------------------------------

  #roomSubject(room: string): string {
    let subject = this.#roomSubjects.get(room);
    if (subject === undefined) {
      if (this.#roomSubjects.size >= 10_000) this.#roomSubjects.clear();
      subject = roomSubject(room);
      this.#roomSubjects.set(room, subject);
    }
    return subject;
  }

  /**
   * Counts one more local reason to hear `subject`, subscribing on the
   * first; with `confirm`, returns a promise that resolves once NATS has the
   * subscription (a round trip), so that relays sent after it arrive.
   */
  #want(
    subject: string,
    onData: (data: Uint8Array) => void,
    confirm: boolean,
  ): void | Promise<void> {
    const held = this.#interest.get(subject);
    if (held) {
      held.count++;
      return held.confirming;
    }
    const sub = this.#nc!.subscribe(subject, {
      callback: (error, msg) => {
        if (!error) onData(msg.data);
      },
    });
    const interest: Interest = { sub, count: 1, confirming: undefined };
    this.#interest.set(subject, interest);
    if (confirm && this.#connected) {
      interest.confirming = settleWithin(this.#nc!.flush(), REQUEST_MS).then(() => {
        interest.confirming = undefined;
      });
    }
    return interest.confirming;
  }

  #unwant(subject: string): void {
    const interest = this.#interest.get(subject);
    if (!interest || --interest.count > 0) return;
    this.#interest.delete(subject);
    try {
      interest.sub.unsubscribe();
    } catch {
      // The connection is closed: nothing to undo.
    }
  }

  // --- presence -----------------------------------------------------------

  #putSession(session: Session): void {
    if (!this.#synced || !session.ready) return;
    const record: SessionRecord = {
      name: session.name,
      transport: session.transport,
      rooms: [...session.rooms],
    };
    this.#track(
      this.#presence!.put(sessionKey(this.node, session.id), JSON.stringify(record)),
    );
  }

  #heartbeat(): void {
    if (!this.#synced) return;
    const record: NodeRecord = { ttl: this.#ttl };
    this.#track(this.#presence!.put(nodeKey(this.node), JSON.stringify(record)));
  }

  /** Drops the nodes that fell silent; the smallest living node purges their keys. */
  #sweep(): void {
    if (!this.#synced) return;
    for (const node of this.#view.expired(Date.now())) {
      const sessions = this.#view.drop(node);
      this.#dropped.add(node);
      log.info("cluster: node {node} is silent: its {count} sessions are gone", {
        node,
        count: sessions.length,
      });
      if (!this.#cleaner()) continue;
      const presence = this.#presence!;
      this.#track(presence.purge(nodeKey(node)));
      for (const session of sessions) this.#track(presence.purge(sessionKey(node, session.id)));
    }
  }

  /** Whether this node has the smallest id of those alive: the one that tidies up. */
  #cleaner(): boolean {
    for (const node of this.#view.nodes()) if (node < this.node) return false;
    return true;
  }

  #purgeMarkers(): void {
    if (this.#synced && this.#cleaner()) {
      // Kvm.create makes a Bucket, which has purgeDeletes (the KV interface does not say so).
      this.#track((this.#presence as Bucket).purgeDeletes(PURGE_EVERY_MS));
    }
  }

  #onPresence(entry: KvWatchEntry, mark: string, loaded: () => void): void {
    const key = parsePresenceKey(entry.key);
    if (!key) return;
    const put = entry.operation === "PUT";
    if (key.node === this.node) {
      if (key.kind === "node") {
        if (put && entry.json<NodeRecord>().mark === mark) loaded();
        else if (!put) this.#heartbeat();
        return;
      }
      // This node's own sessions: a leftover of one that ended goes, one purged comes back.
      const session = this.#host.registry.get(key.session);
      if (put && !session && this.#synced) this.#track(this.#presence!.delete(entry.key));
      else if (!put && session) this.#putSession(session);
      return;
    }
    const now = Date.now();
    if (key.kind === "node") {
      if (put && this.#dropped.has(key.node) && !this.#view.alive(key.node)) {
        this.#dropped.delete(key.node);
        this.#task(this.#reloadView());
      } else if (put) {
        this.#view.heard(key.node, entry.json<NodeRecord>(), now);
      } else {
        this.#view.drop(key.node);
      }
    } else if (put) {
      this.#view.upsert(key.node, key.session, entry.json<SessionRecord>(), now);
    } else {
      this.#view.remove(key.node, key.session);
    }
  }

  async #consume(watch: QueuedIterator<KvWatchEntry>, mark: string, loaded: () => void) {
    try {
      for await (const entry of watch) {
        if (watch !== this.#watch) break;
        try {
          this.#onPresence(entry, mark, loaded);
        } catch (error) {
          log.debug("cluster: ignored presence entry {key}: {error}", { key: entry.key, error });
        }
      }
    } catch (error) {
      log.debug("cluster: presence watch ended: {error}", { error });
    }
  }

  #stopWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    try {
      watch?.stop();
    } catch {
      // Already stopped.
    }
  }

  // --- names --------------------------------------------------------------

  /** Claims a name in the KV bucket; resolves to its revision, or throws `name_taken`. */
  async #claimKey(name: string, session: Session): Promise<number> {
    const names = this.#names!;
    const key = nameKey(name);
    const value = JSON.stringify({ node: this.node, session: session.id } satisfies Holder);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await names.create(key, value);
      } catch (error) {
        if (!wrongLastSequence(error)) throw error;
      }
      const entry = await names.get(key);
      if (!entry || entry.operation !== "PUT") continue; // freed meanwhile
      const holder = entry.json<Holder>();
      if (holder.node === this.node && holder.session === session.id) return entry.revision;
      if (await this.#holds(holder, name)) throw taken(name);
      try {
        // Its holder is gone: take it over, unless someone else changed it first.
        return await names.update(key, value, entry.revision);
      } catch (error) {
        if (!wrongLastSequence(error)) throw error;
      }
    }
    throw taken(name);
  }

  /** Whether the holder of a name's KV entry still holds it. */
  async #holds(holder: Holder, name: string): Promise<boolean> {
    if (holder.node === this.node) {
      const claim = this.#claims.get(name);
      return claim !== undefined && claim.session.id === holder.session && !claim.session.gone;
    }
    if (this.#view.alive(holder.node)) return true;
    // This view counted it dead (silent for DEAD_AFTER of its TTL).
    if (this.#dropped.has(holder.node)) return false;
    // A view younger than a TTL cannot tell a dead node from one still coming back (after
    // NATS restarted, say): the holder keeps its name until then.
    if (Date.now() - this.#syncedAt < this.#ttl) return true;
    // Not in this view: dead, or so new that its heartbeat has not come through. Ask.
    const beat = await this.#presence!.get(nodeKey(holder.node));
    if (!beat || beat.operation !== "PUT") return false;
    const ttl = beat.json<NodeRecord>().ttl ?? this.#ttl;
    return Date.now() - beat.created.getTime() <= ttl * DEAD_AFTER;
  }

  /** Claims every local name again (after NATS came back); a lost one goes back to the guest name. */
  async #reclaim(generation: number): Promise<void> {
    await Promise.all([...this.#claims].map(async ([name, claim]) => {
      const { session } = claim;
      if (session.gone || session.name !== name) {
        if (this.#claims.get(name) === claim) this.#claims.delete(name);
        return;
      }
      try {
        const revision = await this.#claimKey(name, session);
        if (generation !== this.#generation) throw new Superseded();
        claim.revision = revision;
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        if (this.#claims.get(name) === claim) this.#claims.delete(name);
        if (!session.gone && session.name === name) this.#host.loseName(session);
      }
    }));
  }

  // --- the link -----------------------------------------------------------

  /**
   * Binds the buckets, loads the view, writes this node's heartbeat and
   * sessions and claims its names: what joining (or rejoining) the cluster
   * takes. Throws when NATS fails it, or {@linkcode Superseded}.
   */
  async #restoreOnce(generation: number): Promise<void> {
    const check = () => {
      if (generation !== this.#generation) throw new Superseded();
    };
    const kvm = this.#kvm!;
    const presence = await kvm.create(PRESENCE_BUCKET, { history: 1, storage: "memory" });
    // Names outlive a NATS restart (file storage): their holders keep them when it comes back.
    const names = await kvm.create(NAMES_BUCKET, { history: 1, storage: "file" });
    check();
    this.#presence = presence;
    this.#names = names;
    await this.#loadView(presence, generation);
    check();
    this.#synced = true;
    this.#syncedAt = Date.now();
    for (const session of this.#host.registry.sessions()) this.#putSession(session);
    for (const [name, revision] of this.#released) {
      if (!this.#claims.has(name)) {
        this.#track(names.delete(nameKey(name), { previousSeq: revision }));
      }
    }
    this.#released.clear();
    await this.#reclaim(generation);
  }

  /** Watches the presence bucket afresh; resolves once the view holds all it had. */
  async #loadView(presence: KV, generation: number): Promise<void> {
    this.#stopWatch();
    this.#view.clear();
    this.#dropped.clear();
    const mark = newNodeId();
    const loaded = Promise.withResolvers<void>();
    const watch = await presence.watch();
    if (generation !== this.#generation) {
      watch.stop();
      throw new Superseded();
    }
    this.#watch = watch;
    this.#task(this.#consume(watch, mark, loaded.resolve));
    // The watch shows this write after everything that was in the bucket: then the view is whole.
    const record: NodeRecord = { ttl: this.#ttl, mark };
    await presence.put(nodeKey(this.node), JSON.stringify(record));
    await within(loaded.promise, REQUEST_MS, "this node's heartbeat back through the watch");
  }

  /**
   * Loads the view again: a node this one had counted dead beats again (it
   * was slow, or this one was), and its sessions, written before, are not in
   * the view.
   */
  async #reloadView(): Promise<void> {
    if (this.#reloading || !this.#synced) return;
    this.#reloading = true;
    const generation = this.#generation;
    try {
      await this.#loadView(this.#presence!, generation);
      log.info("cluster: presence view reloaded: {nodes} other nodes, {sessions} sessions", {
        nodes: [...this.#view.nodes()].length,
        sessions: this.#view.size,
      });
    } catch (error) {
      if (!(error instanceof Superseded)) {
        log.warn("cluster: presence view not reloaded: {error}", { error });
      }
    } finally {
      this.#reloading = false;
    }
  }

  /** {@linkcode NatsBackplane.#restoreOnce}, at start (once) or after a reconnect (until it works). */
  async #restore(generation: number, retry = false): Promise<void> {
    for (let attempt = 0;; attempt++) {
      try {
        await this.#restoreOnce(generation);
        return;
      } catch (error) {
        if (error instanceof Superseded || this.#stopping) return;
        this.#synced = false;
        if (!retry) throw error;
        log.debug("cluster: presence not restored yet ({error}); trying again", { error });
      }
      await this.#sleep(Math.min(BACKOFF_MAX_MS, 100 * 2 ** attempt));
      if (generation !== this.#generation || this.#stopping) return;
    }
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
    this.#stopWatch();
    this.#view.clear();
    log.warn(
      "cluster: lost NATS at {url}: serving this node's sessions alone until it is back",
      { url: this.#url },
    );
  }

  #regained(): void {
    this.#lostAt = 0;
    if (this.#connected) return;
    this.#connected = true;
    const generation = ++this.#generation;
    log.info("cluster: NATS is back at {url}: restoring presence", { url: this.#url });
    this.#task((async () => {
      await this.#restore(generation, true);
      if (generation === this.#generation && this.#synced) {
        log.info(
          "cluster: presence restored: {sessions} sessions, {names} names; {nodes} other nodes",
          {
            sessions: this.#host.registry.size,
            names: this.#claims.size,
            nodes: [...this.#view.nodes()].length,
          },
        );
      }
    })());
  }

  /** The wait before the next reconnection attempt: longer the longer NATS has been away. */
  #backoff(): number {
    if (this.#lostAt === 0) this.#lostAt = Date.now();
    const away = Date.now() - this.#lostAt;
    return Math.min(BACKOFF_MAX_MS, 100 + away / 4) + Math.random() * 100;
  }

  /** Waits `ms`, or less when the backplane stops. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  /** Keeps a fire-and-forget request until it settles, so that stop can wait for it. */
  #track(promise: Promise<unknown>): void {
    const tracked = promise.then(() => {}, (error) => {
      if (!this.#stopping) log.debug("cluster: a NATS request failed: {error}", { error });
    });
    this.#pending.set(tracked, this.#generation);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Keeps a loop (status, watch, restore) until it returns, so that stop can wait for it. */
  #task(promise: Promise<void>): void {
    const tracked = promise.catch((error) => {
      log.error("cluster: {error}", { error });
    });
    this.#tasks.add(tracked);
    tracked.finally(() => this.#tasks.delete(tracked));
  }
}
