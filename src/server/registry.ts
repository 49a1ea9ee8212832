/**
 * The registry of a server's sessions, display names and rooms.
 *
 * Names and room names follow PROTOCOL.md section 2: they are stored and
 * shown in their NFKC form, and two names are one when their
 * {@linkcode nameKey}s match (`Bob` is taken while `bob` is held). A room
 * is shown as it was spelled (normalized) when it was created: a `join
 * Lobby` enters `lobby` while `lobby` has members, and the room keeps that
 * name until its last member leaves.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { guestName, isGuestName, nameKey, normalizeName } from "../protocol/names.ts";
import type { Directory, SessionInfo } from "./handler.ts";

/** A session as the registry keeps it: its name and rooms are the registry's to change. */
export interface Entry extends SessionInfo {
  name: string;
  /** Its rooms, by the names they are shown by. */
  readonly rooms: ReadonlySet<string>;
  /** It is in `room` (shown by that name) now: the registry's to call. */
  enter(room: string): void;
  /** It is in `room` no more: the registry's to call. */
  exit(room: string): void;
}

/** A room: the name it is shown by, and its members. */
interface Room<S> {
  readonly name: string;
  readonly members: Set<S>;
}

/** Sessions that completed their handshake, their names (unique) and their rooms. */
export class Registry<S extends Entry = Entry> implements Directory {
  #byId = new Map<string, S>();
  /** By the key of their name. */
  #byName = new Map<string, S>();
  /** By the key of their name. */
  #rooms = new Map<string, Room<S>>();
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
    this.#byName.set(nameKey(session.name), session);
  }

  /** Unregisters a session (or frees the name it took in its handshake) and takes it out of its rooms. */
  remove(session: S): void {
    const key = nameKey(session.name);
    if (this.#byName.get(key) === session) this.#byName.delete(key);
    if (this.#byId.get(session.id) !== session) return;
    this.#byId.delete(session.id);
    for (const room of session.rooms) this.#leaveRoom(session, nameKey(room));
  }

  /**
   * Puts `next` in the place of `old`, which has the same id, name and
   * rooms: a session gone away, or resumed. `next` holds the name (by its
   * key) and is in each room under the name the room is shown by.
   */
  replace(old: S, next: S): void {
    this.#byId.set(next.id, next);
    const key = nameKey(old.name);
    if (this.#byName.get(key) === old) {
      this.#byName.delete(key);
      this.#byName.set(nameKey(next.name), next);
    }
    for (const shown of old.rooms) {
      const room = this.#rooms.get(nameKey(shown));
      if (room === undefined) continue;
      room.members.delete(old);
      room.members.add(next);
      next.enter(room.name);
    }
  }

  /** Every registered session. */
  sessions(): Iterable<S> {
    return this.#byId.values();
  }

  /** The session holding a display name (in any spelling of it), else the one with that id. */
  find(nameOrId: string): S | undefined {
    return this.#byName.get(nameKey(nameOrId)) ?? this.#byId.get(nameOrId);
  }

  /** The registered session with this id. */
  get(id: string): S | undefined {
    return this.#byId.get(id);
  }

  /** The session holding this display name, in any spelling (registered, or in its handshake). */
  byName(name: string): S | undefined {
    return this.#byName.get(nameKey(name));
  }

  /** Whether a display name (in any spelling) is free, or held by `session` itself. */
  isFree(name: string, session?: S): boolean {
    const key = nameKey(name);
    const holder = this.#byName.get(key);
    if (holder !== undefined) return holder === session;
    return !this.#guests.has(key) || (session !== undefined && guestName(session.id) === key);
  }

  /**
   * The name `session` may choose: `name` normalized. Throws `invalid_name`
   * (the rules of PROTOCOL.md section 2, or a name starting with `guest-`,
   * which is the server's to give) or `name_taken`.
   */
  checkName(session: S, name: string): string {
    const normalized = normalizeName(name);
    if (isGuestName(normalized)) {
      throw new ChatError(
        "invalid_name",
        `invalid name ${JSON.stringify(name)}: names starting with guest- are the server's`,
      );
    }
    if (!this.isFree(normalized, session)) {
      throw new ChatError("name_taken", `name ${normalized} is taken`);
    }
    return normalized;
  }

  /**
   * Gives a session a display name (normalized; or its guest name, which the
   * server gives back); throws `invalid_name` or `name_taken`.
   */
  rename(session: S, name: string): void {
    const normalized = normalizeName(name);
    if (!this.isFree(normalized, session)) {
      throw new ChatError("name_taken", `name ${normalized} is taken`);
    }
    const old = nameKey(session.name);
    if (this.#byName.get(old) === session) this.#byName.delete(old);
    session.name = normalized;
    this.#byName.set(nameKey(normalized), session);
  }

  /** The members of a room (named in any spelling). */
  members(room: string): Iterable<S> {
    return this.#rooms.get(nameKey(room))?.members ?? [];
  }

  /** The name a room (named in any spelling) is shown by, while it has members here. */
  roomName(room: string): string | undefined {
    return this.#rooms.get(nameKey(room))?.name;
  }

  /**
   * Puts a session in a room, creating it (shown as `room`, normalized) when
   * it has no members; throws `invalid_name`. Returns the room's name.
   */
  join(session: S, room: string): string {
    const normalized = normalizeName(room, "room name");
    const key = nameKey(normalized);
    let found = this.#rooms.get(key);
    if (!found) this.#rooms.set(key, found = { name: normalized, members: new Set() });
    found.members.add(session);
    session.enter(found.name);
    return found.name;
  }

  /**
   * Takes a session out of a room (named in any spelling); throws
   * `no_such_room` when it is not a member. Returns the room's name.
   */
  leave(session: S, room: string): string {
    const key = nameKey(room);
    const found = this.#rooms.get(key);
    if (!found?.members.has(session)) throw new ChatError("no_such_room", `not in room ${room}`);
    this.#leaveRoom(session, key);
    return found.name;
  }

  #leaveRoom(session: S, key: string): void {
    const room = this.#rooms.get(key);
    if (!room) return;
    session.exit(room.name);
    room.members.delete(session);
    if (room.members.size === 0) this.#rooms.delete(key);
  }
}
