/**
 * An account's identity as history keeps it with a session (PROTOCOL.md
 * sections 9 and 11): what a resumed session, or one kept by `--store`
 * across a restart, is again; and whether the identity options still admit
 * a kept session.
 *
 * @module
 */

import { guestName } from "../protocol/names.ts";
import type { AccountInfo, SessionRecord } from "./history/mod.ts";
import type { Identity } from "./identity/identity.ts";

/**
 * The account of `identity` as history keeps it.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { accountInfo, identityOf } from "./account_info.ts";
 * const identity = { account: "ada", verified: true as const, method: "jwt" as const, rooms: ["ops"] };
 * deepStrictEqual(identityOf(accountInfo(identity)), identity);
 * ```
 */
export function accountInfo(identity: Identity): AccountInfo {
  const { account, method, rooms, validUntil, revision } = identity;
  return {
    name: account,
    method,
    ...rooms !== undefined && { rooms: [...rooms] },
    ...validUntil !== undefined && { expires: validUntil },
    ...revision !== undefined && { stamp: revision },
  };
}

/** The identity of an account kept with a session (a record without a method: a token's without a stamp). */
export function identityOf(account: AccountInfo): Identity {
  const { name, method, rooms, expires, stamp } = account;
  return {
    account: name,
    verified: true,
    method: method ?? (stamp === undefined ? "jwt" : "password"),
    ...rooms !== undefined && { rooms: [...rooms] },
    ...expires !== undefined && { validUntil: expires },
    ...stamp !== undefined && { revision: stamp },
  };
}

/** What the identity options of a server say of sessions kept from before. */
export interface KeptAdmission {
  /** Whether the server knows identities. */
  readonly known: boolean;
  /** Whether a session without a login is let in, as a guest. */
  readonly guests: boolean;
  /** Whether an identity is still admitted (its account unchanged). */
  admits(identity: Identity): boolean;
}

/**
 * Whether a session kept by history (`--store`, across a restart) may stay
 * under the identity options now: an account's while they admit its
 * identity; a session without an account while the server knows no
 * identities, or, where it does, a guest's (called by its guest name)
 * where guests are let in.
 */
export function keptAdmitted(record: SessionRecord, options: KeptAdmission): boolean {
  if (record.account !== undefined) {
    return options.known && options.admits(identityOf(record.account));
  }
  if (!options.known) return true;
  return options.guests && record.name === guestName(record.id);
}
