/**
 * The notices of PROTOCOL.md section 8: what happens in a room, told to
 * its other members (on every node of a cluster: a room's notice travels
 * as its messages do), never to the session it is about. There are no
 * notices for the room-less space.
 *
 * @module
 */

import type { Frame } from "../protocol/messages.ts";
import type { Directory, SessionInfo } from "./handler.ts";
import type { Recipient, Relay } from "./relay.ts";

/** Why a session left a room: it asked (`left`), or its session ended for good (`quit`). */
export type LeaveReason = "left" | "quit";

/** A session as notices name it. */
export type Subject = SessionInfo & Recipient;

/** What the parts of a server tell rooms (the {@linkcode Notices} they are given). */
export interface RoomNotices<S> {
  /** `session` joined `room`. */
  joined(session: S, room: string): void;
  /** `session` left `room`. */
  left(session: S, room: string, reason: LeaveReason): void;
  /** `session`'s session ended for good. */
  quit(session: S): void;
  /** `session` changed its name from `old`. */
  renamed(session: S, old: string): void;
}

/** Tells rooms of joins, leaves and new names. */
export class Notices<S extends Subject> implements RoomNotices<S> {
  #relay: Pick<Relay<S>, "send">;
  #directory: Pick<Directory, "members">;

  /** Notices sent through `relay` to the rooms' members that `directory` lists. */
  constructor(relay: Pick<Relay<S>, "send">, directory: Pick<Directory, "members">) {
    this.#relay = relay;
    this.#directory = directory;
  }

  /** `session` joined `room`: its other members hear it. */
  joined(session: S, room: string): void {
    this.#toRoom(session, room, { type: "notice", event: "join", room, name: session.name });
  }

  /** `session` left `room` (`left`), or is in it no more since its session ended (`quit`). */
  left(session: S, room: string, reason: LeaveReason): void {
    const frame = { type: "notice", event: "leave", room, name: session.name, reason };
    this.#toRoom(session, room, frame);
  }

  /** `session`'s session ended for good: each of its rooms hears that it quit. */
  quit(session: S): void {
    for (const room of session.rooms) this.left(session, room, "quit");
  }

  /** `session` is called `session.name` now, `old` before: once to every session sharing a room with it. */
  renamed(session: S, old: string): void {
    if (session.rooms.size === 0) return;
    const others = new Map<string, SessionInfo>();
    for (const room of session.rooms) {
      for (const member of this.#directory.members(room)) {
        if (member.id !== session.id) others.set(member.id, member);
      }
    }
    if (others.size === 0) return;
    this.#relay.send(
      others.values(),
      { type: "notice", event: "nick", name: session.name, old },
      session,
    );
  }

  #toRoom(session: S, room: string, frame: Frame): void {
    this.#relay.send({ room }, frame, session);
  }
}
