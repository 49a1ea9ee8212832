/**
 * The cluster's history: one JetStream stream, `CHAT_HISTORY`, on the
 * one subject `chat.history`, holding every message the nodes relay (to
 * everyone, to a room, to a session) in one order. A message's stream
 * sequence is its `seq` (PROTOCOL.md section 9): the same on every node,
 * growing, never reused (the stream is on file, so it outlives a NATS
 * restart; it keeps the last `--history` messages).
 *
 * A node publishes each message with JetStream (many in flight at once,
 * in the order its sessions sent them: one connection keeps that order,
 * so one session's messages get growing seqs) and answers its sender once
 * the stream acknowledged it. The publishes are plain NATS publishes with
 * a reply subject of the node's one acknowledgement inbox
 * (`<inbox>.<n>`), matched to their acknowledgements by `n`: no request
 * object, timer or subscription per message (the JetStream client's
 * `publish` costs about 25 times the CPU of a plain publish), and one
 * sweep gives up on those unanswered after 5 s. Each node follows the whole stream with one
 * ordered consumer (one per node, never one per session or room), from the
 * oldest message kept: every message, its own ones too, reaches it in seq
 * order, to be kept in its mirror and delivered to its sessions.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import type { ConsumerMessages } from "@nats-io/jetstream";
import { createInbox, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { FrameId } from "../../protocol/messages.ts";
import type { MessageDraft } from "../history/mod.ts";
import {
  decodeHistoryPayload,
  encodeHistoryPayload,
  type HistoryPayload,
} from "./history_payload.ts";

const log = getLogger(["chat", "cluster"]);

/** The stream of the cluster's messages. */
export const HISTORY_STREAM = "CHAT_HISTORY";

/** Its one subject. */
export const HISTORY_SUBJECT = "chat.history";

/** How long a publish may wait for the stream's acknowledgement. */
const PUBLISH_MS = 5000;

/** A publish waiting for the stream's acknowledgement. */
interface Pending {
  readonly sent: number;
  readonly resolve: (seq: number) => void;
  readonly reject: (error: Error) => void;
}

const decoder = new TextDecoder();

/** The seq of a JetStream publish acknowledgement; an `Error` saying why when it is none. */
function ackSeq(data: Uint8Array): number | Error {
  if (data.length === 0) return new Error("no JetStream stream answered (no responders)");
  let ack: { seq?: unknown; error?: { description?: unknown } };
  try {
    ack = JSON.parse(decoder.decode(data));
  } catch {
    return new Error("the stream's answer is not JSON");
  }
  if (typeof ack?.seq === "number") return ack.seq;
  return new Error(`the stream refused the message: ${String(ack?.error?.description)}`);
}

/** The cluster's history stream as one node uses it. */
export class HistoryStream {
  #js: JetStreamClient;
  #jsm: JetStreamManager | undefined;
  #nc: NatsConnection;
  #following: ConsumerMessages | undefined;
  /** The inbox of the acknowledgements of this node's publishes. */
  #inbox = createInbox();
  #acks: Subscription | undefined;
  #next = 0;
  #pending = new Map<number, Pending>();
  #sweep: ReturnType<typeof setInterval> | undefined;

  /** The stream over `nc` (bind it with {@linkcode HistoryStream.bind}). */
  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#js = jetstream(nc, { timeout: PUBLISH_MS });
  }

  /**
   * Creates the stream (keeping the last `limit` messages), or binds the
   * one another node created; returns the seq of the oldest message it
   * holds (the newest plus one when it holds none).
   */
  async bind(limit: number): Promise<number> {
    const jsm = this.#jsm ??= await jetstreamManager(this.#nc, { timeout: PUBLISH_MS });
    try {
      const info = await jsm.streams.add({
        name: HISTORY_STREAM,
        subjects: [HISTORY_SUBJECT],
        max_msgs: limit,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        num_replicas: 1,
      });
      return info.state.first_seq || info.state.last_seq + 1;
    } catch (error) {
      // Made by another node meanwhile, or before with other settings: it is the one to use.
      try {
        const info = await jsm.streams.info(HISTORY_STREAM);
        return info.state.first_seq || info.state.last_seq + 1;
      } catch {
        throw error;
      }
    }
  }

  /** The seq of the newest message in the stream (0: none yet). */
  async newest(): Promise<number> {
    const jsm = this.#jsm ??= await jetstreamManager(this.#nc, { timeout: PUBLISH_MS });
    return (await jsm.streams.info(HISTORY_STREAM)).state.last_seq;
  }

  /** Publishes a message; resolves to its seq once the stream keeps it. */
  publish(draft: MessageDraft, id?: FrameId): Promise<number> {
    this.#listen();
    const n = ++this.#next;
    const { promise, resolve, reject } = Promise.withResolvers<number>();
    this.#pending.set(n, { sent: Date.now(), resolve, reject });
    try {
      this.#nc.publish(HISTORY_SUBJECT, encodeHistoryPayload(draft, id), {
        reply: `${this.#inbox}.${n}`,
      });
    } catch (error) {
      this.#pending.delete(n);
      reject(error as Error);
    }
    return promise;
  }

  /** Subscribes the acknowledgements' inbox and starts their sweep, once. */
  #listen(): void {
    if (this.#acks !== undefined) return;
    const prefix = this.#inbox.length + 1;
    this.#acks = this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (error, msg) => {
        if (error) return;
        const n = Number(msg.subject.slice(prefix));
        const pending = this.#pending.get(n);
        if (pending === undefined) return; // given up on already
        this.#pending.delete(n);
        const seq = ackSeq(msg.data);
        if (typeof seq === "number") pending.resolve(seq);
        else pending.reject(seq);
      },
    });
    this.#sweep = setInterval(() => this.#giveUp(Date.now() - PUBLISH_MS), PUBLISH_MS / 5);
  }

  /** Rejects the publishes sent before `before` (all of them when not given). */
  #giveUp(before = Infinity): void {
    for (const [n, pending] of this.#pending) {
      if (pending.sent >= before) break; // the map is in the order they were sent
      this.#pending.delete(n);
      pending.reject(new Error("the history stream did not answer in time"));
    }
  }

  /**
   * Follows the stream from seq `from` on, handing each message to
   * `received` in seq order (a payload that is not a message is logged and
   * handed as `undefined`, so that the seqs stay contiguous). One ordered consumer: it starts again by itself after an
   * outage of NATS, from where it was.
   */
  async follow(
    from: number,
    received: (seq: number, payload: HistoryPayload | undefined) => void,
  ): Promise<void> {
    const consumer = await this.#js.consumers.get(HISTORY_STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, from),
    });
    this.#following = await consumer.consume({
      max_messages: 1000,
      callback: (msg) => {
        const payload = decodeHistoryPayload(msg.data);
        if (payload === undefined) {
          log.warn("cluster: message {seq} of the history stream is not a message: skipped", {
            seq: msg.seq,
          });
        }
        received(msg.seq, payload);
      },
    });
  }

  /** Stops following. */
  async stop(): Promise<void> {
    const following = this.#following;
    this.#following = undefined;
    await following?.close();
  }

  /** Stops following, and gives up on the publishes still unanswered. */
  async close(): Promise<void> {
    await this.stop();
    clearInterval(this.#sweep);
    this.#acks?.unsubscribe();
    this.#acks = undefined;
    this.#giveUp();
  }
}
