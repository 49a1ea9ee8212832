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
import type { Holder } from "./name_claims.ts";
import { SessionRequests } from "./session_requests.ts";
import { displaceSubject } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** This node's side of displacing sessions: answering other nodes, and asking them. */
export class Displacement extends SessionRequests {
  /** Answers the requests of other nodes to end a session of this one. */
  listen(): void {
    this.requests.serve(displaceSubject(this.requests.node), async ({ session, name }) => {
      if (typeof session !== "string" || typeof name !== "string") return;
      await this.host.displace(session);
      await this.names.released(name);
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
      holder = await this.names.holder(name);
    } catch (error) {
      log.debug("cluster: the holder of {name} not read: {error}", { name, error });
      return;
    }
    if (holder === undefined) return; // nobody holds it (or NATS is away)
    await this.request(
      holder.node,
      displaceSubject(holder.node),
      { session: holder.session, name },
      "cluster: node {node} did not end the session holding {name}: {error}",
      { name },
    );
  }
}
