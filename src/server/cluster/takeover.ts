/**
 * Resuming on one node a session another node holds (PROTOCOL.md section
 * 9): once the resuming node took the session's record over in the
 * sessions bucket (`session_bucket.ts`), it asks the node that held it, on
 * that node's subject `chat.takeover.<node>`, to let it go. That node drops
 * it without a word to anyone (it has not left: it goes on elsewhere): an
 * away session leaves its registry, a connected one is cut; its presence
 * key and its claim of the name are deleted; then it answers, and the
 * resuming node registers the session and claims its name. A node that is
 * dead is not asked.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { BackplaneHost } from "../backplane.ts";
import { REQUEST_MS } from "./link.ts";
import type { NameClaims } from "./name_claims.ts";
import type { NodeRequests } from "./node_requests.ts";
import { takeoverSubject } from "./subjects.ts";

const log = getLogger(["chat", "cluster"]);

/** How long a node waits for another to let a session go: its cut and the name's delete. */
export const TAKEOVER_MS = 3 * REQUEST_MS;

/** This node's side of sessions moving between nodes: letting go, and asking to. */
export class Takeover {
  #requests: NodeRequests;
  #names: NameClaims;
  #host: BackplaneHost;

  /** Takeovers over `requests`, of the names of `names`, of `host`'s sessions. */
  constructor(requests: NodeRequests, names: NameClaims, host: BackplaneHost) {
    this.#requests = requests;
    this.#names = names;
    this.#host = host;
  }

  /** Answers the requests of other nodes to let a session of this one go. */
  listen(): void {
    this.#requests.serve(takeoverSubject(this.#requests.node), async ({ session }) => {
      if (typeof session !== "string") return;
      const name = this.#host.handOver(session);
      if (name !== undefined) await this.#names.released(name);
    });
  }

  /**
   * Asks `node` to let the session `session` go (see the module); resolves
   * once it answered, or at once when that node is this one or dead. A node
   * that does not answer in time is given up on.
   */
  async ask(node: string, session: string): Promise<void> {
    const failed = await this.#requests.ask(
      node,
      takeoverSubject(node),
      { session },
      TAKEOVER_MS,
    );
    if (failed) {
      log.warn("cluster: node {node} did not let session {session_id} go: {error}", {
        node,
        session_id: session,
        error: failed,
      });
    }
  }
}
