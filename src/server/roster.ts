/**
 * The roster of a server's connections: every one from its accept until
 * its read loop returns, and the bookkeeping of its handshake and its end
 * (the registry, the backplane, the notices and the hooks).
 *
 * @module
 */

import type { Backplane } from "./backplane.ts";
import type { Member } from "./member.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RoomNotices } from "./notices.ts";
import type { CloseReason, ServerOptions } from "./options.ts";
import type { Entry, Registry } from "./registry.ts";

/** The hooks a roster calls. */
export type RosterHooks = Pick<ServerOptions, "onSessionOpen" | "onSessionClose">;

/** Every open connection, handshake or not, by session id. */
export class Roster<S extends Entry & Member> {
  #live = new Map<string, S>();
  #allGone: PromiseWithResolvers<void> | undefined;
  #registry: Registry<S>;
  #backplane: Backplane;
  #hooks: RosterHooks;
  #metrics: ServerMetrics;
  #notices: Pick<RoomNotices<S>, "quit">;
  #maxClients: number;

  /**
   * A roster that registers sessions in `registry` (at most `maxClients`),
   * tells `backplane`, `hooks` and, through `notices`, the rooms of a
   * session that ended, and counts connected sessions in `metrics`.
   */
  constructor(
    registry: Registry<S>,
    backplane: Backplane,
    hooks: RosterHooks,
    notices: Pick<RoomNotices<S>, "quit">,
    maxClients: number,
    metrics: ServerMetrics,
  ) {
    this.#registry = registry;
    this.#backplane = backplane;
    this.#hooks = hooks;
    this.#metrics = metrics;
    this.#notices = notices;
    this.#maxClients = maxClients;
  }

  /** Whether one more session may complete its handshake (`--max-clients`). */
  admits(): boolean {
    return this.#registry.size < this.#maxClients;
  }

  /** How many connections are open, handshake or not. */
  get size(): number {
    return this.#live.size;
  }

  /** Every open connection. */
  values(): Iterable<S> {
    return this.#live.values();
  }

  /** The open connection whose session has this id. */
  get(id: string): S | undefined {
    return this.#live.get(id);
  }

  /** A new session id, whose guest name no open connection holds. */
  newSessionId(): string {
    return this.#registry.newSessionId();
  }

  /** A connection was accepted. */
  add(session: S): void {
    this.#live.set(session.id, session);
  }

  /** The session completed its handshake: it is registered, and the backplane and hook told. */
  opened(session: S): void {
    this.#registry.add(session);
    this.#metrics.sessions[session.transport]++;
    this.#backplane.opened(session);
    this.#hooks.onSessionOpen?.(session);
  }

  /** The session's connection ended (`registered`: after its handshake). */
  closed(session: S, reason: CloseReason, registered: boolean): void {
    if (registered) {
      this.#metrics.sessions[session.transport]--;
      this.#endedForGood(session);
    }
    this.#registry.remove(session);
    this.#registry.release(session.id);
    if (registered) this.#hooks.onSessionClose?.(session, reason);
  }

  /**
   * A registered session ended for good: its rooms hear that it quit, and
   * the other nodes that it is gone. (Today every end of a connection is
   * one; a session that can be resumed will end for good only when its
   * resume window closes.)
   */
  #endedForGood(session: S): void {
    this.#notices.quit(session);
    this.#backplane.closed(session);
  }

  /** The session's read loop returned: nothing of it is left running. */
  finished(session: S): void {
    if (this.#live.get(session.id) === session) this.#live.delete(session.id);
    if (this.#live.size === 0) this.#allGone?.resolve();
  }

  /** Resolves once every connection's read loop has returned. */
  allGone(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    this.#allGone ??= Promise.withResolvers();
    return this.#allGone.promise;
  }
}
