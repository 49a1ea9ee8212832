/**
 * What displacement (`displacement.ts`) and takeovers (`takeover.ts`) have
 * in common: a request from one node to the node holding a session, on
 * that node's own subject, answered once it did with the session what it
 * was asked and its claim of the session's name is deleted.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { BackplaneHost } from "../backplane.ts";
import { REQUEST_MS } from "./link.ts";
import type { NameClaims } from "./name_claims.ts";
import type { NodeRequests } from "./node_requests.ts";

const log = getLogger(["chat", "cluster"]);

/**
 * How long a node waits for another to do with a session what it asked:
 * the session's end or cut (the server's grace) and the name's delete.
 */
export const SESSION_REQUEST_MS = 3 * REQUEST_MS;

/**
 * This node's side of one kind of request about sessions: answering other
 * nodes ({@linkcode SessionRequests.listen}), and asking them.
 */
export abstract class SessionRequests {
  /** The requests between nodes these ride on. */
  protected readonly requests: NodeRequests;
  /** The cluster-wide claims of the sessions' names. */
  protected readonly names: NameClaims;
  /** This node's sessions. */
  protected readonly host: BackplaneHost;

  /** Requests over `requests`, of the names of `names`, of `host`'s sessions. */
  constructor(requests: NodeRequests, names: NameClaims, host: BackplaneHost) {
    this.requests = requests;
    this.names = names;
    this.host = host;
  }

  /** Answers the requests of other nodes to this one. */
  abstract listen(): void;

  /**
   * Sends `body` to `node` on `subject` and waits (at most
   * {@linkcode SESSION_REQUEST_MS}) for its answer; at once when `node` is
   * this one or dead. A node that does not answer in time is given up on:
   * that is logged as the warning `message` (its `{node}` and `{error}`
   * filled in, and what else it names from `fields`).
   */
  protected async request(
    node: string,
    subject: string,
    body: Record<string, unknown>,
    message: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const failed = await this.requests.ask(node, subject, body, SESSION_REQUEST_MS);
    if (failed) log.warn(message, { ...fields, node, error: failed });
  }
}
