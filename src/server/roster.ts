/**
 * The roster of a server's connections: every one from its accept until
 * its read loop returns, and the bookkeeping of its handshake and its end
 * (the registry, the backplane, the notices, the hooks and the logs).
 * Where history is kept, a session whose connection ends without a
 * `disconnect` is away for the resume window (PROTOCOL.md section 9): it
 * ends for good at the end of that window, or when a resume takes it over
 * it goes on. Only a session that ended for good is a `quit` to its rooms
 * (PROTOCOL.md section 8): one that is only away has not left.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { AwaySession } from "./away_session.ts";
import type { Backplane } from "./backplane.ts";
import type { SessionRecord } from "./history/mod.ts";
import type { Chronicled, HistoryKeeper } from "./history_keeper.ts";
import type { Member } from "./member.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { RoomNotices } from "./notices.ts";
import type { CloseReason, ServerOptions } from "./options.ts";
import type { Entry, Registry } from "./registry.ts";

const log = getLogger(["chat", "server"]);

/**
 * The ends of a connection that end its session for good, never away: a
 * `disconnect`, an internal error, and the ends of an account's session
 * (PROTOCOL.md section 11: dropped, its resume token dead).
 */
const FOR_GOOD: ReadonlySet<CloseReason> = new Set<CloseReason>([
  "disconnect",
  "internal_error",
  "logged_in_elsewhere",
  "account_removed",
  "account_changed",
]);

/** The hooks a roster calls. */
export type RosterHooks = Pick<
  ServerOptions,
  "onSessionOpen" | "onSessionClose" | "onConnectionEnd"
>;

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
  /** Sessions registered by {@linkcode Roster.adopt}, until their resume replaces them. */
  #adopted = new WeakSet<AwaySession>();
  #notices: Pick<RoomNotices<S | AwaySession>, "quit">;
  #maxClients: number;

  /**
   * A roster that registers sessions in `registry` (at most `maxClients`,
   * away ones included), tells `backplane`, `hooks` and, through `notices`,
   * the rooms of a session that ended for good, and counts connected
   * sessions in `metrics`; `keeper`, where history is kept, keeps sessions
   * away for their resume window.
   */
  constructor(
    registry: Registry<S | AwaySession>,
    backplane: Backplane,
    hooks: RosterHooks,
    notices: Pick<RoomNotices<S | AwaySession>, "quit">,
    maxClients: number,
    metrics: ServerMetrics,
    keeper?: HistoryKeeper,
  ) {
    this.#registry = registry;
    this.#backplane = backplane;
    this.#hooks = hooks;
    this.#metrics = metrics;
    this.#notices = notices;
    this.#maxClients = maxClients;
    this.#keeper = keeper;
  }

  /**
   * Whether one more session may complete its handshake (`--max-clients`):
   * the registry holds the away sessions too, and they count.
   */
  admits(): boolean {
    return this.#registry.size < this.#maxClients;
  }

  /** How many sessions are away. */
  get awayCount(): number {
    return this.#keeper?.awayCount ?? 0;
  }

  /** The registered session (connected or away) with this id. */
  holder(id: string): S | AwaySession | undefined {
    return this.#registry.get(id);
  }

  /**
   * The sessions that history kept at the last stop are away: registered
   * with their names and rooms; those that `admitted` refuses (the identity
   * options no longer admit them, PROTOCOL.md section 11) are dropped.
   */
  async restore(admitted: (record: SessionRecord) => boolean = () => true): Promise<void> {
    for (const away of await this.#keeper?.restore() ?? []) {
      if (!admitted(away.record)) {
        this.#keeper!.ended(away.id);
        log.info(
          "session {session_id} ({name}) kept from before dropped: the identity options no " +
            "longer admit it",
          () => ({ session_id: away.id, name: away.name }),
        );
        continue;
      }
      this.#register(away);
    }
  }

  /**
   * Registers an away session with its rooms, each under the name it is
   * shown by here (the first to come back names it): the names its record
   * gave them are dropped first, so a room is never held twice.
   */
  #register(away: AwaySession): void {
    this.#registry.add(away);
    const rooms = [...away.rooms];
    away.rooms.clear();
    for (const room of rooms) this.#registry.join(away, room);
  }

  /**
   * A resume took over `holder`'s session (away, or still connected
   * elsewhere, which is then cut): `session`, whose connection announced
   * the id `own`, holds it now. A holder from {@linkcode Roster.adopt} (the
   * session came from another node of the cluster) is announced to the
   * backplane: its presence, its rooms and its name.
   */
  resumed(session: S, holder: S | AwaySession, own: string): void {
    this.#registry.replace(holder, session);
    this.#registry.release(own);
    this.#live.delete(own);
    this.#live.set(session.id, session);
    this.#metrics.sessions[session.transport]++;
    if (!(holder instanceof AwaySession)) return holder.displace();
    this.#keeper!.back(holder.id);
    if (this.#adopted.delete(holder)) this.#arrived(session);
    else this.#backplane.back(session);
  }

  /**
   * Registers here, away, a session that another node of the cluster held
   * (a resume here took its record over, PROTOCOL.md section 9): the
   * holder that {@linkcode Roster.resumed} then replaces.
   */
  adopt(record: SessionRecord): AwaySession {
    const away = new AwaySession(record, "tcp");
    this.#adopted.add(away);
    this.#register(away);
    return away;
  }

  /**
   * A session of a node of the cluster that died, whose record this node
   * took over: away here (listed, reached, resumable) for the resume
   * window; the backplane learns of it, its rooms and name.
   */
  orphaned(record: SessionRecord): void {
    if (this.#keeper === undefined || this.#registry.get(record.id) !== undefined) return;
    const away = this.#keeper.adopted(record);
    this.#register(away);
    this.#arrived(away);
    log.info("session {session_id} ({name}) of a node that died is away here", () => ({
      session_id: away.id,
      name: away.name,
    }));
  }

  /**
   * A resume on another node took over the session with this id (see
   * `BackplaneHost.handOver`): it goes from here without a word; returns
   * its name.
   */
  handOver(id: string): string | undefined {
    const holder = this.#registry.get(id);
    if (holder === undefined) return undefined;
    if (holder instanceof AwaySession) {
      this.#keeper?.back(id);
      this.#registry.remove(holder);
    } else {
      holder.displace();
    }
    this.#backplane.closed(holder);
    log.info("session {session_id} ({name}) resumed on another node", () => ({
      session_id: id,
      name: holder.name,
    }));
    return holder.name;
  }

  /** A session that came from another node: the backplane learns of it, its rooms and name. */
  #arrived(session: S | AwaySession): void {
    this.#backplane.opened(session);
    for (const room of session.rooms) void this.#backplane.joined(session, room);
    try {
      const claiming = this.#backplane.claim(session, session.name);
      if (claiming instanceof Promise) {
        claiming.catch((error) => this.#nameLost(session, error));
      }
    } catch (error) {
      this.#nameLost(session, error);
    }
  }

  #nameLost(session: S | AwaySession, error: unknown): void {
    log.warn("session {session_id} resumed here, but its name {name} was not claimed: {error}", {
      session_id: session.id,
      name: session.name,
      error,
    });
  }

  /** The sessions away now. */
  awaySessions(): Iterable<AwaySession> {
    return this.#keeper?.awaySessions() ?? [];
  }

  /**
   * Ends an away session for good now, for `reason` (its account logged in
   * again, or changed: PROTOCOL.md section 11): its rooms hear that it quit,
   * and its resume token no longer works.
   */
  drop(away: AwaySession, reason: CloseReason): void {
    if (this.#registry.get(away.id) !== away) return;
    this.#endedForGood(away);
    this.#registry.remove(away);
    log.info("session {session_id} ({name}) ended while away: {reason}", () => ({
      session_id: away.id,
      name: away.name,
      reason,
    }));
  }

  /** Ends for good every away session whose resume window ended at `now`. */
  expire(now: number): void {
    for (const away of this.#keeper?.expired(now) ?? []) {
      this.#endedForGood(away);
      this.#registry.remove(away);
      log.info("session {session_id} ({name}) ended: its resume window is over", () => ({
        session_id: away.id,
        name: away.name,
      }));
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
      // A displaced session goes on on another connection: neither away nor ended.
      if (!session.displaced) this.#endedForGood(session, reason);
    }
    // Away, the registry holds its AwaySession now: this removes nothing of it.
    this.#registry.remove(session);
    this.#registry.release(session.id);
    if (registered) this.#hooks.onSessionClose?.(session, reason);
  }

  /**
   * The one place that decides whether a registered session ended for good
   * (PROTOCOL.md sections 8 and 9): its connection ended for `reason`, or,
   * without a reason, its resume window is over. Where history is kept, a
   * connection that ended without a `disconnect` (or an internal error, or
   * the end of its account's session: {@linkcode FOR_GOOD}) leaves the
   * session away: it takes the session's place in the registry,
   * and nobody is told (an away session has not left). Otherwise it ended
   * for good: its rooms hear that it quit, the other nodes that it is gone,
   * and history forgets it. Returns whether it ended for good.
   */
  #endedForGood(session: S | AwaySession, reason?: CloseReason): boolean {
    if (
      this.#keeper !== undefined && reason !== undefined && !FOR_GOOD.has(reason) &&
      !(session instanceof AwaySession)
    ) {
      const away = this.#keeper.away(session, session.transport);
      this.#registry.replace(session, away);
      this.#backplane.away(away);
      return false;
    }
    this.#notices.quit(session);
    this.#backplane.closed(session);
    this.#keeper?.ended(session.id);
    return true;
  }

  /** The session's read loop returned: nothing of it is left running. */
  finished(session: S): void {
    if (this.#live.get(session.id) === session) this.#live.delete(session.id);
    if (this.#live.size === 0) this.#allGone?.resolve();
    this.#hooks.onConnectionEnd?.();
  }

  /** Resolves once every connection's read loop has returned. */
  allGone(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    this.#allGone ??= Promise.withResolvers();
    return this.#allGone.promise;
  }
}
