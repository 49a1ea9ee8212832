/**
 * Room membership: a join or leave in this node's registry, told to the
 * other nodes of a cluster (a join waits until the room's relays reach
 * this node), at most `--max-rooms` rooms a session.
 *
 * A room is named in any spelling (PROTOCOL.md section 2) and shown by the
 * spelling (normalized) it was created with: a room new on this node takes
 * the name other nodes show it by, if any.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { normalizeName } from "../protocol/names.ts";
import type { Backplane } from "./backplane.ts";
import type { Directory } from "./handler.ts";
import type { Member } from "./member.ts";
import type { RoomNotices } from "./notices.ts";
import type { Entry, Registry } from "./registry.ts";

/** The rooms of one node's sessions. */
export class Rooms<S extends Entry & Member> {
  #registry: Registry<S>;
  #backplane: Backplane;
  #directory: Pick<Directory, "roomName">;
  #notices: Pick<RoomNotices<S>, "joined" | "left">;
  #maxRooms: number;

  /**
   * Rooms of the sessions of `registry` (at most `maxRooms` each), told to
   * the other nodes through `backplane`, and to the rooms' members through
   * `notices`; `directory` knows the rooms of every node.
   */
  constructor(
    registry: Registry<S>,
    backplane: Backplane,
    directory: Pick<Directory, "roomName">,
    notices: Pick<RoomNotices<S>, "joined" | "left">,
    maxRooms: number,
  ) {
    this.#registry = registry;
    this.#backplane = backplane;
    this.#directory = directory;
    this.#notices = notices;
    this.#maxRooms = maxRooms;
  }

  /** Puts a session in a room (`invalid_name`, `too_many_rooms`); in a cluster, a promise. */
  join(session: S, room: string): void | Promise<void> {
    const name = normalizeName(room, "room name");
    const here = this.#registry.roomName(name);
    if (here !== undefined && session.rooms.has(here)) return;
    if (session.rooms.size >= this.#maxRooms) {
      throw new ChatError("too_many_rooms", `already in ${this.#maxRooms} rooms, the most allowed`);
    }
    const joined = this.#registry.join(session, this.#directory.roomName(name) ?? name);
    this.#notices.joined(session, joined);
    return this.#backplane.joined(session, joined);
  }

  /** Takes a session out of a room (`no_such_room`). */
  leave(session: S, room: string): void {
    const left = this.#registry.leave(session, room);
    this.#notices.left(session, left, "left");
    this.#backplane.left(session, left);
  }
}
