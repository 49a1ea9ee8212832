/**
 * History in a cluster (PROTOCOL.md section 9): the seqs and the order are
 * the history stream's (`history_stream.ts`), the same on every node; each
 * node keeps a mirror of the stream in memory (the last `--history`
 * messages, fed by its one consumer in seq order) and answers `history`
 * requests, resends and replays from it. A message is delivered to this
 * node's sessions as it reaches the mirror, never before: so every session
 * receives its live messages in increasing seq, whichever node sent them.
 *
 * - `append` publishes to the stream and resolves to the seq once the
 *   stream acknowledged it: the ack to the sender waits for that. It
 *   rejects with {@linkcode Unsequenced} while NATS is away (the server then
 *   relays locally, without a seq: PROTOCOL.md section 9).
 * - `history` and a resume first wait until the mirror holds every message
 *   this node got a seq for (and, for a resume, every message of the stream
 *   at that moment), so that nothing acknowledged is missing from them.
 * - Sessions are the cluster's, in the sessions bucket
 *   (`session_bucket.ts`): each change of one is written there before it
 *   is answered; a resume finds the session by its token's hash, takes its
 *   record over (compare-and-set), asks the node that held it to let it go
 *   (`takeover.ts`) and replays what it missed from the mirror. The token
 *   a session's last resume used works once more only when the node that
 *   took it over is dead (its `resumed` frame may have died with it), as a
 *   restart with `--store` allows. While NATS is away, nothing is written
 *   there and nothing can be resumed.
 *
 * @module
 */

import { settleWithin } from "../../async/deadline.ts";
import type { FrameId } from "../../protocol/messages.ts";
import {
  type HistoryPage,
  type HistoryQuery,
  type HistoryStore,
  MemoryHistoryStore,
  type MessageDraft,
  type Replay,
  type ReplayFilter,
  type ResumeRequest,
  type Resumption,
  type SessionRecord,
  type StoredMessage,
  storedMessage,
} from "../history/mod.ts";
import type { HistoryPayload } from "./history_payload.ts";
import type { HistoryStream } from "./history_stream.ts";
import type { SessionBucket } from "./session_bucket.ts";

/** What a {@linkcode ClusterHistoryStore} works with, once its node joined the cluster. */
export interface ClusterParts {
  /** The history stream. */
  readonly stream: HistoryStream;
  /** The sessions bucket (bound). */
  readonly sessions: SessionBucket;
  /** Asks `node` to let the session `id` go; resolves once it did, or gave up. */
  takeover(node: string, id: string): Promise<void>;
  /** Whether `node` is alive (this one is). */
  alive(node: string): Promise<boolean>;
  /** Delivers a message to this node's sessions it is for. */
  deliver(message: StoredMessage): void;
  /** Whether NATS can be reached now. */
  reachable(): boolean;
}

/** Thrown (rejected) by an append while the cluster's stream cannot be reached. */
export class Unsequenced extends Error {}

/** What stands in the mirror for a stream message that was not one: it is for nobody. */
const NOBODY: MessageDraft = {
  ts: 0,
  sender: "",
  from: "",
  verified: false,
  content: "",
  recipient: "",
  to: "",
};

/** How long `history` and a resume wait for the mirror to catch up with the stream. */
export const CATCH_UP_MS = 5000;

/** How many times a resume reads a session's record again when it changed under it. */
const TAKEOVER_ATTEMPTS = 3;

/** A wait for the mirror to reach a seq. */
interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
}

/** The history of a cluster, as one node keeps and serves it. */
export class ClusterHistoryStore implements HistoryStore {
  /** It delivers the messages to this node's sessions itself, as they come from the stream. */
  readonly delivers = true;
  /** Its sessions are the cluster's. */
  readonly shared = true;
  readonly #mirror: MemoryHistoryStore;
  #parts: ClusterParts | undefined;
  #stream: HistoryStream | undefined;
  #reachable: () => boolean = () => false;
  #deliver: (message: StoredMessage) => void = () => {};
  /** The newest seq the stream gave this node's appends. */
  #acked = 0;
  #waiters: Waiter[] = [];

  /** A store that keeps the last `limit` messages of the cluster (start it to follow the stream). */
  constructor(limit: number) {
    this.#mirror = new MemoryHistoryStore({ limit });
  }

  /** The most messages kept. */
  get limit(): number {
    return this.#mirror.limit;
  }

  /** The newest seq in the mirror. */
  get newest(): number {
    return this.#mirror.newest;
  }

  /**
   * Binds the stream and follows it, from its oldest message, handing each
   * to `parts.deliver` once it is in the mirror; resolves once the mirror
   * holds every message the stream held at the start.
   */
  async start(parts: ClusterParts): Promise<void> {
    const { stream } = parts;
    this.#parts = parts;
    this.#stream = stream;
    this.#reachable = parts.reachable;
    const first = await stream.bind(this.limit);
    const newest = await stream.newest();
    await stream.follow(first, (seq, payload) => this.#received(seq, payload));
    await this.#caughtUp(newest);
    this.#deliver = parts.deliver;
  }

  /**
   * NATS is back after an outage: follows the stream again, with a new
   * consumer, from the message after the newest in the mirror (what was
   * published meanwhile comes first).
   */
  async refollow(): Promise<void> {
    const stream = this.#stream;
    if (stream === undefined) return;
    await stream.stop();
    await stream.bind(this.limit);
    await stream.follow(this.#mirror.newest + 1, (seq, payload) => this.#received(seq, payload));
  }

  /** Keeps a message in the cluster's stream; resolves to its seq once the stream has it. */
  append(message: MessageDraft, id?: FrameId): Promise<number> {
    const stream = this.#stream;
    if (stream === undefined || !this.#reachable()) {
      return Promise.reject(new Unsequenced("NATS cannot be reached"));
    }
    return stream.publish(message, id).then((seq) => {
      if (seq > this.#acked) this.#acked = seq;
      return seq;
    }, (error) => {
      throw new Unsequenced(`the history stream did not take a message: ${error.message}`, {
        cause: error,
      });
    });
  }

  /** The seq of `session`'s recent message with `id`, as the mirror knows it. */
  resent(session: string, id: FrameId): number | undefined {
    return this.#mirror.resent(session, id);
  }

  /**
   * A page of history, once the mirror holds what this node got seqs for
   * (or, when it cannot catch up within {@linkcode CATCH_UP_MS}, what it has).
   */
  history(query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    if (this.#mirror.newest >= this.#acked) return this.#mirror.history(query);
    return this.#caughtUp(this.#acked).then(() => this.#mirror.history(query));
  }

  /** What a session with `filter` missed after `after`, from the mirror. */
  replay(filter: ReplayFilter, after: number): Replay {
    return this.#mirror.replay(filter, after);
  }

  /** None to restore at start: the cluster's sessions are taken over one by one, by resumes. */
  sessions(): readonly SessionRecord[] {
    return [];
  }

  /** Keeps a session of this node in the sessions bucket (nothing while NATS is away). */
  saveSession(session: SessionRecord): Promise<void> | void {
    const bucket = this.#bucket();
    if (bucket) return bucket.save(session);
  }

  /** Forgets a session that ended for good, and its recent ids. */
  removeSession(id: string): Promise<void> | void {
    this.#mirror.removeSession(id);
    const bucket = this.#bucket();
    if (bucket) return bucket.remove(id);
  }

  /**
   * Takes a session over by its token, with what it missed: once the
   * mirror holds every message the stream holds now, and the node that
   * held the session let it go.
   */
  async resume(request: ResumeRequest): Promise<Resumption | undefined> {
    const bucket = this.#bucket();
    if (!bucket) return undefined;
    // A mirror that could not catch up in time replays what it has, and says it is not all.
    const whole = await this.#caughtUpWithStream();
    // The node that holds it may write its record meanwhile (it went away): find it again.
    for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
      const found = await bucket.find(request.tokenHash);
      if (!found || (request.admit && !request.admit(found.record))) return undefined;
      // The token of the last resume: only when the node that took the session over died.
      if (found.previous && !found.orphaned && await this.#parts!.alive(found.node)) {
        return undefined;
      }
      const session = await bucket.takeOver(found, request.nextTokenHash);
      if (!session) continue;
      await this.#parts!.takeover(found.node, session.id);
      const replay = this.#mirror.replay(session, request.after);
      return { session, ...replay, complete: replay.complete && whole };
    }
    return undefined;
  }

  /**
   * Takes over, away from now, the session `id` of the dead node `node`
   * (this node tidies up after it); `undefined` when another node has it.
   */
  async orphan(id: string, node: string, now: number): Promise<SessionRecord | undefined> {
    return await this.#bucket()?.orphan(id, node, now);
  }

  /** The sessions bucket, while NATS can be reached. */
  #bucket(): SessionBucket | undefined {
    const parts = this.#parts;
    return parts && parts.reachable() && parts.sessions.bound ? parts.sessions : undefined;
  }

  /** Stops following the stream. */
  async close(): Promise<void> {
    await this.#stream?.close();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters = [];
  }

  /**
   * Resolves to `true` once the mirror holds seq `seq`, or to `false` after
   * {@linkcode CATCH_UP_MS} (the stream's consumer is stuck: NATS went away).
   */
  async #caughtUp(seq: number): Promise<boolean> {
    if (this.#mirror.newest >= seq) return true;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ seq, resolve });
    await settleWithin(promise, CATCH_UP_MS);
    return this.#mirror.newest >= seq;
  }

  /**
   * Resolves to whether the mirror holds the stream's newest message (at
   * once, `false`, when NATS is away: the mirror is what there is).
   */
  async #caughtUpWithStream(): Promise<boolean> {
    if (this.#stream === undefined || !this.#reachable()) return false;
    let newest: number;
    try {
      newest = await this.#stream.newest();
    } catch {
      return false;
    }
    return await this.#caughtUp(Math.max(newest, this.#acked));
  }

  /** A message of the stream, in seq order: kept, then delivered. */
  #received(seq: number, payload: HistoryPayload | undefined): void {
    if (seq <= this.#mirror.newest) return; // seen (a consumer starting again)
    const draft = payload?.draft ?? NOBODY;
    this.#mirror.append(draft, payload?.id, seq);
    if (payload !== undefined) this.#deliver(storedMessage(seq, draft));
    if (this.#waiters.length > 0) {
      const still: Waiter[] = [];
      for (const waiter of this.#waiters) {
        if (waiter.seq <= seq) waiter.resolve();
        else still.push(waiter);
      }
      this.#waiters = still;
    }
  }
}
