/**
 * Display names unique across the cluster, in the names bucket: a claim is
 * a KV `create`; a name whose holder is dead is taken over with a
 * compare-and-set `update`; while NATS is away names are claimed (and
 * released) locally, and when it is back they are claimed again: a name
 * another node held first goes back to the guest name. A claim moves with
 * its session when a resume takes it over from another node; the names of
 * a dead node's sessions that no node keeps away are deleted by the node
 * that tidies up ({@linkcode NameClaims.dropDead}).
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { ChatError } from "../../protocol/errors.ts";
import { guestName, nameKey as protocolKey } from "../../protocol/names.ts";
import type { BackplaneHost } from "../backplane.ts";
import type { Member } from "../member.ts";
import type { NatsLink } from "./link.ts";
import type { PresenceBucket } from "./presence_bucket.ts";
import { nameKey } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

interface Claim {
  /** The name as claimed (its key is the claim's key in `#claims`). */
  name: string;
  session: Member;
  /** The revision of the name's KV entry; 0 while the claim is this node's alone. */
  revision: number;
}

/** Who holds a name: a node, and its session. */
export interface Holder {
  /** The node's id. */
  node: string;
  /** The session's id. */
  session: string;
}

function taken(name: string): ChatError {
  return new ChatError("name_taken", `name ${name} is taken`);
}

/** Whether a KV write failed its compare-and-set (the key changed, or exists). */
export function wrongLastSequence(error: unknown): boolean {
  return error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** The names this node's sessions hold, and their entries in the names bucket. */
export class NameClaims {
  #link: NatsLink;
  #node: string;
  #presence: PresenceBucket;
  #host: BackplaneHost;
  #kv: KV | undefined;
  /** By the key of the name (PROTOCOL.md section 2). */
  #claims = new Map<string, Claim>();
  /** Names released while NATS was away (by key), with the revision to delete when it is back. */
  #released = new Map<string, { name: string; revision: number }>();
  /** Names released whose entries are being deleted (by key), until the delete settles. */
  #deleting = new Map<string, Promise<void>>();

  /** The claims of `node` over `link`; `presence` tells whether other holders live. */
  constructor(link: NatsLink, node: string, presence: PresenceBucket, host: BackplaneHost) {
    this.#link = link;
    this.#node = node;
    this.#presence = presence;
    this.#host = host;
  }

  /** How many names this node holds. */
  get size(): number {
    return this.#claims.size;
  }

  /** Uses the names bucket `kv` from now on (bound, or bound again after an outage). */
  bind(kv: KV): void {
    this.#kv = kv;
  }

  /** Claims `name` for `session`; throws or rejects with `name_taken`. */
  claim(session: Member, name: string): void | Promise<void> {
    if (name === guestName(session.id)) return;
    if (this.#presence.view.holdsGuestName(name)) throw taken(name);
    return this.#claim(session, name);
  }

  /**
   * The session with `session`'s id is held by `session` from now on (it
   * went away, or came back): its claim follows it, so that the name stays
   * held while it is away and is freed when it ends.
   */
  rebind(session: Member): void {
    const claim = this.#claims.get(protocolKey(session.name));
    if (claim && claim.session.id === session.id) claim.session = session;
  }

  /** Frees a name that `session` claimed. */
  release(session: Member, name: string): void {
    const key = protocolKey(name);
    const claim = this.#claims.get(key);
    if (!claim || claim.session !== session) return;
    this.#claims.delete(key);
    if (claim.revision === 0) return;
    if (this.#link.synced) {
      const deleting = this.#kv!.delete(nameKey(name), { previousSeq: claim.revision });
      this.#link.track(deleting);
      const settled = deleting.then(() => {}, () => {});
      this.#deleting.set(key, settled);
      settled.then(() => {
        if (this.#deleting.get(key) === settled) this.#deleting.delete(key);
      });
    } else {
      this.#released.set(key, { name, revision: claim.revision });
    }
  }

  /** Resolves once the entry of a name this node released is deleted (at once when none is). */
  released(name: string): Promise<void> {
    return this.#deleting.get(protocolKey(name)) ?? Promise.resolve();
  }

  /** Who holds `name` in the names bucket, as NATS says now; `undefined`: nobody, or NATS away. */
  async holder(name: string): Promise<Holder | undefined> {
    if (!this.#link.synced) return undefined;
    const entry = await this.#kv!.get(nameKey(name));
    return entry?.operation === "PUT" ? entry.json<Holder>() : undefined;
  }

  /**
   * Frees `name` in the names bucket when `holder`, a session of a node
   * found dead, still holds it there (compare-and-set: a claim that took
   * it over meanwhile stays).
   */
  async dropDead(name: string, holder: Holder): Promise<void> {
    if (!this.#link.synced || name === guestName(holder.session)) return;
    const kv = this.#kv!;
    const entry = await kv.get(nameKey(name));
    if (entry?.operation !== "PUT") return;
    const held = entry.json<Holder>();
    if (held.node !== holder.node || held.session !== holder.session) return;
    try {
      await kv.delete(nameKey(name), { previousSeq: entry.revision });
    } catch (error) {
      if (!wrongLastSequence(error)) throw error;
      return;
    }
    log.info("cluster: name {name} of session {session_id} of dead node {node} is free", {
      name,
      session_id: holder.session,
      node: holder.node,
    });
  }

  /** Deletes the names released while NATS was away, then claims every local name again. */
  async restore(generation: number): Promise<void> {
    const kv = this.#kv!;
    for (const [key, { name, revision }] of this.#released) {
      if (!this.#claims.has(key)) {
        this.#link.track(kv.delete(nameKey(name), { previousSeq: revision }));
      }
    }
    this.#released.clear();
    await this.#reclaim(generation);
  }

  async #claim(session: Member, name: string): Promise<void> {
    const key = protocolKey(name);
    const held = this.#claims.get(key);
    if (held && held.session !== session && !held.session.gone) throw taken(name);
    if (!this.#link.synced) {
      // NATS is away: the name holds on this node, and is claimed again when it is back.
      this.#claims.set(key, { name, session, revision: 0 });
      return;
    }
    let revision = 0;
    try {
      revision = await this.#claimKey(name, session);
    } catch (error) {
      if (error instanceof ChatError) throw error;
      log.debug("cluster: claim of {name} not confirmed ({error}); held locally", { name, error });
    }
    this.#claims.set(key, { name, session, revision });
    if (revision === 0 && this.#link.synced) {
      // NATS failed this claim but is back (or never left): claim it again, as after an outage.
      const generation = this.#link.generation;
      this.#link.task(
        this.#reclaim(generation).catch((error) => {
          log.debug("cluster: names not claimed again yet: {error}", { error });
        }),
      );
    }
  }

  /** Claims a name in the KV bucket; resolves to its revision, or throws `name_taken`. */
  async #claimKey(name: string, session: Member): Promise<number> {
    const names = this.#kv!;
    const key = nameKey(name);
    const value = JSON.stringify({ node: this.#node, session: session.id } satisfies Holder);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await names.create(key, value);
      } catch (error) {
        if (!wrongLastSequence(error)) throw error;
      }
      const entry = await names.get(key);
      if (!entry || entry.operation !== "PUT") continue; // freed meanwhile
      const holder = entry.json<Holder>();
      if (holder.session === session.id) {
        if (holder.node === this.#node) return entry.revision;
        // The session's own claim, from the node it was taken over from (a resume here):
        // it moves with the session, whether or not that node is known to be dead yet.
      } else if (await this.#holds(holder, name)) throw taken(name);
      try {
        // Its holder is gone, or is this session: take it over, unless someone else changed it first.
        return await names.update(key, value, entry.revision);
      } catch (error) {
        if (!wrongLastSequence(error)) throw error;
      }
    }
    throw taken(name);
  }

  /** Whether the holder of a name's KV entry still holds it. */
  async #holds(holder: Holder, name: string): Promise<boolean> {
    if (holder.node === this.#node) {
      const claim = this.#claims.get(protocolKey(name));
      return claim !== undefined && claim.session.id === holder.session && !claim.session.gone;
    }
    return await this.#presence.alive(holder.node);
  }

  /** Claims every local name again (after NATS came back); a lost one goes back to the guest name. */
  async #reclaim(generation: number): Promise<void> {
    await Promise.all([...this.#claims].map(async ([key, claim]) => {
      const { session, name } = claim;
      const holds = () => !session.gone && protocolKey(session.name) === key;
      if (!holds()) {
        if (this.#claims.get(key) === claim) this.#claims.delete(key);
        return;
      }
      try {
        const revision = await this.#claimKey(name, session);
        this.#link.assertCurrent(generation);
        if (this.#claims.get(name) !== claim) {
          // Released while the claim was on its way: the entry just written is nobody's.
          this.#link.track(this.#kv!.delete(nameKey(name), { previousSeq: revision }));
          return;
        }
        claim.revision = revision;
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        if (this.#claims.get(key) === claim) this.#claims.delete(key);
        if (holds()) this.#host.loseName(session);
      }
    }));
  }
}
