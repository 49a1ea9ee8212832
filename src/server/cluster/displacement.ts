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
import { REQUEST_MS } from "./link.ts";
import type { Holder, NameClaims } from "./name_claims.ts";
import type { NodeRequests } from "./node_requests.ts";
import { displaceSubject } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/**
 * How long a node waits for another to end a session: its flush (the
 * server's grace) and the name's delete.
 */
export const DISPLACE_MS = 3 * REQUEST_MS;

/** This node's side of displacing sessions: answering other nodes, and asking them. */
export class Displacement {
  #requests: NodeRequests;
  #names: NameClaims;
  #host: BackplaneHost;

  /** Displacement over `requests`, of the names of `names`, ending `host`'s sessions. */
  constructor(requests: NodeRequests, names: NameClaims, host: BackplaneHost) {
    this.#requests = requests;
    this.#names = names;
    this.#host = host;
  }

  /** Answers the requests of other nodes to end a session of this one. */
  listen(): void {
    this.#requests.serve(displaceSubject(this.#requests.node), async ({ session, name }) => {
      if (typeof session !== "string" || typeof name !== "string") return;
      await this.#host.displace(session);
      await this.#names.released(name);
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
    if (holder === undefined) return; // a dead node's claim is taken over
    const failed = await this.#requests.ask(
      holder.node,
      displaceSubject(holder.node),
      { session: holder.session, name },
      DISPLACE_MS,
    );
    if (failed) {
      log.warn("cluster: node {node} did not end the session holding {name}: {error}", {
        node: holder.node,
        name,
        error: failed,
      });
    }
  }
}
