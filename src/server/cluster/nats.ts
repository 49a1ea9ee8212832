/**
 * The NATS backplane: servers on one NATS (with JetStream) are one chat.
 * This module ties together the link (`link.ts`), the relays
 * (`relays.ts`, `interest.ts`), presence (`presence_bucket.ts`, feeding the
 * view of `presence.ts`) and the names (`name_claims.ts`).
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
 * - Accounts (PROTOCOL.md section 11): an account's name is claimed as any
 *   name is; a login of the account on another node asks the holder's node
 *   to end its session (`displacement.ts`), then claims the name.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { KV, Kvm, KvOptions } from "@nats-io/kv";
import { type Clock, systemClock } from "../../async/clock.ts";
import type { SplicedFrame } from "../../protocol/encode.ts";
import type { Backplane, BackplaneHost, RelayTarget } from "../backplane.ts";
import { ClusterHistoryStore } from "./cluster_store.ts";
import { HistoryStream } from "./history_stream.ts";
import { SessionBucket, SESSIONS_BUCKET } from "./session_bucket.ts";
import { Takeover } from "./takeover.ts";
import { NodeRequests } from "./node_requests.ts";
import type { Directory } from "../handler.ts";
import type { Member, Members } from "../member.ts";
import { Displacement } from "./displacement.ts";
import { BACKOFF_MAX_MS, NatsLink, Superseded } from "./link.ts";
import { NameClaims } from "./name_claims.ts";
import { ClusterDirectory, Presence } from "./presence.ts";
import { PresenceBucket } from "./presence_bucket.ts";
import { Relays } from "./relays.ts";
import { NAMES_BUCKET, newNodeId, PRESENCE_BUCKET } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** Settings of a {@linkcode NatsBackplane}. */
export interface NatsBackplaneOptions {
  /** The NATS server, `nats://HOST:PORT`. */
  url: string;
  /** Presence TTL in milliseconds: peers count this node dead after that much silence. */
  ttlMs: number;
  /** The clock of presence: heartbeats, peers' silence, the sweep (default: the wall clock). */
  clock?: Clock;
}

/** A server's link to the other servers of its cluster over NATS. */
export class NatsBackplane implements Backplane {
  readonly node: string = newNodeId();
  #ttl: number;
  #clock: Clock;
  #link: NatsLink;
  #view: Presence;
  #host!: BackplaneHost;
  #presence!: PresenceBucket;
  #names!: NameClaims;
  #relays!: Relays;
  #displacement!: Displacement;
  #history: ClusterHistoryStore | undefined;
  #sessions: SessionBucket = new SessionBucket(this.node);
  #takeover!: Takeover;

  /** A backplane for the NATS at `options.url`; {@linkcode NatsBackplane.start} joins. */
  constructor(options: NatsBackplaneOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#link = new NatsLink(options.url, this.#clock);
    this.#ttl = options.ttlMs;
    this.#view = new Presence(options.ttlMs, this.#clock);
  }

  get reachable(): boolean {
    return this.#link.connected;
  }

  historyStore(limit: number): ClusterHistoryStore {
    return this.#history ??= new ClusterHistoryStore(limit);
  }

  async start(host: BackplaneHost): Promise<void> {
    this.#host = host;
    const link = this.#link;
    this.#presence = new PresenceBucket(link, this.node, this.#ttl, this.#view, host.members);
    this.#presence.onDead = (node, sessions) => this.#orphaned(node, sessions);
    this.#names = new NameClaims(link, this.node, this.#presence, host);
    this.#relays = new Relays(link, this.node, this.#view, host);
    const requests = new NodeRequests(link, this.node, this.#presence);
    this.#displacement = new Displacement(requests, this.#names, host);
    this.#takeover = new Takeover(requests, this.#names, host);
    await link.connect(`chat ${this.node}`, this.#ttl, {
      lost: () => this.#presence.clear(),
      regained: (generation) => this.#regained(generation),
    });
    this.#relays.listen();
    this.#displacement.listen();
    this.#takeover.listen();
    try {
      await this.#restore(link.generation);
    } catch (error) {
      throw await this.#noJetStream(link.url, "presence buckets", error);
    }
    if (this.#history) await this.#startHistory(this.#history);
    this.#presence.schedule();
    log.info("cluster: node {node} joined {url}: {nodes} other nodes, {sessions} sessions", {
      node: this.node,
      url: link.url,
      nodes: [...this.#view.nodes()].length,
      sessions: this.#view.size,
    });
  }

  async stop(): Promise<void> {
    const link = this.#link;
    if (!link.halt() || !link.opened) return;
    this.#presence.unschedule();
    this.#presence.leave();
    await this.#history?.close();
    await link.drain();
    this.#presence.stopWatch();
    await link.close();
    log.info("cluster: node {node} left", { node: this.node });
  }

  directory(local: Members): Directory {
    return new ClusterDirectory(local, this.#view);
  }

  nodeOf(id: string): string | undefined {
    return this.#view.byId(id)?.node;
  }

  publish(target: RelayTarget, frame: SplicedFrame): number {
    return this.#relays.publish(target, frame);
  }

  claim(member: Member, name: string): void | Promise<void> {
    return this.#names.claim(member, name);
  }

  release(member: Member, name: string): void {
    this.#names.release(member, name);
  }

  displace(name: string): Promise<void> {
    return this.#displacement.displace(name);
  }

  opened(member: Member): void {
    this.#relays.opened();
    this.#presence.putSession(member);
  }

  renamed(member: Member): void {
    this.#presence.putSession(member);
  }

  away(member: Member): void {
    this.#names.rebind(member);
    this.#presence.putSession(member);
  }

  back(member: Member): void {
    this.away(member);
  }

  joined(member: Member, room: string): void | Promise<void> {
    const confirming = this.#relays.joined(room);
    this.#presence.putSession(member);
    return confirming;
  }

  left(member: Member, room: string): void {
    this.#relays.left(room);
    this.#presence.putSession(member);
  }

  closed(session: Member): void {
    this.#relays.closed(session);
    this.#names.release(session, session.name);
    this.#presence.deleteSession(session);
  }

  /**
   * Binds the buckets, loads the view, writes this node's heartbeat and
   * sessions and claims its names: what joining (or rejoining) the cluster
   * takes. Throws when NATS fails it, or {@linkcode Superseded}.
   */
  async #restoreOnce(generation: number): Promise<void> {
    const link = this.#link;
    const presence = await bucket(link.kvm, PRESENCE_BUCKET, { history: 1, storage: "memory" });
    // Names outlive a NATS restart (file storage): their holders keep them when it comes back.
    const names = await bucket(link.kvm, NAMES_BUCKET, { history: 1, storage: "file" });
    // Resumable sessions too: a resume on any node, after any restart of NATS.
    const sessions = this.#history
      ? await bucket(link.kvm, SESSIONS_BUCKET, { history: 1, storage: "file" })
      : undefined;
    link.assertCurrent(generation);
    this.#names.bind(names);
    if (sessions) this.#sessions.bind(sessions);
    await this.#presence.load(presence, generation);
    link.assertCurrent(generation);
    link.sync();
    this.#presence.putSessions();
    await this.#names.restore(generation);
  }

  /** {@linkcode NatsBackplane.#restoreOnce}, at start (once) or after a reconnect (until it works). */
  async #restore(generation: number, retry = false): Promise<void> {
    const link = this.#link;
    for (let attempt = 0;; attempt++) {
      try {
        await this.#restoreOnce(generation);
        return;
      } catch (error) {
        if (error instanceof Superseded || link.stopping) return;
        link.unsync();
        if (!retry) throw error;
        log.debug("cluster: presence not restored yet ({error}); trying again", { error });
      }
      await link.sleep(Math.min(BACKOFF_MAX_MS, 100 * 2 ** attempt));
      if (generation !== link.generation || link.stopping) return;
    }
  }

  /** Follows the history stream (failing the start when JetStream refuses it). */
  async #startHistory(history: ClusterHistoryStore): Promise<void> {
    const link = this.#link;
    try {
      await history.start({
        stream: new HistoryStream(link.nc),
        sessions: this.#sessions,
        takeover: (node, id) => this.#takeover.ask(node, id),
        alive: (node) => node === this.node ? Promise.resolve(true) : this.#presence.alive(node),
        deliver: (message) => this.#host.inbound.deliverMessage(message),
        reachable: () => link.synced,
      });
    } catch (error) {
      throw await this.#noJetStream(link.url, "history stream", error);
    }
  }

  /** Stops, having failed to start: the error that says NATS at `url` gave no `what`. */
  async #noJetStream(url: string, what: string, error: unknown): Promise<Error> {
    await this.stop();
    return new Error(
      `NATS at ${url} gave no ${what} (is JetStream on? nats-server -js): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }

  /**
   * The sessions of a dead node (this node tidies up after it): with
   * history, each one whose record still names that node is taken over
   * here, away from now, so that it is listed, reached and resumable for
   * the resume window (its name with it); the name of any other one is
   * freed in the names bucket, if the dead node still holds it there.
   */
  #orphaned(node: string, sessions: readonly { id: string; name: string }[]): void {
    const now = this.#clock.now();
    const history = this.#history;
    for (const { id, name } of sessions) {
      const free = () => this.#names.dropDead(name, { node, session: id });
      this.#link.track(
        history === undefined ? free() : history.orphan(id, node, now).then((record) => {
          if (record) this.#host.orphaned(record);
          else return free();
        }),
      );
    }
  }

  /** Follows the history stream again after an outage (logging a failure: the next outage retries). */
  async #refollow(): Promise<void> {
    try {
      await this.#history?.refollow();
    } catch (error) {
      log.error("cluster: the history stream is not followed again: {error}", { error });
    }
  }

  /** NATS is back: restores presence (until it works, or a newer outage supersedes it). */
  #regained(generation: number): void {
    this.#link.task((async () => {
      await this.#restore(generation, true);
      if (generation === this.#link.generation && this.#link.synced) await this.#refollow();
      if (generation === this.#link.generation && this.#link.synced) {
        log.info(
          "cluster: presence restored: {sessions} sessions, {names} names; {nodes} other nodes",
          {
            sessions: this.#host.members.size,
            names: this.#names.size,
            nodes: [...this.#view.nodes()].length,
          },
        );
      }
    })());
  }
}

/**
 * Creates a KV bucket, or binds the one another server created at the same
 * moment: JetStream then refuses the second create ("subjects overlap with
 * an existing stream"), and the bucket is there to open.
 */
async function bucket(kvm: Kvm, name: string, options: Partial<KvOptions>): Promise<KV> {
  try {
    return await kvm.create(name, options);
  } catch (error) {
    try {
      return await kvm.open(name, options);
    } catch {
      throw error;
    }
  }
}
