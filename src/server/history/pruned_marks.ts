/**
 * What was pruned, per audience, so that a resume's `complete` flag is
 * exact (PROTOCOL.md section 9: `recovered` is false only when some message
 * the session would have received is no longer kept).
 *
 * For each audience (everyone, each room key, each direct recipient) a
 * {@linkcode PrunedMark} holds the largest pruned seq, its sender, and the
 * largest pruned seq of any other sender. The largest pruned seq *not sent
 * by* a session S is then the first when its sender is not S, else the
 * second: a session missed a pruned message of that audience exactly when
 * that seq is above the point from which it would have received it.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { PrunedMarks } from "./pruned_marks.ts";
 * const marks = new PrunedMarks();
 * marks.prune(5, "bob", undefined, undefined); // to everyone
 * marks.prune(6, "ann", undefined, undefined);
 * // ann sent 6 herself: she missed only 5, which she had seen (after 5).
 * ok(marks.complete({ id: "ann", since: 0, rooms: [] }, 5));
 * ok(!marks.complete({ id: "bob", since: 0, rooms: [] }, 5)); // bob missed ann's 6
 * ```
 *
 * @module
 */

import type { ReplayFilter } from "./session_record.ts";

/** The audience key of messages to everyone. */
export const EVERYONE_AUDIENCE = "*";

/** The audience key of a room's messages. */
export function roomAudience(roomKey: string): string {
  return `r:${roomKey}`;
}

/** The audience key of direct messages to a session. */
export function directAudience(sessionId: string): string {
  return `d:${sessionId}`;
}

/** The largest pruned seqs of one audience: overall, and of a sender other than that one's. */
export class PrunedMark {
  /** The audience: {@linkcode EVERYONE_AUDIENCE}, a {@linkcode roomAudience} or a {@linkcode directAudience}. */
  readonly audience: string;
  /** The largest pruned seq (0: none). */
  top = 0;
  /** The sender of {@linkcode PrunedMark.top}. */
  topSender = "";
  /** The largest pruned seq whose sender is not {@linkcode PrunedMark.topSender} (0: none). */
  other = 0;

  /** A mark of nothing pruned yet for `audience`. */
  constructor(audience: string) {
    this.audience = audience;
  }

  /** Counts a pruned message, in any order. */
  add(seq: number, sender: string): void {
    if (seq > this.top) {
      if (sender !== this.topSender) this.other = this.top;
      this.top = seq;
      this.topSender = sender;
    } else if (sender !== this.topSender && seq > this.other) {
      this.other = seq;
    }
  }

  /** The largest pruned seq not sent by `sender` (0: none). */
  excluding(sender: string): number {
    return sender === this.topSender ? this.other : this.top;
  }
}

/** The pruned marks of every audience. */
export class PrunedMarks {
  /** Messages to everyone. */
  readonly everyone: PrunedMark = new PrunedMark(EVERYONE_AUDIENCE);
  readonly #rooms = new Map<string, PrunedMark>();
  readonly #direct = new Map<string, PrunedMark>();

  /**
   * Counts a pruned message (its seq, sender, and room key or recipient,
   * as a stored message has them); returns the mark it changed.
   */
  prune(
    seq: number,
    sender: string,
    roomKey: string | undefined,
    recipient: string | undefined,
  ): PrunedMark {
    let mark = this.everyone;
    if (roomKey !== undefined) {
      mark = this.#rooms.get(roomKey) ?? this.#set(this.#rooms, roomKey, roomAudience(roomKey));
    } else if (recipient !== undefined) {
      mark = this.#direct.get(recipient) ??
        this.#set(this.#direct, recipient, directAudience(recipient));
    }
    mark.add(seq, sender);
    return mark;
  }

  /**
   * Whether every message with a seq above `after` that a session with
   * this filter would have received is still kept.
   */
  complete(filter: ReplayFilter, after: number): boolean {
    const id = filter.id;
    if (this.everyone.excluding(id) > Math.max(after, filter.since)) return false;
    for (const room of filter.rooms) {
      const mark = this.#rooms.get(room.key);
      if (mark && mark.excluding(id) > Math.max(after, room.joined)) return false;
    }
    return (this.#direct.get(id)?.top ?? 0) <= after;
  }

  /** Drops the mark of direct messages to a session that ended for good; returns it, if it had one. */
  forget(sessionId: string): PrunedMark | undefined {
    const mark = this.#direct.get(sessionId);
    this.#direct.delete(sessionId);
    return mark;
  }

  /** Every mark (to persist them). */
  *marks(): IterableIterator<PrunedMark> {
    yield this.everyone;
    yield* this.#rooms.values();
    yield* this.#direct.values();
  }

  /** Sets a mark as it was persisted. */
  restore(audience: string, top: number, topSender: string, other: number): void {
    const key = audience.slice(2);
    const mark = audience === EVERYONE_AUDIENCE
      ? this.everyone
      : audience.startsWith("r:")
      ? this.#rooms.get(key) ?? this.#set(this.#rooms, key, audience)
      : this.#direct.get(key) ?? this.#set(this.#direct, key, audience);
    mark.top = top;
    mark.topSender = topSender;
    mark.other = other;
  }

  #set(map: Map<string, PrunedMark>, key: string, audience: string): PrunedMark {
    const mark = new PrunedMark(audience);
    map.set(key, mark);
    return mark;
  }
}
