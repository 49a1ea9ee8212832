/**
 * Room membership: a join or leave in this node's registry, told to the
 * other nodes of a cluster (a join waits until the room's relays reach
 * this node).
 *
 * @module
 */

import type { Backplane } from "./backplane.ts";
import type { Member } from "./member.ts";
import type { Entry, Registry } from "./registry.ts";

/** The rooms of one node's sessions. */
export class Rooms<S extends Entry & Member> {
  #registry: Registry<S>;
  #backplane: Backplane;

  /** Rooms of the sessions of `registry`, told to the other nodes through `backplane`. */
  constructor(registry: Registry<S>, backplane: Backplane) {
    this.#registry = registry;
    this.#backplane = backplane;
  }

  /** Puts a session in a room (`invalid_name`); in a cluster, a promise. */
  join(session: S, room: string): void | Promise<void> {
    if (session.rooms.has(room)) return;
    this.#registry.join(session, room);
    return this.#backplane.joined(session, room);
  }

  /** Takes a session out of a room (`no_such_room`). */
  leave(session: S, room: string): void {
    this.#registry.leave(session, room);
    this.#backplane.left(session, room);
  }
}
