/**
 * Relays between nodes: one NATS message per relay, on the subjects of
 * `subjects.ts`, out to the other nodes and in (the fan-out to this node's
 * sessions). A node hears a room's subject only while one of its sessions
 * is in the room, and `chat.all` only while it has a session.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { SplicedFrame } from "../../protocol/encode.ts";
import type { BackplaneHost, RelayTarget } from "../backplane.ts";
import type { Member } from "../member.ts";
import { Interests } from "./interest.ts";
import type { NatsLink } from "./link.ts";
import type { Presence } from "./presence.ts";
import {
  ALL_SUBJECT,
  directPayload,
  isHead,
  nodeSubject,
  parseDirectPayload,
  roomSubject,
} from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** How many room subjects the cache keeps before it starts afresh. */
const ROOM_SUBJECTS_MAX = 10_000;

/** The relays of one node: published out, subscribed by interest, delivered in. */
export class Relays {
  #link: NatsLink;
  #node: string;
  #view: Presence;
  #host: BackplaneHost;
  #interests: Interests;
  #roomSubjects = new Map<string, string>();

  /** Relays of `node` over `link`, counted by `view` and delivered to `host`. */
  constructor(link: NatsLink, node: string, view: Presence, host: BackplaneHost) {
    this.#link = link;
    this.#node = node;
    this.#view = view;
    this.#host = host;
    this.#interests = new Interests(link);
  }

  /** Subscribes this node's own subject: relays to its sessions by id. */
  listen(): void {
    this.#link.nc.subscribe(nodeSubject(this.#node), {
      callback: (error, msg) => {
        if (error) return;
        const direct = parseDirectPayload(msg.data);
        if (direct) this.#host.inbound.deliverTo(direct.sessions, new SplicedFrame(direct.head));
      },
    });
  }

  /** Hands a relay to NATS; returns how many sessions of other nodes it counts as reached. */
  publish(target: RelayTarget, frame: SplicedFrame): number {
    if (!this.#link.connected) return 0;
    const nc = this.#link.nc;
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

  /** A session opened: this node hears relays to everyone. */
  opened(): void {
    this.#interests.want(ALL_SUBJECT, (data) => {
      if (isHead(data)) this.#host.inbound.deliverAll(new SplicedFrame(data));
    }, false);
  }

  /** A session joined `room`: resolves once relays to the room reach this node. */
  joined(room: string): void | Promise<void> {
    return this.#interests.want(this.#roomSubject(room), (data) => {
      if (isHead(data)) this.#host.inbound.deliverRoom(room, new SplicedFrame(data));
    }, true);
  }

  /** A session left `room`. */
  left(room: string): void {
    this.#interests.unwant(this.#roomSubject(room));
  }

  /** A session ended: its rooms and its share of relays to everyone go. */
  closed(session: Member): void {
    for (const room of session.rooms) this.left(room);
    this.#interests.unwant(ALL_SUBJECT);
  }

  #roomSubject(room: string): string {
    let subject = this.#roomSubjects.get(room);
    if (subject === undefined) {
      if (this.#roomSubjects.size >= ROOM_SUBJECTS_MAX) this.#roomSubjects.clear();
      subject = roomSubject(room);
      this.#roomSubjects.set(room, subject);
    }
    return subject;
  }
}
