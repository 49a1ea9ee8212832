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
 *
 * @module
 */

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

/** A wait for the mirror to reach a seq. */
interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
}

/** The history of a cluster, as one node keeps and serves it. */
export class ClusterHistoryStore implements HistoryStore {
  /** It delivers the messages to this node's sessions itself, as they come from the stream. */
  readonly delivers = true;
  readonly #mirror: MemoryHistoryStore;
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
   * to `deliver` once it is in the mirror; resolves once the mirror holds
   * every message the stream held at the start. `reachable` tells whether
   * NATS can be reached now.
   */
  async start(
    stream: HistoryStream,
    deliver: (message: StoredMessage) => void,
    reachable: () => boolean,
  ): Promise<void> {
    this.#stream = stream;
    this.#reachable = reachable;
    const first = await stream.bind(this.limit);
    const newest = await stream.newest();
    await stream.follow(first, (seq, payload) => this.#received(seq, payload));
    await this.#caughtUp(newest);
    this.#deliver = deliver;
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

  /** A page of history, once the mirror holds what this node got seqs for. */
  history(query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    if (this.#mirror.newest >= this.#acked) return this.#mirror.history(query);
    return this.#caughtUp(this.#acked).then(() => this.#mirror.history(query));
  }

  /** What a session with `filter` missed after `after`, from the mirror. */
  replay(filter: ReplayFilter, after: number): Replay {
    return this.#mirror.replay(filter, after);
  }

  /** Every resumable session. */
  sessions(): readonly SessionRecord[] {
    return this.#mirror.sessions();
  }

  /** Keeps a session. */
  saveSession(session: SessionRecord): void {
    this.#mirror.saveSession(session);
  }

  /** Forgets a session. */
  removeSession(id: string): void {
    this.#mirror.removeSession(id);
  }

  /**
   * Takes a session over by its token, with what it missed: once the
   * mirror holds every message the stream holds now.
   */
  async resume(request: ResumeRequest): Promise<Resumption | undefined> {
    await this.#caughtUpWithStream();
    return this.#mirror.resume(request);
  }

  /** Stops following the stream. */
  async close(): Promise<void> {
    await this.#stream?.stop();
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters = [];
  }

  /** Resolves once the mirror holds seq `seq`. */
  #caughtUp(seq: number): Promise<void> {
    if (this.#mirror.newest >= seq) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ seq, resolve });
    return promise;
  }

  /** Resolves once the mirror holds the stream's newest message (at once when NATS is away). */
  async #caughtUpWithStream(): Promise<void> {
    if (this.#stream === undefined || !this.#reachable()) return;
    let newest: number;
    try {
      newest = await this.#stream.newest();
    } catch {
      return; // NATS went away: the mirror is what there is.
    }
    await this.#caughtUp(Math.max(newest, this.#acked));
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
