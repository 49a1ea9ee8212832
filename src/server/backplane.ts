/**
 * The backplane: what a server needs of the other servers of its cluster.
 * The server delivers to its own sessions itself (synchronously, each frame
 * encoded once); the backplane carries relays to the other nodes, tells
 * which sessions they hold, and makes display names unique across them.
 *
 * Two implementations: {@linkcode LocalBackplane}, the default, for a server
 * alone (there are no other nodes: every method is a no-op), and the NATS
 * backplane of `cluster/nats.ts` (`chat server --cluster nats://...`).
 *
 * @module
 */

import type { SplicedFrame } from "../protocol/encode.ts";
import type { HistoryStore, SessionRecord, StoredMessage } from "./history/mod.ts";
import type { Directory } from "./handler.ts";
import type { Member, Members } from "./member.ts";

/**
 * Where a relay goes beyond this node: everyone, a room's members (the
 * sender is never among them: it is on this node), or sessions by id on
 * one node.
 */
export type RelayTarget =
  | { readonly everyone: true }
  | { readonly room: string }
  | { readonly node: string; readonly sessions: readonly string[] };

/** Where relays from other nodes are delivered to this node's sessions. */
export interface Inbound {
  /** Delivers a relay from another node to every session of this one. */
  deliverAll(frame: SplicedFrame): void;
  /** Delivers a relay from another node to this node's members of a room. */
  deliverRoom(room: string, frame: SplicedFrame): void;
  /** Delivers a relay from another node to sessions of this node by id. */
  deliverTo(sessions: readonly string[], frame: SplicedFrame): void;
  /**
   * Delivers a message of the cluster's history (any node's, this one's
   * too) to this node's sessions it is for, its sender aside.
   */
  deliverMessage(message: StoredMessage): void;
}

/** What a backplane needs of its server. */
export interface BackplaneHost {
  /** The sessions of this node that completed their handshake. */
  readonly members: Members;
  /** Where relays from other nodes go. */
  readonly inbound: Inbound;
  /**
   * Another node holds the name of this session (a conflict found when the
   * cluster healed): the session goes back to its guest name.
   */
  loseName(member: Member): void;
  /**
   * A login on another node ends this node's session with this id (its
   * account logged in there, PROTOCOL.md section 11); resolves once the
   * session is closed.
   */
  displace(session: string): Promise<void>;
  /**
   * A resume on another node took over this node's session with this id
   * (PROTOCOL.md section 9): it is dropped here without a word (an away
   * one leaves the registry, a connected one is cut), and the backplane is
   * told it is no longer here. Returns its name; `undefined` when no
   * session here has the id.
   */
  handOver(session: string): string | undefined;
  /**
   * A session of a node that died, taken over by this node (PROTOCOL.md
   * section 9): it is away here, for the resume window from now.
   */
  orphaned(record: SessionRecord): void;
}

/** The other nodes of a cluster, as a server sees them. */
export interface Backplane {
  /** This node's id in the cluster; `undefined` for a server alone. */
  readonly node: string | undefined;
  /** Whether the other nodes can be reached now (always, for a server alone). */
  readonly reachable: boolean;
  /**
   * The history store of a cluster, keeping the last `limit` messages
   * (PROTOCOL.md section 9: one order for every node), which
   * {@linkcode Backplane.start} starts; `undefined` for a server alone.
   */
  historyStore(limit: number): HistoryStore | undefined;
  /** Joins the cluster; rejects when it cannot. */
  start(host: BackplaneHost): Promise<void>;
  /** Leaves the cluster (after the server closed its sessions). */
  stop(): Promise<void>;
  /** The sessions that handlers see: this node's, and every other node's. */
  directory(local: Members): Directory;
  /** The node of another node's session with this id; `undefined` when none has it. */
  nodeOf(id: string): string | undefined;
  /**
   * Hands a relay, encoded once, to the other nodes; returns how many of
   * their sessions it counts as reached (see the README: sessions that the
   * presence view lists as targets when NATS took the frame).
   */
  publish(target: RelayTarget, frame: SplicedFrame): number;
  /**
   * Claims a display name for a session across the cluster before the
   * server gives it: throws or rejects with `name_taken`.
   */
  claim(member: Member, name: string): void | Promise<void>;
  /** Frees a name that `member` claimed (it took another, or ended). */
  release(member: Member, name: string): void;
  /**
   * Ends the session of another node that holds `name` (its account just
   * logged in on this one: PROTOCOL.md section 11); resolves once that
   * node has closed it and freed the name, or at once when no other node
   * holds it.
   */
  displace(name: string): Promise<void>;
  /** A session completed its handshake. */
  opened(member: Member): void;
  /** A session that completed its handshake changed its name. */
  renamed(member: Member): void;
  /** A session lost its connection and is away, waiting to be resumed (PROTOCOL.md section 9). */
  away(member: Member): void;
  /** A session that was away here was resumed here: it is connected again. */
  back(member: Member): void;
  /** A session joined a room; resolves once relays to the room reach this node. */
  joined(member: Member, room: string): void | Promise<void>;
  /** A session left a room. */
  left(member: Member, room: string): void;
  /** A registered session ended (still in its rooms, under its name). */
  closed(member: Member): void;
}

/** A server alone: no other nodes, nothing to carry, every name is local. */
export class LocalBackplane implements Backplane {
  readonly node: string | undefined = undefined;
  readonly reachable = true;
  historyStore(): undefined {
    return undefined;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  directory(local: Members): Directory {
    return local;
  }
  nodeOf(): string | undefined {
    return undefined;
  }
  publish(): number {
    return 0;
  }
  claim(): void {}
  release(): void {}
  displace(): Promise<void> {
    return Promise.resolve();
  }
  opened(): void {}
  renamed(): void {}
  away(): void {}
  back(): void {}
  joined(): void {}
  left(): void {}
  closed(): void {}
}
