/**
 * The fan-out of relayed frames: a handler's relay to an audience or to
 * sessions it names, and the relays other nodes of a cluster hand this
 * one. Each frame is encoded once ({@linkcode SplicedFrame}) and spliced
 * with each receiver's id.
 *
 * @module
 */

import type { Frame } from "../protocol/messages.ts";
import { SplicedFrame } from "../protocol/encode.ts";
import type { Backplane, Inbound } from "./backplane.ts";
import { messageFrame, type StoredMessage } from "./history/mod.ts";
import type { Audience, SessionInfo } from "./handler.ts";
import type { ServerMetrics } from "./metrics.ts";

/** A session of this node that a relay reaches. */
export interface Recipient {
  /** The session's UUID. */
  readonly id: string;
  /** Queues a frame encoded once for many receivers; `false` when it was not taken. */
  deliver(frame: SplicedFrame): boolean;
  /**
   * `true` for a session waiting to be resumed (PROTOCOL.md section 9): a
   * relay reaches it (it counts in `recipients`) but writes no live copy.
   */
  readonly away?: boolean;
}

/** This node's registered sessions, as the relay finds them. */
export interface Recipients<R extends Recipient> {
  /** Every one of them. */
  sessions(): Iterable<R>;
  /** The members of a room. */
  members(room: string): Iterable<R>;
  /** The one with this session id. */
  get(id: string): R | undefined;
}

/** Whether relay targets are sessions (an iterable) rather than an {@linkcode Audience}. */
function isIterable(targets: Iterable<SessionInfo> | Audience): targets is Iterable<SessionInfo> {
  return Symbol.iterator in targets;
}

/** The relays of one node: out to its sessions and the other nodes, and in from them. */
export class Relay<R extends Recipient> implements Inbound {
  #local: Recipients<R>;
  #backplane: Backplane;
  #metrics: Pick<ServerMetrics, "messages" | "deliveries">;

  /**
   * Relays to the sessions of `local` and, through `backplane`, of the other
   * nodes; counts messages and the copies delivered here in `metrics`.
   */
  constructor(
    local: Recipients<R>,
    backplane: Backplane,
    metrics: Pick<ServerMetrics, "messages" | "deliveries">,
  ) {
    this.#local = local;
    this.#backplane = backplane;
    this.#metrics = metrics;
  }

  /**
   * Sends `frame` to an audience (never to `sender`) or to the sessions
   * listed, found by id: this node's own, else through the backplane to
   * the node that holds them. Returns how many sessions it reached.
   */
  send(targets: Iterable<SessionInfo> | Audience, frame: Frame, sender: R): number {
    const spliced = new SplicedFrame(frame);
    if (frame.type === "message") this.#metrics.messages++;
    if (!isIterable(targets)) {
      const room = (targets as { room?: string }).room;
      const local = room === undefined ? this.#local.sessions() : this.#local.members(room);
      return this.#deliverEach(local, spliced, sender) +
        this.#backplane.publish(targets, spliced);
    }
    return this.#sendTo(targets, spliced);
  }

  #sendTo(targets: Iterable<SessionInfo>, spliced: SplicedFrame): number {
    let reached = 0;
    let remote: Map<string, string[]> | undefined;
    for (const { id } of targets) {
      const local = this.#local.get(id);
      if (local !== undefined) {
        if (local.deliver(spliced)) {
          reached++;
          if (!local.away) this.#metrics.deliveries++;
        }
        continue;
      }
      const node = this.#backplane.nodeOf(id);
      if (node === undefined) continue; // nobody by that id: gone meanwhile
      remote ??= new Map();
      const ids = remote.get(node);
      if (ids) ids.push(id);
      else remote.set(node, [id]);
    }
    if (remote) {
      for (const [node, sessions] of remote) {
        reached += this.#backplane.publish({ node, sessions }, spliced);
      }
    }
    return reached;
  }

  /** Delivers a relay from another node to every session of this one. */
  deliverAll(frame: SplicedFrame): void {
    this.#deliverEach(this.#local.sessions(), frame);
  }

  /** Delivers a relay from another node to this node's members of a room. */
  deliverRoom(room: string, frame: SplicedFrame): void {
    this.#deliverEach(this.#local.members(room), frame);
  }

  /** Delivers a relay from another node to sessions of this node by id. */
  deliverTo(sessions: readonly string[], frame: SplicedFrame): void {
    const local: R[] = [];
    for (const id of sessions) {
      const session = this.#local.get(id);
      if (session !== undefined) local.push(session);
    }
    this.#deliverEach(local, frame);
  }

  /**
   * Delivers a message of the cluster's history to the sessions of this
   * node it is for (to one session, a room's members, or everyone), its
   * sender aside; counts it as relayed here when its sender is here.
   */
  deliverMessage(message: StoredMessage): void {
    const frame = new SplicedFrame(messageFrame(message, false));
    const { sender, recipient, room } = message;
    const from = this.#local.get(sender);
    if (from !== undefined) this.#metrics.messages++;
    if (recipient !== undefined) {
      const session = this.#local.get(recipient);
      if (session !== undefined && session.id !== sender && session.deliver(frame)) {
        if (!session.away) this.#metrics.deliveries++;
      }
      return;
    }
    const sessions = room === undefined ? this.#local.sessions() : this.#local.members(room);
    this.#deliverEach(sessions, frame, from);
  }

  /**
   * Delivers to each of `sessions` (`except` aside),
   * counting the live copies (none to an away session); returns how many
   * took it (away ones included).
   */
  #deliverEach(sessions: Iterable<R>, frame: SplicedFrame, except?: R): number {
    let reached = 0;
    let live = 0;
    for (const session of sessions) {
      if (session === except || !session.deliver(frame)) continue;
      reached++;
      if (!session.away) live++;
    }
    this.#metrics.deliveries += live;
    return reached;
  }
}
