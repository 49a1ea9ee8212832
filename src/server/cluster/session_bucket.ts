/**
 * The resumable sessions of a cluster (PROTOCOL.md section 9), in the KV
 * bucket `chat-sessions` (on file): so that any node can take over a
 * session, also after the node that held it died.
 *
 * | key | value |
 * | --- | --- |
 * | `s.<session id>` | the session's record (`encodeSession`) and the node that holds it |
 * | `t.<token hash>` | the id of the session whose resume token hashes so |
 *
 * A node writes the record of each of its sessions whenever it changes
 * (name, rooms, token, away), before the frame that changed it is
 * answered, each write a compare-and-set on the revision it wrote last: a
 * node that lost the session to a resume elsewhere writes nothing more.
 * A resume on any node finds the session by its token's hash and takes it
 * over with a compare-and-set update of its record (new token, live, this
 * node): of two resumes with one token, one wins. The token that resume
 * used stays in the index as the record's `previousTokenHash`: when the
 * node that took the session over dies before its client read the new
 * token, that one works once more (the store decides, only while that
 * node is dead).
 *
 * @module
 */

import type { KV } from "@nats-io/kv";
import { wrongLastSequence } from "./name_claims.ts";
import { encodeSession, sessionFromValue, type SessionRecord } from "../history/session_record.ts";
import { sameTokenHash } from "../history/resume_token.ts";

/** The KV bucket of resumable sessions. */
export const SESSIONS_BUCKET = "chat-sessions";

/** A session as the bucket keeps it. */
export interface HeldSession {
  /** Its record. */
  readonly record: SessionRecord;
  /** The node that holds it (live or away there). */
  readonly node: string;
  /** Taken over from a node that died (the token of its last resume may work once more). */
  readonly orphaned?: boolean;
}

/** A session found by its token, with the revision a takeover must match. */
export interface FoundSession extends HeldSession {
  /** The revision of its record. */
  readonly revision: number;
  /** Whether it was found by the token of its last resume, not its current one. */
  readonly previous?: boolean;
}

function recordKey(id: string): string {
  return `s.${id}`;
}

function tokenKey(hash: string): string {
  return `t.${hash}`;
}

/** The sessions bucket as one node uses it. */
export class SessionBucket {
  readonly #node: string;
  #kv: KV | undefined;
  /** The token hash last written for each session of this node (to delete it when it changes). */
  readonly #tokens = new Map<string, string>();
  /** The revision of the record last written for each session of this node. */
  readonly #revisions = new Map<string, number>();
  /** The token hash of the last resume of each session of this node, still in the index. */
  readonly #previous = new Map<string, string>();

  /** The bucket for `node` (bind it before use). */
  constructor(node: string) {
    this.#node = node;
  }

  /** Uses `kv` from now on. */
  bind(kv: KV): void {
    this.#kv = kv;
  }

  /** Whether it is bound. */
  get bound(): boolean {
    return this.#kv !== undefined;
  }

  /**
   * Writes a session of this node as it now is (and its token's index);
   * nothing when another node took it over meanwhile.
   */
  async save(record: SessionRecord): Promise<void> {
    const kv = this.#need();
    const value = toJson({ record, node: this.#node });
    const revision = this.#revisions.get(record.id);
    try {
      this.#revisions.set(
        record.id,
        revision === undefined
          ? await kv.create(recordKey(record.id), value)
          : await kv.update(recordKey(record.id), value, revision),
      );
    } catch (error) {
      if (!wrongLastSequence(error)) throw error;
      // A resume on another node has it now: it is not this node's to write.
      this.#forget(record.id);
      return;
    }
    const old = this.#tokens.get(record.id);
    if (old === record.tokenHash) return;
    this.#tokens.set(record.id, record.tokenHash);
    if (record.tokenHash !== "") await kv.put(tokenKey(record.tokenHash), record.id);
    if (old !== undefined && old !== "") await kv.delete(tokenKey(old));
  }

  /** Forgets a session of this node that ended for good. */
  async remove(id: string): Promise<void> {
    const kv = this.#need();
    const tokens = [this.#tokens.get(id), this.#previous.get(id)];
    const revision = this.#revisions.get(id);
    this.#forget(id);
    if (revision === undefined) return; // never written, or not this node's any more
    try {
      await kv.delete(recordKey(id), { previousSeq: revision });
    } catch (error) {
      if (!wrongLastSequence(error)) throw error;
      return;
    }
    for (const token of tokens) if (token) await kv.delete(tokenKey(token));
  }

  /** This node no longer writes the session `id`. */
  #forget(id: string): void {
    this.#tokens.delete(id);
    this.#revisions.delete(id);
    this.#previous.delete(id);
  }

  /** The session with this id, as the bucket holds it now. */
  async get(id: string): Promise<FoundSession | undefined> {
    const entry = await this.#need().get(recordKey(id));
    if (!entry || entry.operation !== "PUT") return undefined;
    const held = fromJson(entry.string());
    return held && { ...held, revision: entry.revision };
  }

  /**
   * The session whose token, or whose last resume's token (`previous`),
   * hashes to `tokenHash`; `undefined` when none.
   */
  async find(tokenHash: string): Promise<FoundSession | undefined> {
    const entry = await this.#need().get(tokenKey(tokenHash));
    if (!entry || entry.operation !== "PUT") return undefined;
    const found = await this.get(entry.string());
    if (!found) return undefined;
    if (sameTokenHash(found.record.tokenHash, tokenHash)) return found;
    const previous = found.record.previousTokenHash;
    return previous !== undefined && sameTokenHash(previous, tokenHash)
      ? { ...found, previous: true }
      : undefined;
  }

  /**
   * Takes a found session over for this node with the token of
   * `nextTokenHash`, live; `undefined` when its record changed meanwhile
   * (another resume, or its node, was first).
   */
  async takeOver(found: FoundSession, nextTokenHash: string): Promise<SessionRecord | undefined> {
    const kv = this.#need();
    const { awaySince: _, ...live } = found.record;
    const used = found.previous ? found.record.previousTokenHash! : found.record.tokenHash;
    const record: SessionRecord = { ...live, tokenHash: nextTokenHash, previousTokenHash: used };
    const value: HeldSession = { record, node: this.#node };
    try {
      this.#revisions.set(
        record.id,
        await kv.update(recordKey(record.id), toJson(value), found.revision),
      );
    } catch (error) {
      if (!wrongLastSequence(error)) throw error;
      return undefined;
    }
    this.#tokens.set(record.id, nextTokenHash);
    this.#previous.set(record.id, used);
    await kv.put(tokenKey(nextTokenHash), record.id);
    // The token used stays (as the previous one); the one before it, or the one not used, goes.
    for (const hash of [found.record.tokenHash, found.record.previousTokenHash]) {
      if (hash !== undefined && hash !== used) await kv.delete(tokenKey(hash));
    }
    return record;
  }

  /**
   * Takes over for this node, away since `awaySince` (or since it went away
   * already, when it did), the session `id` that the dead node `node` held;
   * `undefined` when its record is gone or another node has it already.
   */
  async orphan(id: string, node: string, awaySince: number): Promise<SessionRecord | undefined> {
    const found = await this.get(id);
    if (!found || found.node !== node) return undefined;
    const record: SessionRecord = {
      ...found.record,
      awaySince: found.record.awaySince ?? awaySince,
    };
    const value: HeldSession = { record, node: this.#node, orphaned: true };
    try {
      this.#revisions.set(
        id,
        await this.#need().update(recordKey(id), toJson(value), found.revision),
      );
    } catch (error) {
      if (!wrongLastSequence(error)) throw error;
      return undefined;
    }
    this.#tokens.set(id, record.tokenHash);
    if (record.previousTokenHash) this.#previous.set(id, record.previousTokenHash);
    return record;
  }

  #need(): KV {
    if (this.#kv === undefined) throw new Error("the sessions bucket is not bound");
    return this.#kv;
  }
}

/** The JSON of a held session: its record as {@linkcode encodeSession} writes it, its node, whether orphaned. */
function toJson(held: HeldSession): string {
  const orphaned = held.orphaned ? ',"orphaned":true' : "";
  return `{"record":${encodeSession(held.record)},"node":${JSON.stringify(held.node)}${orphaned}}`;
}

function fromJson(text: string): HeldSession | undefined {
  try {
    const value = JSON.parse(text);
    if (typeof value?.node !== "string") return undefined;
    const record = sessionFromValue(value.record);
    return value.orphaned === true
      ? { record, node: value.node, orphaned: true }
      : { record, node: value.node };
  } catch {
    return undefined;
  }
}
