/**
 * A session as the server's shared parts see it: the backplane and the
 * cluster modules, the relay, names and rooms. They know its id, name,
 * transport and rooms, and whether it is on its way out; never the
 * connection behind it.
 *
 * @module
 */

import type { Directory, SessionInfo } from "./handler.ts";

/** A session of this node as the backplane and the cluster see it. */
export interface Member extends SessionInfo {
  /** Whether the session is closing or closed. */
  readonly gone: boolean;
}

/** This node's sessions that completed their handshake, read-only: the registry's view. */
export interface Members extends Directory {
  /** How many there are. */
  readonly size: number;
  /** Every one of them. */
  sessions(): Iterable<Member>;
  /** The one holding this display name or, failing that, this session id. */
  find(nameOrId: string): Member | undefined;
  /** The one with this session id. */
  get(id: string): Member | undefined;
  /** The one holding this display name. */
  byName(name: string): Member | undefined;
  /** The members of a room. */
  members(room: string): Iterable<Member>;
}
