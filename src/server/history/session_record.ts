/**
 * A resumable session as history keeps it (PROTOCOL.md sections 9 and
 * 11): what the server needs to make it away at start and to take it over
 * on a resume. Never the resume token itself: its SHA-256 hash.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { decodeSession, encodeSession, type SessionRecord } from "./session_record.ts";
 * const session: SessionRecord = {
 *   id: "3f0e…", name: "alice", rooms: [{ key: "lobby", name: "Lobby", joined: 41 }],
 *   since: 40, tokenHash: "q2…", account: { name: "alice", rooms: ["lobby"] },
 * };
 * deepStrictEqual(decodeSession(encodeSession(session)), session);
 * ```
 *
 * @module
 */

/** A room a session is in. */
export interface RoomMembership {
  /** The room's key (`nameKey` of its name): rooms compare by it. */
  readonly key: string;
  /** The room's name as shown. */
  readonly name: string;
  /** The newest seq when the session joined: it receives the room's messages with a larger one. */
  readonly joined: number;
}

/** The account a session logged in to (PROTOCOL.md section 11): such a session is verified. */
export interface AccountInfo {
  /** The account's name. */
  readonly name: string;
  /** The kind of login that proved it (`password`, `jwt`); absent: an older record's, `jwt` without a stamp. */
  readonly method?: "password" | "jwt";
  /** The login token's `rooms` claim: the only rooms it may join; absent: any. */
  readonly rooms?: readonly string[];
  /** The login token's `exp`, in milliseconds since the epoch, when it had one. */
  readonly expires?: number;
  /** An opaque mark of the account's credentials, so a server can tell the account changed. */
  readonly stamp?: string;
}

/** What decides which messages a session receives: the filter of a resume's replay. */
export interface ReplayFilter {
  /** The session's id: direct messages to it; its own messages are not for it. */
  readonly id: string;
  /** The newest seq when it started receiving messages to everyone: it receives larger ones. */
  readonly since: number;
  /** Its rooms, each with the seq at which it joined. */
  readonly rooms: readonly RoomMembership[];
}

/** A resumable session. */
export interface SessionRecord extends ReplayFilter {
  /** Its display name. */
  readonly name: string;
  /** Its account, when it logged in to one (`verified`). */
  readonly account?: AccountInfo;
  /** SHA-256 of its current resume token, base64url (see `resume_token.ts`). */
  readonly tokenHash: string;
  /**
   * SHA-256 of the token its last resume used. A store read back after a
   * restart lets it resume once more, in case the `resumed` frame that
   * carried the new token was lost with the server (killed before the
   * client read it); a live server never takes it.
   */
  readonly previousTokenHash?: string;
  /** When it went away, in milliseconds since the epoch; absent while it is live. */
  readonly awaySince?: number;
}

/** The rooms of a session in none: one frozen array for all of them. */
export const NO_ROOMS: readonly RoomMembership[] = Object.freeze([]);

/**
 * A copy of a session that shares nothing mutable with it: the fields
 * {@linkcode encodeSession} keeps, in new objects and arrays; the strings,
 * which nothing can change, are shared (a table of ten thousand sessions
 * keeps no second copy of each id, name and token hash).
 */
export function copySession(session: SessionRecord): SessionRecord {
  const { id, name, account, rooms, since, tokenHash, previousTokenHash, awaySince } = session;
  const copy: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
    id,
    name,
    rooms: rooms.length === 0
      ? NO_ROOMS
      : rooms.map(({ key, name, joined }) => ({ key, name, joined })),
    since,
    tokenHash,
  };
  if (account !== undefined) copy.account = copyAccount(account);
  if (awaySince !== undefined) copy.awaySince = awaySince;
  if (previousTokenHash !== undefined) copy.previousTokenHash = previousTokenHash;
  return copy;
}

function copyAccount(account: AccountInfo): AccountInfo {
  const copy: { -readonly [K in keyof AccountInfo]: AccountInfo[K] } = { name: account.name };
  if (account.method !== undefined) copy.method = account.method;
  if (account.rooms !== undefined) copy.rooms = [...account.rooms];
  if (account.expires !== undefined) copy.expires = account.expires;
  if (account.stamp !== undefined) copy.stamp = account.stamp;
  return copy;
}

/** A session as JSON text (what an SQLite store keeps). */
export function encodeSession(session: SessionRecord): string {
  const { id, name, account, rooms, since, tokenHash, previousTokenHash, awaySince } = session;
  return JSON.stringify({
    id,
    name,
    account: account && {
      name: account.name,
      method: account.method,
      rooms: account.rooms,
      expires: account.expires,
      stamp: account.stamp,
    },
    rooms: rooms.map(({ key, name, joined }) => ({ key, name, joined })),
    since,
    tokenHash,
    previousTokenHash,
    awaySince,
  });
}

/** A session from {@linkcode encodeSession}'s text; throws `TypeError` on anything else. */
export function decodeSession(text: string): SessionRecord {
  return sessionFromValue(JSON.parse(text));
}

/**
 * The session record of a value parsed from {@linkcode encodeSession}'s
 * JSON (within a larger document); throws a `TypeError` like
 * {@linkcode decodeSession}.
 */
export function sessionFromValue(value: unknown): SessionRecord {
  const fields = value as Record<string, unknown>;
  const bad = (what: string): never => {
    throw new TypeError(`not a stored session (${what}): ${JSON.stringify(value)?.slice(0, 200)}`);
  };
  if (typeof value !== "object" || value === null) bad("not an object");
  if (typeof fields.id !== "string" || typeof fields.name !== "string") bad("id, name");
  if (typeof fields.since !== "number" || typeof fields.tokenHash !== "string") {
    bad("since, tokenHash");
  }
  if (fields.awaySince !== undefined && typeof fields.awaySince !== "number") bad("awaySince");
  if (fields.previousTokenHash !== undefined && typeof fields.previousTokenHash !== "string") {
    bad("previousTokenHash");
  }
  if (!Array.isArray(fields.rooms)) bad("rooms");
  const rooms = (fields.rooms as Record<string, unknown>[]).map((room) => {
    if (
      typeof room?.key !== "string" || typeof room.name !== "string" ||
      typeof room.joined !== "number"
    ) bad("a room");
    return { key: room.key as string, name: room.name as string, joined: room.joined as number };
  });
  const session: {
    -readonly [K in keyof SessionRecord]: SessionRecord[K];
  } = {
    id: fields.id as string,
    name: fields.name as string,
    rooms,
    since: fields.since as number,
    tokenHash: fields.tokenHash as string,
  };
  if (fields.account !== undefined) session.account = decodeAccount(fields.account, bad);
  if (fields.awaySince !== undefined) session.awaySince = fields.awaySince as number;
  if (fields.previousTokenHash !== undefined) {
    session.previousTokenHash = fields.previousTokenHash as string;
  }
  return session;
}

function decodeAccount(value: unknown, bad: (what: string) => never): AccountInfo {
  const fields = value as Record<string, unknown>;
  if (typeof fields !== "object" || fields === null || typeof fields.name !== "string") {
    bad("account");
  }
  const account: { -readonly [K in keyof AccountInfo]: AccountInfo[K] } = {
    name: fields.name as string,
  };
  if (fields.method !== undefined) {
    if (fields.method !== "password" && fields.method !== "jwt") bad("account method");
    account.method = fields.method as "password" | "jwt";
  }
  if (fields.rooms !== undefined) {
    if (!Array.isArray(fields.rooms) || fields.rooms.some((room) => typeof room !== "string")) {
      bad("account rooms");
    }
    account.rooms = [...fields.rooms as string[]];
  }
  if (fields.expires !== undefined) {
    if (typeof fields.expires !== "number") bad("account expires");
    account.expires = fields.expires as number;
  }
  if (fields.stamp !== undefined) {
    if (typeof fields.stamp !== "string") bad("account stamp");
    account.stamp = fields.stamp as string;
  }
  return account;
}
