/**
 * A node's view of the other nodes of its cluster: which are alive (their
 * heartbeats) and which sessions each holds, with their names and rooms.
 * Fed by a watch on the presence bucket; read synchronously by `who`, by
 * direct messages and by the `recipients` count.
 *
 * @module
 */

import { guestName, nameKey } from "../../protocol/names.ts";
import type { TransportKind } from "../../transport/types.ts";
import type { Clock } from "../../async/clock.ts";
import type { Directory, SessionInfo } from "../handler.ts";
import type { Members } from "../member.ts";

/** What a node writes about each of its sessions in the presence bucket. */
export interface SessionRecord {
  /** Display name. */
  name: string;
  /** The transport it is connected over. */
  transport: TransportKind;
  /** The rooms it is in. */
  rooms: string[];
  /** `true` when it logged in to an account (PROTOCOL.md section 11). */
  verified?: true;
  /** `true` while it waits to be resumed (PROTOCOL.md section 9). */
  away?: true;
}

/** What a node writes under its heartbeat key. */
export interface NodeRecord {
  /** Its presence TTL in milliseconds: peers count it dead after that much silence. */
  ttl: number;
  /** A token that tells the writer its own write came back through the watch. */
  mark?: string;
}

/** A session of another node. */
export class RemoteSession implements SessionInfo {
  readonly id: string;
  readonly node: string;
  name: string;
  transport: TransportKind;
  rooms: Set<string>;
  verified: boolean;
  away: boolean;

  constructor(node: string, id: string, record: SessionRecord) {
    this.node = node;
    this.id = id;
    this.name = record.name;
    this.transport = record.transport;
    this.rooms = new Set(record.rooms);
    this.verified = record.verified === true;
    this.away = record.away === true;
  }
}

interface Peer {
  ttl: number;
  lastSeen: number;
  sessions: Map<string, RemoteSession>;
}

/** The share of a TTL of silence after which a peer counts as dead. */
export const DEAD_AFTER = 0.9;

/** The other nodes and their sessions. */
export class Presence {
  #defaultTtl: number;
  #clock: Clock;
  #peers = new Map<string, Peer>();
  #byId = new Map<string, RemoteSession>();
  /** By the key of their name (PROTOCOL.md section 2). */
  #byName = new Map<string, RemoteSession>();
  /** By the key of the room's name: the name another node shows it by, and its members there. */
  #rooms = new Map<string, { name: string; members: Set<RemoteSession> }>();

  /** A view whose peers, until they say otherwise, have a TTL of `defaultTtl` ms, by `clock`. */
  constructor(defaultTtl: number, clock: Clock) {
    this.#defaultTtl = defaultTtl;
    this.#clock = clock;
  }

  /** How many sessions the other nodes hold. */
  get size(): number {
    return this.#byId.size;
  }

  /** The ids of the nodes alive. */
  nodes(): Iterable<string> {
    return this.#peers.keys();
  }

  /** Whether a node is alive (as far as this view knows). */
  alive(node: string): boolean {
    return this.#peers.has(node);
  }

  /** Every session of another node. */
  sessions(): Iterable<RemoteSession> {
    return this.#byId.values();
  }

  /** The session with this display name, in any spelling. */
  byName(name: string): RemoteSession | undefined {
    return this.#byName.get(nameKey(name));
  }

  /** The session with this id. */
  byId(id: string): RemoteSession | undefined {
    return this.#byId.get(id);
  }

  /** The sessions of other nodes in a room (named in any spelling). */
  members(room: string): Iterable<RemoteSession> {
    return this.#rooms.get(nameKey(room))?.members ?? [];
  }

  /** How many sessions of other nodes are in a room (named in any spelling). */
  roomSize(room: string): number {
    return this.#rooms.get(nameKey(room))?.members.size ?? 0;
  }

  /** The name other nodes show a room (named in any spelling) by, while one of their sessions is in it. */
  roomName(room: string): string | undefined {
    return this.#rooms.get(nameKey(room))?.name;
  }

  /** Whether `name` is the guest name of a session of another node that set none. */
  holdsGuestName(name: string): boolean {
    if (!name.startsWith("guest-")) return false;
    const holder = this.#byName.get(nameKey(name));
    return holder !== undefined && guestName(holder.id) === name;
  }

  /** A node's heartbeat arrived (now). */
  heard(node: string, record: Partial<NodeRecord>): void {
    const ttl = typeof record.ttl === "number" && record.ttl > 0 ? record.ttl : this.#defaultTtl;
    const peer = this.#peer(node);
    peer.ttl = ttl;
    peer.lastSeen = this.#clock.now();
  }

  /** A session of another node appeared or changed. */
  upsert(node: string, id: string, record: SessionRecord): void {
    const peer = this.#peer(node);
    const old = peer.sessions.get(id);
    if (old) this.#unindex(old);
    const session = new RemoteSession(node, id, record);
    peer.sessions.set(id, session);
    this.#byId.set(id, session);
    this.#byName.set(nameKey(session.name), session);
    for (const room of session.rooms) {
      const key = nameKey(room);
      let found = this.#rooms.get(key);
      if (!found) this.#rooms.set(key, found = { name: room, members: new Set() });
      found.members.add(session);
    }
  }

  /** A session of another node ended. */
  remove(node: string, id: string): void {
    const peer = this.#peers.get(node);
    const session = peer?.sessions.get(id);
    if (!peer || !session) return;
    peer.sessions.delete(id);
    this.#unindex(session);
  }

  /** Forgets a node and its sessions; returns them. */
  drop(node: string): RemoteSession[] {
    const peer = this.#peers.get(node);
    if (!peer) return [];
    this.#peers.delete(node);
    const sessions = [...peer.sessions.values()];
    for (const session of sessions) this.#unindex(session);
    return sessions;
  }

  /** The nodes silent, by now, for longer than {@linkcode DEAD_AFTER} of their TTL. */
  expired(): string[] {
    const now = this.#clock.now();
    const dead: string[] = [];
    for (const [node, peer] of this.#peers) {
      if (now - peer.lastSeen > peer.ttl * DEAD_AFTER) dead.push(node);
    }
    return dead;
  }

  /** Forgets everything (the link to NATS is down: nothing here can be trusted). */
  clear(): void {
    this.#peers.clear();
    this.#byId.clear();
    this.#byName.clear();
    this.#rooms.clear();
  }

  #peer(node: string): Peer {
    let peer = this.#peers.get(node);
    if (!peer) {
      peer = { ttl: this.#defaultTtl, lastSeen: this.#clock.now(), sessions: new Map() };
      this.#peers.set(node, peer);
    }
    return peer;
  }

  #unindex(session: RemoteSession): void {
    if (this.#byId.get(session.id) === session) this.#byId.delete(session.id);
    const key = nameKey(session.name);
    if (this.#byName.get(key) === session) this.#byName.delete(key);
    for (const room of session.rooms) {
      const roomKey = nameKey(room);
      const found = this.#rooms.get(roomKey);
      if (!found) continue;
      found.members.delete(session);
      if (found.members.size === 0) this.#rooms.delete(roomKey);
    }
  }
}

/** This node's sessions first, then every other node's: what handlers see in a cluster. */
export class ClusterDirectory implements Directory {
  #local: Members;
  #remote: Presence;

  /** Joins this node's sessions and the view of the other nodes. */
  constructor(local: Members, remote: Presence) {
    this.#local = local;
    this.#remote = remote;
  }

  *sessions(): Iterable<SessionInfo> {
    yield* this.#local.sessions();
    yield* this.#remote.sessions();
  }

  find(nameOrId: string): SessionInfo | undefined {
    return this.#local.byName(nameOrId) ?? this.#remote.byName(nameOrId) ??
      this.#local.get(nameOrId) ?? this.#remote.byId(nameOrId);
  }

  *members(room: string): Iterable<SessionInfo> {
    yield* this.#local.members(room);
    yield* this.#remote.members(room);
  }

  roomName(room: string): string | undefined {
    return this.#local.roomName(room) ?? this.#remote.roomName(room);
  }
}
