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

import { SessionRequests } from "./session_requests.ts";
import { takeoverSubject } from "./subjects.ts";

/** This node's side of sessions moving between nodes: letting go, and asking to. */
export class Takeover extends SessionRequests {
  /** Answers the requests of other nodes to let a session of this one go. */
  listen(): void {
    this.requests.serve(takeoverSubject(this.requests.node), async ({ session }) => {
      if (typeof session !== "string") return;
      const name = this.host.handOver(session);
      if (name !== undefined) await this.names.released(name);
    });
  }

  /**
   * Asks `node` to let the session `session` go (see the module); resolves
   * once it answered, or at once when that node is this one or dead. A node
   * that does not answer in time is given up on.
   */
  async ask(node: string, session: string): Promise<void> {
    await this.request(
      node,
      takeoverSubject(node),
      { session },
      "cluster: node {node} did not let session {session_id} go: {error}",
      { session_id: session },
    );
  }
}
