/**
 * A login token's `rooms` claim (PROTOCOL.md section 11): the only rooms a
 * session may join or ask `who` about (others get `not_permitted`), and the
 * only rooms its `who` answers list of each session. It limits the session,
 * not the rooms: others may join them as they like.
 *
 * @module
 */

import { ChatError } from "../protocol/errors.ts";
import { nameKey } from "../protocol/names.ts";
import type { Directory, SessionInfo } from "./handler.ts";

/** The rooms one session may see, compared as PROTOCOL.md section 2 compares names. */
export class RoomLimit {
  readonly #keys: ReadonlySet<string>;

  /** The limit of a `rooms` claim (names already normalized). */
  constructor(rooms: readonly string[]) {
    this.#keys = new Set(rooms.map(nameKey));
  }

  /** Whether `room` (in any spelling) is one of the rooms. */
  allows(room: string): boolean {
    return this.#keys.has(nameKey(room));
  }

  /** Throws `not_permitted` unless `room` is one of the rooms. */
  check(room: string): void {
    if (!this.allows(room)) {
      throw new ChatError(
        "not_permitted",
        `room ${JSON.stringify(room)} is not among the rooms this login allows`,
      );
    }
  }

  /** `directory` as a session of this limit sees it (see {@linkcode LimitedDirectory}). */
  view(directory: Directory): Directory {
    return new LimitedDirectory(directory, this);
  }
}

/**
 * A directory seen through a {@linkcode RoomLimit}: the members of a room
 * outside it are `not_permitted`, and each session's `rooms` lists only the
 * rooms of the limit.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * import { Registry } from "./registry.ts";
 * import { RoomLimit } from "./room_limit.ts";
 * const registry = new Registry();
 * const rooms = new Set<string>();
 * const ann = {
 *   id: crypto.randomUUID(),
 *   name: "ann",
 *   transport: "tcp" as const,
 *   rooms,
 *   enter: (room: string) => void rooms.add(room),
 *   exit: (room: string) => void rooms.delete(room),
 * };
 * registry.add(ann);
 * registry.join(ann, "lobby");
 * registry.join(ann, "ops");
 * const seen = new RoomLimit(["Lobby"]).view(registry);
 * deepStrictEqual([...seen.sessions()].map((s) => [...s.rooms]), [["lobby"]]);
 * throws(() => [...seen.members("ops")], { code: "not_permitted" });
 * ```
 */
export class LimitedDirectory implements Directory {
  readonly #directory: Directory;
  readonly #limit: RoomLimit;

  /** `directory` seen through `limit`. */
  constructor(directory: Directory, limit: RoomLimit) {
    this.#directory = directory;
    this.#limit = limit;
  }

  *sessions(): Iterable<SessionInfo> {
    for (const session of this.#directory.sessions()) yield this.#trimmed(session);
  }

  find(nameOrId: string): SessionInfo | undefined {
    const session = this.#directory.find(nameOrId);
    return session && this.#trimmed(session);
  }

  members(room: string): Iterable<SessionInfo> {
    this.#limit.check(room);
    return this.#membersOf(room);
  }

  roomName(room: string): string | undefined {
    return this.#directory.roomName(room);
  }

  *#membersOf(room: string): Iterable<SessionInfo> {
    for (const session of this.#directory.members(room)) yield this.#trimmed(session);
  }

  /** `session` as the limit shows it: everything it says, but its rooms are those of the limit. */
  #trimmed(session: SessionInfo): SessionInfo {
    const rooms = new Set([...session.rooms].filter((room) => this.#limit.allows(room)));
    return new Proxy(session, {
      get: (target, field) => field === "rooms" ? rooms : Reflect.get(target, field, target),
    });
  }
}
