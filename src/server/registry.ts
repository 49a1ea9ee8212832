/**
 * The registry of a server's sessions, display names and rooms.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { guestName, isValidName } from "../protocol/messages.ts";
import type { Directory, SessionInfo } from "./handler.ts";

/** A session as the registry keeps it: its name and rooms are the registry's to change. */
export interface Entry extends SessionInfo {
  name: string;
  readonly rooms: Set<string>;
}

/** Sessions that completed their handshake, their names (unique) and their rooms. */
export class Registry<S extends Entry = Entry> implements Directory {
  #byId = new Map<string, S>();
  #byName = new Map<string, S>();
  #rooms = new Map<string, Set<S>>();
  /** The guest names of every live session, registered or still in its handshake. */
  #guests = new Set<string>();

  /** How many sessions are registered. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * A new session id (UUID v4) whose guest name no live session holds, and
   * reserves that guest name until {@linkcode Registry.release}.
   */
  newSessionId(): string {
    for (;;) {
      const id = crypto.randomUUID();
      const guest = guestName(id);
      if (this.#guests.has(guest) || this.#byName.has(guest)) continue;
      this.#guests.add(guest);
      return id;
    }
  }

  /** Frees the guest name reserved by {@linkcode Registry.newSessionId}. */
  release(id: string): void {
    this.#guests.delete(guestName(id));
  }

  /** Registers a session under its current name, which must be free. */
  add(session: S): void {
    this.#byId.set(session.id, session);
    this.#byName.set(session.name, session);
  }

  /** Unregisters a session (or frees the name it took in its handshake) and takes it out of its rooms. */
  remove(session: S): void {
    if (this.#byName.get(session.name) === session) this.#byName.delete(session.name);
    if (this.#byId.get(session.id) !== session) return;
    this.#byId.delete(session.id);
    for (const room of session.rooms) this.#leaveRoom(session, room);
  }

  /**
   * Puts `next` in the place of `old`, which has the same id, name and
   * rooms: a session gone away, or resumed.
   */
  replace(old: S, next: S): void {
    this.#byId.set(next.id, next);
    if (this.#byName.get(old.name) === old) this.#byName.set(next.name, next);
    for (const room of old.rooms) {
      const members = this.#rooms.get(room);
      members?.delete(old);
      members?.add(next);
      next.rooms.add(room);
    }
  }

  /** Every registered session. */
  sessions(): Iterable<S> {
    return this.#byId.values();
  }

  /** The session holding a display name, else the one with that id. */
  find(nameOrId: string): S | undefined {
    return this.#byName.get(nameOrId) ?? this.#byId.get(nameOrId);
  }

  /** The registered session with this id. */
  get(id: string): S | undefined {
    return this.#byId.get(id);
  }

  /** The session holding this display name (registered, or in its handshake). */
  byName(name: string): S | undefined {
    return this.#byName.get(name);
  }

  /** Whether a display name is free (or held by `session` itself). */
  isFree(name: string, session?: S): boolean {
    const holder = this.#byName.get(name);
    if (holder !== undefined) return holder === session;
    return !this.#guests.has(name) || (session !== undefined && guestName(session.id) === name);
  }

  /** The members of a room. */
  members(room: string): Iterable<S> {
    return this.#rooms.get(room) ?? [];
  }

  /** Throws `invalid_name` or `name_taken` unless `session` may take the name. */
  checkName(session: S, name: string): void {
    if (!isValidName(name)) {
      throw new ChatError("invalid_name", `invalid name: ${JSON.stringify(name)}`);
    }
    if (!this.isFree(name, session)) throw new ChatError("name_taken", `name ${name} is taken`);
  }

  /** Gives a session a new display name; throws `invalid_name` or `name_taken`. */
  rename(session: S, name: string): void {
    this.checkName(session, name);
    if (this.#byName.get(session.name) === session) this.#byName.delete(session.name);
    session.name = name;
    this.#byName.set(name, session);
  }

  /** Puts a session in a room, creating it; throws `invalid_name`. */
  join(session: S, room: string): void {
    if (!isValidName(room)) {
      throw new ChatError("invalid_name", `invalid room name: ${JSON.stringify(room)}`);
    }
    let members = this.#rooms.get(room);
    if (!members) this.#rooms.set(room, members = new Set());
    members.add(session);
    session.rooms.add(room);
  }

  /** Takes a session out of a room; throws `no_such_room` when it is not a member. */
  leave(session: S, room: string): void {
    if (!session.rooms.has(room)) throw new ChatError("no_such_room", `not in room ${room}`);
    this.#leaveRoom(session, room);
  }

  #leaveRoom(session: S, room: string): void {
    session.rooms.delete(room);
    const members = this.#rooms.get(room);
    if (!members) return;
    members.delete(session);
    if (members.size === 0) this.#rooms.delete(room);
  }
}
