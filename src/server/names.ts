/**
 * Display names: a rename checked against this node's registry, claimed
 * across the cluster first when there is one, and a name lost to another
 * node when the cluster healed.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { ChatError } from "../protocol/errors.ts";
import { guestName, nameKey } from "../protocol/names.ts";
import type { Backplane } from "./backplane.ts";
import type { Member } from "./member.ts";
import type { RoomNotices } from "./notices.ts";
import type { Entry, Registry } from "./registry.ts";

const log = getLogger(["chat", "server"]);

/** The display names of one node's sessions. */
export class Names<S extends Entry & Member> {
  #registry: Registry<S>;
  #backplane: Backplane;
  #notices: Pick<RoomNotices<S>, "renamed">;

  /**
   * Names of the sessions of `registry`, claimed through `backplane`; a
   * registered session's new name is told to its rooms through `notices`.
   */
  constructor(
    registry: Registry<S>,
    backplane: Backplane,
    notices: Pick<RoomNotices<S>, "renamed">,
  ) {
    this.#registry = registry;
    this.#backplane = backplane;
    this.#notices = notices;
  }

  /**
   * Gives a session the display name it chose, normalized (`invalid_name`,
   * also for a name starting with `guest-`; `name_taken`); in a cluster the
   * name is claimed on every node first: then a promise.
   */
  rename(session: S, chosen: string): void | Promise<void> {
    if (chosen === session.name) return; // its own name (even its guest name): nothing to do
    const name = this.#registry.checkName(session, chosen);
    if (name === session.name) return;
    const claiming = this.#backplane.claim(session, name);
    if (!claiming) return this.#renamed(session, name);
    return claiming.then(() => {
      if (session.gone) return this.#backplane.release(session, name);
      if (!this.#registry.isFree(name, session)) {
        // Another session of this node took it while the cluster was asked.
        this.#backplane.release(session, name);
        throw new ChatError("name_taken", `name ${name} is taken`);
      }
      this.#renamed(session, name);
    });
  }

  /** Another node holds the session's name: it goes back to its guest name. */
  loseName(session: S): void {
    const guest = guestName(session.id);
    log.warn("session {session_id} lost its name {name} to another node; it is {guest} again", {
      session_id: session.id,
      name: session.name,
      guest,
    });
    const old = session.name;
    this.#registry.rename(session, guest);
    this.#tell(session, old);
  }

  #renamed(session: S, name: string): void {
    const old = session.name;
    this.#registry.rename(session, name);
    // Another spelling of the same name (`bob` to `Bob`) keeps its claim.
    if (old !== guestName(session.id) && nameKey(old) !== nameKey(name)) {
      this.#backplane.release(session, old);
    }
    this.#tell(session, old);
  }

  /**
   * Tells the other nodes, and the sessions sharing a room with it, of a
   * registered session's new name, `old` before (one in its handshake is
   * told of when it opens).
   */
  #tell(session: S, old: string): void {
    if (this.#registry.get(session.id) !== session) return;
    this.#backplane.renamed(session);
    this.#notices.renamed(session, old);
  }
}
