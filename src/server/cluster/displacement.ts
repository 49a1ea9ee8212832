/**
 * One session per account across a cluster (PROTOCOL.md section 11). An
 * account's session holds the account's name cluster-wide (a claim in the
 * names bucket). A login of the account on another node finds the holder
 * there and asks its node, on that node's subject `chat.displace.<node>`,
 * to end it; that node ends the session (`disconnect` `logged in
 * elsewhere`), waits until its claim of the name is deleted, then answers,
 * and the new login claims the name.
 *
 * Whoever can publish on the cluster's NATS can ask this (as they can pose
 * as any account): let only the nodes in.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { BackplaneHost } from "../backplane.ts";
import type { NatsLink } from "./link.ts";
import { REQUEST_MS } from "./link.ts";
import type { Holder, NameClaims } from "./name_claims.ts";
import type { PresenceBucket } from "./presence_bucket.ts";
import { displaceSubject } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/**
 * How long a node waits for another to end a session: its flush (the
 * server's grace) and the name's delete.
 */
export const DISPLACE_MS = 3 * REQUEST_MS;

/** What a request carries: the session to end and the name it holds. */
interface DisplaceRequest {
  session: string;
  name: string;
}

const encoder = new TextEncoder();

/** This node's side of displacing sessions: answering other nodes, and asking them. */
export class Displacement {
  #link: NatsLink;
  #node: string;
  #names: NameClaims;
  #presence: PresenceBucket;
  #host: BackplaneHost;

  /** Displacement for `node` over `link`, of the names of `names`, ending `host`'s sessions. */
  constructor(
    link: NatsLink,
    node: string,
    names: NameClaims,
    presence: PresenceBucket,
    host: BackplaneHost,
  ) {
    this.#link = link;
    this.#node = node;
    this.#names = names;
    this.#presence = presence;
    this.#host = host;
  }

  /** Answers the requests of other nodes to end a session of this one. */
  listen(): void {
    this.#link.nc.subscribe(displaceSubject(this.#node), {
      callback: (error, msg) => {
        if (error) return;
        let request: DisplaceRequest;
        try {
          request = msg.json<DisplaceRequest>();
        } catch {
          return;
        }
        if (typeof request?.session !== "string" || typeof request.name !== "string") return;
        this.#link.task((async () => {
          await this.#host.displace(request.session);
          await this.#names.released(request.name);
          msg.respond(encoder.encode("{}"));
        })());
      },
    });
  }

  /**
   * Ends the session of another node that holds `name` (see the module);
   * resolves once that node answered, or at once when no other living node
   * holds it. A node that does not answer in time is given up on: the
   * caller's claim of the name then says whether it is free.
   */
  async displace(name: string): Promise<void> {
    let holder: Holder | undefined;
    try {
      holder = await this.#names.holder(name);
    } catch (error) {
      log.debug("cluster: the holder of {name} not read: {error}", { name, error });
      return;
    }
    if (holder === undefined || holder.node === this.#node) return;
    if (!await this.#presence.alive(holder.node)) return; // a dead node's claim is taken over
    const request: DisplaceRequest = { session: holder.session, name };
    try {
      await this.#link.nc.request(
        displaceSubject(holder.node),
        encoder.encode(JSON.stringify(request)),
        { timeout: DISPLACE_MS },
      );
    } catch (error) {
      log.warn("cluster: node {node} did not end the session holding {name}: {error}", {
        node: holder.node,
        name,
        error,
      });
    }
  }
}
