/**
 * A session waiting to be resumed (PROTOCOL.md section 9): its connection
 * ended without a `disconnect`, or the server restarted with `--store`. It
 * keeps its id, name and rooms in the registry for the resume window, `who`
 * lists it with `"away":true`, and relays reach it (and count in
 * `recipients`) without being written anywhere: history replays them when
 * it resumes.
 *
 * @example
 * ```ts
 * import { ok, strictEqual } from "node:assert/strict";
 * import { AwaySession } from "./away_session.ts";
 * const away = new AwaySession(
 *   { id: "3f0e", name: "ann", rooms: [], since: 0, tokenHash: "x", awaySince: 1000 },
 *   "tcp",
 * );
 * ok(away.away && away.deliver());
 * strictEqual(away.awaySince, 1000);
 * ```
 *
 * @module
 */

import type { TransportKind } from "../transport/types.ts";
import { identityOf } from "./account_info.ts";
import type { SessionRecord } from "./history/mod.ts";
import type { Identity } from "./identity/identity.ts";

/** A session that lost its connection and may be resumed. */
export class AwaySession {
  /** The session's UUID. */
  readonly id: string;
  /** Its display name (the registry's to change). */
  name: string;
  /** The transport of its last connection. */
  readonly transport: TransportKind;
  /** Its rooms, by the names they are shown by. */
  readonly rooms: Set<string>;
  /** Always: it waits to be resumed. */
  readonly away = true;
  /** Never: it is still a session until its window ends. */
  readonly gone = false;
  /** The session as history keeps it, with `awaySince`. */
  readonly record: SessionRecord;

  /** The away session of `record`, last connected over `transport`. */
  constructor(record: SessionRecord, transport: TransportKind) {
    this.id = record.id;
    this.name = record.name;
    this.transport = transport;
    this.rooms = new Set(record.rooms.map((room) => room.name));
    this.record = record;
  }

  /** The identity of the account it logged in to (PROTOCOL.md section 11); `undefined`: none. */
  get identity(): Identity | undefined {
    return this.record.account && identityOf(this.record.account);
  }

  /** Whether it logged in to an account: `who` lists it verified. */
  get verified(): boolean {
    return this.record.account !== undefined;
  }

  /** When it went away, in milliseconds since the epoch. */
  get awaySince(): number {
    return this.record.awaySince ?? 0;
  }

  /** It is in `room` now (the registry's to call). */
  enter(room: string): void {
    this.rooms.add(room);
  }

  /** It is in `room` no more (the registry's to call). */
  exit(room: string): void {
    this.rooms.delete(room);
  }

  /** A relay reaches it (it is counted) and waits in history for its resume. */
  deliver(): boolean {
    return true;
  }
}
