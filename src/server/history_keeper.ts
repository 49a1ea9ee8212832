/**
 * The server's side of history and resume (PROTOCOL.md section 9) around
 * one {@linkcode HistoryStore}: resume tokens, each session's record kept
 * up to date (name, rooms with the seq they were joined at), the sessions
 * away and their windows (one sweep for all, no timer each), resumes, and
 * the messages kept, relayed with their seq, and read back.
 *
 * With a store that writes to a file, a call answers with a promise that
 * resolves once it is committed; calls resolve in the order they were
 * made, so answers that wait for them keep that order.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { Clock } from "../async/clock.ts";
import type { Frame, FrameId } from "../protocol/messages.ts";
import { nameKey } from "../protocol/names.ts";
import type { TransportKind } from "../transport/types.ts";
import { AwaySession } from "./away_session.ts";
import {
  type AccountInfo,
  type Awaitable,
  hashResumeToken,
  type HistoryPage,
  type HistoryQuery,
  type HistoryStore,
  type MessageDraft,
  messageFrame,
  newResumeToken,
  NO_ROOMS,
  type Resumption,
  type RoomMembership,
  type SessionRecord,
  storedMessage,
} from "./history/mod.ts";

const log = getLogger(["chat", "server"]);

/** A resume token and the hash that a store keeps of it. */
export interface ResumeToken {
  /** The secret, for the client alone. */
  readonly token: string;
  /** Its SHA-256 hash, base64url. */
  readonly hash: string;
}

/** A session as history follows it. */
export interface Chronicled {
  /** Its id. */
  readonly id: string;
  /** Its display name. */
  readonly name: string;
  /** Its rooms, by the names they are shown by. */
  readonly rooms: ReadonlySet<string>;
  /** The account it logged in to (PROTOCOL.md section 11), kept with it. */
  readonly account?: AccountInfo;
  /** Its record as last kept (set by the keeper). */
  record: SessionRecord | undefined;
}

/** The fields of a message's `ack` that its relay decided. */
export interface Receipt {
  /** How many sessions it reached (away ones included). */
  readonly recipients: number;
  /** Its place in history, where history is kept. */
  readonly seq?: number;
}

/** Runs `next` on `value` at once, or once it resolves. */
export function then<T, U>(value: Awaitable<T>, next: (value: T) => U): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** History and resume for one server. */
export class HistoryKeeper {
  /** The store. */
  readonly store: HistoryStore;
  readonly #windowMs: number;
  readonly #clock: Clock;
  /** The sessions away, oldest first (the order they went away in). */
  readonly #away = new Map<string, AwaySession>();

  /** Keeps history in `store`; a session away stays resumable for `windowMs`. */
  constructor(store: HistoryStore, windowMs: number, clock: Clock) {
    this.store = store;
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  /** How many sessions are away. */
  get awayCount(): number {
    return this.#away.size;
  }

  /** A new resume token. */
  newToken(): ResumeToken {
    const token = newResumeToken();
    return { token, hash: hashResumeToken(token) };
  }

  /** A session completed its handshake with the token of `hash`: its record is kept (no room yet). */
  opened(session: Chronicled, hash: string): Awaitable<void> {
    const record: SessionRecord = {
      id: session.id,
      name: session.name,
      rooms: NO_ROOMS,
      since: this.store.newest,
      tokenHash: hash,
      ...session.account && { account: session.account },
    };
    session.record = record;
    return this.#save(record);
  }

  /**
   * The session's name or rooms changed: its record is kept anew (a room
   * new to it joined at the newest seq, so it receives the room's messages
   * from there).
   */
  changed(session: Chronicled): Awaitable<void> {
    const old = session.record;
    if (old === undefined) return;
    const joined = new Map(old.rooms.map((room) => [room.name, room]));
    const rooms: RoomMembership[] = [];
    for (const name of session.rooms) {
      rooms.push(joined.get(name) ?? { key: nameKey(name), name, joined: this.store.newest });
    }
    const record = { ...old, name: session.name, rooms };
    session.record = record;
    return this.#save(record);
  }

  /** The session lost its connection: it is away from now, for the resume window. */
  away(session: Chronicled, transport: TransportKind): AwaySession {
    const record = { ...this.#recordOf(session), awaySince: this.#clock.now() };
    const away = new AwaySession(record, transport);
    this.#away.set(away.id, away);
    void this.#save(record);
    return away;
  }

  /** A session another node held (it died), away here since its record's `awaySince`. */
  adopted(record: SessionRecord): AwaySession {
    const away = new AwaySession(record, "tcp");
    this.#away.set(away.id, away);
    return away;
  }

  /** The sessions a store kept at the last stop: away from its opening, for the window. */
  async restore(): Promise<AwaySession[]> {
    const restored: AwaySession[] = [];
    for (const record of await this.store.sessions()) {
      // The file keeps no transport: the last one is not known.
      const away = new AwaySession(record, "tcp");
      this.#away.set(away.id, away);
      restored.push(away);
    }
    return restored;
  }

  /** A session ended for good (a `disconnect`, or its window ran out): history forgets it. */
  ended(id: string): void {
    this.#away.delete(id);
    const removing = this.store.removeSession(id);
    if (removing instanceof Promise) removing.catch((error) => this.#failed("forget", error));
  }

  /** The away sessions whose window has ended at `now`, taken out of the keeper. */
  expired(now: number): AwaySession[] {
    const ended: AwaySession[] = [];
    for (const away of this.#away.values()) {
      if (now - away.awaySince < this.#windowMs) break;
      ended.push(away);
    }
    for (const away of ended) this.#away.delete(away.id);
    return ended;
  }

  /** Whether a session's record allows a resume now: live (taken over), or away within its window. */
  resumable(record: SessionRecord): boolean {
    return record.awaySince === undefined ||
      this.#clock.now() - record.awaySince < this.#windowMs;
  }

  /**
   * Takes over the session that holds `token` (see
   * {@linkcode HistoryStore.resume}); `admit` decides on the session found.
   */
  resume(
    token: string,
    after: number,
    next: ResumeToken,
    admit: (record: SessionRecord) => boolean,
  ): Awaitable<Resumption | undefined> {
    const tokenHash = hashResumeToken(token);
    return this.store.resume({ tokenHash, nextTokenHash: next.hash, after, admit });
  }

  /** The sessions away now, oldest first. */
  awaySessions(): Iterable<AwaySession> {
    return this.#away.values();
  }

  /** The away session with this id, taken out of the keeper (it is resumed). */
  back(id: string): AwaySession | undefined {
    const away = this.#away.get(id);
    this.#away.delete(id);
    return away;
  }

  /**
   * Keeps a message and relays it with its seq through `relay` (which
   * returns how many it reached); answers with the ack's fields. A
   * resumed session's frame id that it already sent is not kept or
   * relayed again: the seq it got then, and the count of its `targets` now.
   *
   * Every promise it answers with resolves in the order of the calls (a
   * session may go on with its next frames meanwhile), as long as the
   * store answers `resent` at once when the id is not found, as both
   * stores here do.
   */
  publish(
    draft: MessageDraft,
    id: FrameId | undefined,
    resent: boolean,
    relay: (frame: Frame) => number,
    count: () => number,
  ): Awaitable<Receipt> {
    const before = resent && id !== undefined ? this.store.resent(draft.sender, id) : undefined;
    if (before instanceof Promise) {
      return before.then((seq) =>
        seq === undefined ? this.publish(draft, id, false, relay, count) : {
          recipients: count(),
          seq,
        }
      );
    }
    if (before !== undefined) return { recipients: count(), seq: before };
    if (this.store.delivers) return this.#published(draft, id, relay, count);
    return then(this.store.append(draft, id), (seq) => {
      const recipients = relay(messageFrame(storedMessage(seq, draft), false));
      return { recipients, seq };
    });
  }

  /**
   * {@linkcode HistoryKeeper.publish} to a store that delivers itself:
   * once kept, the ack counts the sessions `targets` names; a message the
   * store could not keep (NATS away) is relayed by this node alone, without
   * a seq (PROTOCOL.md section 9).
   */
  async #published(
    draft: MessageDraft,
    id: FrameId | undefined,
    relay: (frame: Frame) => number,
    count: () => number,
  ): Promise<Receipt> {
    try {
      const seq = await this.store.append(draft, id);
      return { recipients: count(), seq };
    } catch (error) {
      log.warn("history: a message is relayed without a seq: {error}", { error });
      const { seq: _, ...frame } = messageFrame(storedMessage(0, draft), false);
      return { recipients: relay(frame as Frame) };
    }
  }

  /** A page of history for a session (see {@linkcode HistoryStore.history}). */
  history(query: HistoryQuery): Awaitable<HistoryPage> {
    return this.store.history(query);
  }

  /** Writes what is pending and closes the store. */
  close(): Promise<void> {
    return this.store.close();
  }

  #recordOf(session: Chronicled): SessionRecord {
    return session.record ?? {
      id: session.id,
      name: session.name,
      rooms: NO_ROOMS,
      since: this.store.newest,
      tokenHash: "",
      ...session.account && { account: session.account },
    };
  }

  #save(record: SessionRecord): Awaitable<void> {
    const saving = this.store.saveSession(record);
    if (saving instanceof Promise) {
      return saving.catch((error) => this.#failed("keep", error));
    }
  }

  #failed(what: string, error: unknown): void {
    log.error("history: could not {what} a session: {error}", { what, error });
  }
}
