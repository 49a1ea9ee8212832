/**
 * The roster of a server's connections: every one from its accept until
 * its read loop returns, and the bookkeeping of its handshake and its end
 * (the registry, the backplane, the hooks and the logs). Where history is
 * kept, a session whose connection ends without a `disconnect` is away for
 * the resume window (PROTOCOL.md section 9): it ends for good at the end of
 * that window, or when a resume takes it over it goes on.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { AwaySession } from "./away_session.ts";
import type { Backplane } from "./backplane.ts";
import type { Chronicled, HistoryKeeper } from "./history_keeper.ts";
import type { Member } from "./member.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { CloseReason, ServerOptions } from "./options.ts";
import type { Entry, Registry } from "./registry.ts";

const log = getLogger(["chat", "server"]);

/** The hooks a roster calls. */
export type RosterHooks = Pick<ServerOptions, "onSessionOpen" | "onSessionClose">;

/** A connection's session as the roster sees it. */
export type Connected = Entry & Member & Chronicled & {
  /** Whether a resume took its session over (its end is not the session's). */
  readonly displaced: boolean;
  /** Ends the connection at once, the session going on elsewhere. */
  displace(): void;
};

/** Every open connection, handshake or not, by session id; and the sessions away. */
export class Roster<S extends Connected> {
  #live = new Map<string, S>();
  #allGone: PromiseWithResolvers<void> | undefined;
  #registry: Registry<S | AwaySession>;
  #backplane: Backplane;
  #hooks: RosterHooks;
  #metrics: ServerMetrics;
  #keeper: HistoryKeeper | undefined;

  /**
   * A roster that registers sessions in `registry`, tells `backplane` and
   * `hooks`, and counts connected sessions in `metrics`; `keeper`, where
   * history is kept, keeps sessions away for their resume window.
   */
  constructor(
    registry: Registry<S | AwaySession>,
    backplane: Backplane,
    hooks: RosterHooks,
    metrics: ServerMetrics,
    keeper?: HistoryKeeper,
  ) {
    this.#registry = registry;
    this.#backplane = backplane;
    this.#hooks = hooks;
    this.#metrics = metrics;
    this.#keeper = keeper;
  }

  /** How many sessions are away (they count toward `--max-clients`). */
  get awayCount(): number {
    return this.#keeper?.awayCount ?? 0;
  }

  /** The registered session (connected or away) with this id. */
  holder(id: string): S | AwaySession | undefined {
    return this.#registry.get(id);
  }

  /** The sessions that history kept at the last stop are away: registered with their names and rooms. */
  async restore(): Promise<void> {
    for (const away of await this.#keeper?.restore() ?? []) {
      this.#registry.add(away);
      for (const room of away.rooms) this.#registry.join(away, room);
    }
  }

  /**
   * A resume took over `holder`'s session (away, or still connected
   * elsewhere, which is then cut): `session`, whose connection announced
   * the id `own`, holds it now.
   */
  resumed(session: S, holder: S | AwaySession, own: string): void {
    this.#registry.replace(holder, session);
    this.#registry.release(own);
    this.#live.delete(own);
    this.#live.set(session.id, session);
    this.#metrics.sessions[session.transport]++;
    if (holder instanceof AwaySession) this.#keeper!.back(holder.id);
    else holder.displace();
    log.info("session {session_id} resumed on {transport} as {name}", {
      session_id: session.id,
      transport: session.transport,
      name: session.name,
    });
  }

  /** Ends for good every away session whose resume window ended at `now`. */
  expire(now: number): void {
    for (const away of this.#keeper?.expired(now) ?? []) {
      this.#endedForGood(away);
      this.#registry.remove(away);
      log.info("session {session_id} ended: its resume window is over", { session_id: away.id });
    }
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
      if (session.displaced) {
        // The session goes on on another connection.
      } else if (this.#keeper && reason !== "disconnect" && reason !== "internal_error") {
        this.#registry.replace(session, this.#keeper.away(session, session.transport));
      } else {
        this.#endedForGood(session);
      }
    }
    this.#registry.remove(session);
    this.#registry.release(session.id);
    const props = { session_id: session.id, transport: session.transport, reason };
    if (registered) {
      log.info("session {session_id} closed on {transport}: {reason}", props);
      this.#hooks.onSessionClose?.(session, reason);
    } else {
      log.debug(
        "connection {session_id} closed on {transport} before its handshake: {reason}",
        props,
      );
    }
  }

  /** A registered session ended for good: the other nodes and history forget it. */
  #endedForGood(session: S | AwaySession): void {
    this.#backplane.closed(session);
    this.#keeper?.ended(session.id);
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
